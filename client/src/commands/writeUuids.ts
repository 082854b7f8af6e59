import * as vscode from 'vscode';
import { isManifestPath } from '../client';
import { requireClient, requireTrust, serverCommand, type ExtensionState } from '../state';

/** The command id (the server's own command is skillmeat.writeMissingUuids). */
export const WRITE_UUIDS = 'skillmeat.writeUuids';
/** The server command that adds the missing uuids. */
export const SERVER_WRITE_UUIDS = 'skillmeat.writeMissingUuids';

/** A short sentence for whatever the server returned (a count, a summary object, or nothing). */
export function describeUuidResult(res: unknown): string {
  if (typeof res === 'number') return `wrote ${res} uuid${res === 1 ? '' : 's'}`;
  if (res && typeof res === 'object') {
    const r = res as Record<string, unknown>;
    if (typeof r.message === 'string') return r.message;
    if (r.applied === false) return `no uuids written: ${typeof r.failureReason === 'string' ? r.failureReason : 'the edit was not applied'}`;
    const n = [r.uuids, r.written, r.count].find((x) => typeof x === 'number') as number | undefined;
    const files = typeof r.files === 'number' ? r.files : undefined;
    if (n === 0) return 'every artifact already has a uuid';
    if (n !== undefined) return `wrote ${n} uuid${n === 1 ? '' : 's'}${files ? ` in ${files} file${files === 1 ? '' : 's'}` : ''}`;
  }
  return 'missing uuids written';
}

/**
 * SkillMeat: Write Missing UUIDs — asks the server to give every artifact without a uuid one
 * (for one manifest when invoked on it, else the workspace). Files the command changed that were
 * clean before are saved, so "write" means on disk; files with the user's own unsaved edits stay unsaved.
 */
export async function writeUuids(state: ExtensionState, target?: vscode.Uri): Promise<unknown> {
  if (!requireTrust('Writing uuids')) return undefined;
  const client = requireClient(state, 'write uuids');
  if (!client) return undefined;
  const uri = target ?? vscode.window.activeTextEditor?.document.uri;
  const args = uri && uri.scheme === 'file' && isManifestPath(uri.fsPath) ? [uri.toString()] : [];
  const dirtyBefore = new Set(vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.toString()));
  let res: unknown;
  try {
    res = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'SkillMeat: writing missing uuids…' },
      () => serverCommand(client, SERVER_WRITE_UUIDS, args),
    );
  } catch (e) {
    void vscode.window.showErrorMessage(`SkillMeat: could not write uuids: ${(e as Error).message}`);
    return undefined;
  }
  for (const d of vscode.workspace.textDocuments) {
    if (d.isDirty && isManifestPath(d.uri.fsPath) && !dirtyBefore.has(d.uri.toString())) await d.save();
  }
  const text = describeUuidResult(res);
  state.output.info(`Write missing uuids${args.length ? ` in ${args[0]}` : ''}: ${text}`);
  if ((res as { applied?: boolean } | undefined)?.applied === false) void vscode.window.showWarningMessage(`SkillMeat: ${text}.`);
  else void vscode.window.showInformationMessage(`SkillMeat: ${text}.`);
  state.tree.scheduleRefresh();
  return res;
}
