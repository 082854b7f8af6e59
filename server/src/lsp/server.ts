/**
 * The language server: capabilities and routing. Every request goes to one handler in
 * `handlers/`, wrapped so that it waits for the first index, honours cancellation and never throws.
 */
import {
  DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, TextDocumentSyncKind,
  type ClientCapabilities, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import type { Host } from '../engine';
import { ACTION_KINDS } from '../engine/features';
import { nodeHost } from '../host/nodeHost';
import { type Clock, systemClock } from './clock';
import { Session } from './session';
import { parseInitOptions, parseSettings } from './settings';
import { uriToPath } from './uri';
import { chokidarWatcher, clientWatcher, watchPatterns, type WatcherFactory } from './watcher';
import { type Handler, guard } from './handlers/guard';
import { hover } from './handlers/hover';
import { definition } from './handlers/definition';
import { highlights, references } from './handlers/references';
import { prepareRename, rename } from './handlers/rename';
import { completion, resolveCompletion } from './handlers/completion';
import { codeActions } from './handlers/codeAction';
import { codeLenses } from './handlers/codeLens';
import { documentSymbol, workspaceSymbol } from './handlers/symbols';
import { LEGEND, semanticTokensFull } from './handlers/semanticTokens';
import { documentLink } from './handlers/documentLink';
import { foldingRange } from './handlers/foldingRange';
import { inlayHint } from './handlers/inlayHint';
import { documentDiagnostic, workspaceDiagnostic } from './handlers/diagnostic';
import { type CommandContext, commandIds, customRequests, executeCommand } from './handlers/commands';
import './handlers/cacheCommands';

/** What tests may replace. */
export interface ServerOptions {
  host?: Host;
  clock?: Clock;
  watcherFactory?: WatcherFactory;
}

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

/**
 * Who watches the disk: the editor when it can register watchers with relative patterns (it
 * watches out of process, and roots outside the workspace folders need relative patterns);
 * chokidar in the server otherwise, or when the client asks for it (`watch: "server"`).
 */
function watcherFor(connection: Connection, caps: ClientCapabilities, watch: boolean | 'server' | 'client' | undefined): WatcherFactory {
  const w = caps.workspace?.didChangeWatchedFiles;
  const clientCan = w?.dynamicRegistration === true && w.relativePatternSupport === true;
  if (!clientCan || watch === 'server') return chokidarWatcher;
  return clientWatcher({ register: (roots) => connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: watchPatterns(roots) }) }, chokidarWatcher);
}

