import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, lockPathFor, readLockOwner, type LockOptions } from '../engine/cache/lock';

/** Why a manifest was not written. */
export interface WriteRefusal {
  /**
   * `changed`: the file no longer holds the text the edit was computed on (nothing was written:
   * compute the edit again from the new text); `locked`: another process kept the file's write
   * lock; `failed`: the file could not be read or written.
   */
  reason: 'changed' | 'locked' | 'failed';
  message: string;
}

/**
 * The name whose `.lock` guards writes of a manifest: a hidden sibling, so the lock is
 * `.collection.toml.lock` beside `collection.toml`. Beside the file, because every writer of that
 * file must find the same lock whatever its cache (`--cache`, SKILLMEAT_HOME) and on whatever host
 * shares the folder; hidden, because it lives in the user's collection or project folder (a
 * leftover of a killed process is taken over by the next writer, see lock.ts).
 */
function lockBaseFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}`);
}

/** The lock file that serialises writes of a manifest. */
export function manifestLockPath(file: string): string {
  return lockPathFor(lockBaseFor(file));
}

/**
 * Writes a manifest only if it still holds the text the edit was computed on (the CLI's "document
 * version"). The comparison and the write happen under a short lock beside the file, so two CLI
 * processes editing the same manifest at once cannot both pass the comparison: the second one
 * sees the first one's text and is refused with `changed`, and an edit reported as written is in
 * the file. The write goes through a temp file, fsync and rename, so the file is never
 * half-written; its permission bits are kept. (Writers that do not take the lock — an editor
 * saving, SkillMeat itself — are only caught by the comparison.)
 */
export function writeManifest(file: string, expected: string, next: string, lockOpts: LockOptions = {}): WriteRefusal | undefined {
  const name = path.basename(file);
  const held = acquireLock(lockBaseFor(file), { purpose: `writing ${name}`, ...lockOpts });
  if (!held.ok) {
    if (held.error.code !== 'LOCKED') return { reason: 'failed', message: `${file} was not written: ${held.error.message}` };
    const lock = manifestLockPath(file);
    const holder = readLockOwner(lock);
    const who = holder ? `process ${holder.pid} on ${holder.host} (${holder.purpose || 'write'}, since ${holder.acquiredAt})` : 'another process';
    return {
      reason: 'locked',
      message: `${name} is locked by ${who}; nothing was written (run the command again). If no SkillMeat process is running any more, delete ${lock}.`,
    };
  }
  try {
    let current: string;
    try {
      current = fs.readFileSync(file, 'utf8');
    } catch (e) {
      return { reason: 'failed', message: `${file} cannot be read: ${(e as Error).message}` };
    }
    if (current !== expected) return { reason: 'changed', message: `${name} changed since it was read; nothing was written (run the command again)` };
    const tmp = path.join(path.dirname(file), `.${name}.${process.pid}.tmp`);
    try {
      const mode = fs.statSync(file).mode & 0o777;
      const fd = fs.openSync(tmp, 'w', mode);
      try {
        fs.writeSync(fd, next);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      return { reason: 'failed', message: `${file} could not be written: ${(e as Error).message}` };
    }
    syncFolder(path.dirname(file));
    return undefined;
  } finally {
    held.value.release();
  }
}

/** Makes a rename durable; folders that cannot be opened or synced (some platforms) are skipped. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here; the rename itself is atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** writeManifest, with only the reason's message: why not, when it refuses. */
export function writeIfUnchanged(file: string, expected: string, next: string): string | undefined {
  return writeManifest(file, expected, next)?.message;
}
