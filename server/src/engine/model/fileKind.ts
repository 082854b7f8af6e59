import * as path from 'node:path';

/** The SkillMeat file kinds the engine understands, plus plain TOML (syntax only). */
export type FileKind = 'collection' | 'lock' | 'deployed' | 'project' | 'skip-prefs' | 'plugin' | 'toml';

/** The kind of a file from its path, as SkillMeat locates them; undefined for files we ignore. */
export function fileKindOf(file: string): FileKind | undefined {
  const base = path.basename(file);
  switch (base) {
    case 'collection.toml':
      return 'collection';
    case 'collection.lock':
      return 'lock';
    case '.skillmeat-deployed.toml':
      return 'deployed';
    case '.skillmeat-project.toml':
      return 'project';
    case '.skillmeat_skip_prefs.toml':
      return 'skip-prefs';
    case 'plugin.json':
      return 'plugin';
  }
  if (base.endsWith('.toml')) return 'toml';
  return undefined;
}

/** The file names a folder scan picks up (plain .toml files are only checked when named). */
export const MANIFEST_NAMES: readonly string[] = ['collection.toml', 'collection.lock', '.skillmeat-deployed.toml', '.skillmeat-project.toml', '.skillmeat_skip_prefs.toml', 'plugin.json'];

/** Whether a file name is one a folder scan picks up. */
export function isManifestName(base: string): boolean {
  return MANIFEST_NAMES.includes(base);
}
