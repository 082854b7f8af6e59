// Saving the cache by writing only the blocks that changed, with the same guarantees as the
// whole-file atomic save (docs/decisions/0008-cache-save.md).
//
// The cache file is never written in place. A handle keeps a *shadow*: a second name for the
// inode that was the cache file before its last save (`<file>.tmp-<pid>-<random>`, private to
// this process, removed at close or, after a crash, by the next open). That inode holds the
// previous saved state, so bringing it to the current state takes only the blocks changed in
// the last two save periods. A save then:
//
//   1. links the current file under a new shadow name (it becomes the next save's shadow);
//   2. writes the changed blocks into the old shadow, first spoiling its header and restoring
//      the real first block last (a reader that opened this inode back when it was the cache
//      file sees a header that differs before and after its read, see readImage);
//   3. truncates it to the new size, sets a fine-grained mtime, fsyncs it;
//   4. renames it over the file and fsyncs the folder.
//
// Killed at any point, the file is the old image (before 4) or the new one (after); leftovers
// are `.tmp-<pid>-…` names, which the next open removes once the pid is dead. Each inode is
// written only while it is a private shadow; once renamed in, nobody writes it until its owner
// links it away again. Because the same inodes come back as the file, every save sets an mtime
// with sub-millisecond randomness, so the (dev, ino, size, mtime) stamp other processes compare
// before saving (CONFLICT) still changes with every save.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { completeWriteFs, reason, syncDir, tempPathFor, FILE_MODE, type WriteFs } from './atomicWrite';
import { cacheError, type Result } from './errors';
import { BLOCK } from './memfile';

/** Where the image comes from: the in-memory database file. */
export interface ImageSource {
  size: number;
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
}

/** A private second name for an inode holding an earlier saved image. */
export interface Shadow {
  path: string;
  /** Its size. */
  size: number;
  /** Blocks in which it may differ from the image saved last (the blocks that save wrote). */
  pending: Set<number>;
}

/** Replaces the SQLite header's first 16 bytes while a shadow is written (never seen in a cache file). */
export const SPOILED_HEADER = Buffer.from('SkillMeat-write\u0000', 'latin1');

/** Bytes per write when copying the whole image. */
const CHUNK = 1 << 20;

/** Identity of a file as compared before a save. */
export interface DiskStamp {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

function stampFrom(s: nodeFs.Stats): DiskStamp {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

/**
 * An mtime (seconds) no earlier save of this file will have had: now, plus random microseconds.
 * Inodes come back as the cache file (see the top of this file), and file systems stamp writes
 * with a clock that ticks every few milliseconds; this keeps two saves' stamps apart.
 */
function uniqueMtime(): number {
  return (Date.now() + 0.001 + Math.random() * 0.998) / 1000;
}

function failed(file: string, e: unknown): Result<never> {
  const code = (e as NodeJS.ErrnoException).code;
  return {
    ok: false,
    error: cacheError('SAVE_FAILED', `could not save ${file}: ${reason(e, path.dirname(file))}${code ? ` (${code})` : ''}; the previous file is unchanged`),
  };
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Cleaning up after a failure; the first error is the one reported.
  }
}

/** What a save wrote. */
export interface ImageWrite {
  /** Bytes written to disk (blocks, or the whole image). */
  written: number;
  /** The new shadow (the inode that was the file before), when one was made. */
  shadow?: string;
}

/**
 * Writes the whole image to a temp file and renames it over `file` (the atomic save). With
 * `keepOld`, the file being replaced stays reachable under a new shadow name.
 */
export function writeWholeImage(file: string, src: ImageSource, writeFs: WriteFs, keepOld: boolean): Result<ImageWrite> {
  const fs = completeWriteFs(writeFs);
  const tmp = tempPathFor(file);
  let shadow: string | undefined;
  let fd: number | undefined;
  let created = false;
  try {
    if (keepOld) {
      const name = tempPathFor(file);
      try {
        fs.linkSync(file, name);
        shadow = name;
      } catch {
        // No hard links here (or no room for a name): save without a shadow; if the folder
        // cannot be written at all, creating the temp below says so.
      }
    }
    fd = fs.openSync(tmp, 'wx', FILE_MODE);
    created = true;
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, src.size)));
    for (let pos = 0; pos < src.size; ) {
      const n = src.read(chunk, 0, Math.min(chunk.length, src.size - pos), pos);
      if (n <= 0) throw new Error(`the in-memory image ended at ${pos} of ${src.size} bytes`);
      for (let off = 0; off < n; ) off += fs.writeSync(fd, chunk, off, n - off);
      pos += n;
    }
    fs.fchmodSync(fd, FILE_MODE);
    fs.futimesSync(fd, Date.now() / 1000, uniqueMtime());
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) quietly(() => fs.closeSync(fd!));
    if (created) quietly(() => fs.unlinkSync(tmp));
    if (shadow) quietly(() => fs.unlinkSync(shadow!));
    return failed(file, e);
  }
  syncDir(path.dirname(file));
  return { ok: true, value: { written: src.size, shadow } };
}

