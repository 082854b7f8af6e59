/**
 * `uuids --write` saves the cache before it writes any file, so a file only ever gets uuids a saved
 * cache holds: when the cache cannot be saved nothing is written, and when a manifest cannot be
 * written the uuids already saved are the ones the next run writes. (The race with another
 * process saving the cache at the same moment is test/reliability/races.test.ts.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { acquireLock } from '../../server/src/engine/cache/lock';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline } from '../engine/baseline';

describe('skillmeat-ls uuids --write: cache first, files after', () => {
  let dir: TempDir;
  const C = 'collections/main/collection.toml';
  const D = 'project/.claude/.skillmeat-deployed.toml';

  beforeEach(() => {
    dir = new TempDir();
    dir.write(baseline());
  });
  afterEach(() => dir.dispose());

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false, cwd: dir.root, env: { SKILLMEAT_HOME: dir.path('home') } };
    const code = await main(argv, io);
    return { code, out, err };
  }

  async function registry(): Promise<Map<string, string>> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(dir.path('home/vscode-cache.db')));
    const m = new Map((db.exec('SELECT type_name, uuid FROM uuid_registry')[0]?.values ?? []).map((r) => [String(r[0]), String(r[1])]));
    db.close();
    return m;
  }

  const planned = (out: string) => [...out.matchAll(/\+ (?:artifact_)?uuid = "([0-9a-f]{32})"  \(([^)]+)\)/g)].map((m) => `${m[2]} ${m[1]}`).sort();

  it('the cache cannot be saved (its lock is held): nothing is written, exit 1 with the reason', async () => {
    assert.equal((await run('uuids', '.')).code, 0); // creates the cache
    const before = [fs.readFileSync(dir.path(C), 'utf8'), fs.readFileSync(dir.path(D), 'utf8')];
    const held = acquireLock(dir.path('home/vscode-cache.db'), { purpose: 'test' });
    assert.ok(held.ok);
    try {
      const r = await run('uuids', '.', '--write');
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /skillmeat-ls uuids: the cache was not saved: .*locked by process .*; nothing was written/);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
      assert.deepEqual([fs.readFileSync(dir.path(C), 'utf8'), fs.readFileSync(dir.path(D), 'utf8')], before);
      const j = await run('uuids', '.', '--write', '--format', 'json');
      assert.equal(j.code, 1);
      assert.equal(JSON.parse(j.out).written, false);
      assert.match(JSON.parse(j.out).message, /nothing was written/);
    } finally {
      held.value.release();
    }
    const w = await run('uuids', '.', '--write');
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /3 uuids written to 2 of 2 files/);
  });

  it('a manifest cannot be written (its lock is held): the rest is left too, exit 1; the next run writes the uuids the cache saved', async () => {
    const held = acquireLock(path.join(path.dirname(dir.path(C)), '.collection.toml'), { purpose: 'test' });
    assert.ok(held.ok);
    const before = [fs.readFileSync(dir.path(C), 'utf8'), fs.readFileSync(dir.path(D), 'utf8')];
    let first;
    try {
      first = await run('uuids', '.', '--write');
    } finally {
      held.value.release();
    }
    assert.equal(first.code, 1, first.out + first.err);
    assert.match(first.err, /collection.toml is locked by process \d+ .*nothing was written.*; 1 more file was not written either/);
    assert.match(first.out, /0 of 3 uuids written, to 0 of 2 files/);
    assert.deepEqual([fs.readFileSync(dir.path(C), 'utf8'), fs.readFileSync(dir.path(D), 'utf8')], before);
    // The cache was saved before the write was tried: it holds the uuids planned.
    // (A deployed record is labelled with its own name, release-notes.md: look its uuid up by value.)
    const reg = await registry();
    const remembered = new Set(reg.values());
    assert.equal(planned(first.out).length, 3);
    for (const p of planned(first.out)) {
      const [artifact, uuid] = p.split(' ');
      if (reg.has(artifact)) assert.equal(reg.get(artifact), uuid, p);
      else assert.ok(remembered.has(uuid), p);
    }
    const again = await run('uuids', '.', '--write');
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(planned(again.out), planned(first.out), 'the same uuids as planned by the refused run');
    assert.match(again.out, /3 uuids written to 2 of 2 files/);
  });
});
