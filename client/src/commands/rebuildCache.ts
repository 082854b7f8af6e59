import * as vscode from 'vscode';
import { requireClient, requireTrust, serverCommand, type ExtensionState } from '../state';

/** The command id (the server's own command is skillmeat.rebuildIndex). */
export const REBUILD_CACHE = 'skillmeat.rebuildCache';
/** The server command that re-reads every file and rewrites the cache. */
export const SERVER_REBUILD_INDEX = 'skillmeat.rebuildIndex';

/** SkillMeat: Rebuild Cache — the server re-indexes the workspace and rewrites its cache. */
export async function rebuildCache(state: ExtensionState): Promise<unknown> {
  if (!requireTrust('Rebuilding the cache')) return undefined;
  const client = requireClient(state, 'rebuild the cache');
  if (!client) return undefined;
  state.statusBar.update({ indexing: 'rebuilding the cache' });
  try {
    const res = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'SkillMeat: rebuilding the cache…' },
      () => serverCommand(client, SERVER_REBUILD_INDEX, []),
    );
    const r = res as { files?: number; ms?: number; message?: string } | undefined;
    const text =
      r?.message ??
      (typeof r?.files === 'number' ? `index rebuilt from ${r.files} file${r.files === 1 ? '' : 's'}${typeof r.ms === 'number' ? ` in ${r.ms} ms` : ''}` : 'index rebuilt');
    state.output.info(`Rebuild: ${JSON.stringify(res ?? null)}`);
    void vscode.window.showInformationMessage(`SkillMeat: ${text}.`);
    return res;
  } catch (e) {
    void vscode.window.showErrorMessage(`SkillMeat: rebuilding the cache failed: ${(e as Error).message}`);
    return undefined;
  } finally {
    state.statusBar.update({ indexing: undefined });
    state.tree.scheduleRefresh();
    void state.refreshCacheStatus();
  }
}
