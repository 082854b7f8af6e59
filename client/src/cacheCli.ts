import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The cache's migration state as `skillmeat-ls migrate status --format json` prints it. */
export interface MigrationStatus {
  ok: boolean;
  current: string | null;
  head: string;
  applied: { id: string; appliedAt?: string; drift?: boolean }[];
  pending: string[];
  drift: string[];
  unknown: string[];
  error?: { code?: string; message: string };
}

/** What `migrate up|down --format json` prints. */
export interface MigrateResult {
  ok: boolean;
  direction: 'up' | 'down';
  from: string | null;
  to: string | null;
  applied: { id: string; direction?: string; durationMs?: number }[];
  warnings?: string[];
  dryRun?: boolean;
  sql?: string[];
  orphansRemoved?: Record<string, number>;
  orphansRestored?: Record<string, number>;
  /** Where the CLI copied the cache before changing it. */
  backup?: string;
  error?: { code?: string; message: string };
}

/** A finished CLI run: the exit code, both streams, and stdout parsed as JSON when it was JSON. */
export interface CliRun<T> {
  code: number;
  stdout: string;
  stderr: string;
  json?: T;
}

/** Runs the bundled CLI (`dist/cli.js`) with the editor's own Node, never a PATH lookup. */
export class CacheCli {
  constructor(
    private readonly extensionPath: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The bundled CLI script. */
  get script(): string {
    return path.join(this.extensionPath, 'dist', 'cli.js');
  }

  /** Whether the bundle ships the CLI at all (a broken build should say so, not hang). */
  available(): boolean {
    return existsSync(this.script);
  }

  /** Runs `skillmeat-ls <args>`; resolves with the outcome even on a non-zero exit. */
  run<T>(args: string[], timeoutMs = 120_000): Promise<CliRun<T>> {
    this.log(`$ skillmeat-ls ${args.map(quote).join(' ')}`);
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [this.script, ...args],
        // VS Code's own binary is Electron: this variable makes it behave as plain Node.
        { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const e = err as (Error & { code?: unknown }) | null;
          const code = !e ? 0 : typeof e.code === 'number' ? e.code : 1;
          const run: CliRun<T> = { code, stdout: String(stdout), stderr: String(stderr) };
          try {
            if (run.stdout.trim()) run.json = JSON.parse(run.stdout) as T;
          } catch {
            // Text output (an old CLI, a usage error): callers fall back to stderr.
          }
          if (run.stderr.trim()) this.log(run.stderr.trimEnd());
          this.log(`exit ${code}`);
          resolve(run);
        },
      );
    });
  }

  /** Whether this build's CLI has a command (`skillmeat-ls <cmd> --help` succeeds). */
  async hasCommand(cmd: string): Promise<boolean> {
    if (!this.available()) return false;
    const r = await this.run([cmd, '--help'], 20_000);
    return r.code === 0;
  }

  /** `migrate status` for one cache file. */
  status(cacheFile: string): Promise<CliRun<MigrationStatus>> {
    return this.run<MigrationStatus>(['migrate', 'status', '--cache', cacheFile, '--format', 'json']);
  }

  /** `migrate up|down`, to a revision when given (down to `base` reverts everything). */
  migrate(direction: 'up' | 'down', cacheFile: string, to?: string, dryRun = false): Promise<CliRun<MigrateResult>> {
    const args = ['migrate', direction, '--cache', cacheFile, '--format', 'json'];
    if (to) args.push('--to', to);
    if (dryRun) args.push('--dry-run');
    return this.run<MigrateResult>(args);
  }
}

/** The message to show for a failed run: the JSON error, else stderr's last line. */
export function failureMessage(run: CliRun<unknown>): string {
  const json = run.json as { error?: { message?: unknown }; message?: unknown } | undefined;
  const fromJson = json?.error?.message ?? json?.message;
  if (typeof fromJson === 'string' && fromJson) return fromJson;
  const lines = run.stderr.trim().split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? `exit code ${run.code}`;
}

/** Whether status JSON has the shape we rely on (an older or newer CLI may print something else). */
export function isMigrationStatus(x: unknown): x is MigrationStatus {
  const s = x as MigrationStatus;
  return !!s && typeof s === 'object' && typeof s.head === 'string' && Array.isArray(s.pending) && Array.isArray(s.applied);
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
