// Process and readiness helpers for the e2e runner: servers start in their own session (setsid)
// so stopping them takes their children (file watcher, extension host, language server) too.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Starts a long-running process in a new process group, logging both streams to a file. */
export function startGroup(cmd, args, { env, cwd, log }) {
  const out = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  return {
    pid: child.pid,
    get exited() {
      return exited;
    },
    /** Stops the whole group: TERM, then KILL after a grace period. */
    async stop(graceMs = 3000) {
      if (!child.pid) return;
      const alive = () => {
        try {
          process.kill(-child.pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const t0 = Date.now();
      while (alive() && Date.now() - t0 < graceMs) await sleep(100);
      if (alive()) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether nothing listens on 127.0.0.1:port. */
export function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Polls an HTTP URL until it answers below 500 (readiness), failing after `timeoutMs` or when `proc` exits. */
export async function waitForHttp(url, timeoutMs, proc) {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    if (proc?.exited) throw new Error(`server exited (${JSON.stringify(proc.exited)}) before ${url} answered`);
    try {
      const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (r.status < 500) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(150);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

/** Runs a command to completion with inherited output; throws on failure. */
export function runChecked(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r;
}

/** The last `n` lines of a file, or '' when it does not exist. */
export function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}
