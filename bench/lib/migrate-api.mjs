// `migrate up|down` through the cache engineer's CacheFile API, for builds whose CLI has no
// `migrate` command yet: open (no auto-migration), migrate (backup + atomic save included), close.
// Usage: node migrate-api.mjs <bundle> <file> up|down [target]. Prints a JSON summary.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [bundle, file, direction, to] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const api = require(bundle);
const opened = await api.openCache(file, { migrate: false, keepBackups: 1 });
if (!opened.ok) {
  process.stdout.write(JSON.stringify({ ok: false, error: opened.error }) + '\n');
  process.exit(1);
}
const cache = opened.value.cache;
const tOpen = process.hrtime.bigint();
const r = direction === 'up' ? cache.migrateUp(to ? { to } : {}) : cache.migrateDown({ to: to ?? '0001_legacy_schema' });
const tDone = process.hrtime.bigint();
cache.close();
const ms = (a, b) => Number(b - a) / 1e6;
process.stdout.write(
  JSON.stringify({
    ok: r.ok,
    error: r.error,
    from: r.from,
    to: r.to,
    saved: r.saved,
    openMs: ms(t0, tOpen),
    migrateMs: ms(tOpen, tDone),
    totalMs: ms(t0, process.hrtime.bigint()),
    perMigration: r.applied.map((a) => [a.id, a.durationMs]),
  }) + '\n',
);
process.exit(r.ok ? 0 : 1);
