import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCachePath, openCache, type FileMigrateResult } from '../../engine/cache/db';
import type { CacheError } from '../../engine/cache/errors';
import type { MigrationStatus } from '../../engine/cache/migrate';
import { lastValue, parseArgs, UsageError } from '../args';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';

/** The text of `skillmeat-ls migrate --help`. */
export const MIGRATE_HELP = `Usage: skillmeat-ls migrate status|up|down [options]

Shows or changes the schema revision of the editor's artifact cache (an SQLite file).

  status   applied migrations with checksums and dates, pending ones, and drift
           (an applied migration whose definition changed since)
  up       apply pending migrations (all, or --to / --steps)
  down     revert migrations (one, or --to / --steps); rows set aside on the way up,
           such as join rows naming missing artifacts, are put back

Every up/down first copies the cache to <cache>.backup-<time>-<revision> (the newest five
are kept); each migration runs in one transaction and a failure leaves the file as it was.
An open editor notices the change: after "down" its cache is behind, and it writes nothing to
the file until you migrate up again (it never migrates without being asked).

Options:
  --to REV         target revision: an id, its number (0004), or "base" (down only)
  --steps N        number of migrations to apply or revert
  --dry-run        print the SQL that would run; change nothing
  --force          revert migrations even if their definition drifted
  --cache FILE     cache file (default $SKILLMEAT_HOME/vscode-cache.db or ~/.skillmeat/vscode-cache.db)
  --format text|json   output format (default text)
  -h, --help       show this help

Exit status: 0 done (status: no drift), 1 refused or failed (status: drift or unreadable),
2 bad usage.
`;

const SUBCOMMANDS = ['status', 'up', 'down'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

function usage(io: CliIo, message: string): number {
  io.err(`skillmeat-ls migrate: ${message}\n`);
  return EXIT_USAGE;
}

function short(sum: string): string {
  return sum.slice(0, 12);
}

function failure(io: CliIo, format: string, file: string, error: CacheError): number {
  if (format === 'json') io.out(JSON.stringify({ ok: false, cache: file, error }, null, 2) + '\n');
  else io.err(`skillmeat-ls migrate: ${error.message}\n`);
  return error.code === 'BAD_TARGET' ? EXIT_USAGE : EXIT_FINDINGS;
}

function statusText(file: string, exists: boolean, s: MigrationStatus): string {
  const lines = [`cache: ${file}${exists ? '' : ' (no file yet; it is created on first use)'}`];
  lines.push(`revision: ${s.current ?? 'base (empty)'}${s.current === s.head ? ' (newest)' : `; newest known: ${s.head}`}`);
  if (s.applied.length) {
    lines.push('applied:');
    const w = Math.max(...s.applied.map((a) => a.id.length));
    for (const a of s.applied) {
      lines.push(`  ${a.id.padEnd(w)}  ${a.appliedAt}  sha256:${short(a.checksum)}${a.drift ? `  DRIFT (this build: ${short(a.expectedChecksum ?? '')})` : ''}`);
    }
  }
  lines.push(s.pending.length ? `pending:\n${s.pending.map((p) => `  ${p}`).join('\n')}` : 'pending: none');
  if (s.drift.length) {
    lines.push(`drift: ${s.drift.join(', ')} changed after being applied; "down" will refuse to revert them without --force`);
  }
  return lines.join('\n') + '\n';
}

function counts(c: Record<string, number>): string {
  const e = Object.entries(c).filter(([, n]) => n > 0);
  return e.length ? e.map(([t, n]) => `${t} ${n}`).join(', ') : 'none';
}

function runText(file: string, r: FileMigrateResult): string {
  const lines = [`cache: ${file}`];
  if (r.backup) lines.push(`backup: ${r.backup}`);
  const verb = r.dryRun ? (r.direction === 'up' ? 'would apply' : 'would revert') : r.direction === 'up' ? 'applied' : 'reverted';
  if (r.applied.length === 0) lines.push(r.direction === 'up' ? 'nothing to apply' : 'nothing to revert');
  for (const a of r.applied) lines.push(`${verb} ${a.id}  sha256:${short(a.checksum)}  (${a.durationMs} ms)`);
  if (r.direction === 'up' && r.applied.length) lines.push(`orphan rows set aside: ${counts(r.orphansRemoved)}`);
  if (r.direction === 'down' && r.applied.length) lines.push(`orphan rows restored: ${counts(r.orphansRestored)}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(r.dryRun ? `the cache would be at ${r.to ?? 'base'}; nothing was changed` : `now at ${r.to ?? 'base'}`);
  if (r.dryRun && r.sql) lines.push('', '-- SQL', ...r.sql.map((s) => (s.endsWith(';') || s.startsWith('--') ? s : `${s};`)));
  return lines.join('\n') + '\n';
}

/** Runs `migrate status|up|down` against the cache file; returns the exit code. */
export async function runMigrate(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['to', 'steps', 'cache', 'format'], ['dry-run', 'force', 'help']);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  if (args.flags.has('help')) {
    io.out(MIGRATE_HELP);
    return EXIT_OK;
  }
  const [sub, ...extra] = args.positionals;
  if (!sub) return usage(io, 'say status, up or down (see --help)');
  if (!SUBCOMMANDS.includes(sub as Sub)) return usage(io, `unknown subcommand "${sub}" (status, up or down)`);
  if (extra.length) return usage(io, `unexpected argument "${extra[0]}"`);
  const format = lastValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(io, `unknown format "${format}" (text or json)`);
  const to = lastValue(args, 'to');
  const stepsText = lastValue(args, 'steps');
  if (to !== undefined && stepsText !== undefined) return usage(io, 'give --to or --steps, not both');
  let steps: number | undefined;
  if (stepsText !== undefined) {
    if (!/^\d+$/.test(stepsText)) return usage(io, `--steps needs a whole number, not "${stepsText}"`);
    steps = Number(stepsText);
  }
  if (sub === 'status' && (to !== undefined || steps !== undefined || args.flags.has('dry-run') || args.flags.has('force'))) {
    return usage(io, 'status takes no --to, --steps, --dry-run or --force');
  }
  const cacheArg = lastValue(args, 'cache');
  const file = cacheArg ? path.resolve(io.cwd, cacheArg) : defaultCachePath(io.env);
  const exists = fs.existsSync(file);
  // A damaged file is reported, not repaired: quarantining is the editor's job on open.
  const opened = await openCache(file, { migrate: false, onDamaged: 'refuse' });
  if (!opened.ok) return failure(io, format, file, opened.error);
  const cache = opened.value.cache;
  try {
    if (sub === 'status') {
      const s = cache.status();
      if (!s.ok) return failure(io, format, file, s.error!);
      if (format === 'json') io.out(JSON.stringify({ cache: file, exists, ...s }, null, 2) + '\n');
      else io.out(statusText(file, exists, s));
      return s.drift.length ? EXIT_FINDINGS : EXIT_OK;
    }
    const opts = { to, steps, dryRun: args.flags.has('dry-run'), force: args.flags.has('force') };
    const r = sub === 'up' ? cache.migrateUp(opts) : cache.migrateDown(opts);
    if (format === 'json') {
      io.out(JSON.stringify({ cache: file, ...r }, null, 2) + '\n');
      return r.ok ? EXIT_OK : r.error?.code === 'BAD_TARGET' ? EXIT_USAGE : EXIT_FINDINGS;
    }
    if (!r.ok) {
      if (r.backup) io.err(`backup kept at ${r.backup}\n`);
      return failure(io, format, file, r.error!);
    }
    io.out(runText(file, r));
    return EXIT_OK;
  } finally {
    cache.close();
  }
}
