/**
 * The server's state: the engine workspace over the workspace folders and the collections root,
 * the open documents, settings, the disk watcher and the diagnostics publisher. Handlers read it;
 * only this file changes it.
 */
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { MessageType } from 'vscode-languageserver/node';
import { Workspace, type Host, type WorkspaceOptions } from '../engine';
import type { RuleOptions } from '../engine/diagnostics/rules/context';
import { isManifestName } from '../engine';
import { diskRelevance } from '../engine/features';
import { defaultCollectionsRoot } from '../host/locations';
import { defaultCachePath } from '../engine/cache/db';
import { CacheService } from './cache';
import { RemoteLiveCache } from '../engine/cache/remote';
import type { Clock } from './clock';
import { OpenDocuments } from './documents';
import { DiagnosticsPublisher } from './diagnostics';
import { type DiskEvent, DiskSync, isUnder } from './diskSync';
import { type Settings, DEFAULT_SETTINGS, excludeMatcher, excludedFolderNames } from './settings';
import type { FileWatcher, WatcherFactory } from './watcher';

/** How the session is set up (fixed for its life). */
export interface SessionConfig {
  connection: Connection;
  host: Host;
  clock: Clock;
  watcherFactory?: WatcherFactory;
  debounceMs: number;
  settleMs: number;
  diagnosticMode: 'push' | 'pull';
  refreshSupport: boolean;
  /** The client shows $/progress for server-initiated tokens. */
  progressSupport: boolean;
  /** From initializationOptions: wins over the setting. */
  collectionsRootOption?: string;
  /** From initializationOptions: wins over the setting. */
  cacheFileOption?: string;
  /** Write nothing: no cache saves, every write command refused. */
  readOnly?: boolean;
  /** false: no cache at all. */
  cacheEnabled?: boolean;
  cacheSaveDelayMs?: number;
}

/** The watcher's state, for status. */
export type WatchState = 'off' | 'starting' | 'ready' | 'degraded';

/** Everything the handlers work on. */
export class Session {
  ws: Workspace;
  folders: string[] = [];
  settings: Settings = DEFAULT_SETTINGS;
  readonly docs = new OpenDocuments();
  readonly publisher: DiagnosticsPublisher;
  readonly disk: DiskSync;
  watchState: WatchState = 'off';
  watchError?: string;
  /** Resolves once the first index is built (requests wait for it). */
  readonly ready: Promise<void>;
  lastIndex = { files: 0, ms: 0, at: 0 };
  /** The artifact cache, once started after the first index (absent when turned off). */
  cache?: CacheService;
  private markReady!: () => void;
  private watcher?: FileWatcher;
  private watchKey = '';
  private indexQueue: Promise<void> = Promise.resolve();
  private excluded: (file: string) => boolean = excludeMatcher([]);
  private warned = new Set<string>();
  private disposed = false;
  private rootsCache?: string[];

  constructor(readonly config: SessionConfig) {
    this.ws = new Workspace(config.host, this.workspaceOptions());
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.publisher = new DiagnosticsPublisher({
      connection: config.connection,
      ws: () => this.ws,
      docs: this.docs,
      overrides: () => this.settings.severity,
      clock: config.clock,
      debounceMs: config.debounceMs,
      mode: config.diagnosticMode,
      refreshSupport: config.refreshSupport,
      log: (m) => this.log(m),
    });
    this.disk = new DiskSync({
      ws: () => this.ws,
      isOpen: (f) => this.docs.isOpen(f),
      wanted: (f) => this.wanted(f),
      clock: config.clock,
      batchMs: Math.min(10, config.settleMs),
      settleMs: config.settleMs,
      onChange: () => this.changed(),
    });
  }

  /** The workspace changed: diagnostics again soon, the cache after its own quiet period. */
  private changed(): void {
    this.publisher.schedule();
    this.cache?.touch();
  }

  /** The cache file in use: initialization option, else setting, else $SKILLMEAT_HOME/vscode-cache.db. */
  get cacheFile(): string {
    const f = this.config.cacheFileOption ?? this.settings.cacheFile;
    if (!f) return defaultCachePath();
    // A relative setting is read against the first workspace folder, not the server's cwd.
    return path.resolve(this.folders[0] ?? process.cwd(), f);
  }

  /**
   * (Re)creates the cache for the current file and opens it in the background; requests never
   * wait for the opening (they see state 'opening').
   */
  startCache(): void {
    if (this.config.cacheEnabled === false || this.disposed) return;
    // The findings read the old cache's uuids; the new one reports its keys against an empty map.
    if (this.cache) this.ws.cachedUuidsChanged(undefined);
    this.cache?.dispose();
    this.cache = this.newCache();
    void this.cache.start();
  }

