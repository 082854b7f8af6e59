/** Which paths on disk the engine's findings depend on, so a file watcher can ignore the rest. */
import * as path from 'node:path';
import { isManifestName } from '../model/fileKind';
import { CONTAINERS } from '../model/vocabulary';

const CONTAINER_NAMES = new Set(Object.values(CONTAINERS).flat());

/**
 * `manifest` for files the workspace holds, `artifact` for files inside a type container
 * (skills/…, commands/…, plugins/…: path and composite rules read them), `other` for the rest.
 */
export function diskRelevance(file: string, root?: string): 'manifest' | 'artifact' | 'other' {
  if (isManifestName(path.basename(file))) return 'manifest';
  const rel = root ? path.relative(root, file) : file;
  const dirs = rel.split(/[\\/]/).slice(0, -1);
  return dirs.some((d) => CONTAINER_NAMES.has(d.toLowerCase())) ? 'artifact' : 'other';
}
