// The cache as a long-running process (the language server) holds it: opened once, kept in step
// with the workspace by debounced syncs, saved in the background, and re-read when another
// process (the CLI, another editor window) writes the file. It never migrates an existing file
// on its own — a file behind this build stays untouched until the user migrates it — and no
// failure here ever reaches the diagnostics: they work from memory whatever the cache does.
// No LSP types: the server wires notifications and messages around this class.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'sql.js';
import type { WorkspaceIndex } from '../workspace/index';
import { inspectImage, openCache, type CacheFile, type SaveInfo } from './db';
import { readImage } from './incremental';
import { messageOf, type CacheError, type Result } from './errors';
import { applyMembership, planLink, pruneMissing, type LinkOutcome, type LinkPlan, type LinkRequest } from './link';
import type { LockOptions } from './lock';
import { MIGRATIONS } from '../../../../migrations';
import { migrateUp, migrationStatus, type MigrationStatus } from './migrate';
import { realTimers, type SaveSchedulerOptions, type TimerApi } from './scheduler';
import { sqlJsLoaded } from './sqljs';
import { getGeneration, isoNow, loadUuidMap } from './store';
import { syncSource, type SyncSummary } from './sync';
import { sourceOf, type SyncSource } from './source';

/** Where the cache stands: usable, behind this build (waiting for consent to migrate), unusable, or not yet read. */
export type LiveCacheState = 'opening' | 'ready' | 'behind' | 'unavailable';

/** What every write refuses with when the workspace is not trusted. */
export const READ_ONLY_MESSAGE = 'the workspace is not trusted: SkillMeat writes nothing here';

/** The last sync, for status. */
export interface LastSync extends Omit<SyncSummary, 'conflicts'> {
  at: string;
  ms: number;
  forced: boolean;
  /** uuid conflicts the sync met (first 20). */
  conflicts: { typeName: string; message: string }[];
}

/** The last save, for status. */
export interface LastSave {
  at: string;
  ok: boolean;
  ms?: number;
  /** The size of the file. */
  bytes?: number;
  /** Bytes written: the whole image, or the changed blocks (0: nothing had changed). */
  written?: number;
  mode?: SaveInfo['mode'];
  error?: string;
}

/** Everything a status request answers. */
export interface LiveCacheStatus {
  file: string;
  state: LiveCacheState;
  readOnly: boolean;
  /** The schema revision of the cache (null: empty database). */
  revision: string | null;
  head: string;
  pending: string[];
  /** Artifacts present in a collection, and those kept as missing. */
  artifacts: number;
  missing: number;
  collections: number;
  /** Composite memberships (discovered and user-made), and the user-made ones alone. */
  memberships: number;
  userMemberships: number;
  generation: number;
  /** A save is scheduled but has not happened yet. */
  unsaved: boolean;
  lastSync?: LastSync;
  lastSave?: LastSave;
  warnings: string[];
  error?: string;
}

/** The small part of the status that clients follow (sent on every change). */
export interface LiveCacheHeadline {
  state: LiveCacheState;
  revision: string | null;
  generation: number;
  unsaved: boolean;
}

/** A folder watch: reports names changed in the folder. */
export type FolderWatch = (dir: string, onChange: (name: string | null) => void, onError: (e: Error) => void) => { close(): void };

/** How the live cache is set up. */
export interface LiveCacheOptions {
  file: string;
  /** Open and read, but never write the file (untrusted workspace). */
  readOnly?: boolean;
  /** The workspace as it is now (the sync's source of truth; links are planned on it). */
  index?(): WorkspaceIndex;
  /**
   * The workspace as plain data, when there is no index at hand (the cache worker keeps a copy
   * the server sends it); a new object whenever it changed.
   */
  source?(): SyncSource;
  /** The uuid Map was replaced (the worker forwards the difference to the server's copy). */
  uuidsLoaded?(next: ReadonlyMap<string, string>, prev: ReadonlyMap<string, string>): void;
  log(message: string): void;
  /** Something the user should see once (a damaged file moved aside, a cache that cannot be used). */
  warn(message: string): void;
  /** State, revision, generation or unsaved may have changed. */
  changed(): void;
  /** What the uuid-conflict rule would say changed: re-run the rules. */
  uuidsChanged(): void;
  /** Quiet time after the last change before syncing (ms, default 300). */
  syncDelayMs?: number;
  /** Quiet time before a cache-file event is acted on (ms, default 100). */
  watchDelayMs?: number;
  /** Pause before opening again after the lock was busy (ms, default 3000; tries 5 times). */
  retryMs?: number;
  save?: SaveSchedulerOptions;
  lock?: LockOptions;
  timers?: TimerApi;
  now?: () => Date;
  /** Folder watching; default fs.watch, `null` for none. */
  watch?: FolderWatch | null;
}

