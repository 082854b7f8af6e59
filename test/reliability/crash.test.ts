/**
 * Crashes: ~20 processes SIGKILLed at random points of cache saves and of every migration step
 * (what each round checks is in crash/rounds.ts; the 200-round version is kill-loop.mjs, not in
 * npm test). test/cache/processes.test.ts already kills a save loop 5 times and checks the file
 * opens; these rounds add migrations (up and down, each one), kills at every write call of the
 * backup and the save, the exact old-or-new check, saved memberships, backups and leftovers.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { removeStaleTemps } from '../../server/src/engine/cache/atomicWrite';
import { Scratch } from './helpers';
import { plan, runKillRounds, type RoundResult } from './crash/rounds';

const ROUNDS = Number(process.env.SKILLMEAT_KILL_ROUNDS ?? 20);

describe('reliability: processes killed during cache saves and migrations', function () {
  this.timeout(180_000);

  it(`${ROUNDS} SIGKILLs: the cache is always the old or the new state, healthy, with every saved membership`, async () => {
    const p = plan(ROUNDS);
    // The plan covers every migration step up, and link saves, even in a short run.
    for (let m = 1; m < MIGRATIONS.length; m++) assert.ok(p.some((k) => k.kind === 'up' && k.migration === m), MIGRATIONS[m].id);
    assert.ok(p.some((k) => k.kind === 'down') && p.some((k) => k.kind === 'links'));
    const results: RoundResult[] = await runKillRounds(ROUNDS, 20261123);
    const bad = results.filter((r) => !r.ok).map((r) => `round ${r.round} (${r.what}; ${r.how}): ${r.problem}`);
    assert.deepEqual(bad, []);
    assert.equal(results.length, ROUNDS);
  });

  it('the temp file of a backup a dead process was writing is removed at the next open (it used to stay for good)', () => {
    // Found by the rounds above: removeStaleTemps only knew `<file>.tmp-<pid>-…`, not the temp of a
    // backup, `<file>.backup-<time>-<rev>.tmp-<pid>-…` (fixed in engine/cache/atomicWrite.ts).
    const s = new Scratch();
    try {
      const file = s.path('vscode-cache.db');
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const names = [`vscode-cache.db.backup-20261123T120000000Z-0004_x.tmp-${dead}-abcd1234`, `vscode-cache.db.tmp-${dead}-abcd1234`, `vscode-cache.db.backup-20261123T120000000Z-0004_x.tmp-${process.pid}-abcd1234`, 'vscode-cache.db.backup-20261123T120000000Z-0004_x'];
      for (const n of names) fs.writeFileSync(path.join(s.root, n), 'x');
      const removed = removeStaleTemps(file).map((p) => path.basename(p)).sort();
      assert.deepEqual(removed, [names[0], names[1]].sort());
      assert.deepEqual(fs.readdirSync(s.root).sort(), [names[2], names[3]].sort(), 'a live process’s temp and the finished backup stay');
    } finally {
      s.dispose();
    }
  });
});
