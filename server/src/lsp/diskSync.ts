/**
 * Keeps the workspace equal to the disk from file-watcher events. Watchers lose events (chokidar
 * reports at most one change per path per 50 ms, with no trailing event), so every event is
 * handled at once and again after a settle delay, re-reading the file and comparing its content:
 * the workspace always ends with what is on disk.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Workspace } from '../engine';
import { isManifestName } from '../engine';
import type { Clock } from './clock';

/** What a watcher reports. */
export type DiskEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** What the sync needs from the server. */
export interface DiskSyncDeps {
  /** The current workspace (rebuilds replace it). */
  ws(): Workspace;
  /** Open documents: the editor's text wins over the disk until they close. */
  isOpen(file: string): boolean;
  /** Whether a path is inside the watched roots and not excluded. */
  wanted(file: string): boolean;
  clock: Clock;
  /** Delay before a batch of events is applied. */
  batchMs: number;
  /** Delay after the last event for a path before it is re-read and compared. */
  settleMs: number;
  /** Called after the workspace changed. */
  onChange(): void;
}

/** Whether `file` is `dir` or inside it. */
export function isUnder(file: string, dir: string): boolean {
  const r = path.relative(dir, file);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/** Applies disk events to the workspace, with a settle-delayed re-read for each path. */
export class DiskSync {
  private readonly pending = new Map<string, DiskEvent>();
  private batchTimer: unknown;
  private readonly settleTimers = new Map<string, { handle: unknown; kind: DiskEvent }>();
  private readonly fingerprints = new Map<string, string>();
  /** Counters for status and tests. */
  readonly stats = { events: 0, reloads: 0, removals: 0, verifications: 0 };

  constructor(private readonly deps: DiskSyncDeps) {}

  /** Forgets what was read (after the workspace was rebuilt from a scan). */
  reset(): void {
    this.fingerprints.clear();
  }

  /** Whether events are waiting to be applied or verified. */
  get busy(): boolean {
    return this.pending.size > 0 || this.settleTimers.size > 0;
  }

  /** Takes one watcher event: applied in the next batch, and verified after the settle delay. */
  notify(kind: DiskEvent, file: string): void {
    this.stats.events++;
    const { clock } = this.deps;
    this.pending.set(file, kind);
    if (this.batchTimer === undefined) {
      this.batchTimer = clock.setTimeout(() => {
        this.batchTimer = undefined;
        this.applyPending();
      }, this.deps.batchMs);
    }
    const prev = this.settleTimers.get(file);
    if (prev) clock.clearTimeout(prev.handle);
    const handle = clock.setTimeout(() => {
      this.settleTimers.delete(file);
      this.stats.verifications++;
      if (this.apply(file, kind, true)) this.deps.onChange();
    }, this.deps.settleMs);
    this.settleTimers.set(file, { handle, kind });
  }

  /** Stops every timer (shutdown). */
  dispose(): void {
    if (this.batchTimer !== undefined) this.deps.clock.clearTimeout(this.batchTimer);
    for (const t of this.settleTimers.values()) this.deps.clock.clearTimeout(t.handle);
    this.settleTimers.clear();
    this.pending.clear();
  }

  private applyPending(): void {
    const batch = [...this.pending];
    this.pending.clear();
    let changed = false;
    for (const [file, kind] of batch) changed = this.apply(file, kind, false) || changed;
    if (changed) this.deps.onChange();
  }

  /** Brings one path's state into the workspace; true when something changed. */
  apply(file: string, kind: DiskEvent, settled: boolean): boolean {
    const ws = this.deps.ws();
    if (kind === 'unlinkDir') {
      let changed = false;
      for (const sf of [...ws.allFiles()]) {
        if (isUnder(sf.file, file) && !this.deps.isOpen(sf.file) && !ws.host.stat(sf.file)) {
          this.fingerprints.delete(sf.file);
          if (ws.remove(sf.file)) this.stats.removals++;
          changed = true;
        }
      }
      return changed || this.invalidateIfInCollection(ws, file);
    }
    if (kind === 'addDir') {
      let changed = false;
      // A folder moved in or checked out: its manifests may not all have had their own events yet.
      if (settled && this.deps.wanted(file)) {
        for (const f of ws.listManifests(file)) if (!ws.get(f) && this.deps.wanted(f)) changed = this.syncManifest(f) || changed;
      }
      return changed || this.invalidateIfInCollection(ws, file);
    }
    if (isManifestName(path.basename(file))) return this.syncManifest(file);
    return this.invalidateIfInCollection(ws, file);
  }

  /** Marks the analyses stale when a non-manifest path lies in (or holds) a collection folder. */
  private invalidateIfInCollection(ws: Workspace, file: string): boolean {
    if (!this.affectsCollections(ws, file)) return false;
    ws.invalidate();
    return true;
  }

  /** Whether a non-manifest path lies in a collection folder, where path and composite rules read the disk. */
  private affectsCollections(ws: Workspace, file: string): boolean {
    return ws.index().collectionOf(file) !== undefined || ws.index().collections.some((c) => isUnder(c.model.dir, file));
  }

  /** Re-reads a manifest and reloads it when its content differs from what was last read. */
  private syncManifest(file: string): boolean {
    const ws = this.deps.ws();
    if (this.deps.isOpen(file)) return false;
    const st = ws.host.stat(file);
    // As for a scan, a manifest name that is a symlink (or a socket…) is not a manifest: reading
    // it would read whatever it points at, maybe outside the workspace.
    if (!st || st.kind === 'symlink' || st.kind === 'other' || !this.deps.wanted(file)) {
      this.fingerprints.delete(file);
      const had = ws.remove(file);
      if (had) this.stats.removals++;
      return had;
    }
    const bytes = st.kind === 'file' ? ws.host.readFile(file) : undefined;
    const fp = bytes instanceof Uint8Array ? createHash('sha1').update(bytes).digest('hex') : `${st.kind}`;
    if (ws.get(file) && this.fingerprints.get(file) === fp) return false;
    ws.load(file);
    this.fingerprints.set(file, fp);
    this.stats.reloads++;
    return true;
  }
}