/** What a link did. */
export interface LiveLinkResult {
  ok: boolean;
  status: 'linked' | 'already-linked' | 'updated' | 'refused';
  message: string;
  generation: number;
  /** A manifest edit the caller applies (group members, linked_artifacts); nothing was written for it yet. */
  edit?: LinkOutcome['edit'];
}

/** What pruning did. */
export interface LivePruneResult {
  ok: boolean;
  dryRun: boolean;
  artifacts: { id: string; uuid: string; since: string }[];
  rowsRemoved: Record<string, number>;
  message: string;
  generation: number;
}

/** What a rebuild did. */
export interface LiveRebuildResult {
  ok: boolean;
  message: string;
  generation: number;
  sync?: LastSync;
  saved: boolean;
}

/** What the file on disk holds, read without touching it. */
export type FileLook =
  | { kind: 'missing' }
  | { kind: 'damaged'; reason: string }
  | { kind: 'refused'; message: string }
  | { kind: 'behind'; current: string | null; pending: string[] }
  | { kind: 'head' };

/** Reads the cache file's revision without opening it for use (sql.js must be loaded). */
export function lookAtCacheFile(file: string): FileLook {
  const SQL = sqlJsLoaded();
  if (!SQL) return { kind: 'refused', message: 'sql.js is not loaded' };
  let bytes: Uint8Array;
  try {
    bytes = readImage(file).bytes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'refused', message: `could not read ${file}: ${messageOf(e)}` };
  }
  const img = inspectImage(SQL, bytes);
  if ('reason' in img) return { kind: 'damaged', reason: img.reason };
  try {
    const tables = img.db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")[0]?.values.map((v) => String(v[0])) ?? [];
    if (tables.length > 0 && !tables.includes('_migrations')) return { kind: 'refused', message: `${file} is not a SkillMeat editor cache` };
    const s = migrationStatus(img.db);
    if (!s.ok) return { kind: 'refused', message: s.error?.message ?? 'its migration history cannot be read' };
    return s.pending.length ? { kind: 'behind', current: s.current, pending: s.pending } : { kind: 'head' };
  } finally {
    img.db.close();
  }
}

