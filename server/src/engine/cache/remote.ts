// The language server's end of the cache worker (worker.ts). It is a LiveCache to everyone on
// the main thread — same methods, same status — but the database, the syncs and the saves live in
// the worker, so nothing here blocks a request for longer than extracting one changed file.
// The workspace is sent as per-file diffs (SourceTracker) after a short quiet period; status and
// the uuid Map are what the worker last pushed, so the synchronous questions (status, refusal,
// uuidOf on the keystroke path) are answered from memory here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LockOptions } from './lock';
import { planLink, type LinkPlan, type LinkRequest } from './link';
import {
  LiveCache,
  READ_ONLY_MESSAGE,
  type LiveCacheHeadline,
  type LiveCacheOptions,
  type LiveCacheState,
  type LiveCacheStatus,
  type LiveLinkResult,
  type LivePruneResult,
  type LiveRebuildResult,
} from './live';
import { MIGRATIONS } from '../../../../migrations';
import { SourceTracker, type SourceDiff } from './source';
import { isoNow } from './store';

/** What the worker is started with (plain data). */
export interface WorkerInit {
  file: string;
  readOnly: boolean;
  syncDelayMs?: number;
  watchDelayMs?: number;
  retryMs?: number;
  save?: { delayMs?: number; maxDelayMs?: number };
  lock?: Pick<LockOptions, 'timeoutMs' | 'retryMs' | 'staleMs'>;
}

/** A request the server waits for. */
export type WorkerCall = { op: 'open' } | { op: 'link'; plan: LinkPlan; stamp: string; expectGeneration?: number } | { op: 'prune'; dryRun: boolean } | { op: 'rebuild' };

/** Server → worker. */
export type ToWorker =
  | { t: 'update'; diff: SourceDiff }
  | { t: 'touch' }
  | { t: 'poll' }
  | ({ t: 'call'; id: number } & WorkerCall)
  | { t: 'dispose'; done: SharedArrayBuffer };

/** Worker → server. */
export type FromWorker =
  | { t: 'status'; status: LiveCacheStatus; refusal: string | null }
  | { t: 'log'; message: string }
  | { t: 'warn'; message: string }
  /** `set` is flat, key then uuid (half the objects of pairs to clone for a first load of 50,000). */
  | { t: 'uuids'; set: string[]; del: string[] }
  | { t: 'uuidsChanged' }
  | { t: 'reply'; id: number; value?: unknown; error?: string };

/** The bundled worker beside the running bundle (dist/cacheWorker.js), if there is one. */
export function bundledWorker(dir: string = __dirname): string | undefined {
  const f = path.join(dir, 'cacheWorker.js');
  return fs.existsSync(f) ? f : undefined;
}

/** How the remote cache is set up: a LiveCache's options (an index is required), plus the worker. */
export interface RemoteCacheOptions extends LiveCacheOptions {
  /** The worker script (dist/cacheWorker.js; tests run worker.ts through tsx). */
  workerFile: string;
  execArgv?: string[];
  /** Quiet time after a change before the diff is sent (ms, default 150: not between keystrokes of a burst). */
  diffDelayMs?: number;
  /** Longest the server waits at shutdown for the worker's last sync and save (ms, default 30 s). */
  disposeTimeoutMs?: number;
}

/** Files per diff message while the whole workspace is first sent (each slice is a short task). */
const SLICE = 25;

/** A LiveCache whose database lives in a worker thread. */
export class RemoteLiveCache extends LiveCache {
  private readonly worker: Worker;
  private readonly tracker = new SourceTracker();
  private readonly uuidMap = new Map<string, string>();
  /** The `type:name` keys whose uuid changed since takeChangedUuids, with the uuid each had before (undefined: possibly all). */
  private changedKeys: Map<string, string | undefined> | undefined = new Map();
  private snap: { status: LiveCacheStatus; refusal: string | null };
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private opened: Promise<void> | undefined;
  private diffTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTouchSent = -Infinity;
  private pumping: Promise<void> | undefined;
  private gone: string | undefined;
  private closed = false;

