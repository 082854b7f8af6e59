import * as vscode from 'vscode';
import { failureMessage, isMigrationStatus, type MigrateResult, type MigrationStatus } from '../cacheCli';
import { requireTrust, type ExtensionState } from '../state';
import { shortRevision } from '../ui/statusBar';

/** The command id (distinct from any server command name: the language client registers those itself). */
export const MIGRATE_CACHE = 'skillmeat.migrateCache';

/** One row of the migrate quick pick. */
export interface MigrationPick extends vscode.QuickPickItem {
  action?: { direction: 'up' | 'down'; to?: string; dryRun?: boolean };
}

/** The rows for a status: actions first, then every migration (picking one moves the cache to it). */
export function migrationPicks(s: MigrationStatus): MigrationPick[] {
  const rows: MigrationPick[] = [];
  const Sep = vscode.QuickPickItemKind.Separator;
  if (s.pending.length) {
    rows.push({
      label: `$(arrow-up) Upgrade to head (${s.head})`,
      description: `${s.pending.length} pending`,
      action: { direction: 'up' },
    });
    rows.push({ label: '$(eye) Preview the upgrade (dry run, shows the SQL)', action: { direction: 'up', dryRun: true } });
  }
  rows.push({ label: 'Applied', kind: Sep });
  const applied = s.applied.map((a) => a.id);
  applied.forEach((id, i) => {
    const isCurrent = i === applied.length - 1;
    rows.push({
      label: `$(check) ${id}`,
      description: isCurrent ? 'current' : `downgrade to this (reverts ${applied.length - 1 - i})`,
      detail: s.drift.includes(id) ? '$(warning) changed since it was applied' : undefined,
      action: isCurrent ? undefined : { direction: 'down', to: id },
    });
  });
  if (applied.length) {
    rows.push({ label: '$(trash) base (revert every migration)', description: 'downgrade', action: { direction: 'down', to: 'base' } });
  }
  if (s.pending.length) {
    rows.push({ label: 'Pending', kind: Sep });
    for (const id of s.pending) {
      rows.push({ label: `$(circle-large-outline) ${id}`, description: id === s.head ? 'head' : 'upgrade to this', action: { direction: 'up', to: id } });
    }
  }
  return rows;
}

/** The ids a downgrade to `to` reverts, newest first. */
export function revertedBy(s: MigrationStatus, to: string): string[] {
  const ids = s.applied.map((a) => a.id);
  const keep = to === 'base' ? 0 : ids.indexOf(to) + 1;
  return ids.slice(keep).reverse();
}

/** Where the CLI copies the cache before an up or down (it keeps the newest five). */
export function backupPattern(cacheFile: string): string {
  return `${cacheFile}.backup-<time>-<revision>`;
}

/** Reads the status through the CLI; shows the failure and returns undefined when it cannot. */
export async function readStatus(state: ExtensionState): Promise<MigrationStatus | undefined> {
  const cacheFile = state.cacheFile();
  const run = await state.cli.status(cacheFile);
  if (isMigrationStatus(run.json)) return run.json;
  void vscode.window.showErrorMessage(`SkillMeat: could not read the cache status of ${cacheFile}: ${failureMessage(run)}`, 'Show Output').then((p) => {
    if (p) state.output.show(true);
  });
  return undefined;
}

/**
 * Runs one migration with a progress notification and the result in a message and the output
 * channel. The CLI backs the cache up before changing it and reports where. Returns its result.
 */