/** Wires a connection to a new session and starts listening. */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  let session: Session | undefined;
  let caps: ClientCapabilities = {};
  const ctx = (): CommandContext => ({
    session: session!,
    connection,
    documentChanges: caps.workspace?.workspaceEdit?.documentChanges === true,
    applyEdit: caps.workspace?.applyEdit === true,
  });

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    caps = params.capabilities;
    const init = parseInitOptions(params.initializationOptions);
    const pullCapable = caps.textDocument?.diagnostic !== undefined;
    // Pull and push together would show every finding twice in VS Code: one or the other.
    const mode = init.diagnosticMode === 'push' ? 'push' : init.diagnosticMode === 'pull' || pullCapable ? 'pull' : 'push';
    session = new Session({
      connection,
      host: options.host ?? nodeHost,
      clock: options.clock ?? systemClock,
      watcherFactory: init.watch === false ? undefined : options.watcherFactory ?? watcherFor(connection, caps, init.watch),
      debounceMs: init.debounceMs ?? 50,
      settleMs: init.settleMs ?? 80,
      diagnosticMode: mode,
      refreshSupport: caps.workspace?.diagnostics?.refreshSupport === true,
      progressSupport: caps.window?.workDoneProgress === true,
      collectionsRootOption: init.collectionsRoot,
      cacheFileOption: init.cacheFile,
      readOnly: init.readOnly,
      cacheEnabled: init.cache,
      cacheSaveDelayMs: init.cacheSaveDelayMs,
    });
    session.settings = parseSettings(init.settings);
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)) ?? [params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined];
    session.folders = folders.filter((f): f is string => typeof f === 'string');
    const s = session;
    s.docs.manager.onDidChangeContent((e) => s.setText(e.document.uri, e.document.getText(), e.document.version));
    s.docs.manager.onDidClose((e) => s.close(e.document.uri));
    s.docs.manager.listen(connection);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        completionProvider: { triggerCharacters: ['"', "'", ':'], resolveProvider: true },
        codeActionProvider: { codeActionKinds: [ACTION_KINDS.quickFix, ACTION_KINDS.writeMissingUuids, ACTION_KINDS.sortMembers], resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: { label: 'SkillMeat' },
        workspaceSymbolProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true, range: false },
        documentLinkProvider: { resolveProvider: false },
        foldingRangeProvider: true,
        inlayHintProvider: true,
        executeCommandProvider: { commands: commandIds() },
        diagnosticProvider: mode === 'pull' ? { identifier: 'skillmeat', interFileDependencies: true, workspaceDiagnostics: true } : undefined,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'skillmeat-ls', version: VERSION },
    };
  });

  connection.onInitialized(async () => {
    const s = session!;
    if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'skillmeat' }).catch(() => undefined);
    }
    if (caps.workspace?.configuration) {
      const cfg = await connection.workspace.getConfiguration({ section: 'skillmeat' }).catch(() => undefined);
      if (cfg !== undefined && cfg !== null) s.settings = parseSettings(cfg, s.settings);
    }
    if (caps.workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const added = e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
        const removed = e.removed.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
        void s.ready.then(() => s.changeFolders(added, removed));
      });
    }
    await s.reindex('start');
  });

  connection.onDidChangeConfiguration(async (params) => {
    const s = session;
    if (!s) return;
    let raw: unknown = (params.settings as { skillmeat?: unknown } | undefined)?.skillmeat;
    if (caps.workspace?.configuration) raw = (await connection.workspace.getConfiguration({ section: 'skillmeat' }).catch(() => raw)) ?? raw;
    await s.ready;
    await s.applySettings(parseSettings(raw));
  });

  connection.onDidChangeWatchedFiles((params) => {
    const s = session;
    if (!s) return;
    for (const c of params.changes ?? []) {
      const file = typeof c?.uri === 'string' ? uriToPath(c.uri) : undefined;
      if (file) s.clientFileEvent(c.type, file);
    }
  });

  const g = <P, R>(name: string, empty: R, fn: Handler<P, R>, long = false) => guard<P, R>(() => session, name, empty, fn, long);

  connection.onHover(g('hover', null, hover));
  connection.onDefinition(g('definition', null, definition));
  connection.onReferences(g('references', [], references, true));
  connection.onDocumentHighlight(g('documentHighlight', [], highlights));
  connection.onPrepareRename(g('prepareRename', null, prepareRename));
  connection.onRenameRequest(g('rename', null, (s, p) => rename(s, p, caps.workspace?.workspaceEdit?.documentChanges === true), true));
  connection.onCompletion(g('completion', { isIncomplete: false, items: [] }, (s, p) => completion(s, p, caps.textDocument?.completion?.completionItem?.snippetSupport === true)));
  connection.onCompletionResolve((item, token) => g('completionResolve', item, resolveCompletion)(item, token));
  connection.onCodeAction(g('codeAction', [], (s, p) => codeActions(s, p, caps.workspace?.workspaceEdit?.documentChanges === true)));
  connection.onCodeLens(g('codeLens', [], codeLenses));
  connection.onDocumentSymbol(g('documentSymbol', [], documentSymbol));
  connection.onWorkspaceSymbol(g('workspaceSymbol', [], workspaceSymbol, true));
  connection.languages.semanticTokens.on(g('semanticTokens', { data: [] }, semanticTokensFull));
  connection.onDocumentLinks(g('documentLink', [], documentLink));
  connection.onFoldingRanges(g('foldingRange', [], foldingRange));
  connection.languages.inlayHint.on(g('inlayHint', [], inlayHint));
  connection.languages.diagnostics.on(g('documentDiagnostic', { kind: 'full', items: [] }, documentDiagnostic));
  connection.languages.diagnostics.onWorkspace(g('workspaceDiagnostic', { items: [] }, workspaceDiagnostic, true));
  connection.onExecuteCommand(g('executeCommand', null, (_s, p, token) => executeCommand(ctx(), p.command, p.arguments ?? [], token) as Promise<null>));
  for (const [method, handler] of customRequests()) connection.onRequest(method, g(method, null, (_s, p, token) => handler(ctx(), p, token) as Promise<null>));

  connection.onShutdown(async () => {
    await session?.dispose();
  });

  connection.listen();
}
