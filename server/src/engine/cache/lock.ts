// A lock file beside the cache (`<file>.lock`) serialises writers across processes. It is held
// only while a save or a CLI migration runs, so two editor windows can share one cache; see
// docs/decisions/0002-cache-file-and-locking.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { processAlive } from './atomicWrite';
import { cacheError, messageOf, type Result } from './errors';

/** Who holds a lock, as written into the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
  purpose: string;
}

/** Tunables and seams for tests. */
export interface LockOptions {
  /** How long to wait for a busy lock before giving up (ms). */
  timeoutMs?: number;
  /** Pause between attempts (ms). */
  retryMs?: number;
  /** Age after which a lock from another host, or an unreadable one, counts as abandoned (ms). */
  staleMs?: number;
  /** What the holder is doing, shown to whoever has to wait. */
  purpose?: string;
  isAlive?: (pid: number) => boolean;
  sleep?: (ms: number) => void;
  now?: () => number;
}

/** A held lock; `release` is safe to call twice. */
export interface HeldLock {
  path: string;
  owner: LockOwner;
  /** Locks taken over from dead owners on the way in. */
  recovered: LockOwner[];
  release(): void;
}

/** The lock file that guards `file`. */
export function lockPathFor(file: string): string {
  return `${file}.lock`;
}

/** Blocks the thread briefly; the waits are short and only happen when another process is mid-save. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The current owner of a lock file, or undefined when it is missing or unreadable. */
export function readLockOwner(lockPath: string): LockOwner | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof v.pid !== 'number' || typeof v.token !== 'string' || typeof v.host !== 'string') return undefined;
    return {
      pid: v.pid,
      host: v.host,
      token: v.token,
      acquiredAt: String(v.acquiredAt ?? ''),
      purpose: String(v.purpose ?? ''),
    };
  } catch {
    return undefined;
  }
}

/**
 * Writes the lock so that it appears complete or not at all: the content goes to a private file
 * that is then hard-linked to the lock name (link fails if the name exists). File systems
 * without hard links fall back to an exclusive create.
 */
function tryCreate(lockPath: string, owner: LockOwner): boolean {
  const body = JSON.stringify(owner);
  const tmp = `${lockPath}.${owner.pid}-${owner.token.slice(0, 8)}`;
  try {
    // Inside the try: a write that fails half way (full disk) must not leave its file behind.
    fs.writeFileSync(tmp, body, { mode: 0o600 });
    fs.linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS') {
      try {
        fs.writeFileSync(lockPath, body, { flag: 'wx', mode: 0o600 });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Nothing to clean.
    }
  }
}

function isStale(lockPath: string, owner: LockOwner | undefined, o: Required<Pick<LockOptions, 'staleMs' | 'isAlive' | 'now'>>): boolean {
  if (!owner) {
    // Unreadable: a writer without hard links may be mid-write; give it a moment.
    try {
      return o.now() - fs.statSync(lockPath).mtimeMs > Math.min(o.staleMs, 5000);
    } catch {
      return false;
    }
  }
  if (owner.host === os.hostname()) return owner.pid !== process.pid && !o.isAlive(owner.pid);
  const at = Date.parse(owner.acquiredAt);
  return Number.isFinite(at) && o.now() - at > o.staleMs;
}

/**
 * Takes over an abandoned lock by renaming it away (only one contender's rename can succeed) and
 * checking that what was renamed is the abandoned lock; if a live lock was grabbed instead in the
 * tiny window between look and rename, it is linked back.
 */
function takeOver(lockPath: string, seen: LockOwner | undefined): boolean {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return false;
  }
  const got = readLockOwner(aside);
  if (seen && got && got.token !== seen.token) {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // The name is taken again; the grabbed owner will find its lock gone on release.
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

/** Acquires the lock guarding `file`, waiting up to `timeoutMs`; a LOCKED error names the holder. */
export function acquireLock(file: string, opts: LockOptions = {}): Result<HeldLock> {
  const lockPath = lockPathFor(file);
  const o = {
    timeoutMs: opts.timeoutMs ?? 2000,
    retryMs: opts.retryMs ?? 25,
    staleMs: opts.staleMs ?? 10 * 60_000,
    isAlive: opts.isAlive ?? processAlive,
    sleep: opts.sleep ?? sleepSync,
    now: opts.now ?? Date.now,
  };
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(16).toString('hex'),
    acquiredAt: new Date(o.now()).toISOString(),
    purpose: opts.purpose ?? 'write',
  };
  const deadline = o.now() + o.timeoutMs;
  const recovered: LockOwner[] = [];
  for (;;) {
    try {
      if (tryCreate(lockPath, owner)) {
        let released = false;
        return {
          ok: true,
          value: {
            path: lockPath,
            owner,
            recovered,
            release() {
              if (released) return;
              released = true;
              if (readLockOwner(lockPath)?.token === owner.token) fs.rmSync(lockPath, { force: true });
            },
          },
        };
      }
    } catch (e) {
      // Not contention: the folder cannot be written (read-only, permissions, full disk).
      return { ok: false, error: cacheError('SAVE_FAILED', `could not create the lock file ${lockPath}: ${messageOf(e)}; nothing was written`) };
    }
    const holder = readLockOwner(lockPath);
    if (isStale(lockPath, holder, o)) {
      if (takeOver(lockPath, holder) && holder) recovered.push(holder);
      continue;
    }
    if (o.now() >= deadline) {
      const who = holder
        ? `process ${holder.pid} on ${holder.host} (${holder.purpose || 'write'}, since ${holder.acquiredAt})`
        : 'another process';
      return {
        ok: false,
        error: cacheError(
          'LOCKED',
          `the cache file ${file} is locked by ${who}; waited ${o.timeoutMs} ms. ` +
            `If no SkillMeat process is running any more, delete ${lockPath}.`,
        ),
      };
    }
    o.sleep(o.retryMs);
  }
}