export async function runMigration(
  state: ExtensionState,
  action: { direction: 'up' | 'down'; to?: string; dryRun?: boolean },
): Promise<MigrateResult | undefined> {
  const cacheFile = state.cacheFile();
  const target = action.to ?? (action.direction === 'up' ? 'head' : 'the previous revision');
  const verb = action.dryRun ? 'Previewing migration' : action.direction === 'up' ? 'Upgrading cache' : 'Downgrading cache';
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SkillMeat: ${verb} to ${target}…`, cancellable: false },
    () => state.cli.migrate(action.direction, cacheFile, action.to, action.dryRun),
  );
  const r = run.json;
  if (!r || !r.ok) {
    const msg = failureMessage(run);
    state.output.error(`Migration ${action.direction} to ${target} failed: ${msg}`);
    void vscode.window.showErrorMessage(
      `SkillMeat: migration failed: ${msg} A failure leaves the cache file as it was${r?.backup ? `; a copy is also at ${r.backup}` : ''}.`,
      'Show Output',
    ).then((p) => {
      if (p) state.output.show(true);
    });
    await state.refreshCacheStatus();
    return r;
  }
  const ids = r.applied.map((a) => a.id);
  if (r.dryRun) {
    state.output.info(`Dry run ${action.direction} to ${target}: ${ids.join(', ') || 'nothing to do'}`);
    for (const stmt of r.sql ?? []) state.output.info(stmt);
    void vscode.window.showInformationMessage(
      `SkillMeat: the ${action.direction === 'up' ? 'upgrade' : 'downgrade'} would run ${ids.length} migration${ids.length === 1 ? '' : 's'} (${ids.join(', ') || 'none'}); the SQL is in the output.`,
      'Show Output',
    ).then((p) => {
      if (p) state.output.show(true);
    });
    return r;
  }
  const summary = ids.length
    ? `SkillMeat: cache migrated ${action.direction} from ${shortRevision(r.from)} to ${shortRevision(r.to)} (${ids.length} migration${ids.length === 1 ? '' : 's'}).`
    : `SkillMeat: the cache is already at ${shortRevision(r.to ?? r.from)}; nothing to do.`;
  state.output.info(summary + (ids.length ? ` Ran: ${ids.join(', ')}.` : '') + (r.backup ? ` Backup: ${r.backup}` : ''));
  for (const w of r.warnings ?? []) state.output.warn(w);
  // The status bar first, so it never contradicts the message.
  await state.refreshCacheStatus();
  void vscode.window.showInformationMessage(summary + (r.backup ? ` Backup: ${r.backup}` : ''), 'Show Output').then((p) => {
    if (p) state.output.show(true);
  });
  return r;
}

/** Asks before a downgrade, naming what is reverted and where the backup goes. */
export async function confirmDowngrade(state: ExtensionState, s: MigrationStatus, to: string): Promise<boolean> {
  const reverted = revertedBy(s, to);
  const cacheFile = state.cacheFile();
  const pick = await vscode.window.showWarningMessage(
    `Downgrade the SkillMeat cache to ${to === 'base' ? 'an empty schema' : to}?`,
    {
      modal: true,
      detail:
        `This reverts ${reverted.length} migration${reverted.length === 1 ? '' : 's'}: ${reverted.join(', ')}.\n` +
        `Cache: ${cacheFile}\nA backup is written first to ${backupPattern(cacheFile)} (the newest five are kept).\n` +
        'Data only the newer schema holds (uuid links, composite memberships…) may be lost in the downgraded cache.',
    },
    'Downgrade',
  );
  return pick === 'Downgrade';
}

/** SkillMeat: Migrate Cache… — status as a quick pick, then the chosen upgrade or downgrade. */
export async function migrateCache(state: ExtensionState): Promise<MigrateResult | undefined> {
  if (!requireTrust('Migrating the cache')) return undefined;
  if (!state.cli.available()) {
    void vscode.window.showErrorMessage('SkillMeat: this build has no bundled CLI (dist/cli.js); cannot migrate the cache.');
    return undefined;
  }
  const s = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'SkillMeat: reading cache status' },
    () => readStatus(state),
  );
  if (!s) return undefined;
  if (s.unknown.length) {
    void vscode.window.showErrorMessage(
      `SkillMeat: the cache ${state.cacheFile()} was migrated by a newer version (${s.unknown.join(', ')}); this version will not touch it.`,
    );
    return undefined;
  }
  const picks = migrationPicks(s);
  const choice = await vscode.window.showQuickPick(picks, {
    title: `SkillMeat cache: ${s.current ?? 'empty'} (head ${s.head})`,
    placeHolder: s.pending.length
      ? `${s.pending.length} migration${s.pending.length === 1 ? '' : 's'} pending — ${state.cacheFile()}`
      : `Up to date — pick a revision to downgrade to (${state.cacheFile()})`,
    matchOnDescription: true,
  });
  if (!choice?.action) return undefined;
  if (choice.action.direction === 'down' && !choice.action.dryRun) {
    if (!(await confirmDowngrade(state, s, choice.action.to ?? 'base'))) return undefined;
  }
  return runMigration(state, choice.action);
}

let offeredFor: string | undefined;

/**
 * When the cache is behind, offers (never runs) an upgrade in a notification, once per cache file
 * and head per session. An empty cache is left alone: the server creates it at head.
 */
export async function offerMigration(state: ExtensionState, s: MigrationStatus): Promise<void> {
  if (!state.config().offerMigrations || !vscode.workspace.isTrusted) return;
  if (!s.pending.length || !s.current || s.unknown.length) return;
  const key = `${state.cacheFile()}@${s.head}`;
  if (offeredFor === key) return;
  offeredFor = key;
  const pick = await vscode.window.showWarningMessage(
    `SkillMeat: the cache is ${s.pending.length} migration${s.pending.length === 1 ? '' : 's'} behind (${shortRevision(s.current)} → ${shortRevision(s.head)}).`,
    'Migrate',
    'Not Now',
    "Don't Ask Again",
  );
  if (pick === 'Migrate') await runMigration(state, { direction: 'up' });
  else if (pick === "Don't Ask Again") {
    await vscode.workspace.getConfiguration('skillmeat').update('offerMigrations', false, vscode.ConfigurationTarget.Global);
  }
}

/** Forgets which cache was offered an upgrade (tests; a changed cacheFile setting). */
export function resetMigrationOffer(): void {
  offeredFor = undefined;
}
