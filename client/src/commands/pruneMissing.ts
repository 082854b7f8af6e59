import * as path from 'node:path';
import * as vscode from 'vscode';
import { requireClient, requireTrust, serverCommand, serverHasCommand, type ExtensionState } from '../state';

/** The command id. */
export const PRUNE_MISSING = 'skillmeat.prune';
/** The server command that prunes, when the server offers one. */
export const SERVER_PRUNE = 'skillmeat.pruneMissing';
/** The diagnostic code of an artifact whose path is gone. */
export const PATH_MISSING = 'path-missing';

/** A diagnostic's code as a string, whichever form VS Code gives it in. */
export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** Every `path-missing` finding in the workspace, per file. */
export function missingArtifacts(): { uri: vscode.Uri; diagnostic: vscode.Diagnostic }[] {
  const out: { uri: vscode.Uri; diagnostic: vscode.Diagnostic }[] = [];
  for (const [uri, diags] of vscode.languages.getDiagnostics()) {
    if (path.basename(uri.fsPath) !== 'collection.toml') continue;
    for (const d of diags) if (codeOf(d) === PATH_MISSING) out.push({ uri, diagnostic: d });
  }
  return out;
}

/**
 * SkillMeat: Prune Missing Artifacts — after a confirmation listing them, removes the artifact
 * entries whose files are gone, through the server's prune command or, without one, its quick
 * fixes for `path-missing`.
 */
export async function pruneMissing(state: ExtensionState): Promise<number | undefined> {
  if (!requireTrust('Pruning artifacts')) return undefined;
  const client = requireClient(state, 'prune artifacts');
  if (!client) return undefined;
  const missing = missingArtifacts();
  if (!missing.length) {
    void vscode.window.showInformationMessage('SkillMeat: every artifact path exists; nothing to prune.');
    return 0;
  }
  const lines = missing.map((m) => `${vscode.workspace.asRelativePath(m.uri)}:${m.diagnostic.range.start.line + 1} — ${m.diagnostic.message}`);
  const ok = await vscode.window.showWarningMessage(
    `Remove ${missing.length} artifact entr${missing.length === 1 ? 'y' : 'ies'} whose files are missing?`,
    { modal: true, detail: lines.slice(0, 20).join('\n') + (lines.length > 20 ? `\n… and ${lines.length - 20} more` : '') },
    'Prune',
  );
  if (ok !== 'Prune') return undefined;
  let removed = 0;
  if (serverHasCommand(client, SERVER_PRUNE)) {
    const res = await serverCommand<{ removed?: number } | number | undefined>(client, SERVER_PRUNE, []);
    removed = typeof res === 'number' ? res : res?.removed ?? missing.length;
  } else {
    // Bottom-up, so removing an entry never shifts the ranges of the ones still to go.
    const sorted = [...missing].sort((a, b) => b.diagnostic.range.start.compareTo(a.diagnostic.range.start));
    for (const m of sorted) {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', m.uri, m.diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions?.find((a) => /remove|prune|delete/i.test(a.title) && (a.edit || a.command) && (a.diagnostics ?? []).some((d) => codeOf(d) === PATH_MISSING));
      if (!fix) continue;
      if (fix.edit) await vscode.workspace.applyEdit(fix.edit);
      if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      removed++;
    }
    if (!removed) {
      void vscode.window.showWarningMessage('SkillMeat: this server version offers no way to remove artifact entries (no skillmeat.pruneMissing command, no quick fix for path-missing).');
      return 0;
    }
  }
  state.output.info(`Pruned ${removed} artifact entr${removed === 1 ? 'y' : 'ies'}: ${lines.join('; ')}`);
  void vscode.window.showInformationMessage(`SkillMeat: pruned ${removed} artifact entr${removed === 1 ? 'y' : 'ies'}.`);
  state.tree.scheduleRefresh();
  return removed;
}
