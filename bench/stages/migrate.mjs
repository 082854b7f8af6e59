// `migrate up` from 0001_legacy_schema on a cache of 100k artifacts and 300k join rows, and
// `down` to 0001 again, through the CLI (`skillmeat-ls migrate up --cache FILE`) when it has the
// command, else through the cache engineer's CacheFile API in a child process. Wall time of the
// whole command: open, backup, migrations, atomic save.
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed } from '../lib/proc.mjs';
import { loadCacheApi } from '../lib/cacheApi.mjs';
import { ensureLegacyDb, LEGACY } from '../lib/legacy.mjs';

const API_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'migrate-api.mjs');

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    const i = text.indexOf('{');
    try {
      return i >= 0 ? JSON.parse(text.slice(i)) : undefined;
    } catch {
      return undefined;
    }
  }
}

export async function migrateStage(ctx) {
  const { api, bundle } = await loadCacheApi();
  const legacy = await ensureLegacyDb(api, ctx.log);
  const haveCli = ctx.bundles.cliJs && (await timed(process.execPath, [ctx.bundles.cliJs, 'migrate', '--help'], { timeoutMs: 30_000 })).code === 0;
  const how = haveCli ? 'CLI: skillmeat-ls migrate up|down --cache FILE' : 'CacheFile API (the CLI has no migrate command yet)';
  ctx.log(`  legacy cache ${legacy.file} (${(statSync(legacy.file).size / 2 ** 20).toFixed(0)} MiB); via ${how}`);
  const cmd = (file, dir) =>
    haveCli
      ? [ctx.bundles.cliJs, 'migrate', dir, '--cache', file, '--format', 'json', ...(dir === 'down' ? ['--to', '0001_legacy_schema'] : [])]
      : [API_SCRIPT, bundle, file, dir];
  const up = [];
  const down = [];
  const runs = [];
  const deadline = Date.now() + (ctx.quick ? 6 : 12) * 60_000;
  for (let i = 0; i < ctx.runs && Date.now() < deadline; i++) {
    const dir = join(ctx.tmp, `migrate-${i}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'vscode-cache.db');
    copyFileSync(legacy.file, file);
    const env = { ...process.env, SKILLMEAT_HOME: dir };
    const u = await timed(process.execPath, cmd(file, 'up'), { env, timeoutMs: 300_000 });
    const uj = parseJson(u.stdout);
    const upOk = u.code === 0 && uj?.ok !== false;
    if (upOk) up.push(u.ms);
    const afterUp = statSync(file).size;
    const d = upOk ? await timed(process.execPath, cmd(file, 'down'), { env, timeoutMs: 300_000 }) : undefined;
    const dj = d && parseJson(d.stdout);
    const downOk = d && d.code === 0 && dj?.ok !== false;
    if (downOk) down.push(d.ms);
    const perMigration = (j) => j?.perMigration ?? j?.applied?.map((a) => [a.id, a.durationMs]);
    runs.push({
      up: { ms: u.ms, cpuMs: u.cpuMs, maxRssMiB: u.maxRssMiB, ok: upOk, to: uj?.to, perMigration: perMigration(uj), error: upOk ? undefined : (uj?.error?.message ?? u.stderr.slice(0, 500)) },
      down: d && { ms: d.ms, cpuMs: d.cpuMs, maxRssMiB: d.maxRssMiB, ok: downOk, to: dj?.to, perMigration: perMigration(dj), error: downOk ? undefined : (dj?.error?.message ?? d.stderr.slice(0, 500)) },
      imageBytes: { before: statSync(legacy.file).size, afterUp },
    });
    ctx.log(`  run ${i + 1}: up ${upOk ? `${(u.ms / 1000).toFixed(1)} s` : 'FAILED'}, down ${downOk ? `${(d.ms / 1000).toFixed(1)} s` : 'FAILED'} (image ${(afterUp / 2 ** 20).toFixed(0)} MiB after up)`);
    rmSync(dir, { recursive: true, force: true });
  }
  ctx.details.migrate = { how, dataset: LEGACY, legacyFile: legacy.file, runs };
  const failed = runs.find((r) => !r.up.ok || (r.down && !r.down.ok));
  ctx.figure({ id: 'migrate_up', title: 'migrate up 0001 → head (100k artifacts, 300k join rows)', size: '100k', unit: 'ms', values: up, target: { op: '<=', value: 5000, text: '≤ 5 s' }, na: up.length ? undefined : `failed: ${failed?.up.error ?? 'no run'}`, note: how });
  ctx.figure({ id: 'migrate_down', title: 'migrate down head → 0001', size: '100k', unit: 'ms', values: down, target: { op: '<=', value: 5000, text: '≤ 5 s' }, na: down.length ? undefined : `failed: ${failed?.down?.error ?? failed?.up.error ?? 'no run'}` });
}
