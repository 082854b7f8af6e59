import * as vscode from 'vscode';
import { failureMessage } from '../cacheCli';
import { requireTrust, type ExtensionState } from '../state';

/** The command id. */
export const PRUNE_MISSING = 'skillmeat.prune';

/** One artifact the cache keeps as missing (gone from every manifest, still referenced). */
export interface MissingArtifact {
  id: string;
  uuid: string;
  since: string;
}

/** What `skillmeat-ls prune --format json` prints. */
export interface PruneResult {
  dryRun: boolean;
  artifacts: MissingArtifact[];
  rowsRemoved: Record<string, number>;
}

/** "3 group_artifacts, 1 artifact_tags" from the per-table counts (tables with none left out). */
export function describeRows(rows: Record<string, number>): string {
  return Object.entries(rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
}

/**
 * SkillMeat: Prune Missing Artifacts — lists what the cache keeps as missing (a dry run), asks,
 * then deletes those artifacts and every row that refers to them. Returns how many were pruned.
 */
export async function pruneMissing(state: ExtensionState): Promise<number | undefined> {
  if (!requireTrust('Pruning artifacts')) return undefined;
  const cacheFile = state.cacheFile();
  const preview = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'SkillMeat: looking for missing artifacts' }, () =>
    state.cli.run<PruneResult>(['prune', '--dry-run', '--cache', cacheFile, '--format', 'json']),
  );
  if (preview.code !== 0 || !preview.json) {
    void vscode.window.showErrorMessage(`SkillMeat: could not list missing artifacts in ${cacheFile}: ${failureMessage(preview)}`);
    return undefined;
  }
  const missing = preview.json.artifacts;
  if (!missing.length) {
    void vscode.window.showInformationMessage('SkillMeat: the cache keeps no missing artifacts; nothing to prune.');
    return 0;
  }
  const lines = missing.map((m) => `${m.id} (uuid ${m.uuid}), missing since ${m.since}`);
  const ok = await vscode.window.showWarningMessage(
    `Delete ${missing.length} missing artifact${missing.length === 1 ? '' : 's'} from the SkillMeat cache for good?`,
    {
      modal: true,
      detail:
        `${lines.slice(0, 15).join('\n')}${lines.length > 15 ? `\n… and ${lines.length - 15} more` : ''}\n\n` +
        `They are gone from every manifest. Their group, collection and composite memberships, tags and versions go with them; their uuids stay remembered.\nCache: ${cacheFile}`,
    },
    'Prune',
  );
  if (ok !== 'Prune') return undefined;
  const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'SkillMeat: pruning missing artifacts…' }, () =>
    state.cli.run<PruneResult>(['prune', '--cache', cacheFile, '--format', 'json']),
  );
  if (run.code !== 0 || !run.json) {
    void vscode.window.showErrorMessage(`SkillMeat: pruning failed: ${failureMessage(run)}`);
    return undefined;
  }
  const n = run.json.artifacts.length;
  const rows = describeRows(run.json.rowsRemoved);
  const text = `SkillMeat: pruned ${n} missing artifact${n === 1 ? '' : 's'}${rows ? ` (and ${rows})` : ''}.`;
  state.output.info(`${text} ${run.json.artifacts.map((a) => a.id).join(', ')}`);
  void vscode.window.showInformationMessage(text);
  state.tree.scheduleRefresh();
  return n;
}