/** Identity of the file as last seen, to tell our own writes from other processes'. */
function stampOf(file: string): string | undefined {
  try {
    const s = fs.statSync(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function count(db: Database, sql: string, fallback?: string): number {
  try {
    return Number(db.exec(sql)[0]?.values[0]?.[0] ?? 0);
  } catch {
    // Older revisions lack some tables and columns; a behind cache still answers what it can.
    return fallback ? count(db, fallback) : 0;
  }
}

const defaultWatch: FolderWatch = (dir, onChange, onError) => {
  const w = fs.watch(dir, { persistent: false }, (_event, name) => onChange(name === null ? null : String(name)));
  w.on('error', onError);
  return w;
};

/** The cache a language server keeps open: state, background sync and save, reaction to other writers. */
export class LiveCache {
  private handle: CacheFile | undefined;
  private _state: LiveCacheState = 'opening';
  private error: string | undefined;
  private readonly warnings: string[] = [];
  private uuids = new Map<string, string>();
  private uuidKey: { db: Database; generation: number } | undefined;
  private syncedSource: SyncSource | undefined;
  private sourceKey: { index: WorkspaceIndex; source: SyncSource } | undefined;
  private lastSync: LastSync | undefined;
  private lastSave: LastSave | undefined;
  /** The file as we last read or wrote it. */
  private seen: string | undefined;
  private opening: Promise<void> | undefined;
  private recheck = false;
  private syncTimer: unknown;
  private watchTimer: unknown;
  private retryTimer: unknown;
  private retries = 0;
  /** Set while saveNow runs, so a save reported through the scheduler is known to be handled by the caller. */
  private immediate = false;
  private watcher: { close(): void } | undefined;
  private disposed = false;
  private readonly timers: TimerApi;

  constructor(private readonly opts: LiveCacheOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  /** The cache file's absolute path. */
  get file(): string {
    return path.resolve(this.opts.file);
  }

  /** The current state. */
  get state(): LiveCacheState {
    return this._state;
  }

  /** Whether writes are refused whatever the state. */
  get readOnly(): boolean {
    return this.opts.readOnly === true;
  }

  /** The open database, when there is one (ready or behind). */
  get db(): Database | undefined {
    return this.handle?.db;
  }

  /** The uuid the cache remembers for `type:name` (a Map lookup, safe on the keystroke path). */
  uuidOf(type: string, name: string): string | undefined {
    return this.uuids.get(`${type}:${name}`);
  }

  /** Opens the file (once; later calls wait for the same opening). */
  open(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (!this.opening) {
      this.opening = this.doOpen().finally(() => {
        this.opening = undefined;
        // An event that came in while the file was being read is looked at now.
        if (this.recheck && !this.disposed) {
          this.recheck = false;
          if (stampOf(this.file) !== this.seen) void this.refresh('changed while opening');
        }
      });
    }
    return this.opening;
  }

  private note(message: string): void {
    this.warnings.push(message);
    if (this.warnings.length > 10) this.warnings.shift();
    this.opts.warn(message);
  }

  private setState(state: LiveCacheState, error?: string): void {
    this._state = state;
    this.error = error;
    this.opts.changed();
  }

  private async doOpen(): Promise<void> {
    this.clearRetry();
    this.closeHandle();
    this._state = 'opening';
    this.opts.changed();
    const readOnly = this.readOnly;
    const t0 = performance.now();
    // What we are about to read: a file that stays unusable is not read again until it changes.
    this.seen = stampOf(this.file);
    const r = await openCache(this.file, {
      migrate: false,
      // Moving a damaged file aside is a write; an untrusted workspace only reports it.
      onDamaged: readOnly ? 'refuse' : 'quarantine',
      log: (m) => this.opts.log(m),
      save: this.opts.save,
      lock: this.opts.lock,
      now: this.opts.now,
      onSaveResult: (res) => this.saved(res, this.immediate),
      // A server saves every few seconds while the user types: write only what changed (ADR 0008).
      incrementalSave: !readOnly,
    });
    if (this.disposed) {
      if (r.ok) r.value.cache.close();
      return;
    }
    if (!r.ok) return this.unavailable(r.error);
    const opened = r.value;
    this.handle = opened.cache;
    this.seen = stampOf(this.file);
    for (const w of opened.warnings) this.note(w);
    const status = opened.cache.status();
    if (!status.ok) return this.unavailable(status.error ?? { code: 'INTERNAL', message: 'its migration history cannot be read' });
    if (status.pending.length) {
      if (!opened.created) {
        this.opts.log(`cache ${this.file} is at revision ${status.current ?? 'base'}, behind ${status.head}; it is read but not written until it is migrated (${status.pending.length} pending)`);
        this.refreshUuids();
        this.setState('behind');
        this.startWatch();
        return;
      }
      // A file that did not exist (or was damaged and moved aside) has nothing to lose: it is
      // created at head, which is not a migration anyone has to consent to.
      if (readOnly) {
        const m = migrateUp(opened.cache.db, { now: this.opts.now });
        if (!m.ok) return this.unavailable(m.error ?? { code: 'MIGRATION_FAILED', message: 'could not create the schema' });
      } else {
        const m = opened.cache.migrateUp({ now: this.opts.now });
        if (!m.ok) {
          const e = m.error ?? { code: 'MIGRATION_FAILED' as const, message: 'could not create the schema' };
          if (e.code === 'LOCKED') this.retryLater(e.message);
          return this.unavailable(e);
        }
        this.seen = stampOf(this.file);
      }
    }
    this.retries = 0;
    this.setState('ready');
    this.opts.log(`cache ${this.file} opened in ${Math.round(performance.now() - t0)} ms${opened.created ? ' (new)' : ''}${readOnly ? ' (read-only)' : ''}`);
    this.syncNow({ force: opened.created });
    this.saveNow();
    this.startWatch();
  }

  private unavailable(e: CacheError): void {
    this.closeHandle();
    const prev = this.uuids;
    this.uuids = new Map();
    this.uuidKey = undefined;
    this.opts.uuidsLoaded?.(this.uuids, prev);
    if (this.affectsRules(prev, this.uuids)) this.opts.uuidsChanged();
    this.opts.log(`cache ${this.file} unavailable (${e.code}): ${e.message}`);
    this.note(`The SkillMeat cache ${this.file} cannot be used: ${e.message}. Diagnostics keep working without it.`);
    this.setState('unavailable', e.message);
    this.startWatch();
  }

  private retryLater(why: string): void {
    if (this.retries >= 5 || this.disposed) return;
    this.retries++;
    const ms = this.opts.retryMs ?? 3000;
    this.opts.log(`cache busy (${why}); trying again in ${ms} ms`);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.open();
    }, ms);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private closeHandle(): void {
    this.handle?.close();
    this.handle = undefined;
  }

  /** Watches the cache's folder so writes by other processes are noticed; retried until the folder exists. */
  private startWatch(): void {
    if (this.watcher || this.disposed || this.opts.watch === null) return;
    const watch = this.opts.watch ?? defaultWatch;
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    try {
      this.watcher = watch(
        dir,
        (name) => {
          if (name === null || name === base) this.externalChange();
        },
        (e) => {
          this.opts.log(`cache watcher: ${e.message}`);
          this.watcher?.close();
          this.watcher = undefined;
        },
      );
    } catch (e) {
      // Mostly: the folder does not exist yet (nothing written there so far). Status requests poll instead.
      this.opts.log(`cache watcher not started for ${dir}: ${messageOf(e)}`);
    }
  }

  /** The workspace as the sync reads it: given, or derived from the index (once per index). */
  private source(): SyncSource {
    if (this.opts.source) return this.opts.source();
    const index = this.opts.index!();
    if (this.sourceKey?.index !== index) this.sourceKey = { index, source: sourceOf(index) };
    return this.sourceKey.source;
  }

  /** The uuids the manifests declare, as `type:name` → uuid pairs. */
  private *declaredUuids(): Generator<[string, string]> {
    if (this.opts.index) {
      for (const c of this.opts.index().collections) for (const a of c.artifacts) if (a.entry.uuid?.value) yield [`${a.type}:${a.name}`, a.entry.uuid.value];
      return;
    }
    for (const c of this.source().collections) for (const a of c.data().artifacts) if (a.uuid) yield [`${a.type}:${a.name}`, a.uuid];
  }

  /** A change of the workspace: sync after a quiet period (never on the keystroke path). */
  touch(): void {
    if (this.disposed || this._state !== 'ready') return;
    if (this.syncTimer !== undefined) this.timers.clearTimeout(this.syncTimer);
    this.syncTimer = this.timers.setTimeout(() => {
      this.syncTimer = undefined;
      this.syncIfStale();
    }, this.syncDelay());
  }

  /**
   * The quiet period before a sync. A sync blocks the thread (a 5,000-artifact collection takes
   * seconds), so when the last one was slow the wait grows with it: typing in a big manifest
   * then costs one sync per pause, not one per short break.
   */
  private syncDelay(): number {
    const base = this.opts.syncDelayMs ?? 300;
    const last = this.lastSync?.ms ?? 0;
    return last > 100 ? base + Math.min(4700, Math.round(last * 2)) : base;
  }

  /** Syncs now when the workspace changed since the last sync; true when a sync ran. */
  syncIfStale(): boolean {
    if (this._state !== 'ready') return false;
    if (this.source() === this.syncedSource) return false;
    return this.syncNow({ force: false }) !== undefined;
  }

  /** Brings the cache up to the workspace now; schedules a save. */
  private syncNow(o: { force: boolean }): LastSync | undefined {
    const db = this.handle?.db;
    if (!db || this._state !== 'ready') return undefined;
    if (this.syncTimer !== undefined) this.timers.clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const source = this.source();
    const t0 = performance.now();
    // Slices of ~150 ms keep the server answering while a large workspace is first synced.
    const r = syncSource(db, source, { force: o.force, budgetMs: o.force ? undefined : 150, now: isoNow((this.opts.now ?? (() => new Date()))()) });
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    if (!r.ok) {
      this.opts.log(`cache sync failed: ${r.error.message}`);
      return undefined;
    }
    if (r.value.more) {
      this.syncTimer = this.timers.setTimeout(() => {
        this.syncTimer = undefined;
        this.syncIfStale();
      }, 0);
    } else this.syncedSource = source;
    const { conflicts, ...rest } = r.value;
    this.lastSync = { ...rest, conflicts: conflicts.slice(0, 20), at: new Date().toISOString(), ms, forced: o.force };
    if (r.value.collectionsSynced || r.value.deployedFilesSynced || o.force) {
      this.opts.log(`cache sync: ${r.value.collectionsSynced} collections, ${r.value.deployedFilesSynced} deployed files, ${r.value.artifactsCreated} new artifacts in ${ms} ms (generation ${r.value.generation})`);
    }
    if (!this.readOnly) this.handle!.scheduleSave();
    // The registry is read again once the sync is whole: after every slice of a first sync it
    // re-read 50,000 rows here and made the server walk every artifact, under the user's typing.
    if (!r.value.more) this.refreshUuids();
    this.opts.changed();
    return this.lastSync;
  }

  /** Saves now (not debounced), re-applying `redo` after a reload when another process wrote first. */
  private saveNow(redo?: () => void): Result<SaveInfo> | undefined {
    if (this.readOnly || !this.handle) return undefined;
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      let r: Result<SaveInfo>;
      this.immediate = true;
      try {
        // A pending scheduled save is taken now (flush reports through onSaveResult), so it does not run again later.
        const flushed = this.handle.savePending ? this.handle.flush() : undefined;
        r = flushed ?? this.handle.save();
        if (!flushed) this.saved(r, true);
      } finally {
        this.immediate = false;
      }
      if (this.lastSave) this.lastSave.ms = Math.round((performance.now() - t0) * 10) / 10;
      if (r.ok || r.error.code !== 'CONFLICT' || attempt >= 2) return r;
      if (!this.reloadFromDisk()) return r;
      this.syncNow({ force: false });
      redo?.();
    }
  }

  /** Takes note of a save (scheduled, or immediate when the caller handles a conflict itself). */
  private saved(r: Result<SaveInfo>, immediate: boolean): void {
    const at = new Date().toISOString();
    if (r.ok) {
      this.seen = stampOf(this.file);
      this.lastSave = { at, ok: true, bytes: r.value.bytes, written: r.value.written, mode: r.value.mode, ms: r.value.ms };
      this.startWatch();
    } else {
      this.lastSave = { at, ok: false, error: r.error.message };
      if (r.error.code === 'LOCKED') this.opts.log(`cache save postponed: ${r.error.message}`);
      else if (r.error.code === 'CONFLICT') {
        this.opts.log('cache save refused: another process wrote the file; reloading it and syncing again');
        if (!immediate) void this.refresh('conflict');
      } else {
        this.opts.log(`cache save failed: ${r.error.message}`);
        this.note(`SkillMeat could not save its cache: ${r.error.message}`);
      }
    }
    this.opts.changed();
  }

  /**
   * Replaces the in-memory database with the file when the file is at head (uuids we assigned
   * are merged in); false when it is not, in which case the caller opens it afresh.
   */
  private reloadFromDisk(): boolean {
    if (!this.handle || this.readOnly) return false;
    // reload() migrates a file that is behind; look first, so nothing is migrated without consent.
    if (lookAtCacheFile(this.file).kind !== 'head') return false;
    const r = this.handle.reload();
    if (!r.ok) return false;
    this.seen = stampOf(this.file);
    if (r.value.mergedUuids) this.opts.log(`cache reloaded; ${r.value.mergedUuids} uuids of ours merged in`);
    return true;
  }

  /** The cache file changed on disk (watcher event): act after a short quiet period. */
  externalChange(): void {
    if (this.disposed) return;
    if (this.watchTimer !== undefined) this.timers.clearTimeout(this.watchTimer);
    this.watchTimer = this.timers.setTimeout(() => {
      this.watchTimer = undefined;
      if (stampOf(this.file) === this.seen) return; // our own save
      void this.refresh('changed on disk');
    }, this.opts.watchDelayMs ?? 100);
  }

  /** Looks at the file again when it changed since we read it (status requests call this as a fallback to watching). */
  poll(): void {
    if (this.disposed || this.opening) return;
    this.startWatch();
    if ((this._state === 'behind' || this._state === 'unavailable') && stampOf(this.file) !== this.seen) void this.refresh('changed on disk');
  }

  /**
   * Another process wrote the file (or our save met a conflict): take its image. Our unsaved work
   * is re-derived by a sync only when there was some, so two windows never bounce saves forever.
   */
  async refresh(reason: string): Promise<void> {
    if (this.disposed) return;
    if (this.opening) {
      this.recheck = true;
      return;
    }
    const hadWork = reason === 'conflict' || this.handle?.savePending === true;
    if (this._state === 'ready' && this.reloadFromDisk()) {
      this.opts.log(`cache reloaded (${reason})`);
      this.syncedSource = undefined;
      if (hadWork) this.syncNow({ force: false });
      else {
        // Nothing of ours to re-apply; what we would write next time is computed against their image.
        this.refreshUuids();
        this.opts.changed();
      }
      return;
    }
    this.opts.log(`cache file ${reason}; opening it again`);
    await this.open();
  }

  /** Reads the uuid registry into a Map once per generation; tells the rules when it matters to them. */
  private refreshUuids(): void {
    const db = this.handle?.db;
    if (!db) return;
    let generation = -1;
    try {
      generation = getGeneration(db);
    } catch {
      // A cache older than 0010 has no generation (and no registry).
    }
    if (this.uuidKey && this.uuidKey.db === db && this.uuidKey.generation === generation) return;
    let next: Map<string, string>;
    try {
      next = loadUuidMap(db);
    } catch {
      next = new Map();
    }
    const prev = this.uuids;
    this.uuids = next;
    this.uuidKey = { db, generation };
    this.opts.uuidsLoaded?.(next, prev);
    if (this.affectsRules(prev, next)) this.opts.uuidsChanged();
  }

  /** Whether the uuid-conflict rule's output differs between two registries, for the uuids the manifests declare. */
  private affectsRules(prev: Map<string, string>, next: Map<string, string>): boolean {
    for (const [k, declared] of this.declaredUuids()) {
      const o = prev.get(k);
      const n = next.get(k);
      const firedBefore = o !== undefined && o !== declared;
      const firesNow = n !== undefined && n !== declared;
      if (firedBefore !== firesNow || (firesNow && o !== n)) return true;
    }
    return false;
  }

  private generation(): number {
    const db = this.handle?.db;
    if (!db) return 0;
    try {
      return getGeneration(db);
    } catch {
      return 0;
    }
  }

  private migration(): MigrationStatus | undefined {
    try {
      return this.handle?.status();
    } catch {
      return undefined;
    }
  }

  /** What clients show in a status bar. */
  headline(): LiveCacheHeadline {
    return { state: this._state, revision: this.migration()?.current ?? null, generation: this.generation(), unsaved: this.handle?.savePending === true };
  }

  /** The full status. */
  status(): LiveCacheStatus {
    const db = this.handle?.db;
    const m = this.migration();
    const head = m?.head ?? MIGRATIONS[MIGRATIONS.length - 1]?.id ?? '';
    const out: LiveCacheStatus = {
      file: this.file,
      state: this._state,
      readOnly: this.readOnly,
      revision: m?.current ?? null,
      head,
      pending: m?.pending ?? [],
      artifacts: db ? count(db, 'SELECT count(*) FROM artifacts WHERE missing_since IS NULL', 'SELECT count(*) FROM artifacts') : 0,
      missing: db ? count(db, 'SELECT count(*) FROM artifacts WHERE missing_since IS NOT NULL') : 0,
      collections: db ? count(db, 'SELECT count(*) FROM collections') : 0,
      memberships: db ? count(db, 'SELECT count(*) FROM composite_memberships') : 0,
      userMemberships: db ? count(db, "SELECT count(*) FROM composite_memberships WHERE source = 'user'") : 0,
      generation: this.generation(),
      unsaved: this.handle?.savePending === true,
      warnings: [...this.warnings],
    };
    if (this.lastSync) out.lastSync = this.lastSync;
    if (this.lastSave) out.lastSave = this.lastSave;
    if (this.error) out.error = this.error;
    return out;
  }

  /** Why a write cannot happen now, or undefined when it can. */
  refusal(): string | undefined {
    if (this.readOnly) return READ_ONLY_MESSAGE;
    if (this._state === 'opening') return 'the cache is still being opened; try again in a moment';
    if (this._state === 'behind') {
      const m = this.migration();
      return `the cache ${this.file} is at revision ${m?.current ?? 'base'}, behind this version (${m?.head}); migrate it first (SkillMeat: Migrate Cache…)`;
    }
    if (this._state === 'unavailable') return `the cache ${this.file} cannot be used: ${this.error ?? 'unknown error'}`;
    return undefined;
  }

  /** Waits for an opening in progress. */
  async settled(): Promise<void> {
    while (this.opening) await this.opening;
  }

  /**
   * Links two artifacts. A composite membership is written and saved here; a manifest edit is
   * returned for the caller to apply (the cache follows when the manifest changes).
   */
  async link(req: LinkRequest, expectGeneration?: number): Promise<LiveLinkResult> {
    await this.settled();
    const why = this.refusal();
    if (why) return { ok: false, status: 'refused', message: why, generation: this.generation() };
    const stamp = isoNow((this.opts.now ?? (() => new Date()))());
    return this.linkPlanned(planLink(this.opts.index!(), req, stamp), stamp, expectGeneration);
  }

  /** Carries out a link planned on the workspace (planLink): checks the generation, writes a membership, saves. */
  async linkPlanned(plan: LinkPlan, stamp: string, expectGeneration?: number): Promise<LiveLinkResult> {
    await this.settled();
    const refused = (message: string): LiveLinkResult => ({ ok: false, status: 'refused', message, generation: this.generation() });
    const why = this.refusal();
    if (why) return refused(why);
    const before = this.generation();
    this.syncIfStale();
    const now = this.generation();
    // The catch-up sync above is ours: a caller that read the generation just before it is not stale.
    if (expectGeneration !== undefined && expectGeneration !== before && expectGeneration !== now) {
      return refused(`the cache changed since it was read (generation ${now}, expected ${expectGeneration}); nothing was linked`);
    }
    const r: { ok: true; value: LinkOutcome } | { ok: false; reason: string } = plan.ok && 'membership' in plan ? applyMembership(this.handle!.db, plan.membership, now, stamp) : plan;
    if (!r.ok) return refused(r.reason);
    const outcome = r.value;
    if (outcome.edit || outcome.status === 'already-linked') return { ok: true, status: outcome.status, message: outcome.message, generation: this.generation(), edit: outcome.edit };
    this.refreshUuids();
    const latest: { r: { ok: true; value: LinkOutcome } | { ok: false; reason: string } } = { r };
    const saved = this.saveNow(() => {
      // Another process saved first and its image replaced ours: write the membership again.
      if (plan.ok && 'membership' in plan) latest.r = applyMembership(this.handle!.db, plan.membership, this.generation(), stamp);
    });
    const again = latest.r;
    this.refreshUuids();
    this.opts.changed();
    if (!again.ok) return refused(`the cache was written by another process meanwhile and the link could not be made again: ${again.reason}`);
    if (saved && !saved.ok) {
      if (saved.error.code === 'LOCKED') {
        this.handle?.scheduleSave();
        return { ok: true, status: outcome.status, message: `${outcome.message}; the cache file is busy (${saved.error.message}), it will be saved when it is free`, generation: this.generation() };
      }
      return refused(`${outcome.message}, but the cache could not be saved: ${saved.error.message}`);
    }
    return { ok: true, status: outcome.status, message: outcome.message, generation: this.generation() };
  }

  /** Deletes the artifacts kept as missing (or lists them, dry run) and saves. */
  async prune(dryRun: boolean): Promise<LivePruneResult> {
    await this.settled();
    const base = { dryRun, artifacts: [], rowsRemoved: {} };
    const why = this.refusal();
    if (why) return { ok: false, ...base, message: why, generation: this.generation() };
    this.syncIfStale();
    let r = pruneMissing(this.handle!.db, dryRun);
    if (!r.ok) return { ok: false, ...base, message: r.reason, generation: this.generation() };
    if (dryRun || r.artifacts.length === 0) {
      const n = r.artifacts.length;
      return { ok: true, dryRun, artifacts: r.artifacts, rowsRemoved: r.rowsRemoved, message: n ? `${n} missing artifact${n === 1 ? '' : 's'} would be deleted` : 'no missing artifacts to prune', generation: this.generation() };
    }
    const first = r;
    const saved = this.saveNow(() => {
      r = pruneMissing(this.handle!.db, false);
    });
    this.refreshUuids();
    this.opts.changed();
    if (saved && !saved.ok && saved.error.code !== 'LOCKED') {
      return { ok: false, dryRun, artifacts: first.artifacts, rowsRemoved: first.ok ? first.rowsRemoved : {}, message: `pruned in memory, but the cache could not be saved: ${saved.error.message}`, generation: this.generation() };
    }
    if (saved && !saved.ok) this.handle?.scheduleSave();
    const n = first.artifacts.length;
    return { ok: true, dryRun, artifacts: first.artifacts, rowsRemoved: first.ok ? first.rowsRemoved : {}, message: `deleted ${n} missing artifact${n === 1 ? '' : 's'}`, generation: this.generation() };
  }

  /** Re-syncs every file (uuids and user memberships are kept) and saves; opens the file again first when it was unusable. */
  async rebuild(): Promise<LiveRebuildResult> {
    await this.settled();
    if (this.readOnly) return { ok: false, message: READ_ONLY_MESSAGE, generation: this.generation(), saved: false };
    if (this._state === 'unavailable') await this.open();
    const why = this.refusal();
    if (why) return { ok: false, message: why, generation: this.generation(), saved: false };
    const s = this.syncNow({ force: true });
    if (!s) return { ok: false, message: 'the sync failed; see the output for details', generation: this.generation(), saved: false };
    const saved = this.saveNow();
    const ok = !saved || saved.ok || saved.error.code === 'LOCKED';
    if (saved && !saved.ok && saved.error.code === 'LOCKED') this.handle?.scheduleSave();
    return {
      ok,
      message: ok
        ? `cache rebuilt: ${s.collectionsSynced} collections and ${s.deployedFilesSynced} deployed files synced in ${s.ms} ms`
        : `the cache was rebuilt in memory but not saved: ${saved && !saved.ok ? saved.error.message : ''}`,
      generation: this.generation(),
      sync: this.lastSync,
      saved: saved?.ok === true,
    };
  }

  /** Syncs pending changes and saves what is unsaved, then lets go of the file (shutdown). */
  dispose(): void {
    if (this.disposed) return;
    for (const t of [this.syncTimer, this.watchTimer, this.retryTimer]) if (t !== undefined) this.timers.clearTimeout(t);
    this.syncTimer = this.watchTimer = this.retryTimer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    if (this._state === 'ready' && !this.readOnly && this.handle) {
      this.syncIfStale();
      if (this.handle.savePending) this.saveNow();
    }
    this.disposed = true;
    this.closeHandle();
  }
}
