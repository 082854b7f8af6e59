// The cache database file: sql.js keeps the whole database in memory, so the file is an image
// read at open and replaced atomically at save. This module owns that life cycle — validation,
// quarantine of damaged files, migration with backups, locking, conflict detection, saving.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import { removeStaleTemps, writeFileAtomic, realWriteFs, type WriteFs } from './atomicWrite';
import { cacheError, messageOf, type CacheError, type Result } from './errors';
import { blocksFor, catchUpShadow, dropShadow, readImage, writeIntoShadow, writeWholeImage, type DiskStamp as ImageStamp, type ImageSource, type ImageWrite, type Shadow } from './incremental';
import { BLOCK, imageSize, trackDatabase, type MemTracker } from './memfile';
import { acquireLock, type HeldLock, type LockOptions } from './lock';
import { migrateDown, migrateUp, migrationStatus, planMigration, type MigrateOptions, type MigrateResult, type MigrationStatus } from './migrate';
import { SaveScheduler, type SaveSchedulerOptions } from './scheduler';
import { inWriteTransaction } from './store';
import { loadSqlJs, newDatabase } from './sqljs';

/** A shadow lacking more blocks than this (1 MiB), or a quarter of the image, is brought up to date by the save that made it. */
const CATCH_UP_BLOCKS = 256;

/** The file name of the editor's cache inside the SkillMeat home. */
export const CACHE_FILE_NAME = 'vscode-cache.db';

/** `$SKILLMEAT_HOME/vscode-cache.db`, else `~/.skillmeat/vscode-cache.db`. */
export function defaultCachePath(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const base = env.SKILLMEAT_HOME && env.SKILLMEAT_HOME.trim() !== '' ? env.SKILLMEAT_HOME : path.join(home, '.skillmeat');
  return path.join(base, CACHE_FILE_NAME);
}

/** Options of openCache. */
export interface OpenCacheOptions {
  /** Receives warnings (damaged file moved aside, leftovers removed) as they happen. */
  log?: (message: string) => void;
  /** Bring the database to the newest revision on open (default true). */
  migrate?: boolean;
  /**
   * What to do with a damaged file: move it aside and start fresh (default, the editor then
   * rebuilds from manifests) or refuse with CORRUPT and touch nothing (inspection tools).
   */
  onDamaged?: 'quarantine' | 'refuse';
  now?: () => Date;
  lock?: LockOptions;
  /** File-system seam for failure tests. */
  writeFs?: WriteFs;
  /** How many backups of this file to keep (default 5). */
  keepBackups?: number;
  save?: SaveSchedulerOptions;
  /** Called with the result of each debounced save (errors included). */
  onSaveResult?: (result: Result<SaveInfo>) => void;
  /**
   * Save only the blocks that changed, through a private shadow of the previous file
   * (incremental.ts; ADR 0008). For long-lived handles that save often (the language server);
   * a one-shot process gains nothing (its first save writes the whole image either way).
   */
  incrementalSave?: boolean;
}

/** What a successful save wrote. */
export interface SaveInfo {
  path: string;
  bytes: number;
  /** How long the save took (lock, export, write, fsync, rename). */
  ms?: number;
  /** Bytes actually written (incremental saves: the changed blocks; 0 when nothing had changed). */
  written?: number;
  /** How it was written: the whole image, changed blocks into the shadow, or nothing to write. */
  mode?: 'whole' | 'blocks' | 'unchanged';
}

/** A migration run against the file: the runner's result plus the backup made first. */
export interface FileMigrateResult extends MigrateResult {
  backup?: string;
  saved: boolean;
}

/** What openCache hands back. */
export interface OpenedCache {
  cache: CacheFile;
  /** Things the user should hear about (a damaged file moved aside, and where). */
  warnings: string[];
  /** True when no usable file existed and the database is new (rebuild it from manifests). */
  created: boolean;
  /** Where a damaged file was moved. */
  corruptCopy?: string;
  /** The migration run on open, if any. */
  migration?: FileMigrateResult;
}

/**
 * Identity of the file as we last read or wrote it. Every save renames an inode in; with
 * incremental saves inodes come back, and each save sets an mtime no other save had.
 */
type DiskStamp = ImageStamp;

