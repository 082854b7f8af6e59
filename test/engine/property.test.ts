import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { Workspace, type Host } from '../../server/src/engine';
import { decodeToml } from '../../server/src/engine/toml/decode';
import { COLLECTION, DEPLOYED, LOCK, SKIPS } from './baseline';

const REAL = path.resolve(__dirname, '../../../shared/fixtures/real');

/** A host with nothing on disk: the property is about text, not files. */
const emptyHost: Host = { readFile: () => new Error('no such file'), stat: () => undefined, readDir: () => [], realPath: () => undefined };

const SEEDS: [string, string][] = [
  ['/w/collections/main/collection.toml', COLLECTION],
  ['/w/collections/main/collection.lock', LOCK],
  ['/w/p/.claude/.skillmeat-deployed.toml', DEPLOYED],
  ['/w/p/.claude/.skillmeat_skip_prefs.toml', SKIPS],
];
if (fs.existsSync(REAL)) {
  for (const f of fs.readdirSync(REAL).filter((x) => x.endsWith('.toml'))) {
    const target = f.startsWith('deployed') ? '/w/q/.claude/.skillmeat-deployed.toml' : f.startsWith('collection') ? '/w/collections/real/collection.toml' : '/w/q/.claude/.skillmeat-project.toml';
    SEEDS.push([target, fs.readFileSync(path.join(REAL, f), 'utf8').slice(0, 6000)]);
  }
}

/** Mutations a fuzzer would make: byte flips, truncation, insertion of TOML-significant or odd characters. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('[', ']', '[[', '"', "'", '"""', '=', '\n', '\r', '\r\n', '\ufeff', '\u0000', '{', '}', ',', '.', '#', '\\', '😀', '1979-05-27T07:32:00Z', 'x.y.z = 1', '[artifacts]', 'name = 1') }),
);

function mutate(bytes: Uint8Array, ms: { kind: 'flip' | 'truncate' | 'insert'; at: number; byte?: number; text?: string }[]): Uint8Array {
  let b = Buffer.from(bytes);
  for (const m of ms) {
    const at = b.length ? m.at % (b.length + 1) : 0;
    if (m.kind === 'flip' && b.length) b[Math.min(at, b.length - 1)] = m.byte!;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text!), b.subarray(at)]);
  }
  return b;
}

/** Checks one text end to end; returns a comparable digest of the diagnostics. */
function checkOnce(file: string, text: string): string {
  const ws = new Workspace(emptyHost);
  for (const [f, t] of SEEDS) if (f !== file) ws.setText(f, t);
  const sf = ws.setText(file, text);
  const all = ws.diagnostics();
  for (const [f, ds] of all) {
    const len = ws.get(f)!.text.length;
    for (const d of ds) {
      assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= len, `span ${JSON.stringify(d.span)} outside ${f} (${len})`);
      assert.ok(d.range.start.line >= 0 && d.range.end.line < ws.get(f)!.lines.lineCount);
      assert.ok(d.message.length > 0 && d.code.length > 0);
    }
  }
  return JSON.stringify(all.get(sf.file));
}

describe('property: no input makes the engine throw, and every range is inside its file', () => {
  it('random mutations of real and generated manifests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, ms) => {
        const [file, text] = SEEDS[i];
        const decoded = decodeToml(mutate(Buffer.from(text), ms)).text;
        const a = checkOnce(file, decoded);
        assert.equal(checkOnce(file, decoded), a, 'the same input gives the same diagnostics');
      }),
      { numRuns: 1000, seed: 20261123 },
    );
  });

  it('random bytes as every kind of file', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: SEEDS.length - 1 }), (bytes, i) => {
        checkOnce(SEEDS[i][0], decodeToml(bytes).text);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