  constructor(private readonly ro: RemoteCacheOptions) {
    super(ro);
    const head = MIGRATIONS[MIGRATIONS.length - 1]?.id ?? '';
    this.snap = {
      status: { file: this.file, state: 'opening', readOnly: this.readOnly, revision: null, head, pending: [], artifacts: 0, missing: 0, collections: 0, memberships: 0, userMemberships: 0, generation: 0, unsaved: false, warnings: [] },
      refusal: this.readOnly ? READ_ONLY_MESSAGE : 'the cache is still being opened; try again in a moment',
    };
    const init: WorkerInit = {
      file: ro.file,
      readOnly: this.readOnly,
      syncDelayMs: ro.syncDelayMs,
      watchDelayMs: ro.watchDelayMs,
      retryMs: ro.retryMs,
      save: ro.save && { delayMs: ro.save.delayMs, maxDelayMs: ro.save.maxDelayMs },
      lock: ro.lock && { timeoutMs: ro.lock.timeoutMs, retryMs: ro.lock.retryMs, staleMs: ro.lock.staleMs },
    };
    // The worker's stdout must never reach ours (over --stdio it is the protocol stream).
    this.worker = new Worker(ro.workerFile, { workerData: init, execArgv: ro.execArgv, stdout: true, stderr: true });
    for (const stream of [this.worker.stdout, this.worker.stderr]) stream.on('data', (d: Buffer) => ro.log(`cache worker: ${String(d).trimEnd()}`));
    // The server's life is its own: the worker never keeps it running (dispose saves first).
    this.worker.unref();
    ro.log(`cache ${this.file}: runs in a worker thread`);
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.lost(`the cache worker failed: ${e.message}`));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.lost(`the cache worker stopped (exit code ${code})`);
    });
  }

  private receive(m: FromWorker): void {
    switch (m.t) {
      case 'status':
        this.snap = { status: m.status, refusal: m.refusal };
        this.ro.changed();
        return;
      case 'log':
        this.ro.log(m.message);
        return;
      case 'warn':
        this.ro.warn(m.message);
        return;
      case 'uuids':
        // Applied before any later 'uuidsChanged': the rules re-run on the new Map.
        {
          const before = this.changedKeys;
          const map = this.uuidMap;
          for (const k of m.del) {
            if (before && !before.has(k)) before.set(k, map.get(k));
            map.delete(k);
          }
          const set = m.set;
          for (let i = 0; i + 1 < set.length; i += 2) {
            const k = set[i];
            if (before && !before.has(k)) before.set(k, map.get(k));
            map.set(k, set[i + 1]);
          }
        }
        return;
      case 'uuidsChanged':
        this.ro.uuidsChanged();
        return;
      case 'reply': {
        const c = this.calls.get(m.id);
        this.calls.delete(m.id);
        if (m.error !== undefined) c?.reject(new Error(m.error));
        else c?.resolve(m.value);
        return;
      }
    }
  }

  /** The worker is gone: the cache is unavailable, diagnostics go on without it. */
  private lost(why: string): void {
    if (this.gone) return;
    this.gone = why;
    this.ro.log(`cache: ${why}`);
    this.ro.warn(`The SkillMeat cache ${this.file} cannot be used: ${why}. Diagnostics keep working without it.`);
    this.snap = { status: { ...this.snap.status, state: 'unavailable', unsaved: false, error: why }, refusal: `the cache ${this.file} cannot be used: ${why}` };
    for (const c of this.calls.values()) c.reject(new Error(why));
    this.calls.clear();
    const had = this.uuidMap.size > 0;
    this.uuidMap.clear();
    this.changedKeys = undefined;
    if (had) this.ro.uuidsChanged();
    this.ro.changed();
  }

  private post(m: ToWorker): void {
    if (!this.gone) this.worker.postMessage(m);
  }

  private call<T>(c: WorkerCall): Promise<T> {
    if (this.gone) return Promise.reject(new Error(this.gone));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ t: 'call', id, ...c });
    });
  }

  /** Sends what changed in the workspace; sliced, yielding between slices, when `sliced`. One pump at a time. */
  private async pump(sliced: boolean): Promise<void> {
    while (this.pumping) await this.pumping;
    this.pumping = (async () => {
      for (const d of this.tracker.diff(this.ro.index!(), sliced ? SLICE : Infinity)) {
        this.post({ t: 'update', diff: d });
        if (sliced) await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      await this.pumping;
    } finally {
      this.pumping = undefined;
    }
  }

  override get state(): LiveCacheState {
    return this.snap.status.state;
  }

  override get db(): undefined {
    return undefined;
  }

  /**
   * The `type:name` keys whose remembered uuid changed since the last call, each with the uuid it
   * had before, or undefined when any may have: the server re-checks only the collections whose
   * findings these change.
   */
  takeChangedUuids(): ReadonlyMap<string, string | undefined> | undefined {
    const keys = this.changedKeys;
    this.changedKeys = new Map();
    return keys;
  }

  override uuidOf(type: string, name: string): string | undefined {
    return this.uuidMap.get(`${type}:${name}`);
  }

  /** Sends the workspace (in slices) and opens the file in the worker; later calls wait for the same opening. */
  override open(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.opened ??= (async () => {
      await this.pump(true);
      await this.call<void>({ op: 'open' });
    })().catch((e: unknown) => this.ro.log(`cache: opening failed: ${(e as Error)?.message ?? e}`));
    return this.opened;
  }

  override async settled(): Promise<void> {
    await this.opened;
  }

  /** A change of the workspace: the diff goes to the worker after a short quiet period, and the worker syncs after its own. */
  override touch(): void {
    if (this.closed || this.gone) return;
    // The worker hears of typing at once (at most every 100 ms), not only after the diff below:
    // a touch there puts its next sync slice after a quiet period, so a first sync of a large
    // workspace gives the CPU back to the keystrokes instead of competing with them.
    const now = performance.now();
    if (now - this.lastTouchSent >= 100) {
      this.lastTouchSent = now;
      this.post({ t: 'touch' });
    }
    if (this.diffTimer !== undefined) clearTimeout(this.diffTimer);
    this.diffTimer = setTimeout(() => {
      this.diffTimer = undefined;
      void this.pump(true).then(() => this.post({ t: 'touch' }));
    }, this.ro.diffDelayMs ?? 150);
  }

  override poll(): void {
    this.post({ t: 'poll' });
  }

  override syncIfStale(): boolean {
    this.touch();
    return false;
  }

  override headline(): LiveCacheHeadline {
    const s = this.snap.status;
    return { state: s.state, revision: s.revision, generation: s.generation, unsaved: s.unsaved };
  }

  override status(): LiveCacheStatus {
    return { ...this.snap.status, warnings: [...this.snap.status.warnings] };
  }

  override refusal(): string | undefined {
    return this.snap.refusal ?? undefined;
  }

  override async link(req: LinkRequest, expectGeneration?: number): Promise<LiveLinkResult> {
    await this.settled();
    const why = this.refusal();
    if (why) return { ok: false, status: 'refused', message: why, generation: this.snap.status.generation };
    // The worker's copy must be current: it syncs what changed before it checks the generation.
    await this.pump(false);
    const stamp = isoNow((this.ro.now ?? (() => new Date()))());
    return this.call<LiveLinkResult>({ op: 'link', plan: planLink(this.ro.index!(), req, stamp), stamp, expectGeneration }).catch((e: Error) => ({
      ok: false,
      status: 'refused',
      message: e.message,
      generation: this.snap.status.generation,
    }));
  }

  override async prune(dryRun: boolean): Promise<LivePruneResult> {
    await this.settled();
    const refused = (message: string): LivePruneResult => ({ ok: false, dryRun, artifacts: [], rowsRemoved: {}, message, generation: this.snap.status.generation });
    if (this.gone) return refused(this.refusal()!);
    await this.pump(false);
    return this.call<LivePruneResult>({ op: 'prune', dryRun }).catch((e: Error) => refused(e.message));
  }

  /** Sends the whole workspace again (a rebuild re-reads every file) and rebuilds in the worker. */
  override async rebuild(): Promise<LiveRebuildResult> {
    await this.settled();
    const refused = (message: string): LiveRebuildResult => ({ ok: false, message, generation: this.snap.status.generation, saved: false });
    if (this.gone) return refused(this.refusal()!);
    this.tracker.reset();
    await this.pump(false);
    return this.call<LiveRebuildResult>({ op: 'rebuild' }).catch((e: Error) => refused(e.message));
  }

  /** Sends what changed, lets the worker sync and save, waits for it (bounded), and stops it. */
  override dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.diffTimer !== undefined) clearTimeout(this.diffTimer);
    this.diffTimer = undefined;
    if (!this.gone) {
      try {
        for (const d of this.tracker.diff(this.ro.index!())) this.post({ t: 'update', diff: d });
      } catch (e) {
        this.ro.log(`cache: the last changes could not be sent: ${(e as Error)?.message ?? e}`);
      }
      // Shutdown is the one moment the server waits for the cache: its last save must finish.
      const done = new SharedArrayBuffer(4);
      this.post({ t: 'dispose', done });
      if (Atomics.wait(new Int32Array(done), 0, 0, this.ro.disposeTimeoutMs ?? 30_000) === 'timed-out') this.ro.log('cache: the worker did not finish its last save in time');
    }
    for (const c of this.calls.values()) c.reject(new Error('the cache was closed'));
    this.calls.clear();
    void this.worker.terminate();
  }
}
