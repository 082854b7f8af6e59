/** The chokidar file watcher over the workspace roots, behind a small interface the tests can replace. */
import type { Stats } from 'node:fs';
import type { DiskEvent } from './diskSync';
import { MANIFEST_NAMES } from '../engine';
import { PRIMARY_FILES } from '../engine/model/vocabulary';
import { pathToUri } from './uri';

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
  /** Who watches: the editor (client-side registration) or chokidar in this process. */
  by?(): 'editor' | 'chokidar';
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
    by: () => 'chokidar',
    add: (paths) => later(() => void w!.add(paths)),
    unwatch: (paths) => later(() => void w!.unwatch(paths)),
    close: async () => {
      closed = true;
      await w?.close();
    },
  };
};

/** What the client watcher needs from the LSP connection: dynamic registration of file watchers. */
export interface WatchRegistrar {
  register(roots: string[]): Promise<{ dispose(): void }>;
}

/**
 * The editor watches: the server registers `workspace/didChangeWatchedFiles` globs for each root
 * and the events come back as notifications (server.ts feeds them to the disk sync). VS Code
 * watches out of process with a native watcher, so a 50,000-folder collection costs the server
 * nothing; chokidar would hold a watcher and stats per folder (~750 MiB at 50k, decision 0006).
 * When the client refuses the registration, `fallback` (chokidar) takes over.
 */
export function clientWatcher(registrar: WatchRegistrar, fallback: WatcherFactory): WatcherFactory {
  return (roots, ignored, listener) => {
    let current = [...roots];
    let registration: Promise<{ dispose(): void } | undefined> = Promise.resolve(undefined);
    let degraded: FileWatcher | undefined;
    let closed = false;
    const register = (first: boolean): void => {
      const previous = registration;
      registration = previous.then(async (old) => {
        old?.dispose();
        if (closed || degraded) return undefined;
        try {
          const r = await registrar.register(current);
          if (closed) {
            r.dispose();
            return undefined;
          }
          if (first) listener.onReady();
          return r;
        } catch (e) {
          listener.onError(Object.assign(new Error(`the editor refused to watch files (${(e as Error).message}); watching with chokidar instead`), { code: 'CLIENT_WATCH' }));
          if (!closed) degraded = fallback(current, ignored, listener);
          return undefined;
        }
      });
    };
    register(true);
    return {
      by: () => (degraded ? 'chokidar' : 'editor'),
      add: (paths) => {
        current = [...new Set([...current, ...paths])];
        if (degraded) degraded.add(paths);
        else register(false);
      },
      unwatch: (paths) => {
        current = current.filter((r) => !paths.includes(r));
        if (degraded) degraded.unwatch(paths);
        else register(false);
      },
      close: async () => {
        closed = true;
        (await registration.catch(() => undefined))?.dispose();
        await degraded?.close();
      },
    };
  };
}

/** LSP WatchKind bits. */
const CREATE = 1;
const CHANGE = 2;
const DELETE = 4;

/** Names whose content a finding depends on: the manifests and the artifacts' primary files. */
function contentNames(): string[] {
  const names = new Set<string>(MANIFEST_NAMES);
  for (const list of Object.values(PRIMARY_FILES)) for (const n of list) {
    const base = n.split('/').pop()!;
    names.add(base);
    names.add(base.toLowerCase());
  }
  return [...names].sort();
}

/**
 * The watchers registered with the client for each root: every creation and deletion (an
 * artifact folder appearing or going decides `path-missing`, a folder of manifests may be moved
 * in), and content changes of the files whose content matters. Changes to other files are not
 * asked for: nothing reads them.
 */
export function watchPatterns(roots: string[]): { globPattern: { baseUri: string; pattern: string }; kind: number }[] {
  const content = `**/{${contentNames().join(',')}}`;
  return roots.flatMap((r) => {
    const baseUri = pathToUri(r);
    return [
      { globPattern: { baseUri, pattern: '**/*' }, kind: CREATE | DELETE },
      { globPattern: { baseUri, pattern: content }, kind: CHANGE },
    ];
  });
}