  private newCache(): CacheService {
    return new CacheService(
      {
        connection: this.config.connection,
        index: () => this.ws.index(),
        log: (m) => this.log(m),
        rulesChanged: () => this.cacheUuidsChanged(),
      },
      { file: this.cacheFile, readOnly: this.config.readOnly === true, saveDelayMs: this.config.cacheSaveDelayMs },
    );
  }

  private uuidTimer: unknown;
  private uuidSince: number | undefined;
  private lastEditAt = -Infinity;

  /**
   * The cache's uuids changed: the rules re-check the collections whose findings that changes
   * (a worker cache says which keys; the disk facts stay). Applying it walks every artifact, so
   * while the user types it waits for a pause (at most 2 s): uuid-conflict findings can lag a
   * keystroke burst, the keystrokes should not.
   */
  private cacheUuidsChanged(): void {
    const { clock } = this.config;
    this.uuidSince ??= clock.now();
    if (this.uuidTimer !== undefined) return;
    const apply = (): void => {
      this.uuidTimer = undefined;
      if (this.disposed) return;
      const now = clock.now();
      if (now - this.lastEditAt < 300 && now - (this.uuidSince ?? now) < 2000) {
        this.uuidTimer = clock.setTimeout(apply, 300);
        return;
      }
      this.uuidSince = undefined;
      const live = this.cache?.live;
      this.ws.cachedUuidsChanged(live instanceof RemoteLiveCache ? live.takeChangedUuids() : undefined);
      this.publisher.schedule();
    };
    this.uuidTimer = clock.setTimeout(apply, 0);
  }

  /** Logs to the client's output. */
  log(message: string): void {
    this.config.connection.console.log(message);
  }

  /** The collections root in use: initialization option, else setting, else ~/.skillmeat/collections. */
  get collectionsRoot(): string {
    return this.config.collectionsRootOption ?? this.settings.collectionsRoot ?? defaultCollectionsRoot();
  }

  /**
   * Every root scanned and watched: the workspace folders and the collections root, without
   * nesting. Cached (the watcher asks for every path it meets) until folders or settings change
   * or the index is rebuilt.
   */
  roots(): string[] {
    if (this.rootsCache) return this.rootsCache;
    const all = [...this.folders, this.collectionsRoot].map((p) => path.resolve(p));
    const unique = [...new Set(all)].filter((r) => this.config.host.stat(r)?.kind === 'directory');
    this.rootsCache = unique.filter((r) => !unique.some((o) => o !== r && isUnder(r, o)));
    return this.rootsCache;
  }

  /** Whether a path belongs to the workspace: under a root and not excluded. */
  wanted(file: string): boolean {
    return this.roots().some((r) => isUnder(file, r)) && !this.excluded(file);
  }

  private workspaceOptions(): WorkspaceOptions {
    return {
      maxFileBytes: Math.round(this.settings.maxFileSizeMB * 1024 * 1024),
      excludeFolders: ['node_modules', '.git', '.hg', '.svn', ...excludedFolderNames(this.settings.watcherExclude)],
      rules: this.ruleOptions(),
    };
  }

  /** What the cache tells the rules: a Map lookup per artifact, refreshed once per cache generation (never SQL). */
  private ruleOptions(): RuleOptions {
    return { cachedUuid: (_collection, type, name) => this.cache?.live.uuidOf(type, name) };
  }

  /** Rebuilds the workspace from disk (first start, settings change, rebuild command); calls are queued. */
  reindex(reason: string): Promise<void> {
    const run = this.indexQueue.then(() => this.buildIndex(reason));
    this.indexQueue = run.catch(() => undefined);
    return run;
  }

