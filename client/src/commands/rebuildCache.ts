import * as vscode from 'vscode';
import { requireClient, requireTrust, serverCommand, serverHasCommand, type ExtensionState } from '../state';

/** The command id (the server's own commands have other names: the client registers those itself). */
export const REBUILD_CACHE = 'skillmeat.rebuildCache';
/** The server command that re-reads every file and rewrites the cache (uuids and user memberships kept). */
export const SERVER_REBUILD_CACHE = 'skillmeat.server.rebuildCache';
/** The older server command that only re-reads the files (servers without a cache). */
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
      () => serverCommand(client, serverHasCommand(client, SERVER_REBUILD_CACHE) ? SERVER_REBUILD_CACHE : SERVER_REBUILD_INDEX, []),
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
