/**
 * Files read from disk let their TOML trees go after lowering and parse them again when a
 * feature needs them (decision 0006). Whatever a user sees must be the same as with the tree
 * held: the example workspace is loaded once from disk (trees dropped) and once with every file
 * given as editor text (trees held), and every feature is asked at every offset of every file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine';
import { hoverAt } from '../../server/src/engine/features/hover';
import { completionsAt } from '../../server/src/engine/features/completion';
import { definitionAt, referencesAt } from '../../server/src/engine/features/navigation';
import { codeActionsFor, sortGroupMembers, writeMissingUuids } from '../../server/src/engine/features/codeActions';
import { documentSymbols } from '../../server/src/engine/features/symbols';
import { foldingRanges } from '../../server/src/engine/features/folding';
import { DetachedTable } from '../../server/src/engine/toml/detached';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir } from '../helpers/tempWorkspace';

const EXAMPLES = path.resolve(__dirname, '../../examples');

describe('engine: trees dropped after lowering', () => {
  let dir: TempDir;
  let disk: Workspace;
  let open: Workspace;
  let files: string[];

  before(() => {
    dir = new TempDir();
    fs.cpSync(EXAMPLES, dir.root, { recursive: true });
    disk = new Workspace(nodeHost);
    files = disk.scan(dir.root).filter((f) => f.endsWith('.toml') || f.endsWith('.lock'));
    open = new Workspace(nodeHost);
    open.scan(dir.root);
    for (const f of files) open.setText(f, fs.readFileSync(f, 'utf8'), 1);
  });

  after(() => dir.dispose());

  it('holds no tree for a file read from disk, and keeps the tree of an open document', () => {
    const col = files.find((f) => f.endsWith('collections/default/collection.toml'))!;
    const m = disk.get(col)!.model as { artifacts: { table: unknown }[]; header?: unknown };
    assert.ok(m.artifacts.length > 0);
    assert.ok(m.artifacts.every((a) => a.table instanceof DetachedTable));
    assert.ok(m.header instanceof DetachedTable);
    const o = open.get(col)!.model as { artifacts: { table: unknown }[] };
    assert.ok(o.artifacts.every((a) => !(a.table instanceof DetachedTable)));
  });

  it('gives the same diagnostics', () => {
    for (const f of files) assert.deepEqual(disk.diagnosticsOf(f), open.diagnosticsOf(f), f);
  });

  it('answers every feature at every offset as with the tree held', () => {
    // The open copy carries editor versions and fresh uuids are random: neither is what is compared.
    const strip = (v: unknown): string =>
      String(JSON.stringify(v, (k, x) => (k === "version" ? undefined : typeof x === "bigint" ? String(x) : x))).replace(/uuid = \\"[0-9a-f]{32}\\"/g, 'uuid = "…"');
    let asked = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (let o = 0; o <= text.length; o += 3) {
        asked++;
        assert.equal(strip(hoverAt(disk, f, o)), strip(hoverAt(open, f, o)), `hover ${f}@${o}`);
        assert.equal(strip(completionsAt(disk, f, o)), strip(completionsAt(open, f, o)), `completion ${f}@${o}`);
        assert.equal(strip(definitionAt(disk, f, o)), strip(definitionAt(open, f, o)), `definition ${f}@${o}`);
        assert.equal(strip(referencesAt(disk, f, o).length), strip(referencesAt(open, f, o).length), `references ${f}@${o}`);
        assert.equal(strip(codeActionsFor(disk, f, { start: o, end: o })), strip(codeActionsFor(open, f, { start: o, end: o })), `actions ${f}@${o}`);
      }
      assert.equal(strip(documentSymbols(disk, f)), strip(documentSymbols(open, f)), `symbols ${f}`);
      assert.equal(strip(foldingRanges(disk, f)), strip(foldingRanges(open, f)), `folding ${f}`);
      assert.equal(strip(sortGroupMembers(disk, f)), strip(sortGroupMembers(open, f)), `sort ${f}`);
    }
    let n = 0;
    const make = () => `uuid-${n++}`;
    const a = strip(writeMissingUuids(disk, undefined, make));
    n = 0;
    assert.equal(a, strip(writeMissingUuids(open, undefined, make)));
    assert.ok(asked > 1000);
  });
});
