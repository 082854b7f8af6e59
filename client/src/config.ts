import * as os from 'node:os';
import * as path from 'node:path';

/** A per-code severity override; `off` hides the code. */
export type SeverityOverride = 'error' | 'warning' | 'information' | 'hint' | 'off';

/** The extension's settings (`skillmeat.*`), as sent to the server and used by the client. */
export interface SkillmeatConfig {
  /** Folder holding SkillMeat collections; empty = $SKILLMEAT_HOME/collections or ~/.skillmeat/collections. */
  collectionsRoot: string;
  /** The cache database; empty = the server's default (~/.skillmeat/vscode-cache.db). */
  cacheFile: string;
  maxFileSizeMB: number;
  diagnostics: { severity: Record<string, SeverityOverride> };
  watcher: { exclude: string[] };
  offerMigrations: boolean;
}

/** The part of vscode.WorkspaceConfiguration we read, so this module stays testable without VS Code. */
export interface ConfigSource {
  get<T>(key: string): T | undefined;
}

const SEVERITIES: readonly SeverityOverride[] = ['error', 'warning', 'information', 'hint', 'off'];

/** Reads and sanitises the settings: wrong types fall back to defaults instead of reaching the server. */
export function readConfig(src: ConfigSource): SkillmeatConfig {
  const str = (k: string) => {
    const v = src.get<unknown>(k);
    return typeof v === 'string' ? v.trim() : '';
  };
  const size = src.get<unknown>('maxFileSizeMB');
  const sev = src.get<unknown>('diagnostics.severity');
  const severity: Record<string, SeverityOverride> = {};
  if (sev && typeof sev === 'object') {
    for (const [code, v] of Object.entries(sev as Record<string, unknown>)) {
      if (typeof v === 'string' && (SEVERITIES as string[]).includes(v)) severity[code] = v as SeverityOverride;
    }
  }
  const excl = src.get<unknown>('watcher.exclude');
  const offer = src.get<unknown>('offerMigrations');
  return {
    collectionsRoot: str('collectionsRoot'),
    cacheFile: str('cacheFile'),
    maxFileSizeMB: typeof size === 'number' && size > 0 && Number.isFinite(size) ? size : 10,
    diagnostics: { severity },
    watcher: { exclude: Array.isArray(excl) ? excl.filter((x): x is string => typeof x === 'string' && x !== '') : [] },
    offerMigrations: typeof offer === 'boolean' ? offer : true,
  };
}

/** SkillMeat's home folder, the way the server resolves it. */
export function skillmeatHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKILLMEAT_HOME || path.join(env.HOME || os.homedir(), '.skillmeat');
}

/**
 * The cache file the CLI and server will use. Resolved here so the client can name it in
 * confirmations and put backups next to it; `~` is expanded because settings are hand-typed.
 */
export function resolveCacheFile(cfg: SkillmeatConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (!cfg.cacheFile) return path.join(skillmeatHome(env), 'vscode-cache.db');
  return expandHome(cfg.cacheFile, env);
}

/** Replaces a leading `~` with the home folder. */
export function expandHome(p: string, env: NodeJS.ProcessEnv = process.env): string {
  if (p === '~') return env.HOME || os.homedir();
  if (p.startsWith('~/')) return path.join(env.HOME || os.homedir(), p.slice(2));
  return p;
}
