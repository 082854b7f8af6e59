// Child processes timed from spawn to exit, and memory read from /proc.
import { spawn } from 'node:child_process';
import { readFileSync, openSync, closeSync, existsSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

/**
 * Runs a command; resolves { ms, code, stdout, stderr } (stdout kept unless `stdoutTo` names a
 * file). Kills the process group after `timeoutMs` and resolves with `timedOut: true`.
 */
export function timed(cmd, args, { cwd, env, timeoutMs = 600_000, stdoutTo, keepStdout = true, rusage = true } = {}) {
  // GNU time, when present, adds the child's CPU time and peak RSS (cpuMs, maxRssMiB).
  let usageFile;
  if (rusage && haveTime) {
    usageFile = join(mkdtempSync(join(tmpdir(), 'bench-time-')), 'usage');
    args = ['-o', usageFile, '-f', '%U %S %M', cmd, ...args];
    cmd = TIME;
  }
  return new Promise((resolve) => {
    const fd = stdoutTo ? openSync(stdoutTo, 'w') : undefined;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', fd ?? 'pipe', 'pipe'], detached: true });
    const out = [];
    const err = [];
    let size = 0;
    child.stdout?.on('data', (b) => {
      size += b.length;
      if (keepStdout && size < 64 * 1024 * 1024) out.push(b);
    });
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ms: NaN, code: -1, error: e.message, stdout: '', stderr: String(e) });
    });
    child.on('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      if (fd !== undefined) closeSync(fd);
      // Let the pipes drain before resolving.
      let cpuMs;
      let maxRssMiB;
      if (usageFile) {
        try {
          const [u, sy, m] = readFileSync(usageFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          cpuMs = (u + sy) * 1000;
          maxRssMiB = m / 1024;
        } catch {
          // killed before time wrote it
        }
        rmSync(join(usageFile, '..'), { recursive: true, force: true });
      }
      setImmediate(() =>
        resolve({ ms, code, signal, timedOut, cpuMs, maxRssMiB, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes: size }),
      );
    });
  });
}

/** VmRSS and VmHWM of a process in MiB (undefined when it is gone or /proc is missing). */
export function memoryOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1]);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used so far, in ms (Linux; 100 ticks per second assumed). */
export function cpuOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}
