import * as vscode from 'vscode';
import type { MigrationStatus } from '../cacheCli';

/** What the status bar shows, gathered from the CLI, the tree and server progress. */
export interface StatusModel {
  /** idle: no SkillMeat file seen yet, so no server and no item. */
  server: 'idle' | 'starting' | 'running' | 'stopped';
  /** Title of the server's work-done progress in flight (indexing), if any. */
  indexing?: string;
  cache?: MigrationStatus;
  cacheError?: string;
  /** The server's own cache, as its skillmeat/cacheChanged notifications describe it. */
  live?: LiveCache;
  artifacts?: number;
  trusted: boolean;
}

/** What the server's skillmeat/cacheChanged notification says of the cache it uses. */
export interface LiveCache {
  state: 'opening' | 'ready' | 'behind' | 'unavailable';
  revision: string | null;
  unsaved: boolean;
  file?: string;
}

/** Whether a notification's payload is a LiveCache (it comes from another process). */
export function isLiveCache(x: unknown): x is LiveCache {
  const o = x as LiveCache;
  return typeof o === 'object' && o !== null && ['opening', 'ready', 'behind', 'unavailable'].includes(o.state) && typeof o.unsaved === 'boolean' && (o.revision === null || typeof o.revision === 'string');
}

/** The tooltip line for the server's cache. */
function liveLine(l: LiveCache): string {
  switch (l.state) {
    case 'opening':
      return 'Cache: opening…';
    case 'ready':
      return l.unsaved ? 'Cache: up to date in memory, saving shortly' : 'Cache: up to date and saved';
    case 'behind':
      return 'Cache: behind this version; the server leaves it untouched until it is migrated';
    case 'unavailable':
      return 'Cache: unavailable (diagnostics keep working without it; see the SkillMeat output)';
  }
}

/** The shortest readable form of a migration id: its leading number (`0010_cache_state` → r0010). */
export function shortRevision(id: string | null | undefined): string {
  if (!id) return 'empty';
  const m = /^(\d+)/.exec(id);
  return m ? `r${m[1]}` : id;
}

/** Text, tooltip and severity for a model; pure so the wording can be tested. */
export function renderStatus(m: StatusModel): { text: string; tooltip: string; level: 'normal' | 'warning' | 'error' } {
  const lines: string[] = [];
  let level: 'normal' | 'warning' | 'error' = 'normal';
  let icon = '$(database)';
  const parts: string[] = ['SkillMeat'];
  if (m.cache) {
    parts.push(shortRevision(m.cache.current));
    lines.push(`Cache revision: ${m.cache.current ?? 'empty'} (head ${m.cache.head})`);
    if (m.cache.pending.length && m.cache.current) {
      level = 'warning';
      icon = '$(warning)';
      parts.push(`${m.cache.pending.length} migration${m.cache.pending.length === 1 ? '' : 's'} pending`);
      lines.push(`Migration pending: ${m.cache.pending.join(', ')}`);
    }
    if (m.cache.unknown.length) {
      level = 'error';
      lines.push(`The cache was migrated by a newer build (${m.cache.unknown.join(', ')}); this version leaves it alone.`);
    }
  } else if (m.cacheError) {
    lines.push(`Cache: ${m.cacheError}`);
  }
  if (m.live && m.server === 'running') {
    lines.push(liveLine(m.live));
    if (m.live.state === 'unavailable' && level === 'normal') {
      level = 'warning';
      icon = '$(warning)';
    }
  }
  if (m.artifacts !== undefined) {
    parts.push(`${m.artifacts} artifact${m.artifacts === 1 ? '' : 's'}`);
    lines.push(`Artifacts in the workspace: ${m.artifacts}`);
  }
  if (m.server === 'starting') {
    icon = '$(sync~spin)';
    lines.unshift('Language server starting…');
  } else if (m.server === 'stopped') {
    icon = '$(error)';
    level = 'error';
    lines.unshift('Language server stopped');
  }
  if (m.indexing) {
    icon = '$(sync~spin)';
    lines.unshift(`Indexing: ${m.indexing}`);
  }
  if (!m.trusted) lines.push('Restricted Mode: diagnostics only, no writes.');
  lines.push('', 'Click for the cache status.');
  return { text: `${icon} ${parts.join(' · ')}`, tooltip: lines.join('\n'), level };
}

/** The SkillMeat status bar item; click → Show Cache Status. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('skillmeat.status', vscode.StatusBarAlignment.Left, 50);
  private model: StatusModel = { server: 'starting', trusted: vscode.workspace.isTrusted };

  constructor() {
    this.item.name = 'SkillMeat';
    this.item.command = 'skillmeat.showCacheStatus';
    this.render();
  }

  /** Merges a change into the model and redraws. */
  update(change: Partial<StatusModel>): void {
    this.model = { ...this.model, ...change };
    this.render();
  }

  /** The model as last drawn (tests read it through the extension's exports). */
  get current(): Readonly<StatusModel> & { text: string } {
    return { ...this.model, text: this.item.text };
  }

  private render(): void {
    const r = renderStatus(this.model);
    this.item.text = r.text;
    this.item.tooltip = r.tooltip;
    if (this.model.server === 'idle') this.item.hide();
    else this.item.show();
    this.item.backgroundColor =
      r.level === 'warning'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : r.level === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
  }

  /** Removes the item. */
  dispose(): void {
    this.item.dispose();
  }
}
