/**
 * The process incrementalSave.test.ts kills or races (bundled with esbuild there, for a fast
 * start). It works on a real cache file through the real CacheFile with incremental saves.
 *
 *   kill-save FILE KILL_AT   fill the cache, save twice (so there is a shadow), print the rows
 *                            digest before and after one more small change, then save that
 *                            change with SIGKILL just before (KILL_AT = 2k) or just after
 *                            (2k + 1) its k-th write-side file-system call; -1: no kill
 *   writer FILE NAME COUNT AT   COUNT small changes, each saved; CONFLICT → reload → again
 *
 * Prints "ready" before the save under test, and "calls <n> <names…>" and "done" at the end.
 */
import { createHash } from 'node:crypto';
import { openCache } from '../../server/src/engine/cache/db';
import { realWriteFs, type WriteFs } from '../../server/src/engine/cache/atomicWrite';
import type { Database } from 'sql.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Every write-side call of a save counted; SIGKILL before or after the chosen one (once armed). */
function killingFs(killAt: number): { fs: WriteFs; arm(): void; calls(): string[] } {
  let armed = false;
  const names: string[] = [];
  const full = realWriteFs as Required<WriteFs>;
  const step =
    <A extends unknown[], R>(name: string, fn: (...a: A) => R) =>
    (...a: A): R => {
      if (!armed) return fn(...a);
      const i = names.length;
      names.push(name);
      if (killAt === 2 * i) process.kill(process.pid, 'SIGKILL');
      const r = fn(...a);
      if (killAt === 2 * i + 1) process.kill(process.pid, 'SIGKILL');
      return r;
    };
  const fs: Required<WriteFs> = {
    openSync: step('open', full.openSync),
    writeSync: step('write', full.writeSync),
    fchmodSync: step('fchmod', full.fchmodSync),
    fsyncSync: step('fsync', full.fsyncSync),
    closeSync: step('close', full.closeSync),
    renameSync: step('rename', full.renameSync),
    unlinkSync: step('unlink', full.unlinkSync),
    pwriteSync: step('pwrite', full.pwriteSync),
    ftruncateSync: step('ftruncate', full.ftruncateSync),
    linkSync: step('link', full.linkSync),
    futimesSync: step('futimes', full.futimesSync),
  };
  return { fs, arm: () => (armed = true), calls: () => names };
}

/** The rows that tell states apart, as a digest. */
export function rowsDigest(db: Database): string {
  const rows = db.exec('SELECT id, name, updated_at FROM collections ORDER BY id')[0]?.values ?? [];
  return createHash('sha1').update(JSON.stringify(rows)).digest('hex');
}

function fill(db: Database, n: number): void {
  db.exec('BEGIN');
  const st = db.prepare('INSERT INTO collections (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < n; i++) st.run([`c${String(i).padStart(5, '0')}`, `collection ${i} ${'x'.repeat(200)}`, 't0', 't0']);
  st.free();
  db.exec('COMMIT');
}

async function main(): Promise<void> {
  const [mode, file, ...rest] = process.argv.slice(2);
  if (mode === 'kill-save') {
    const k = killingFs(Number(rest[0]));
    const opened = await openCache(file, { incrementalSave: true, writeFs: k.fs, lock: { timeoutMs: 10_000 } });
    if (!opened.ok) throw new Error(opened.error.message);
    const cache = opened.value.cache;
    fill(cache.db, 3000);
    for (const step of ['t1', 't2']) {
      cache.db.run("UPDATE collections SET updated_at = ? WHERE id IN ('c00010', 'c01500')", [step]);
      const s = cache.save();
      if (!s.ok) throw new Error(s.error.message);
    }
    out(`old ${rowsDigest(cache.db)}`);
    cache.db.run("UPDATE collections SET updated_at = 't3' WHERE id IN ('c00020', 'c02900')");
    out(`new ${rowsDigest(cache.db)}`);
    out('ready');
    k.arm();
    const s = cache.save();
    if (!s.ok) throw new Error(s.error.message);
    out(`mode ${s.value.mode}`);
    out(`calls ${k.calls().length} ${k.calls().join(' ')}`);
    cache.close();
    out('done');
    return;
  }
  if (mode === 'writer') {
    const [name, countText, startAt] = rest;
    const opened = await openCache(file, { incrementalSave: true, lock: { timeoutMs: 10_000 } });
    if (!opened.ok) throw new Error(opened.error.message);
    const cache = opened.value.cache;
    while (Date.now() < Number(startAt ?? 0)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    let conflicts = 0;
    const modes: Record<string, number> = {};
    const mine: string[] = [];
    const apply = () => {
      for (const id of mine) cache.db.run('INSERT OR IGNORE INTO collections (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)', [id, name, 't', 't']);
    };
    for (let i = 0; i < Number(countText); i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      mine.push(`${name}-${i}`);
      apply();
      for (;;) {
        const s = cache.save();
        if (s.ok) {
          modes[s.value.mode ?? '?'] = (modes[s.value.mode ?? '?'] ?? 0) + 1;
          break;
        }
        if (s.error.code !== 'CONFLICT') throw new Error(s.error.message);
        conflicts++;
        const r = cache.reload();
        if (!r.ok) throw new Error(r.error.message);
        apply();
      }
    }
    cache.close();
    out(JSON.stringify({ conflicts, modes }));
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(3);
  });
}
