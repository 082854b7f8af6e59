import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Workspace, type Host, type Diagnostic } from '../../server/src/engine';
import { COLLECTION, DEPLOYED, LOCK, SKIPS } from './baseline';

/** No disk: the property is about re-using earlier results after text edits. */
const host: Host = { readFile: () => new Error('none'), stat: () => undefined, readDir: () => [], realPath: () => undefined };

/** A record found by uuid alone: it depends on every collection's uuids, not only on the one it names. */
const BY_UUID = `
[[deployed]]
from_collection = "other"
artifact_uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"
`;

const FILES: Record<string, string> = {
  '/w/collections/main/collection.toml': COLLECTION,
  '/w/collections/main/collection.lock': LOCK,
  '/w/collections/other/collection.toml': COLLECTION.replace('name = "main"', 'name = "other"').replace(/uuid = "[0-9a-f]+"/g, (m) => m.replace(/"[0-9a-f]{4}/, '"ffff')),
  // Shares main's first uuid, so a uuid edit in other makes three holders whose order is checked.
  '/w/collections/third/collection.toml': COLLECTION.replace('name = "main"', 'name = "third"').replace('uuid = "c41d7e0a', 'uuid = "d41d7e0a'),
  '/w/p/.claude/.skillmeat-deployed.toml': DEPLOYED,
  '/w/q/.claude/.skillmeat-deployed.toml': DEPLOYED.replace(/from_collection = "main"/g, 'from_collection = "other"') + BY_UUID,
  '/w/p/.claude/.skillmeat_skip_prefs.toml': SKIPS,
};

/**
 * Edits that change cross-file results (renames, uuid clashes, collection names, removed
 * artifacts, lock hashes) and edits that only move text or change what no other file reads
 * (descriptions, comments, fetch times), which must still re-anchor every finding of the file.
 */
const EDITS: [string, string, string][] = [
  ['/w/collections/main/collection.toml', 'name = "pdf-tools"', 'name = "pdf-tool"'],
  ['/w/collections/main/collection.toml', 'name = "main"', 'name = "mian"'],
  ['/w/collections/other/collection.toml', 'uuid = "ffff', 'uuid = "9b2e'],
  ['/w/collections/other/collection.toml', 'name = "release-notes"', 'name = "notes"'],
  ['/w/collections/main/collection.lock', 'pdf-tools::skill', 'pdf-toolz::skill'],
  ['/w/p/.claude/.skillmeat-deployed.toml', 'from_collection = "main"', 'from_collection = "other"'],
  ['/w/q/.claude/.skillmeat-deployed.toml', 'artifact_name = "pdf-tools"', 'artifact_name = "pdf-tool"'],
  ['/w/p/.claude/.skillmeat_skip_prefs.toml', 'agent:release-notes', 'agent release-notes'],
  ['/w/collections/main/collection.toml', 'description = "Extract PDF pages"', 'description = "Extract the pages of PDF files"'],
  ['/w/collections/main/collection.toml', '[collection]', '# edited\n\n[collection]'],
  ['/w/collections/main/collection.toml', 'path = "skills/pdf-tools"', 'path = "../pdf-tools"'],
  ['/w/collections/main/collection.toml', 'uuid = "c41d7e0a', 'uuid = "e41d7e0a'],
  ['/w/collections/main/collection.lock', 'content_hash = "0c7d', 'content_hash = "1c7d'],
  ['/w/collections/main/collection.lock', 'fetched = "2026-01-04T18:30:01.220331"', 'fetched = "2026-01-04T18:30:01.220332"'],
  ['/w/collections/third/collection.toml', 'name = "third"', 'name = "main"'],
  ['/w/collections/other/collection.toml', 'name = "pdf-tools"', 'name = "pdf-tools2"'],
  ['/w/q/.claude/.skillmeat-deployed.toml', 'from_collection = "other"', 'from_collection = "othr"'],
];

function digest(ws: Workspace): string[] {
  const out: string[] = [];
  for (const [file, ds] of ws.diagnostics()) for (const d of ds as Diagnostic[]) out.push(`${file}|${d.span.start}-${d.span.end}|${JSON.stringify(d.range)}|${d.code}|${d.severity}|${d.message}|${JSON.stringify(d.data)}|${JSON.stringify(d.related)}`);
  return out.sort();
}

/** The index as features read it: which file and text each collection, name, folder, deployment and lock entry leads to. */
function indexDigest(ws: Workspace): string {
  const i = ws.index();
  const col = (c: { source: { file: string; text: string }; name: string; lock?: { source: { file: string; text: string } }; composites: { name: string }[] }) =>
    [c.source.file, c.source.text, c.name, c.lock?.source.file, c.lock?.source.text, c.composites.map((k) => k.name)];
  return JSON.stringify({
    collections: i.collections.map(col),
    byName: [...i.byName].map(([n, cs]) => [n, cs.map(col)]),
    byDir: [...i.byDir].map(([d, c]) => [d, col(c)]),
    deployments: i.deployments.map((d) => [d.source.file, d.source.text, d.model === d.source.model]),
    others: i.others.map((o) => [o.file, o.text]),
  });
}

describe('incremental re-checking gives exactly what a fresh check gives', () => {
  it('after any sequence of edits and reverts across files', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: EDITS.length - 1 }), fc.boolean()), { minLength: 1, maxLength: 12 }), (steps) => {
        const ws = new Workspace(host);
        const texts = { ...FILES };
        for (const [f, t] of Object.entries(texts)) ws.setText(f, t);
        ws.diagnostics();
        let version = 1;
        for (const [i, apply] of steps) {
          const [file, from, to] = EDITS[i];
          texts[file] = apply ? texts[file].replace(from, to) : texts[file].replace(to, from);
          ws.setText(file, texts[file], ++version);
          const fresh = new Workspace(host);
          for (const [f, t] of Object.entries(texts)) fresh.setText(f, t);
          assert.deepEqual(digest(ws), digest(fresh));
          assert.equal(indexDigest(ws), indexDigest(fresh));
        }
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('an edit in a collection updates the findings of the deployed files that read it', () => {
    const ws = new Workspace(host);
    for (const [f, t] of Object.entries(FILES)) ws.setText(f, t);
    const p = '/w/p/.claude/.skillmeat-deployed.toml';
    assert.deepEqual(ws.diagnosticsOf(p).map((d) => d.code), []);
    ws.setText('/w/collections/main/collection.toml', COLLECTION.replace('name = "pdf-tools"', 'name = "pdf-tool"'), 2);
    assert.deepEqual(ws.diagnosticsOf(p).map((d) => d.code), ['unknown-reference']);
    ws.setText('/w/collections/main/collection.toml', COLLECTION, 3);
    assert.deepEqual(ws.diagnosticsOf(p).map((d) => d.code), []);
  });

  it('a change of what the cache remembers re-checks the collections whose findings it changes', () => {
    // The cache's answers, as the server's worker copy holds them.
    const cached = new Map<string, string>();
    const ws = new Workspace(host, { rules: { cachedUuid: (_c, type, name) => cached.get(`${type}:${name}`) } });
    for (const [f, t] of Object.entries(FILES)) ws.setText(f, t);
    const main = '/w/collections/main/collection.toml';
    const other = '/w/collections/other/collection.toml';
    const conflicts = (f: string) => ws.diagnosticsOf(f).filter((d) => d.code === 'uuid-conflict').length;
    assert.equal(conflicts(main), 0);
    const untouched = ws.diagnosticsOf(other);
    const set = (key: string, uuid: string | undefined) => {
      const before = cached.get(key);
      if (uuid === undefined) cached.delete(key);
      else cached.set(key, uuid);
      return new Map([[key, before]]);
    };
    // A key no manifest gives a uuid for: no finding can change, nothing is checked again.
    const revision = ws.currentRevision;
    ws.cachedUuidsChanged(set('skill:nothing', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b'));
    assert.equal(ws.currentRevision, revision);
    // The uuid main's manifest gives: main agrees, other (which gives its pdf-tools another) does not.
    ws.cachedUuidsChanged(set('skill:pdf-tools', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b'));
    assert.equal(conflicts(main), 0);
    assert.equal(conflicts(other), 1);
    // Another uuid for skill pdf-tools (main, other and third each hold one).
    ws.cachedUuidsChanged(set('skill:pdf-tools', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
    assert.equal(conflicts(main), 1);
    assert.equal(conflicts(other), 1);
    ws.cachedUuidsChanged(set('skill:pdf-tools', undefined));
    assert.equal(conflicts(main), 0);
    cached.set('skill:pdf-tools', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    ws.cachedUuidsChanged(undefined);
    assert.equal(conflicts(main), 1, 'an unknown change re-checks every collection');
    cached.clear();
    ws.cachedUuidsChanged(undefined);
    assert.deepEqual(ws.diagnosticsOf(other), untouched);
  });

  it('after any sequence of cache changes, the findings are those of a fresh check with that cache', () => {
    const keys = ['skill:pdf-tools', 'agent:release-notes', 'command:review', 'skill:nothing'];
    const uuids = ['9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b', 'c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09', 'ffff6c1f04a84d7e8c3b5a6f7e8d9c0b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: keys.length - 1 }), fc.integer({ min: -1, max: uuids.length - 1 })), { minLength: 1, maxLength: 10 }), (steps) => {
        const cached = new Map<string, string>();
        const rules = { cachedUuid: (_c: string, type: string, name: string) => cached.get(`${type}:${name}`) };
        const ws = new Workspace(host, { rules });
        for (const [f, t] of Object.entries(FILES)) ws.setText(f, t);
        ws.diagnostics();
        for (const [k, u] of steps) {
          const before = cached.get(keys[k]);
          if (u < 0) cached.delete(keys[k]);
          else cached.set(keys[k], uuids[u]);
          ws.cachedUuidsChanged(new Map([[keys[k], before]]));
          const fresh = new Workspace(host, { rules });
          for (const [f, t] of Object.entries(FILES)) fresh.setText(f, t);
          assert.deepEqual(digest(ws), digest(fresh));
        }
      }),
      { numRuns: 100, seed: 12 },
    );
  });
});
