/** The chokidar file watcher over the workspace roots, behind a small interface the tests can replace. */
import type { Stats } from 'node:fs';
import type { DiskEvent } from './diskSync';

/** What a watcher tells the server. */
export interface WatchListener {
  onEvent(kind: DiskEvent, file: string): void;
  onError(err: NodeJS.ErrnoException): void;
  onReady(): void;
}

/** A running watcher. */
export interface FileWatcher {
  add(paths: string[]): void;
  unwatch(paths: string[]): void;
  close(): Promise<void>;
}

/** Makes a watcher over roots; `ignored` is asked for every path found (stats when chokidar has them). */
export type WatcherFactory = (roots: string[], ignored: (file: string, stats?: Stats) => boolean, listener: WatchListener) => FileWatcher;

const EVENTS = new Set<string>(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

type Chokidar = typeof import('chokidar', { with: { 'resolution-mode': 'import' } });
let chokidar: Promise<Chokidar> | undefined;

/** chokidar 5 (an ES module, loaded on first use), without following symlinks (no loops), atomic writes folded into changes. */
export const chokidarWatcher: WatcherFactory = (roots, ignored, listener) => {
  let w: ReturnType<Chokidar['watch']> | undefined;
  let closed = false;
  const queued: (() => void)[] = [];
  chokidar ??= import('chokidar');
  chokidar
    .then(({ watch }) => {
      if (closed) return;
      w = watch(roots, {
        ignoreInitial: true,
        followSymlinks: false,
        ignorePermissionErrors: true,
        atomic: true,
        persistent: true,
        ignored: (file: string, stats?: Stats) => ignored(file, stats),
      });
      w.on('all', (event, file) => {
        if (EVENTS.has(event)) listener.onEvent(event as DiskEvent, file);
      });
      w.on('error', (err) => listener.onError(err as NodeJS.ErrnoException));
      w.on('ready', () => listener.onReady());
      for (const q of queued.splice(0)) q();
    })
    .catch((err: NodeJS.ErrnoException) => listener.onError(err));
  const later = (fn: () => void): void => {
    if (w) fn();
    else queued.push(fn);
  };
  return {
    add: (paths) => later(() => void w!.add(paths)),
    unwatch: (paths) => later(() => void w!.unwatch(paths)),
    close: async () => {
      closed = true;
      await w?.close();
    },
  };
};
