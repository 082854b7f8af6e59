// Whole-file replacement that never leaves a half-written cache: write a temp file in the same
// folder, fsync it, rename it over the target (atomic on POSIX and NTFS), fsync the folder.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheError, messageOf, type Result } from './errors';

/** The file-system calls the cache makes when writing; tests swap in failing ones. */
export interface WriteFs {
  openSync(file: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fchmodSync(fd: number, mode: number): void;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
  // The calls of a page-wise save (incremental.ts). Optional, so fakes written before it still
  // fit; where one is missing, node:fs's is used.
  /** A write at `position` (pwrite). */
  pwriteSync?(fd: number, data: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync?(fd: number, length: number): void;
  linkSync?(existing: string, newPath: string): void;
  /** Times in seconds since the epoch. */
  futimesSync?(fd: number, atime: number, mtime: number): void;
}

/** node:fs as a WriteFs. */
export const realWriteFs: WriteFs = {
  openSync: (f, flags, mode) => nodeFs.openSync(f, flags, mode),
  writeSync: (fd, d, o, l) => nodeFs.writeSync(fd, d, o, l),
  fchmodSync: (fd, m) => nodeFs.fchmodSync(fd, m),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  closeSync: (fd) => nodeFs.closeSync(fd),
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  unlinkSync: (f) => nodeFs.unlinkSync(f),
  pwriteSync: (fd, d, o, l, p) => nodeFs.writeSync(fd, d, o, l, p),
  ftruncateSync: (fd, l) => nodeFs.ftruncateSync(fd, l),
  linkSync: (a, b) => nodeFs.linkSync(a, b),
  futimesSync: (fd, a, m) => nodeFs.futimesSync(fd, a, m),
};

/** `fs` with node:fs standing in for the optional calls it lacks. */
export function completeWriteFs(fs: WriteFs): Required<WriteFs> {
  return { ...(realWriteFs as Required<WriteFs>), ...fs } as Required<WriteFs>;
}

/** Cache files and their backups hold paths and names of a user's work: owner only. */
export const FILE_MODE = 0o600;

const TEMP_MARK = '.tmp-';

/** The temp name for `file`, carrying our pid so a later open can tell whose leftovers it sees. */
export function tempPathFor(file: string): string {
  return `${file}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A plain reason for a failed write in `dir`. */
export function reason(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${dir}`;
    case 'EROFS':
      return `${dir} is on a read-only file system`;
    case 'ENOENT':
      return `the folder ${dir} does not exist`;
    default:
      return messageOf(e);
  }
}

/** Replaces `file` with `data` atomically, mode 0600; on failure the old file is untouched and no temp is left. */
export function writeFileAtomic(file: string, data: Uint8Array, fs: WriteFs = realWriteFs): Result<{ path: string; bytes: number }> {
  const dir = path.dirname(file);
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', FILE_MODE);
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    // open()'s mode is filtered by the umask; make the final mode explicit.
    fs.fchmodSync(fd, FILE_MODE);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // The temp may never have been created.
    }
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      error: cacheError('SAVE_FAILED', `could not save ${file}: ${reason(e, dir)}${code ? ` (${code})` : ''}; the previous file is unchanged`),
    };
  }
  syncDir(dir);
  return { ok: true, value: { path: file, bytes: data.length } };
}

/** Makes the rename itself durable; not every platform can open a folder, so failures are ignored. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = nodeFs.openSync(dir, 'r');
    nodeFs.fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) nodeFs.closeSync(fd);
  }
}

/** Whether a process with this pid exists on this machine (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes leftovers of processes that died mid-save or mid-lock (`<file>.tmp-<pid>-…`,
 * `<file>.backup-….tmp-<pid>-…`, `<file>.lock.<pid>-…`, `<file>.lock.stale-<pid>-…`); returns what it removed.
 */
export function removeStaleTemps(file: string, alive: (pid: number) => boolean = processAlive): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const prefixes = [`${base}${TEMP_MARK}`, `${base}.lock.stale-`, `${base}.lock.`];
  const removed: string[] = [];
  let names: string[];
  try {
    names = nodeFs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const prefix = prefixes.find((p) => n.startsWith(p));
    // A backup's temp (`<file>.backup-<time>-<rev>.tmp-<pid>-…`) carries the pid after its own mark.
    const backupTemp = !prefix && n.startsWith(`${base}.backup-`) && n.includes(TEMP_MARK);
    if (!prefix && !backupTemp) continue;
    const pid = Number((backupTemp ? n.slice(n.lastIndexOf(TEMP_MARK) + TEMP_MARK.length) : n.slice(prefix!.length)).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    try {
      nodeFs.unlinkSync(path.join(dir, n));
      removed.push(path.join(dir, n));
    } catch {
      // Someone else cleaned it up first.
    }
  }
  return removed;
}