  private async buildIndex(reason: string): Promise<void> {
    if (this.disposed) return;
    const { clock, connection } = this.config;
    const started = clock.now();
    this.excluded = excludeMatcher(this.settings.watcherExclude);
    this.rootsCache = undefined;
    const ws = new Workspace(this.config.host, this.workspaceOptions());
    const roots = this.roots();
    const files = [...new Set(roots.flatMap((r) => ws.listManifests(r)))].filter((f) => !this.excluded(f));
    // The path rules' folder listings are read on other threads while the files are parsed.
    const readAhead = ws.prefetchCollectionFolders(files).catch(() => undefined);
    const progress = this.config.progressSupport ? await connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('SkillMeat', 0, `Indexing ${files.length} manifests…`, false);
    const slice = 100;
    for (let i = 0; i < files.length; i += slice) {
      for (const f of files.slice(i, i + slice)) if (!this.docs.isOpen(f)) ws.load(f);
      if (i + slice < files.length) {
        progress?.report(Math.round(((i + slice) / files.length) * 100), `Indexing ${files.length} manifests… ${i + slice}/${files.length}`);
        // Let edits and requests through between slices of a large workspace.
        await new Promise((r) => setImmediate(r));
      }
    }
    await readAhead;
    // Open documents win over the disk; apply their latest text (edits made during the scan included).
    for (const f of this.docs.openPaths()) {
      const doc = this.docs.byPath(f);
      if (doc) ws.setText(f, doc.getText(), doc.version);
    }
    this.ws = ws;
    this.disk.reset();
    progress?.done();
    this.lastIndex = { files: files.length, ms: clock.now() - started, at: clock.now() };
    this.log(`indexed ${files.length} manifests in ${this.lastIndex.ms} ms (${reason}); roots: ${roots.join(', ') || 'none'}`);
    // The cache exists before any request runs (so they see it 'opening'), and is read only now,
    // after the first diagnostics are on their way.
    const first = !this.cache && this.config.cacheEnabled !== false;
    if (first) this.cache = this.newCache();
    this.markReady();
    this.publisher.flush();
    void connection.sendNotification('skillmeat/indexed', { files: files.length, ms: this.lastIndex.ms, roots, reason });
    if (first) void this.cache!.start();
    else this.cache?.touch();
    this.restartWatcher();
  }

  /** Starts (or restarts, when roots or excludes changed) the file watcher. */
  restartWatcher(): void {
    const factory = this.config.watcherFactory;
    if (!factory || this.disposed) return;
    const roots = this.roots();
    const key = JSON.stringify([roots, this.settings.watcherExclude]);
    if (this.watcher && key === this.watchKey) return;
    void this.watcher?.close().catch(() => undefined);
    this.watcher = undefined;
    this.watchKey = key;
    if (roots.length === 0) {
      this.watchState = 'off';
      return;
    }
    this.watchState = 'starting';
    try {
      this.watcher = factory(roots, (f, stats) => this.ignored(f, stats), {
        onEvent: (kind, file) => this.disk.notify(kind, file),
        onError: (err) => this.watchFailed(err),
        onReady: () => this.watchReady(),
      });
    } catch (e) {
      this.watchFailed(e as NodeJS.ErrnoException);
    }
  }

  /**
   * A file event from the editor's watcher (`workspace/didChangeWatchedFiles`), which says
   * neither file nor folder: a deleted non-manifest path is handled as a possible folder (the
   * held files under it are checked), a created one is looked at.
   */
  clientFileEvent(type: number, file: string): void {
    if (!this.roots().some((r) => isUnder(file, r)) || this.excluded(file)) return;
    const manifest = isManifestName(path.basename(file));
    let kind: DiskEvent;
    if (type === 1) kind = manifest ? 'add' : this.config.host.stat(file)?.kind === 'directory' ? 'addDir' : 'add';
    else if (type === 3) kind = manifest ? 'unlink' : 'unlinkDir';
    else if (type === 2) kind = 'change';
    else return;
    this.disk.notify(kind, file);
  }

  /** What the watcher skips: excluded folders, and files no finding depends on. */
  private ignored(file: string, stats?: { isFile(): boolean }): boolean {
    if (this.excluded(file)) return true;
    if (!stats?.isFile()) return false;
    const root = this.roots().find((r) => isUnder(file, r));
    if (diskRelevance(file, root) !== 'other') return false;
    return this.ws.index().collectionOf(file) === undefined;
  }

  private watchReady(): void {
    if (this.watchState === 'starting') this.watchState = 'ready';
    // Files created between the scan and the watcher's start had no event: catch up once.
    let changed = false;
    for (const r of this.roots()) {
      for (const f of this.ws.listManifests(r)) if (!this.ws.get(f) && !this.excluded(f)) changed = this.disk.apply(f, 'add', true) || changed;
    }
    if (changed) this.changed();
    void this.config.connection.sendNotification('skillmeat/watching', { state: this.watchState, roots: this.roots() });
  }

  private watchFailed(err: NodeJS.ErrnoException): void {
    const code = err.code ?? 'ERROR';
    this.log(`file watcher: ${err.message}`);
    if (code !== 'ENOSPC' && code !== 'EMFILE' && code !== 'ENFILE' && code !== 'EPERM' && code !== 'EACCES') return;
    this.watchState = 'degraded';
    this.watchError = `${code}: ${err.message}`;
    if (this.warned.has(code)) return;
    this.warned.add(code);
    const why = code === 'ENOSPC' ? 'the system limit on watched files (inotify) is reached' : code === 'EMFILE' || code === 'ENFILE' ? 'too many files are open' : 'a folder cannot be watched';
    void this.config.connection.sendNotification('window/showMessage', {
      type: MessageType.Warning,
      message: `SkillMeat: file watching is limited because ${why} (${code}). Changes made outside the editor may be missed; exclude large folders with "skillmeat.watcher.exclude"${code === 'ENOSPC' ? ' or raise fs.inotify.max_user_watches' : ''}, or run "SkillMeat: Rebuild Index".`,
    });
  }

