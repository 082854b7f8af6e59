// A separate process for the multi-process cache tests (run with `node --require tsx/cjs`).
// Modes: hold-lock FILE | writer FILE NAME COUNT | save-loop FILE
import { openCache } from '../../server/src/engine/cache/db';
import { acquireLock } from '../../server/src/engine/cache/lock';

async function main(): Promise<void> {
  const [mode, file, ...rest] = process.argv.slice(2);
  if (mode === 'hold-lock') {
    const l = acquireLock(file, { timeoutMs: 10_000, purpose: 'test holder' });
    if (!l.ok) throw new Error(l.error.message);
    process.stdout.write('locked\n');
    setInterval(() => {}, 1000);
    return;
  }
  if (mode === 'writer') {
    const [name, countText, startAt] = rest;
    const opened = await openCache(file, { lock: { timeoutMs: 10_000 } });
    // Both writers start together so their saves interleave.
    while (Date.now() < Number(startAt ?? 0)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    if (!opened.ok) throw new Error(opened.error.message);
    const cache = opened.value.cache;
    let conflicts = 0;
    const mine: string[] = [];
    const apply = () => {
      for (const id of mine) {
        cache.db.run('INSERT OR IGNORE INTO collections (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)', [id, name, 't', 't']);
      }
    };
    for (let i = 0; i < Number(countText); i++) {
      // A short pause lets the other writer's saves land between ours.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3);
      mine.push(`${name}-${i}`);
      apply();
      for (;;) {
        const s = cache.save();
        if (s.ok) break;
        if (s.error.code !== 'CONFLICT') throw new Error(s.error.message);
        // Someone else saved first: take their file and re-apply our changes on top.
        conflicts++;
        const r = cache.reload();
        if (!r.ok) throw new Error(r.error.message);
        apply();
      }
    }
    cache.close();
    process.stdout.write(JSON.stringify({ conflicts, late: Date.now() - Number(startAt ?? 0) }) + "\n");
    return;
  }
  if (mode === 'save-loop') {
    const opened = await openCache(file);
    if (!opened.ok) throw new Error(opened.error.message);
    const cache = opened.value.cache;
    cache.db.run('CREATE TABLE IF NOT EXISTS marker (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, payload TEXT NOT NULL)');
    process.stdout.write('ready\n');
    for (let i = 0; ; i++) {
      // Alternate between two very different images so a torn file could not pass as either.
      const tag = i % 2 ? 'B' : 'A';
      cache.db.run('DELETE FROM marker');
      cache.db.run('INSERT INTO marker (id, tag, payload) VALUES (1, ?, ?)', [tag, tag.repeat(tag === 'A' ? 1_000_000 : 3_000_000)]);
      const s = cache.save();
      if (!s.ok) throw new Error(s.error.message);
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
