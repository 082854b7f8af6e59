/**
 * The process the kill loop kills (bundled with esbuild by rounds.ts for a fast start). It works
 * on a real cache file through the real CacheFile, and can SIGKILL itself just before or just after
 * its n-th write-side file-system call (open, write, fchmod, fsync, close, rename of the backup
 * and of the save), so every step of an atomic save is hit; with no such point it runs to the
 * end and the parent kills it from outside at a random moment instead.
 *
 *   migrate FILE up|down KILL_AT      one migration step (backup, migrate, save)
 *   memberships FILE WORKSPACE COUNT KILL_AT
 *                                     sync the workspace, then link composite:kit → skill:s<i>
 *                                     and save, COUNT times, printing "saved <i>" after each save
 *
 * KILL_AT = 2 × call + (0 before | 1 after), or -1. Prints "ready" once the file is open, and
 * "calls <n>" and "done" at the end.
 */
import * as path from 'node:path';
import { openCache } from '../../../server/src/engine/cache/db';
import { realWriteFs, type WriteFs } from '../../../server/src/engine/cache/atomicWrite';
import { link } from '../../../server/src/engine/cache/link';
import { syncWorkspace } from '../../../server/src/engine/cache/sync';
import { Workspace } from '../../../server/src/engine';
import { nodeHost } from '../../../server/src/host/nodeHost';

const CLOCK = () => new Date('2026-11-23T12:00:00.000Z');

function killingFs(killAt: number): { fs: WriteFs; calls: () => number } {
  let n = 0;
  const step = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    const i = n++;
    if (killAt === 2 * i) process.kill(process.pid, 'SIGKILL');
    const r = fn(...a);
    if (killAt === 2 * i + 1) process.kill(process.pid, 'SIGKILL');
    return r;
  };
  const fs: WriteFs = {
    openSync: step(realWriteFs.openSync),
    writeSync: step(realWriteFs.writeSync),
    fchmodSync: step(realWriteFs.fchmodSync),
    fsyncSync: step(realWriteFs.fsyncSync),
    closeSync: step(realWriteFs.closeSync),
    renameSync: step(realWriteFs.renameSync),
    unlinkSync: step(realWriteFs.unlinkSync),
  };
  return { fs, calls: () => n };
}

async function main(): Promise<void> {
  const [mode, file, ...rest] = process.argv.slice(2);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (mode === 'migrate') {
    const [direction, killText] = rest;
    const k = killingFs(Number(killText));
    const opened = await openCache(file, { migrate: false, now: CLOCK, writeFs: k.fs, lock: { timeoutMs: 10_000 } });
    if (!opened.ok) throw new Error(opened.error.message);
    out('ready');
    const r = direction === 'up' ? opened.value.cache.migrateUp({ steps: 1, now: CLOCK }) : opened.value.cache.migrateDown({ steps: 1, now: CLOCK });
    if (!r.ok) throw new Error(r.error?.message);
    opened.value.cache.close();
    out(`calls ${k.calls()}`);
    out('done');
    return;
  }
  if (mode === 'memberships') {
    const [workspace, countText, killText] = rest;
    const k = killingFs(Number(killText));
    const ws = new Workspace(nodeHost);
    ws.scan(workspace);
    const index = ws.index();
    const opened = await openCache(file, { now: CLOCK, writeFs: k.fs, lock: { timeoutMs: 10_000 } });
    if (!opened.ok) throw new Error(opened.error.message);
    const cache = opened.value.cache;
    out('ready');
    const synced = syncWorkspace(cache.db, index);
    if (!synced.ok) throw new Error(synced.error.message);
    const first = cache.save();
    if (!first.ok) throw new Error(first.error.message);
    let generation = synced.value.generation;
    for (let i = 0; i < Number(countText); i++) {
      const r = link(cache.db, index, { parent: 'composite:kit', child: `skill:s${i}`, relation: 'contains', collection: path.join(workspace, 'collections', 'main', 'collection.toml') }, generation);
      if (!r.ok) throw new Error(r.reason);
      const s = cache.save();
      if (!s.ok) throw new Error(s.error.message);
      generation++;
      out(`saved ${i}`);
    }
    cache.close();
    out(`calls ${k.calls()}`);
    out('done');
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
