/** The `skillmeat` settings section and initialization options, read defensively from whatever the client sends. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Severity } from '../engine';

/** A per-code severity override; `off` hides the finding. */
export type SeverityOverride = Severity | 'off';

/** The settings the server reads. */
export interface Settings {
  /** Where SkillMeat's collections are; undefined means the default (~/.skillmeat/collections). */
  collectionsRoot?: string;
  maxFileSizeMB: number;
  severity: Record<string, SeverityOverride>;
  /** Folder names and globs the scan and the watcher skip. */
  watcherExclude: string[];
  /** The cache database; undefined means the default ($SKILLMEAT_HOME/vscode-cache.db). */
  cacheFile?: string;
}

/** What applies when the client sends nothing. */
export const DEFAULT_SETTINGS: Settings = { maxFileSizeMB: 10, severity: {}, watcherExclude: [] };

const SEVERITIES: Record<string, SeverityOverride> = {
  off: 'off', none: 'off', ignore: 'off',
  error: 'error',
  warning: 'warning', warn: 'warning',
  information: 'information', info: 'information',
  hint: 'hint',
};

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Settings from a `skillmeat` section (nested or with dotted keys); unknown or ill-typed values fall back to defaults. */
export function parseSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const s = obj(raw);
  if (!s) return { ...base };
  const get = (dotted: string): unknown => {
    if (dotted in s) return s[dotted];
    let cur: unknown = s;
    for (const part of dotted.split('.')) cur = obj(cur)?.[part];
    return cur;
  };
  const out: Settings = { ...base, severity: { ...base.severity }, watcherExclude: [...base.watcherExclude] };
  const root = get('collectionsRoot');
  if (typeof root === 'string') out.collectionsRoot = root.trim() === '' ? undefined : expandHome(root.trim());
  const max = get('maxFileSizeMB');
  if (typeof max === 'number' && Number.isFinite(max) && max > 0) out.maxFileSizeMB = max;
  const sev = obj(get('diagnostics.severity'));
  if (sev) {
    out.severity = {};
    for (const [code, v] of Object.entries(sev)) {
      const level = typeof v === 'string' ? SEVERITIES[v.toLowerCase()] : undefined;
      if (level) out.severity[code] = level;
    }
  }
  const cache = get('cacheFile');
  if (typeof cache === 'string') {
    if (cache.trim() === '') delete out.cacheFile;
    else out.cacheFile = expandHome(cache.trim());
  }
  const ex = get('watcher.exclude');
  if (Array.isArray(ex)) out.watcherExclude = ex.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  else if (obj(ex)) out.watcherExclude = Object.entries(obj(ex)!).filter(([, on]) => on === true).map(([k]) => k);
  return out;
}

function expandHome(p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(process.env.HOME || os.homedir(), p.slice(1));
  return p;
}

/** Plain folder names among the excludes (what the engine's scan skips by name). */
export function excludedFolderNames(excludes: string[]): string[] {
  return excludes.filter((e) => !/[*?[\]{}/\\]/.test(e));
}

/** A glob (`**`, `*`, `?`, `{a,b}`) as a RegExp over `/`-separated paths, matched against relative and absolute paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/\\/g, '/');
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        const slash = g[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = g.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${g.slice(i + 1, end).split(',').map((x) => x.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  // A glob naming a folder also covers what is inside it.
  return new RegExp(`^(?:.*/)?${re.replace(/^\(\?:\.\*\/\)\?/, '')}(?:/.*)?$`);
}

/** A predicate over absolute paths built from the excludes (names and globs) plus the defaults. */
export function excludeMatcher(excludes: string[]): (file: string) => boolean {
  const names = new Set(['node_modules', '.git', '.hg', '.svn', ...excludedFolderNames(excludes)]);
  const globs = excludes.filter((e) => /[*?[\]{}/\\]/.test(e)).map(globToRegExp);
  return (file) => {
    const norm = file.replace(/\\/g, '/');
    const parts = norm.split('/');
    if (parts.some((p) => names.has(p))) return true;
    return globs.some((re) => re.test(norm));
  };
}

/** Initialization options a client may pass (all optional). */
export interface InitOptions {
  collectionsRoot?: string;
  settings?: unknown;
  /** `push` (publishDiagnostics), `pull` (textDocument/diagnostic) or `auto` (pull when the client can). */
  diagnosticMode?: 'push' | 'pull' | 'auto';
  /** Delay between an edit and re-validation. */
  debounceMs?: number;
  /** Delay after a disk event before the file is re-read and compared. */
  settleMs?: number;
  /**
   * false turns the file watcher off (tests of other features, read-only file systems); "server"
   * makes the server watch with chokidar even when the editor could watch for it.
   */
  watch?: boolean | 'server' | 'client';
  /** The cache database (wins over the setting). */
  cacheFile?: string;
  /** Open the cache but write nothing, anywhere (untrusted workspace); `workspaceTrusted: false` means the same. */
  readOnly?: boolean;
  /** `false` leaves the cache closed (tests of other features, embedding without a cache). */
  cache?: boolean;
  /** Quiet time before the cache is saved after a change (ms; tests shorten it). */
  cacheSaveDelayMs?: number;
}

/** Initialization options, read defensively. */
export function parseInitOptions(raw: unknown): InitOptions {
  const o = obj(raw) ?? {};
  const num = (v: unknown, lo: number, hi: number): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : undefined);
  return {
    collectionsRoot: typeof o.collectionsRoot === 'string' && o.collectionsRoot.trim() !== '' ? expandHome(o.collectionsRoot.trim()) : undefined,
    settings: o.settings,
    diagnosticMode: o.diagnosticMode === 'push' || o.diagnosticMode === 'pull' || o.diagnosticMode === 'auto' ? o.diagnosticMode : undefined,
    debounceMs: num(o.debounceMs, 0, 5000),
    settleMs: num(o.settleMs, 10, 5000),
    watch: typeof o.watch === 'boolean' || o.watch === 'server' || o.watch === 'client' ? o.watch : undefined,
    cacheFile: typeof o.cacheFile === 'string' && o.cacheFile.trim() !== '' ? expandHome(o.cacheFile.trim()) : undefined,
    readOnly: o.readOnly === true || o.workspaceTrusted === false ? true : undefined,
    cache: typeof o.cache === 'boolean' ? o.cache : undefined,
    cacheSaveDelayMs: num(o.cacheSaveDelayMs, 0, 10000),
  };
}
