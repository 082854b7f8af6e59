import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../engine';
import { nodeHost } from '../host/nodeHost';
import { defaultCollectionsRoot } from '../host/locations';
import type { CliIo } from './io';
import { UsageError } from './args';

/** A workspace for a command: the PATHs the user named, plus the collections root for resolution. */
export interface LoadedWorkspace {
  ws: Workspace;
  /** Files under the PATHs (the ones a command reports on or edits). */
  reported: Set<string>;
  /** Folder listings the path rules need, read on other threads while the files were parsed: await before checking. */
  readAhead: Promise<void>;
}

/** Whether `inner` is `outer` or inside it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Scans the PATHs (folders or files) and the collections root; a missing PATH is a usage error. */
export function loadWorkspace(paths: string[], collectionsRoot: string | undefined, io: CliIo, maxFileBytes?: number): LoadedWorkspace {
  const targets = (paths.length ? paths : ['.']).map((p) => path.resolve(io.cwd, p));
  for (const t of targets) if (!fs.existsSync(t)) throw new UsageError(`${t} does not exist`);
  const ws = new Workspace(nodeHost, { maxFileBytes });
  const reported = new Set<string>();
  // Listed first and loaded after, in the same order a scan would load them, so the listings
  // the rules need can be read ahead while the files are parsed.
  const toLoad: string[] = [];
  for (const t of targets) {
    if (fs.statSync(t).isDirectory()) {
      for (const f of ws.listManifests(t)) {
        toLoad.push(f);
        reported.add(f);
      }
    } else {
      toLoad.push(t);
      reported.add(t);
    }
  }
  const root = path.resolve(io.cwd, collectionsRoot ?? defaultCollectionsRoot(io.env));
  if (fs.existsSync(root) && !targets.some((t) => isInside(root, t))) {
    for (const f of ws.listManifests(root)) {
      toLoad.push(f);
      if (targets.some((t) => isInside(f, t))) reported.add(f);
    }
  }
  const readAhead = ws.prefetchCollectionFolders(toLoad).catch(() => undefined);
  for (const f of toLoad) ws.load(f);
  return { ws, reported, readAhead };
}
