import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Workspace, type Host, type Diagnostic } from '../../server/src/engine';
import { COLLECTION, DEPLOYED, LOCK, SKIPS } from './baseline';

/** No disk: the property is about re-using earlier results after text edits. */
const host: Host = { readFile: () => new Error('none'), stat: () => undefined, readDir: () => [], realPath: () => undefined };

const FILES: Record<string, string> = {
  '/w/collections/main/collection.toml': COLLECTION,
  '/w/collections/main/collection.lock': LOCK,
  '/w/collections/other/collection.toml': COLLECTION.replace('name = "main"', 'name = "other"').replace(/uuid = "[0-9a-f]+"/g, (m) => m.replace(/"[0-9a-f]{4}/, '"ffff')),
  '/w/p/.claude/.skillmeat-deployed.toml': DEPLOYED,
  '/w/q/.claude/.skillmeat-deployed.toml': DEPLOYED.replace(/from_collection = "main"/g, 'from_collection = "other"'),
  '/w/p/.claude/.skillmeat_skip_prefs.toml': SKIPS,
};

/** Edits that change cross-file results: renames, uuid clashes, collection names, removed artifacts. */
const EDITS: [string, string, string][] = [
  ['/w/collections/main/collection.toml', 'name = "pdf-tools"', 'name = "pdf-tool"'],
  ['/w/collections/main/collection.toml', 'name = "main"', 'name = "mian"'],
  ['/w/collections/other/collection.toml', 'uuid = "ffff', 'uuid = "9b2e'],
  ['/w/collections/other/collection.toml', 'name = "release-notes"', 'name = "notes"'],
  ['/w/collections/main/collection.lock', 'pdf-tools::skill', 'pdf-toolz::skill'],
  ['/w/p/.claude/.skillmeat-deployed.toml', 'from_collection = "main"', 'from_collection = "other"'],
  ['/w/q/.claude/.skillmeat-deployed.toml', 'artifact_name = "pdf-tools"', 'artifact_name = "pdf-tool"'],
  ['/w/p/.claude/.skillmeat_skip_prefs.toml', 'agent:release-notes', 'agent release-notes'],
];

function digest(ws: Workspace): string[] {
  const out: string[] = [];
  for (const [file, ds] of ws.diagnostics()) for (const d of ds as Diagnostic[]) out.push(`${file}|${d.span.start}-${d.span.end}|${d.code}|${d.message}`);
  return out.sort();
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
        }
      }),
      { numRuns: 150, seed: 11 },
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
});
