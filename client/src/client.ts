import * as path from 'node:path';
import type * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type Middleware,
  type NodeModule,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { SkillmeatConfig } from './config';

/** The file names SkillMeat reads; the extension never claims the whole `toml` language. */
export const MANIFEST_NAMES = [
  'collection.toml',
  'collection.lock',
  '.skillmeat-deployed.toml',
  '.skillmeat-project.toml',
  '.skillmeat_skip_prefs.toml',
  'plugin.json',
] as const;

/** One glob matching every SkillMeat file anywhere in a folder. */
export const MANIFEST_GLOB = `**/{${MANIFEST_NAMES.join(',')}}`;

/**
 * Our documents, by pattern. plugin.json is only ours inside a collection's composite folder,
 * which a glob cannot express exactly; the server ignores plugin.json files outside collections.
 */
export function documentSelector(): { scheme: string; pattern: string }[] {
  return MANIFEST_NAMES.map((n) => ({ scheme: 'file', pattern: `**/${n}` }));
}

/** Whether a path is one of the SkillMeat files (by its base name). */
export function isManifestPath(fsPath: string): boolean {
  return (MANIFEST_NAMES as readonly string[]).includes(path.basename(fsPath));
}

/**
 * The server launch description: the bundled dist/server.js over IPC, with an inspector port in
 * debug mode. Pure, so it can be checked without VS Code.
 */
export function buildServerOptions(extensionPath: string, debugPort = 6019): { run: NodeModule; debug: NodeModule } {
  const module = path.join(extensionPath, 'dist', 'server.js');
  return {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', `--inspect=${debugPort}`] } },
  };
}

/**
 * What the server receives in `initialize`: the `skillmeat` section under `settings` (the same
 * shape didChangeConfiguration carries later), the collections root on its own, and the trust.
 */
export function initializationOptions(cfg: SkillmeatConfig, trusted: boolean): Record<string, unknown> {
  return {
    settings: cfg,
    ...(cfg.collectionsRoot ? { collectionsRoot: cfg.collectionsRoot } : {}),
    cacheFile: cfg.cacheFile || undefined,
    workspaceTrusted: trusted,
  };
}

/** Inputs for createLanguageClient, gathered by the extension so this module stays small. */
export interface ClientInputs {
  extensionPath: string;
  config: () => SkillmeatConfig;
  trusted: () => boolean;
  output: vscode.LogOutputChannel;
  middleware?: Middleware;
}

/** Creates (does not start) the language client for the bundled server. */
export function createLanguageClient(inputs: ClientInputs): LanguageClient {
  const serverOptions: ServerOptions = buildServerOptions(inputs.extensionPath);
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: inputs.output,
    // Read when the client (re)starts, so a restart after a settings change sends fresh values.
    initializationOptions: () => initializationOptions(inputs.config(), inputs.trusted()),
    // No `fileEvents`: the server registers its own watchers (relative patterns reach a
    // collections root outside the workspace folders) with `workspace/didChangeWatchedFiles`.
    synchronize: { configurationSection: 'skillmeat' },
    diagnosticCollectionName: 'skillmeat',
    middleware: inputs.middleware,
  };
  return new LanguageClient('skillmeat', 'SkillMeat Language Server', serverOptions, clientOptions);
}
