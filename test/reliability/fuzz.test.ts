/**
 * Engine fuzzing in `npm test` (the long run is `npm run fuzz`, test/fuzz/long.mjs): generated and
 * mutated manifests, every real fixture cut and re-encoded, editor text over the size limit, and
 * one enormous line under every editor feature (linear time). What each case checks is listed in
 * test/fuzz/gen.ts. TOML conformance itself is test/toml/conformance.test.ts; the simpler
 * property test of 2,000 mutations is test/engine/property.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine';
import * as F from '../../server/src/engine/features';
import { MemoryFs, REAL, makeCase, runCase, type FuzzCase } from '../fuzz/gen';

const SEED = 20261123;
const CASES = Number(process.env.SKILLMEAT_FUZZ_CASES ?? 600);

describe('reliability: engine fuzzing', function () {
  this.timeout(120_000);

  it(`${CASES} generated and mutated manifests: no exception, ranges inside, same input same diagnostics`, () => {
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      try {
        runCase(makeCase(SEED, i));
      } catch (e) {
        failures.push((e as Error).message);
        if (failures.length >= 5) break;
      }
    }
    assert.deepEqual(failures, [], `replay with: node test/fuzz/long.mjs --seed ${SEED} --case <n>`);
  });

  it('every real fixture, cut at 40 places and re-encoded (CRLF, BOM, invalid UTF-8)', () => {
    const files = fs.existsSync(REAL) ? fs.readdirSync(REAL).filter((f) => f.endsWith('.toml')) : [];
    assert.ok(files.length >= 6, `real fixtures in ${REAL}`);
    let n = 0;
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(REAL, f));
      const target = f.startsWith('deployed') ? '/w/other/.codex/.skillmeat-deployed.toml' : f.startsWith('collection') ? '/w/collections/other/collection.toml' : '/w/project/.claude/.skillmeat-project.toml';
      const variants: [string, Buffer][] = [
        ['as is', bytes],
        ['crlf', Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')],
        ['bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])],
        ['lone cr', Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r'), 'latin1')],
      ];
      for (let k = 1; k <= 40; k++) {
        const at = Math.floor((bytes.length * k) / 41);
        variants.push([`cut at ${at}`, bytes.subarray(0, at)]);
        variants.push([`0xff at ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)])]);
      }
      for (const [what, b] of variants) {
        const c: FuzzCase = { index: n++, file: target, source: `real:${f}`, ops: [what], bytes: b, maxFileBytes: 10 * 1024 * 1024, offsets: [0, b.length >> 1, b.length] };
        runCase(c);
      }
    }
    assert.ok(n > 400);
  });

  it('editor text over the size limit is not parsed: file-too-large only, at once (a plugin.json too)', () => {
    const host = new MemoryFs({ '/w/c/collection.toml': '[collection]\nname = "c"\n' });
    const ws = new Workspace(host, { maxFileBytes: 1024 * 1024 });
    ws.scan('/w');
    // 12 MB of text that would give a syntax error per line if it were parsed.
    const huge = 'zz\n'.repeat(4 * 1024 * 1024);
    const t0 = Date.now();
    const sf = ws.setText('/w/c/collection.toml', huge, 7);
    const ds = ws.diagnosticsOf('/w/c/collection.toml');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.deepEqual(ds.map((d) => d.code), ['file-too-large']);
    assert.match(ds[0].message, /collection\.toml is 12\.0 MB, over the 1 MB limit; it was not checked/);
    assert.equal(sf.version, 7);
    assert.equal(sf.text, '');
    // Multi-byte text: the limit is in UTF-8 bytes (0.4 M characters of "é" are 0.8 MB, under it; 0.6 M are over).
    assert.ok(!ws.setText('/w/c/collection.toml', `a = "${'é'.repeat(400_000)}"\n`).local.some((d) => d.code === 'file-too-large'));
    assert.deepEqual(ws.setText('/w/c/collection.toml', `a = "${'é'.repeat(600_000)}"\n`).local.map((d) => d.code), ['file-too-large']);
    // Back under the limit, the text is checked again.
    ws.setText('/w/c/collection.toml', '[collection]\nname = 1\n', 8);
    assert.ok(ws.diagnosticsOf('/w/c/collection.toml').some((d) => d.code === 'wrong-type'));
    // A plugin.json over the limit on disk: not parsed as JSON either (it used to add json-syntax).
    const disk = new MemoryFs({ '/w/c/collection.toml': '[collection]\nname = "c"\n', '/w/c/plugins/p/plugin.json': `{"name": "${'p'.repeat(200_000)}"}` });
    const small = new Workspace(disk, { maxFileBytes: 0.1 * 1024 * 1024 });
    small.scan('/w');
    assert.deepEqual(small.diagnosticsOf('/w/c/plugins/p/plugin.json').map((d) => [d.code, d.message]), [['file-too-large', 'plugin.json is 0.2 MB, over the 0.1 MB limit; it was not checked']]);
  });

  it('hundreds of thousands of findings in one file: computed (no stack overflow for the whole workspace), and their fixes in linear time', () => {
    // The rules appended each unit's findings with out.push(...items): 200,000 findings (a group of
    // 2 MB of repeated members) overflowed the call stack, and no file of the workspace got any
    // diagnostics — in the server and in `check` (fixed in engine/diagnostics/rules/index.ts and
    // context.ts).
    const file = '/w/c/collection.toml';
    const ws = new Workspace(new MemoryFs({ [file]: '[collection]\nname = "c"\n\n[[groups]]\nname = "g"\nmembers = [' + '"skill:x", '.repeat(250_000) + ']\n', '/w/d/collection.toml': '[collection]\nname = 1\n' }));
    ws.scan('/w');
    const all = ws.diagnostics();
    assert.ok((all.get(file)?.length ?? 0) > 250_000);
    assert.ok(all.get('/w/d/collection.toml')?.some((d) => d.code === 'wrong-type'), 'the other file still gets its findings');
    // A fix for each of them, asked for the whole file: linear (removeListItem scanned back to the
    // line start for every item: 7,000 members took 3 s; fixed in engine/features/codeActions.ts).
    const t0 = Date.now();
    const actions = F.codeActionsFor(ws, file, { start: 0, end: ws.get(file)!.text.length });
    assert.ok(actions.length > 240_000, String(actions.length));
    assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
  });

  it('the references of an artifact with a 200,000-character name, among 100,000 group members: linear', () => {
    // stripExtension lower-cased the whole name for every comparison, so hover, references and
    // highlights on such an artifact took the product of both sizes (30 s in the long fuzz run;
    // fixed in engine/model/identity.ts).
    const file = '/w/c/collection.toml';
    const name = 'n'.repeat(200_000);
    const text = `[collection]\nname = "c"\n\n[[artifacts]]\nname = "${name}"\ntype = "skill"\npath = "skills/x"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n\n[[groups]]\nname = "g"\nmembers = [${'"skill:x", '.repeat(100_000)}]\n`;
    const ws = new Workspace(new MemoryFs({ [file]: text }));
    ws.scan('/w');
    ws.diagnostics();
    const at = text.indexOf(name) + 10;
    const t0 = Date.now();
    assert.ok(F.hoverAt(ws, file, at));
    assert.ok(F.referencesAt(ws, file, at).length >= 1);
    F.documentHighlights(ws, file, at);
    assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  });

  it('one line of 400,000 characters: every editor feature answers in linear time', () => {
    // completionsAt used /[A-Za-z0-9_-]*$/ on the line before the cursor: quadratic, so a
    // completion at the end of a long value blocked the server for minutes (fixed in completion.ts).
    const n = 400_000;
    const forms: Record<string, string> = {
      'bare value': `[[artifacts]]\nname = ${'a'.repeat(n)}!`,
      'string value': `[[artifacts]]\nname = "${'a'.repeat(n)}`,
      'reference': `[[groups]]\nname = "g"\nmembers = ["skill:${'a'.repeat(n)}!"]`,
      'tag list': `[[artifacts]]\nname = "a"\ntags = ["${'-'.repeat(n)}x"]`,
      'bare key': `[[artifacts]]\n${'k'.repeat(n)}`,
      'spaces': `[[artifacts]]\nname = "x"${' '.repeat(n)}#`,
    };
    const file = '/w/c/collection.toml';
    for (const [what, text] of Object.entries(forms)) {
      const ws = new Workspace(new MemoryFs({ [file]: text }));
      ws.scan('/w');
      ws.diagnostics();
      const t0 = Date.now();
      for (const o of [text.length, text.length - 1, text.length >> 1]) {
        F.completionsAt(ws, file, o);
        F.hoverAt(ws, file, o);
        F.definitionAt(ws, file, o);
        F.referencesAt(ws, file, o);
        F.documentHighlights(ws, file, o);
        F.prepareRenameAt(ws, file, o);
        F.codeActionsFor(ws, file, { start: o, end: o });
      }
      F.documentSymbols(ws, file);
      F.semanticTokens(ws, file);
      F.foldingRanges(ws, file);
      F.documentLinks(ws, file);
      F.inlayHints(ws, file);
      const ms = Date.now() - t0;
      assert.ok(ms < 5000, `${what}: ${ms} ms for a ${n}-character line (quadratic?)`);
    }
  });
});
