import * as vscode from 'vscode';
import type { ExtensionState } from '../state';
import type { TreeNode } from '../ui/artifactsTree';
import { LINK_ARTIFACTS, linkArtifacts } from './linkArtifacts';
import { MIGRATE_CACHE, migrateCache } from './migrateCache';
import { PRUNE_MISSING, pruneMissing } from './pruneMissing';
import { REBUILD_CACHE, rebuildCache } from './rebuildCache';
import { RESTART_SERVER, restartServer } from './restartServer';
import { SHOW_CACHE_STATUS, showCacheStatus } from './showCacheStatus';
import { SHOW_OUTPUT, showOutput } from './showOutput';
import { WRITE_UUIDS, writeUuids } from './writeUuids';

/** Ids of the Artifacts view's own commands. */
export const TREE_REFRESH = 'skillmeat.artifacts.refresh';
/** Opens the manifest at a tree row. */
export const TREE_REVEAL = 'skillmeat.artifacts.reveal';
/** Copies an artifact's uuid. */
export const TREE_COPY_UUID = 'skillmeat.artifacts.copyUuid';

/** Registers every command; each returns its result so tests can assert on it. */
export function registerCommands(state: ExtensionState): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown);
  return [
    reg(MIGRATE_CACHE, () => migrateCache(state)),
    // From a tree row the argument is the row; from the explorer or editor menu it is the file's Uri.
    reg(LINK_ARTIFACTS, (arg?: TreeNode | vscode.Uri) => linkArtifacts(state, arg && !(arg instanceof vscode.Uri) && 'kind' in arg ? arg : undefined)),
    reg(WRITE_UUIDS, (uri?: vscode.Uri) => writeUuids(state, uri instanceof vscode.Uri ? uri : undefined)),
    reg(REBUILD_CACHE, () => rebuildCache(state)),
    reg(PRUNE_MISSING, () => pruneMissing(state)),
    reg(SHOW_CACHE_STATUS, () => showCacheStatus(state)),
    reg(SHOW_OUTPUT, () => showOutput(state)),
    reg(RESTART_SERVER, () => restartServer(state)),
    reg(TREE_REFRESH, () => state.tree.refresh()),
    reg(TREE_REVEAL, (node: TreeNode) => state.tree.reveal(node)),
    reg(TREE_COPY_UUID, async (node: TreeNode) => {
      if (node?.kind !== 'artifact') return undefined;
      const uuid = node.item.uuid ?? state.tree.definitionOf(node.collection, node.item)?.uuid;
      if (uuid) await vscode.env.clipboard.writeText(uuid);
      return uuid;
    }),
  ];
}