function stampOf(file: string): DiskStamp | undefined {
  try {
    const s = fs.statSync(file);
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function isRegularFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

function sameStamp(a: DiskStamp | undefined, b: DiskStamp | undefined): boolean {
  if (!a || !b) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Compact UTC timestamp for file names; sorts chronologically. */
function fileTimestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '');
}

function freeName(base: string): string {
  if (!fs.existsSync(base)) return base;
  for (let i = 1; ; i++) if (!fs.existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Rows changed through this connection since it was opened (SQLite's total_changes()). */
function totalChanges(db: Database): number {
  return Number(db.exec('SELECT total_changes()')[0]?.values[0]?.[0] ?? 0);
}

/** A file's bytes, or undefined when it cannot be read. */
function readBytes(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Opens bytes as a database if they are a whole, healthy SQLite image; otherwise says why.
 * The header checks catch truncation that SQLite itself would only notice on a later read.
 */
export function inspectImage(SQL: SqlJsStatic, bytes: Uint8Array): { db: Database } | { reason: string } {
  if (bytes.length === 0) return { reason: 'the file is empty' };
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== SQLITE_HEADER) {
    return { reason: 'it is not an SQLite database' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPage = view.getUint16(16);
  const pageSize = rawPage === 1 ? 65536 : rawPage;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return { reason: 'its header is damaged (bad page size)' };
  if (bytes.length % pageSize !== 0) return { reason: 'it is truncated (not a whole number of pages)' };
  // The page count in the header is only trustworthy when its "valid-for" counter matches.
  if (view.getUint32(24) === view.getUint32(92)) {
    const pages = view.getUint32(28);
    if (pages * pageSize > bytes.length) return { reason: `it is truncated (${bytes.length} of ${pages * pageSize} bytes)` };
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    // quick_check reads every page and record (what truncation, torn writes and junk break) in
    // about a quarter of integrity_check's time, which also cross-checks every index against its
    // table: 2.6 s of CPU on every open of a 170 MiB cache, for every process that opens it.
    const rows = db.exec('PRAGMA quick_check');
    const first = rows[0]?.values[0]?.[0];
    if (first !== 'ok') {
      db.close();
      return { reason: `it fails the integrity check (${String(first ?? 'no answer')})` };
    }
    db.exec('PRAGMA foreign_keys = ON');
    return { db };
  } catch (e) {
    db?.close();
    return { reason: `SQLite cannot read it (${messageOf(e)})` };
  }
}

function userTables(db: Database): string[] {
  const r = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return r.length ? r[0].values.map((v) => String(v[0])) : [];
}

/** Checks an opened image is ours and of a revision this build can handle; never writes. */
function checkOurs(db: Database, file: string): MigrationStatus | CacheError {
  const tables = userTables(db);
  if (tables.length > 0 && !tables.includes('_migrations')) {
    return cacheError('NOT_A_CACHE', `${file} is an SQLite database but not a SkillMeat editor cache (it has no _migrations table); it was left untouched`);
  }
  const status = migrationStatus(db);
  if (!status.ok) return status.error ?? cacheError('INTERNAL', 'migration status failed');
  return status;
}

/** An open cache file. The database lives in memory; `save` writes it back atomically. */
export class CacheFile {
  private current: Database;
  private stamp: DiskStamp | undefined;
  private held: HeldLock | undefined;
  private upBackupDone = false;
  private closed = false;
  /** total_changes() when the database last equalled its file (read or saved); undefined when it never did. */
  private changesAtSync: number | undefined;
  private readonly scheduler: SaveScheduler<Result<SaveInfo>>;
  /** Incremental saves: the blocks written in memory since it last equalled the file (undefined: whole-image saves). */
  private tracker: MemTracker | undefined;
  /** Incremental saves: the inode the file had before the last save, under a private name. */
  private shadow: Shadow | undefined;
  /** Incremental saves: whether memory, outside the tracked blocks, equals the file as stamped. */
  private baseKnown = false;

  /** Use openCache; the constructor trusts that `db` was validated. */
  constructor(
    readonly file: string,
    private readonly SQL: SqlJsStatic,
    db: Database,
    stamp: DiskStamp | undefined,
    private readonly opts: OpenCacheOptions,
  ) {
    this.current = db;
    this.stamp = stamp;
    if (stamp !== undefined) this.changesAtSync = totalChanges(db);
    if (opts.incrementalSave) {
      this.tracker = trackDatabase(SQL, db);
      this.baseKnown = stamp !== undefined;
    }
    this.scheduler = new SaveScheduler(
      () => this.save(),
      (r) => {
        // Another process is mid-write: try again after the next quiet period. Other failures
        // (full disk, conflict) need the caller, who hears about them through onSaveResult.
        if (!r.ok && r.error.code === 'LOCKED' && !this.closed) this.scheduler.schedule();
        opts.onSaveResult?.(r);
      },
      opts.save,
    );
  }

  /** The live database; replaced by reload(), so do not keep it across one. */
  get db(): Database {
    if (this.closed) throw new Error('cache is closed');
    return this.current;
  }

  /** Whether the file existed when read or was written by this handle. */
  get onDisk(): boolean {
    return this.stamp !== undefined;
  }

  /** The migration status of the in-memory database. */
  status(): MigrationStatus {
    return migrationStatus(this.current);
  }

  /** Runs `fn` holding the file lock (re-entrant within this handle). */
  withLock<T>(purpose: string, fn: () => T): Result<T> {
    if (this.held) return { ok: true, value: fn() };
    try {
      // The lock file lives beside the cache, so its folder has to exist first.
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    } catch (e) {
      return { ok: false, error: cacheError('SAVE_FAILED', `could not create ${path.dirname(this.file)}: ${messageOf(e)}`) };
    }
    const lock = acquireLock(this.file, { ...this.opts.lock, purpose });
    if (!lock.ok) return lock;
    this.held = lock.value;
    try {
      return { ok: true, value: fn() };
    } finally {
      this.held = undefined;
      lock.value.release();
    }
  }

  private changedOnDisk(): CacheError | undefined {
    const now = stampOf(this.file);
    if (now && !sameStamp(now, this.stamp)) {
      return cacheError(
        'CONFLICT',
        `${this.file} was written by another process since this one read it; reload it (reload()) and apply the changes again`,
      );
    }
    return undefined;
  }

  /** Writes the database to its file: locked, refused if someone else wrote since our read, atomic. */
  save(): Result<SaveInfo> {
    if (this.closed) return { ok: false, error: cacheError('CLOSED', 'the cache is closed') };
    if (inWriteTransaction(this.current)) {
      return { ok: false, error: cacheError('INTERNAL', 'save was called inside a write transaction; save after it commits') };
    }
    const t0 = performance.now();
    const r = this.withLock('save', (): Result<SaveInfo> => {
      const conflict = this.changedOnDisk();
      if (conflict) return { ok: false, error: conflict };
      if (this.tracker) {
        const b = this.saveBlocks(t0);
        if (b) return b;
        // The in-memory image could not be read as expected: save it the way it always was.
        this.baseKnown = false;
      }
      const w = writeFileAtomic(this.file, this.current.export(), this.opts.writeFs ?? realWriteFs);
      if (!w.ok) return w;
      this.stamp = stampOf(this.file);
      this.changesAtSync = totalChanges(this.current);
      return { ok: true, value: { ...w.value, written: w.value.bytes, mode: 'whole', ms: Math.round((performance.now() - t0) * 10) / 10 } };
    });
    return r.ok ? r.value : r;
  }

  /**
   * An incremental save (incremental.ts): nothing when nothing changed, the changed blocks into
   * the shadow when there is one and they are fewer than half the image, else the whole image
   * read from memory (keeping the replaced file as the next shadow when its content is known).
   * Undefined when the in-memory image cannot be read (the caller exports instead).
   */
  private saveBlocks(t0: number): Result<SaveInfo> | undefined {
    const t = this.tracker!;
    const db = this.current;
    const writeFs = this.opts.writeFs ?? realWriteFs;
    // Outside a transaction every committed page is in the in-memory file; inside one (opened
    // with a bare BEGIN, so inWriteTransaction does not know) some may not be, or not yet.
    try {
      db.exec('BEGIN; COMMIT');
    } catch (e) {
      return { ok: false, error: cacheError('INTERNAL', `save was called inside a transaction (${messageOf(e)}); save after it commits`) };
    }
    const size = imageSize(db);
    if (size === undefined) return undefined;
    const onDisk = stampOf(this.file);
    // changedOnDisk() passed: the file is what we last read or wrote, or it is gone. Only a
    // regular file is kept as a shadow (a symlink's target is someone else's file).
    const known = onDisk !== undefined && this.baseKnown && sameStamp(onDisk, this.stamp) && isRegularFile(this.file);
    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    const dirty = t.dirtyBlocks();
    if (known && dirty.length === 0 && size === onDisk.size) {
      this.changesAtSync = totalChanges(db);
      return { ok: true, value: { path: this.file, bytes: size, written: 0, mode: 'unchanged', ms: ms() } };
    }
    if (size < 100 || !t.hasSize(size)) return undefined;
    // A WAL database (read/write versions 2) would have commits outside the main file.
    const header = new Uint8Array(20);
    if (t.read(header, 0, 20, 0) !== 20 || header[18] !== 1 || header[19] !== 1) return undefined;
    const src: ImageSource = { size, read: (b, o, l, p) => t.read(b, o, l, p) };
    const done = (w: ImageWrite, mode: 'whole' | 'blocks'): Result<SaveInfo> => {
      // The inode the file had is kept as the next shadow; it lacks exactly this period's blocks.
      this.shadow = w.shadow ? { path: w.shadow, size: onDisk?.size ?? 0, pending: new Set(dirty) } : undefined;
      // After a large change (a first sync), bring it up to date now, while this save is long
      // anyway, so that the next save writes only what changes until then.
      if (this.shadow && this.shadow.pending.size > Math.min(CATCH_UP_BLOCKS, size / BLOCK / 4) && !catchUpShadow(this.shadow, src, writeFs)) this.shadow = undefined;
      t.clear();
      this.baseKnown = true;
      this.stamp = stampOf(this.file);
      this.changesAtSync = totalChanges(db);
      return { ok: true, value: { path: this.file, bytes: size, written: w.written, mode, ms: ms() } };
    };
    const shadow = this.shadow;
    if (known && shadow && fs.existsSync(shadow.path)) {
      const blocks = blocksFor(shadow, dirty, size);
      if ((blocks.length + 1) * BLOCK * 2 <= size) {
        this.shadow = undefined;
        const w = writeIntoShadow(this.file, src, shadow, blocks, writeFs);
        return w.ok ? done(w.value, 'blocks') : w;
      }
    }
    const w = writeWholeImage(this.file, src, writeFs, known);
    if (!w.ok) return w;
    dropShadow(shadow, writeFs);
    return done(w.value, 'whole');
  }

  /** Asks for a save after a quiet period (see SaveSchedulerOptions). */
  scheduleSave(): void {
    if (!this.closed) this.scheduler.schedule();
  }

  /** Saves now if a scheduled save is pending. */
  flush(): Result<SaveInfo> | undefined {
    return this.scheduler.flush();
  }

  /** Whether a scheduled save has not happened yet. */
  get savePending(): boolean {
    return this.scheduler.pending;
  }

  /** Whether nothing changed in memory since the file was read or saved; callers have checked that the file is untouched (changedOnDisk). */
  private equalsFile(): boolean {
    return this.stamp !== undefined && this.changesAtSync !== undefined && totalChanges(this.current) === this.changesAtSync;
  }

  /** Copies the current image to `<file>.backup-<time>-<revision>` (0600) and prunes old ones. */
  backup(image: Uint8Array = this.current.export()): Result<string> {
    const now = (this.opts.now ?? (() => new Date()))();
    const rev = migrationStatus(this.current).current ?? 'base';
    const target = freeName(`${this.file}.backup-${fileTimestamp(now)}-${rev}`);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    } catch {
      // writeFileAtomic reports the real problem.
    }
    const w = writeFileAtomic(target, image, this.opts.writeFs ?? realWriteFs);
    if (!w.ok) return { ok: false, error: cacheError('BACKUP_FAILED', w.error.message.replace('could not save', 'could not write the backup')) };
    this.pruneBackups();
    return { ok: true, value: target };
  }

  private pruneBackups(): void {
    const keep = this.opts.keepBackups ?? 5;
    if (keep <= 0) return;
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.backup-`;
    try {
      const names = fs
        .readdirSync(dir)
        .filter((n) => n.startsWith(prefix) && !n.includes('.tmp-'))
        .sort();
      for (const n of names.slice(0, Math.max(0, names.length - keep))) fs.rmSync(path.join(dir, n), { force: true });
    } catch {
      // Pruning is housekeeping; never fail a migration over it.
    }
  }

  /** Migrates up, backing up first (once per session), saving after; all or nothing at file level. */
  migrateUp(opts: MigrateOptions = {}): FileMigrateResult {
    return this.migrate('up', opts);
  }

  /** Migrates down, always backing up first, saving after; all or nothing at file level. */
  migrateDown(opts: MigrateOptions = {}): FileMigrateResult {
    return this.migrate('down', opts);
  }

  private migrate(direction: 'up' | 'down', opts: MigrateOptions): FileMigrateResult {
    const run = direction === 'up' ? migrateUp : migrateDown;
    const now = opts.now ?? this.opts.now;
    if (opts.dryRun) return { ...run(this.current, { ...opts, now }), saved: false };
    const failed = (error: CacheError): FileMigrateResult => ({
      ok: false,
      direction,
      from: migrationStatus(this.current).current,
      to: migrationStatus(this.current).current,
      applied: [],
      orphansRemoved: {},
      orphansRestored: {},
      warnings: [],
      dryRun: false,
      error,
      saved: false,
    });
    if (this.closed) return failed(cacheError('CLOSED', 'the cache is closed'));
    const locked = this.withLock(`migrate ${direction}`, (): FileMigrateResult => {
      const planned = planMigration(this.current, direction, opts);
      if (!planned.ok) return failed(planned.error!);
      if (planned.ids.length === 0) return { ...run(this.current, { ...opts, now }), saved: false };
      const conflict = this.changedOnDisk();
      if (conflict) return failed(conflict);
      // When memory still equals the file, the file's bytes are the image: no export (hundreds
      // of ms for a large cache) for the backup, and the file itself to go back to on failure.
      const before = this.equalsFile() ? readBytes(this.file) ?? this.current.export() : this.current.export();
      let backup: string | undefined;
      if (direction === 'down' || (!this.upBackupDone && this.stamp !== undefined)) {
        const b = this.backup(before);
        if (!b.ok) return failed(b.error);
        backup = b.value;
      }
      if (direction === 'up') this.upBackupDone = true;
      const r = run(this.current, { ...opts, now });
      if (!r.ok) {
        // Earlier migrations of this run may have committed in memory; put the image back so
        // memory and file agree and the file is exactly as before.
        this.replaceDb(newDatabase(this.SQL, before));
        return { ...r, applied: [], to: r.from, backup, saved: false };
      }
      const s = this.save();
      if (!s.ok) {
        this.replaceDb(newDatabase(this.SQL, before));
        return { ...r, ok: false, applied: [], to: r.from, error: s.error, backup, saved: false };
      }
      return { ...r, backup, saved: true };
    });
    return locked.ok ? locked.value : failed(locked.error);
  }

  private replaceDb(db: Database, tracker?: MemTracker): void {
    const old = this.current;
    this.current = db;
    // A new connection counts changes from zero, and its content is not known to equal the file.
    this.changesAtSync = undefined;
    if (this.opts.incrementalSave && old !== db) {
      this.tracker?.dispose();
      this.tracker = tracker ?? trackDatabase(this.SQL, db);
      // The shadow was a step behind the old database, not this one.
      dropShadow(this.shadow, this.opts.writeFs ?? realWriteFs);
      this.shadow = undefined;
      this.baseKnown = false;
    }
    if (old !== db) old.close();
  }

  /**
   * Re-reads the file after a CONFLICT. Unsaved changes are dropped (the caller re-applies them,
   * e.g. by re-syncing manifests), except uuid assignments, which are merged so they stay stable.
   */
  reload(): Result<{ mergedUuids: number }> {
    if (this.closed) return { ok: false, error: cacheError('CLOSED', 'the cache is closed') };
    let bytes: Uint8Array;
    let stamp: DiskStamp;
    try {
      ({ bytes, stamp } = readImage(this.file));
    } catch (e) {
      return { ok: false, error: cacheError('READ_FAILED', `could not read ${this.file}: ${messageOf(e)}`) };
    }
    const img = inspectImage(this.SQL, bytes);
    if ('reason' in img) return { ok: false, error: cacheError('READ_FAILED', `${this.file} cannot be reloaded: ${img.reason}; open it again to rebuild`) };
    // Tracked before anything below writes to it: it equals the file until then.
    const tracker = this.opts.incrementalSave ? trackDatabase(this.SQL, img.db) : undefined;
    const fail = (error: CacheError): Result<never> => {
      tracker?.dispose();
      img.db.close();
      return { ok: false, error };
    };
    const ours = checkOurs(img.db, this.file);
    if ('code' in ours) return fail(ours);
    if (ours.pending.length) {
      const up = migrateUp(img.db, { now: this.opts.now });
      if (!up.ok) return fail(up.error!);
    }
    const merged = mergeUuidRegistry(this.current, img.db);
    this.scheduler.cancel();
    this.replaceDb(img.db, tracker);
    this.stamp = stamp;
    this.baseKnown = tracker !== undefined;
    if (merged > 0) this.scheduler.schedule();
    return { ok: true, value: { mergedUuids: merged } };
  }

  /** Frees the database; unsaved changes are dropped, so flush() first when they matter. */
  close(): void {
    if (this.closed) return;
    this.scheduler.cancel();
    this.tracker?.dispose();
    dropShadow(this.shadow, this.opts.writeFs ?? realWriteFs);
    this.shadow = undefined;
    this.current.close();
    this.closed = true;
  }
}

function hasTable(db: Database, name: string): boolean {
  return db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).length > 0;
}

/** Copies uuid assignments the other database lacks, so a reload never changes a known uuid. */
function mergeUuidRegistry(from: Database, into: Database): number {
  if (!hasTable(from, 'uuid_registry') || !hasTable(into, 'uuid_registry')) return 0;
  const rows = from.exec('SELECT type_name, uuid, first_seen, last_seen FROM uuid_registry');
  if (!rows.length) return 0;
  let n = 0;
  const st = into.prepare('INSERT OR IGNORE INTO uuid_registry (type_name, uuid, first_seen, last_seen) VALUES (?, ?, ?, ?)');
  try {
    into.exec('BEGIN');
    for (const r of rows[0].values) {
      st.run(r);
      n += into.getRowsModified();
    }
    if (n > 0 && hasTable(into, 'cache_meta')) into.exec("UPDATE cache_meta SET value = value + 1 WHERE key = 'generation'");
    into.exec('COMMIT');
  } catch (e) {
    into.exec('ROLLBACK');
    throw e;
  } finally {
    st.free();
  }
  return n;
}

/**
 * Opens (or creates) the cache file. A damaged file is renamed `<file>.corrupt-<time>` and a new
 * database is created (warning names the copy); a database from a newer build, or one that is not
 * ours, is refused and left untouched. Missing file → new database migrated to head and saved.
 */
export async function openCache(file: string, opts: OpenCacheOptions = {}): Promise<Result<OpenedCache>> {
  let SQL: SqlJsStatic;
  try {
    SQL = await loadSqlJs();
  } catch (e) {
    return { ok: false, error: cacheError('INTERNAL', `could not load sql.js: ${messageOf(e)}`) };
  }
  const abs = path.resolve(file);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    opts.log?.(m);
  };
  removeStaleTemps(abs);
  let bytes: Uint8Array | undefined;
  let stamp: DiskStamp | undefined;
  try {
    ({ bytes, stamp } = readImage(abs));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { ok: false, error: cacheError('READ_FAILED', `could not read ${abs}: ${messageOf(e)}`) };
    }
  }
  let db: Database;
  let created = bytes === undefined;
  let corruptCopy: string | undefined;
  if (bytes === undefined) {
    db = newDatabase(SQL);
  } else {
    const img = inspectImage(SQL, bytes);
    if ('reason' in img && opts.onDamaged === 'refuse') {
      return { ok: false, error: cacheError('CORRUPT', `${abs} is damaged: ${img.reason}; it was left untouched`) };
    }
    if ('reason' in img) {
      const now = (opts.now ?? (() => new Date()))();
      corruptCopy = freeName(`${abs}.corrupt-${fileTimestamp(now)}`);
      try {
        fs.renameSync(abs, corruptCopy);
      } catch (e) {
        return { ok: false, error: cacheError('READ_FAILED', `${abs} is damaged (${img.reason}) and could not be moved aside: ${messageOf(e)}`) };
      }
      warn(`The cache file ${abs} was damaged (${img.reason}). It was moved to ${corruptCopy} and a new cache was created; it will be rebuilt from the manifests.`);
      db = newDatabase(SQL);
      created = true;
      stamp = undefined;
    } else {
      db = img.db;
      const ours = checkOurs(db, abs);
      if ('code' in ours) {
        db.close();
        return { ok: false, error: ours };
      }
    }
  }
  const cache = new CacheFile(abs, SQL, db, stamp, opts);
  const out: OpenedCache = { cache, warnings, created, corruptCopy };
  if (opts.migrate !== false) {
    const status = cache.status();
    if (status.pending.length > 0) {
      const r = cache.migrateUp({ now: opts.now });
      out.migration = r;
      if (!r.ok) {
        cache.close();
        return { ok: false, error: r.error! };
      }
      for (const w of r.warnings) warn(w);
    }
  }
  return { ok: true, value: out };
}