/** The blocks to write into `shadow` to make it the image: what it lacks plus what changed since, below the end. */
export function blocksFor(shadow: Shadow, dirty: Iterable<number>, size: number): number[] {
  const end = Math.ceil(size / BLOCK);
  const all = new Set<number>();
  for (const b of shadow.pending) if (b < end) all.add(b);
  for (const b of dirty) if (b < end) all.add(b);
  // Block 0 is always written (last), see writeIntoShadow.
  all.delete(0);
  return [...all].sort((a, b) => a - b);
}

/**
 * Brings `shadow` to the image by writing `blocks` (and block 0) into it, then renames it over
 * `file`; the file's current inode becomes the next shadow. On failure the file is unchanged,
 * the old shadow is removed (its content is unknown now) and so is the new name.
 */
export function writeIntoShadow(file: string, src: ImageSource, shadow: Shadow, blocks: number[], writeFs: WriteFs): Result<ImageWrite> {
  const fs = completeWriteFs(writeFs);
  const next = tempPathFor(file);
  try {
    fs.linkSync(file, next);
  } catch (e) {
    // Nothing was touched; the shadow is still good.
    return failed(file, e);
  }
  let fd: number | undefined;
  let written = 0;
  try {
    fd = fs.openSync(shadow.path, 'r+');
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(BLOCK, blocks.length * BLOCK)));
    written = writeBlocks(fs, fd, blocks, src, shadow.size, buf);
    const first = Math.min(BLOCK, src.size);
    if (src.read(buf, 0, first, 0) !== first) throw new Error('the in-memory image has no first block');
    written += pwriteAll(fs, fd, buf, first, 0);
    fs.futimesSync(fd, Date.now() / 1000, uniqueMtime());
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(shadow.path, file);
  } catch (e) {
    if (fd !== undefined) quietly(() => fs.closeSync(fd!));
    quietly(() => fs.unlinkSync(shadow.path));
    quietly(() => fs.unlinkSync(next));
    return failed(file, e);
  }
  syncDir(path.dirname(file));
  return { ok: true, value: { written, shadow: next } };
}

/** Writes all of buf[0, len) at pos; the bytes written. */
function pwriteAll(fs: Required<WriteFs>, fd: number, buf: Uint8Array, len: number, pos: number): number {
  for (let off = 0; off < len; ) off += fs.pwriteSync(fd, buf, off, len - off, pos + off);
  return len;
}

/**
 * Spoils a shadow's header (a reader mid-read sees it changed), writes the given blocks of the
 * image into it (runs of adjacent blocks in one write, through buf) and gives it the image's
 * size; the bytes written. Block 0 stays spoiled: the caller writes it last, or leaves it.
 */
