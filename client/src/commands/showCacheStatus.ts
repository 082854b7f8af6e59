import * as vscode from 'vscode';
import type { MigrationStatus } from '../cacheCli';
import type { ExtensionState } from '../state';
import { shortRevision } from '../ui/statusBar';
import { MIGRATE_CACHE } from './migrateCache';

/** The command id. */
export const SHOW_CACHE_STATUS = 'skillmeat.showCacheStatus';

/** One line describing the cache for a message. */
export function describeStatus(s: MigrationStatus, cacheFile: string, artifacts: number | undefined): string {
  const rev = s.current ? `${shortRevision(s.current)} (${s.current})` : 'empty (not created yet)';
  const where = s.pending.length && s.current ? `${s.pending.length} migration${s.pending.length === 1 ? '' : 's'} pending, head ${s.head}` : s.current === s.head ? 'up to date' : `head ${s.head}`;
  const count = artifacts === undefined ? '' : ` · ${artifacts} artifact${artifacts === 1 ? '' : 's'} in the workspace`;
  return `SkillMeat cache ${rev} — ${where}${count}. ${cacheFile}`;
}

/** SkillMeat: Show Cache Status — revision, pending migrations, artifact count; details in the output. */
export async function showCacheStatus(state: ExtensionState): Promise<MigrationStatus | undefined> {
  const s = await state.refreshCacheStatus();
  if (!s) {
    const pick = await vscode.window.showWarningMessage(`SkillMeat: the cache status of ${state.cacheFile()} could not be read.`, 'Show Output');
    if (pick) state.output.show(true);
    return undefined;
  }
  const text = describeStatus(s, state.cacheFile(), state.statusBar.current.artifacts);
  state.output.info(text);
  state.output.info(`Applied: ${s.applied.map((a) => a.id).join(', ') || 'none'}; pending: ${s.pending.join(', ') || 'none'}${s.drift.length ? `; changed since applied: ${s.drift.join(', ')}` : ''}`);
  const buttons = ['Migrate…', 'Show Output'];
  void vscode.window.showInformationMessage(text, ...buttons).then((pick) => {
    if (pick === 'Migrate…') void vscode.commands.executeCommand(MIGRATE_CACHE);
    else if (pick === 'Show Output') state.output.show(true);
  });
  return s;
}
