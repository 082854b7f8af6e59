import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CacheCli, MigrationStatus } from './cacheCli';
import type { SkillmeatConfig } from './config';
import type { StatusBar } from './ui/statusBar';
import type { ArtifactsTree } from './ui/artifactsTree';

/** What every command needs from the running extension; built once in activate(). */
export interface ExtensionState {
  readonly extensionPath: string;
  readonly output: vscode.LogOutputChannel;
  readonly cli: CacheCli;
  readonly statusBar: StatusBar;
  readonly tree: ArtifactsTree;
  /** The current language client (replaced on restart), or undefined while it is down. */
  client(): LanguageClient | undefined;
  config(): SkillmeatConfig;
  /** The cache file the CLI and server use, resolved from settings. */
  cacheFile(): string;
  /** Stops and starts the server (new settings, trust granted, user asked). */
  restartServer(): Promise<void>;
  /** Re-reads the cache's migration status and updates the status bar; undefined when it cannot. */
  refreshCacheStatus(): Promise<MigrationStatus | undefined>;
}

/**
 * Guards a command that writes files or the cache: in a restricted (untrusted) workspace it says
 * why nothing happens and returns false.
 */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `SkillMeat: ${action} is disabled in Restricted Mode. An untrusted workspace gets diagnostics only; nothing is written to files or the cache.`,
      'Manage Workspace Trust',
    )
    .then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

/** The running client, or a message saying the server is not up (and undefined). */
export function requireClient(state: ExtensionState, action: string): LanguageClient | undefined {
  const c = state.client();
  if (c && c.isRunning()) return c;
  void vscode.window.showErrorMessage(`SkillMeat: cannot ${action}: the language server is not running. Try "SkillMeat: Restart Server".`, 'Show Output').then((p) => {
    if (p) state.output.show(true);
  });
  return undefined;
}

/**
 * Sends workspace/executeCommand to the server directly, so it works whether or not the server
 * advertised the command (and VS Code's registry stays free of duplicates).
 */
export async function serverCommand<T = unknown>(client: LanguageClient, command: string, args: unknown[] = []): Promise<T> {
  return (await client.sendRequest('workspace/executeCommand', { command, arguments: args })) as T;
}

/** Whether the server announced an executeCommand name in its capabilities. */
export function serverHasCommand(client: LanguageClient | undefined, command: string): boolean {
  return !!client?.initializeResult?.capabilities.executeCommandProvider?.commands?.includes(command);
}
