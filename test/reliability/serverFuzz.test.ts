/**
 * Fuzzing through the real server process (dist/server.js over stdio): 200 fuzzed documents
 * opened and then changed without waiting, as an editor flooding it would. Afterwards every
 * document's last published diagnostics (and those of the files on disk they affect) must equal
 * what the engine computes in this process for the same texts, the server must still answer a
 * hover, and sending the same texts again must give the same diagnostics.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { Workspace } from '../../server/src/engine';
import { decodeToml } from '../../server/src/engine/toml/decode';
import { nodeHost } from '../../server/src/host/nodeHost';
import { baseline } from '../engine/baseline';
import { makeCase } from '../fuzz/gen';
import { CHILD_ENV, Scratch, TestClient, ensureBuilt, line, uri } from './helpers';

const DOCS = 200;
const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

describe('reliability: fuzzed documents through the real server', function () {
  this.timeout(120_000);
  let s: Scratch;
  let client: TestClient;

  before(async () => {
    ensureBuilt();
    s = new Scratch();
    for (const [rel, text] of Object.entries(baseline())) s.write(rel, text);
    client = new TestClient({ ...CHILD_ENV, HOME: s.root, SKILLMEAT_HOME: s.path('home') });
    // No cache: its remembered uuids would add uuid-conflict findings the in-process engine does not have.
    await client.start({ folders: [s.root], collectionsRoot: s.path('collections'), init: { cache: false, watch: false } });
  });

  after(async () => {
    const code = await client.stop();
    s.dispose();
    assert.equal(code, 0, 'the server exits cleanly after the flood');
  });

  it(`${DOCS} documents opened and changed at once: published diagnostics equal the engine's, and the server still answers`, async () => {
    const docs: { file: string; first: string; last: string }[] = [];
    for (let i = 0; i < DOCS; i++) {
      const a = makeCase(4242, i);
      const b = makeCase(4242, i + DOCS);
      // Each document in a folder of its own, at the place its case was made for (its kind).
      const file = s.path(path.join('fuzz', String(i), path.relative('/w', b.file)));
      docs.push({ file, first: decodeToml(a.bytes).text, last: decodeToml(b.bytes).text });
    }
    for (const d of docs) await client.open(d.file, d.first, 1);
    for (const d of docs) await client.change(d.file, d.last, 2);
    const t0 = Date.now();
    for (const d of docs) await client.waitDiagnostics(d.file, (_ds, p) => p.version === 2, 90_000);
    const settleMs = Date.now() - t0;

    // The same state in this process: the disk, plus every document's last text.
    const ws = new Workspace(nodeHost);
    ws.scan(s.root);
    for (const d of docs) ws.setText(d.file, d.last, 2);
    const expected = (file: string) => ws.diagnosticsOf(file).map((x) => line(file, { ...x, severity: SEVERITY[x.severity] })).sort();
    const published = (file: string) => (client.diagnostics.get(uri(file))?.diagnostics ?? []).map((x) => line(file, x)).sort();
    const mismatches: string[] = [];
    for (const f of [...docs.map((d) => d.file), ...Object.keys(baseline()).map((r) => s.path(r))]) {
      if (!/\.(toml|lock|json)$/.test(f)) continue;
      const want = expected(f);
      const got = published(f);
      if (JSON.stringify(want) !== JSON.stringify(got)) mismatches.push(`${path.relative(s.root, f)}: server ${got.length}, engine ${want.length}\n  ${got.filter((x) => !want.includes(x)).slice(0, 3).join('\n  ')}\n  vs ${want.filter((x) => !got.includes(x)).slice(0, 3).join('\n  ')}`);
    }
    assert.deepEqual(mismatches, [], `settled in ${settleMs} ms`);

    // Still responsive: a hover on the baseline's group member is answered with its artifact.
    const col = s.path('collections/main/collection.toml');
    const text = s.read('collections/main/collection.toml');
    const at = text.indexOf('"skill:pdf-tools"') + 3;
    const lines = text.slice(0, at).split('\n');
    const t1 = Date.now();
    const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(col) }, position: { line: lines.length - 1, character: lines[lines.length - 1].length } });
    assert.ok(hover && JSON.stringify(hover.contents).includes('pdf-tools'), JSON.stringify(hover));
    assert.ok(Date.now() - t1 < 5000, `hover took ${Date.now() - t1} ms`);
    assert.equal(client.proc.exitCode, null, 'the server is still running');

    // Same input, same diagnostics: the last texts again as version 3, for a sample.
    const sample = docs.filter((_, i) => i % 10 === 0);
    const before = new Map(sample.map((d) => [d.file, published(d.file)]));
    for (const d of sample) await client.change(d.file, d.last, 3);
    for (const d of sample) {
      const p: PublishDiagnosticsParams = await client.waitDiagnostics(d.file, (_ds, q) => q.version === 3, 30_000);
      assert.deepEqual(p.diagnostics.map((x) => line(d.file, x)).sort(), before.get(d.file));
    }
  });
});