  /** An open document's new text (didOpen / didChange). */
  setText(uri: string, text: string, version: number): void {
    const file = this.docs.opened(uri);
    if (!file) return;
    this.ws.setText(file, text, version);
    this.lastEditAt = this.config.clock.now();
    this.changed();
  }

  /** A document closed: the disk's content is back in charge. */
  close(uri: string): void {
    const file = this.docs.closed(uri);
    if (!file) return;
    // Back to what a scan would hold: the disk's manifest inside the roots, nothing otherwise.
    const st = this.config.host.stat(file);
    if (st && (st.kind === 'file' || st.kind === 'directory') && isManifestName(path.basename(file)) && this.wanted(file)) this.ws.load(file);
    else this.ws.remove(file);
    this.changed();
  }

  /** Workspace folders added and removed at run time. */
  changeFolders(added: string[], removed: string[]): void {
    const before = this.roots();
    this.folders = this.folders.filter((f) => !removed.some((r) => path.resolve(r) === path.resolve(f)));
    for (const a of added) if (!this.folders.includes(a)) this.folders.push(a);
    this.rootsCache = undefined;
    const after = this.roots();
    for (const sf of [...this.ws.allFiles()]) {
      if (this.docs.isOpen(sf.file)) continue;
      if (before.some((r) => isUnder(sf.file, r)) && !after.some((r) => isUnder(sf.file, r))) this.ws.remove(sf.file);
    }
    for (const r of after) {
      if (before.some((b) => isUnder(r, b))) continue;
      for (const f of this.ws.listManifests(r)) if (!this.excluded(f) && !this.docs.isOpen(f) && !this.ws.get(f)) this.ws.load(f);
    }
    this.changed();
    this.updateWatchedRoots(before, after);
  }

  /** Who watches the disk now, for status. */
  get watchBy(): 'editor' | 'chokidar' | undefined {
    return this.watcher?.by?.();
  }

  /** Adds and drops watched roots without restarting the watcher (a restart would walk every folder again). */
  private updateWatchedRoots(before: string[], after: string[]): void {
    if (!this.watcher) return this.restartWatcher();
    const added = after.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !after.includes(r));
    if (removed.length) this.watcher.unwatch(removed);
    if (added.length) this.watcher.add(added);
    this.watchKey = JSON.stringify([after, this.settings.watcherExclude]);
  }

  /** New settings: rebuild when what the scan depends on changed, else just re-send diagnostics. */
  async applySettings(next: Settings): Promise<void> {
    const prev = this.settings;
    const prevRoot = this.collectionsRoot;
    const prevCache = this.cacheFile;
    this.settings = next;
    this.rootsCache = undefined;
    const rescan = prevRoot !== this.collectionsRoot || prev.maxFileSizeMB !== next.maxFileSizeMB || JSON.stringify(prev.watcherExclude) !== JSON.stringify(next.watcherExclude);
    if (JSON.stringify(prev.severity) !== JSON.stringify(next.severity)) {
      this.publisher.forget();
      this.publisher.schedule();
    }
    if (rescan) await this.reindex('settings changed');
    if (this.cache && this.cacheFile !== prevCache) {
      this.log(`cache file changed to ${this.cacheFile}`);
      this.startCache();
    }
  }

  /** Stops timers and the watcher. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.cache?.dispose();
    this.publisher.dispose();
    this.disk.dispose();
    await this.watcher?.close().catch(() => undefined);
    this.watcher = undefined;
  }
}

/** A request's document position as a held file and an offset; undefined for unknown URIs and positions outside the text. */
export function offsetIn(session: Session, uri: string, pos: { line: number; character: number }): { file: string; offset: number } | undefined {
  const file = session.docs.pathOf(uri);
  if (!file) return undefined;
  const sf = session.ws.get(file);
  if (!sf) return undefined;
  if (!Number.isInteger(pos.line) || !Number.isInteger(pos.character) || pos.line < 0 || pos.character < 0 || pos.line >= sf.lines.lineCount) return undefined;
  const offset = sf.lines.offsetAt(pos);
  const back = sf.lines.positionAt(offset);
  if (back.line !== pos.line || back.character !== pos.character) return undefined;
  return { file, offset };
}

/** The held file of a URI, if any. */
export function fileOf(session: Session, uri: string): string | undefined {
  const file = session.docs.pathOf(uri);
  return file && session.ws.get(file) ? file : undefined;
}
