/**
 * The artifact cache inside the server: a LiveCache over the session's workspace, with its
 * changes sent to the client (`skillmeat/cacheChanged`) and its problems shown once
 * (window/showMessage). Nothing here runs on the keystroke path: the database, its syncs and saves
 * live in a worker thread (dist/cacheWorker.js), and the rules only read the uuid Map the worker
 * keeps current here.
 */
import { MessageType } from 'vscode-languageserver/node';
import type { Connection } from 'vscode-languageserver/node';
import type { WorkspaceIndex } from '../engine';
import { LiveCache, type LiveCacheOptions } from '../engine/cache/live';
import { RemoteLiveCache, bundledWorker } from '../engine/cache/remote';

/** The notification clients follow for a status bar. */
export const CACHE_CHANGED = 'skillmeat/cacheChanged';

/** What the cache needs from the session. */
export interface CacheHost {
  connection: Connection;
  index(): WorkspaceIndex;
  log(message: string): void;
  /** The uuid registry changed in a way the rules see: re-run them. */
  rulesChanged(): void;
}

/** How the cache is set up. */
export interface CacheServiceOptions {
  file: string;
  readOnly: boolean;
  saveDelayMs?: number;
  /**
   * The cache worker script; default dist/cacheWorker.js beside the bundle. Without one (running
   * from source) the cache runs on the main thread.
   */
  workerFile?: string;
  execArgv?: string[];
}

/** The server's cache: opened after the first index, synced after changes, closed (flushed) at shutdown. */
export class CacheService {
  readonly live: LiveCache;
  private lastSent = '';
  private readonly shown = new Set<string>();

  constructor(private readonly host: CacheHost, readonly options: CacheServiceOptions) {
    const d = options.saveDelayMs;
    const opts: LiveCacheOptions = {
      file: options.file,
      readOnly: options.readOnly,
      index: () => host.index(),
      log: (m) => host.log(m),
      warn: (m) => this.warn(m),
      changed: () => this.changed(),
      uuidsChanged: () => host.rulesChanged(),
      save: d === undefined ? undefined : { delayMs: d, maxDelayMs: Math.max(d * 4, 1000) },
    };
    // In a worker, no sync or save of a large cache ever blocks a request (ADR 0006, choice 4).
    const workerFile = options.workerFile ?? bundledWorker();
    this.live = workerFile ? new RemoteLiveCache({ ...opts, workerFile, execArgv: options.execArgv }) : new LiveCache(opts);
  }

  /** Opens the file in the background; the returned promise settles when it is open (or known unusable). */
  start(): Promise<void> {
    return this.live.open().catch((e: unknown) => this.host.log(`cache: opening failed: ${(e as Error)?.stack ?? e}`));
  }

  /** The workspace changed: sync after a quiet period. */
  touch(): void {
    this.live.touch();
  }

  private changed(): void {
    const h = this.live.headline();
    const key = JSON.stringify(h);
    if (key === this.lastSent) return;
    this.lastSent = key;
    void this.host.connection.sendNotification(CACHE_CHANGED, { ...h, file: this.live.file }).catch(() => undefined);
  }

  /** One message per distinct problem: a cache that keeps failing the same way is not worth repeating. */
  private warn(message: string): void {
    this.host.log(`cache: ${message}`);
    if (this.shown.has(message)) return;
    this.shown.add(message);
    void this.host.connection.sendNotification('window/showMessage', { type: MessageType.Warning, message: `SkillMeat: ${message}` }).catch(() => undefined);
  }

  /** Saves what is pending and lets go of the file. */
  dispose(): void {
    try {
      this.live.dispose();
    } catch (e) {
      this.host.log(`cache: closing failed: ${(e as Error)?.stack ?? e}`);
    }
  }
}
