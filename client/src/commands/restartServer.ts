import * as vscode from 'vscode';
import type { ExtensionState } from '../state';

/** The command id. */
export const RESTART_SERVER = 'skillmeat.restartServer';

/** SkillMeat: Restart Server — stops and starts the language server with the current settings. */
export async function restartServer(state: ExtensionState): Promise<void> {
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'SkillMeat: restarting the server' }, () => state.restartServer());
}