function writeBlocks(fs: Required<WriteFs>, fd: number, blocks: number[], src: ImageSource, shadowSize: number, buf: Buffer): number {
  let written = pwriteAll(fs, fd, SPOILED_HEADER, SPOILED_HEADER.length, 0);
  for (let i = 0; i < blocks.length; ) {
    let j = i + 1;
    while (j < blocks.length && blocks[j] === blocks[j - 1] + 1 && (j - i + 1) * BLOCK <= buf.length) j++;
    const pos = blocks[i] * BLOCK;
    const len = Math.min((j - i) * BLOCK, src.size - pos);
    if (src.read(buf, 0, len, pos) !== len) throw new Error(`the in-memory image is shorter than ${pos + len} bytes`);
    written += pwriteAll(fs, fd, buf, len, pos);
    i = j;
  }
  if (shadowSize !== src.size) fs.ftruncateSync(fd, src.size);
  return written;
}

/**
 * Writes the blocks a shadow lacks into it now, so that the next save writes only what changes
 * until then; the header stays spoiled (block 0 goes in last, at that save). Synced now, or the
 * next save's fsync would write all of it back (30–60 ms for a 92 MiB cache under load).
 * False (and the shadow removed) when it could not be done.
 */
export function catchUpShadow(shadow: Shadow, src: ImageSource, writeFs: WriteFs): boolean {
  const fs = completeWriteFs(writeFs);
  const blocks = blocksFor(shadow, [], src.size);
  let fd: number | undefined;
  try {
    fd = fs.openSync(shadow.path, 'r+');
    writeBlocks(fs, fd, blocks, src, shadow.size, Buffer.allocUnsafe(CHUNK));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
  } catch {
    if (fd !== undefined) quietly(() => fs.closeSync(fd!));
    quietly(() => fs.unlinkSync(shadow.path));
    return false;
  }
  shadow.size = src.size;
  // Block 0 is still the old one (spoiled); every save writes it.
  shadow.pending = new Set(shadow.pending.has(0) ? [0] : []);
  return true;
}

/** Removes a shadow that is no longer wanted. */
export function dropShadow(shadow: Shadow | undefined, writeFs: WriteFs): void {
  if (shadow) quietly(() => completeWriteFs(writeFs).unlinkSync(shadow.path));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Seams for tests of readImage. */
export interface ReadImageOptions {
  /** Called after each chunk of the file is read (a test makes the reader slow). */
  afterChunk?: (bytesRead: number) => void;
  chunkSize?: number;
  attempts?: number;
}

/**
 * Reads the cache file whole, with the stamp of the inode it read. A shadow being written has
 * a spoiled header until its real first block goes in last, so a reader whose read overlapped
 * such writes (it opened the inode while it was still the cache file) finds the first block
 * changed when it reads it again at the end, or spoiled, and reads the file again. Throws what
 * open/read throw (ENOENT when there is no file).
 */
export function readImage(file: string, o: ReadImageOptions = {}): { bytes: Buffer; stamp: DiskStamp } {
  const attempts = o.attempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    const fd = nodeFs.openSync(file, 'r');
    let steady: boolean;
    let out: { bytes: Buffer; stamp: DiskStamp };
    try {
      const st = nodeFs.fstatSync(fd);
      let bytes = Buffer.allocUnsafe(st.size);
      let n = 0;
      const chunk = o.chunkSize ?? bytes.length;
      while (n < bytes.length) {
        const r = nodeFs.readSync(fd, bytes, n, Math.min(chunk, bytes.length - n), n);
        if (r === 0) break;
        n += r;
        o.afterChunk?.(n);
      }
      // A file that grew since fstat (it was being written) is not what we read.
      const more = nodeFs.readSync(fd, Buffer.allocUnsafe(1), 0, 1, n);
      if (n < bytes.length) bytes = bytes.subarray(0, n);
      const headLen = Math.min(BLOCK, n);
      const head = Buffer.allocUnsafe(headLen);
      const h = headLen ? nodeFs.readSync(fd, head, 0, headLen, 0) : 0;
      const spoiled = n >= SPOILED_HEADER.length && bytes.subarray(0, SPOILED_HEADER.length).equals(SPOILED_HEADER);
      steady = more === 0 && n === st.size && h === headLen && head.equals(bytes.subarray(0, headLen)) && !spoiled;
      out = { bytes, stamp: stampFrom(st) };
    } finally {
      nodeFs.closeSync(fd);
    }
    if (steady || attempt >= attempts) return out;
    sleepSync(Math.min(20, attempt));
  }
}
