import * as path from 'node:path';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { CacheCli, isMigrationStatus, type MigrationStatus } from './cacheCli';
import { createLanguageClient, isManifestPath } from './client';
import { TREE_REFRESH, registerCommands } from './commands';
import { offerMigration, resetMigrationOffer } from './commands/migrateCache';
import { readConfig, resolveCacheFile, type SkillmeatConfig } from './config';
import { requireTrust, type ExtensionState } from './state';
import { ArtifactsTree } from './ui/artifactsTree';
import { StatusBar, isLiveCache } from './ui/statusBar';

/** What activate() returns: the tests in the extension host drive the extension through it. */
export interface SkillmeatApi {
  state: ExtensionState;
  /** Resolves once the server runs and the Artifacts view has loaded once. */
  ready(): Promise<void>;
}

/** Manifests whose presence starts the server (plugin.json alone is too common a name). */
const STARTER_GLOB = '**/{collection.toml,collection.lock,.skillmeat-deployed.toml,.skillmeat-project.toml,.skillmeat_skip_prefs.toml}';

let client: LanguageClient | undefined;
let stopping: Promise<void> | undefined;

/** Starts the extension: output, status bar, view, commands; the server once a SkillMeat file is around. */
export async function activate(context: vscode.ExtensionContext): Promise<SkillmeatApi> {
  const output = vscode.window.createOutputChannel('SkillMeat', { log: true });
  const config = (): SkillmeatConfig => readConfig(vscode.workspace.getConfiguration('skillmeat'));
  const cli = new CacheCli(context.extensionPath, (line) => output.info(line));
  const statusBar = new StatusBar();
  const tree = new ArtifactsTree(() => client, () => config().watcher.exclude);
  context.subscriptions.push(output, statusBar, tree);

  let readyResolve!: () => void;
  let readyReject!: (e: unknown) => void;
  let ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  // Nobody may be waiting when the server fails to start; the output channel already says why.
  ready.catch(() => undefined);

  const startClient = async (): Promise<void> => {
    await stopping;
    statusBar.update({ server: 'starting', trusted: vscode.workspace.isTrusted });
    const c = createLanguageClient({
      extensionPath: context.extensionPath,
      config,
      trusted: () => vscode.workspace.isTrusted,
      output,
      middleware: {
        // The server's work-done progress (indexing) drives the status bar's spinner.
        handleWorkDoneProgress: (token, params, next) => {
          if (params.kind === 'begin') statusBar.update({ indexing: params.message ?? params.title });
          else if (params.kind === 'report' && params.message) statusBar.update({ indexing: params.message });
          else if (params.kind === 'end') statusBar.update({ indexing: undefined });
          next(token, params);
        },
        // Restricted Mode is diagnostics only: no code actions, renames or server commands that write.
        provideCodeActions: (doc, range, ctx, token, next) => (vscode.workspace.isTrusted ? next(doc, range, ctx, token) : []),
        provideRenameEdits: (doc, pos, name, token, next) => (vscode.workspace.isTrusted ? next(doc, pos, name, token) : (requireTrust('Renaming'), undefined)),
        executeCommand: (command, args, next) => (vscode.workspace.isTrusted ? next(command, args) : (requireTrust(`"${command}"`), undefined)),
      },
    });
    c.onDidChangeState((e) => {
      statusBar.update({ server: e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped' });
    });
    client = c;
    // The server says when a (re)index finished: the view and the count may have changed.
    c.onNotification('skillmeat/indexed', (p: { files?: number; ms?: number }) => {
      output.info(`Indexed ${p.files ?? '?'} SkillMeat files in ${p.ms ?? '?'} ms`);
      tree.scheduleRefresh(100);
    });
    // The server's cache: its state drives the tooltip, and a new revision (a migration here or
    // by the CLI in a terminal, which the server sees on disk) the revision shown.
    let revision: string | null | undefined;
    c.onNotification('skillmeat/cacheChanged', (p: unknown) => {
      if (!isLiveCache(p)) return;
      statusBar.update({ live: p });
      if (p.state !== 'opening' && p.revision !== revision) {
        const first = revision === undefined;
        revision = p.revision;
        if (!first) void refreshCacheStatus();
      }
    });
    try {
      await c.start();
    } catch (e) {
      output.error(`The SkillMeat language server did not start: ${(e as Error).message}`);
      statusBar.update({ server: 'stopped' });
      readyReject(e);
      return;
    }
    await tree.refresh();
    readyResolve();
  };

  const stopClient = async (): Promise<void> => {
    const c = client;
    client = undefined;
    if (!c) return;
    stopping = c.stop(5000).catch((e) => output.warn(`Stopping the server: ${(e as Error).message}`)).then(() => c.dispose()).then(
      () => undefined,
      () => undefined,
    );
    await stopping;
    stopping = undefined;
  };

  const refreshCacheStatus = async (): Promise<MigrationStatus | undefined> => {
    if (!cli.available()) {
      statusBar.update({ cache: undefined, cacheError: 'the bundled CLI is missing' });
      return undefined;
    }
    const run = await cli.status(resolveCacheFile(config()));
    if (isMigrationStatus(run.json)) {
      statusBar.update({ cache: run.json, cacheError: undefined });
      return run.json;
    }
    statusBar.update({ cache: undefined, cacheError: run.stderr.trim().split('\n').pop() || 'status unavailable' });
    return undefined;
  };

  const state: ExtensionState = {
    extensionPath: context.extensionPath,
    output,
    cli,
    statusBar,
    tree,
    client: () => client,
    config,
    cacheFile: () => resolveCacheFile(config()),
    restartServer: async () => {
      ready = new Promise<void>((res, rej) => {
        readyResolve = res;
        readyReject = rej;
      });
      ready.catch(() => undefined);
      await stopClient();
      await startClient();
    },
    refreshCacheStatus,
  };

  const treeView = vscode.window.createTreeView('skillmeat.artifacts', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(treeView, ...registerCommands(state));
  context.subscriptions.push(tree.onDidCount((n) => statusBar.update({ artifacts: n })));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('skillmeat')) return;
      if (e.affectsConfiguration('skillmeat.cacheFile')) {
        resetMigrationOffer();
        void refreshCacheStatus().then((s) => s && offerMigration(state, s));
      }
      if (e.affectsConfiguration('skillmeat.watcher.exclude') || e.affectsConfiguration('skillmeat.collectionsRoot')) void vscode.commands.executeCommand(TREE_REFRESH);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      // The server was told at start that it may not write; a restart tells it otherwise.
      statusBar.update({ trusted: true });
      if (client) void state.restartServer();
      void refreshCacheStatus().then((s) => s && offerMigration(state, s));
    }),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (isManifestPath(d.uri.fsPath)) tree.scheduleRefresh();
    }),
    // Works for pushed and pulled diagnostics alike: a re-validated collection may have new symbols.
    vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => path.basename(u.fsPath) === 'collection.toml')) tree.scheduleRefresh(800);
    }),
  );

  let started = false;
  const startOnce = () => {
    if (started) return;
    started = true;
    void vscode.commands.executeCommand('setContext', 'skillmeat.active', true);
    void startClient();
    void refreshCacheStatus().then((s) => s && offerMigration(state, s));
  };
  const present =
    vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'file' && isManifestPath(d.uri.fsPath)) ||
    (await vscode.workspace.findFiles(STARTER_GLOB, '**/node_modules/**', 1)).length > 0;
  if (present) startOnce();
  else {
    const sub = vscode.workspace.onDidOpenTextDocument((d) => {
      if (d.uri.scheme === 'file' && isManifestPath(d.uri.fsPath)) {
        sub.dispose();
        startOnce();
      }
    });
    context.subscriptions.push(sub);
    statusBar.update({ server: 'idle' });
  }

  return { state, ready: () => ready };
}

/** Stops the server; VS Code waits for the returned promise. */
export function deactivate(): Promise<void> | undefined {
  const c = client;
  client = undefined;
  return c?.stop();
}
