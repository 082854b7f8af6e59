/**
 * Commands (workspace/executeCommand) and custom `skillmeat/*` requests, each registered by
 * name in one table. The cache features add theirs here (`registerCommand`, `registerRequest`).
 */
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import { writeMissingUuids } from '../../engine/features';
import { toChangesEdit, toWorkspaceEdit } from '../convert';
import type { Session } from '../session';

/** What a command or custom request handler gets. */
export interface CommandContext {
  session: Session;
  connection: Connection;
  /** The client applies versioned documentChanges. */
  documentChanges: boolean;
  /** The client takes workspace/applyEdit. */
  applyEdit: boolean;
}

/** A command: its arguments as sent, its result as answered. */
export type CommandHandler = (ctx: CommandContext, args: unknown[], token: CancellationToken) => unknown | Promise<unknown>;
/** A custom request: its params as sent. */
export type RequestHandler = (ctx: CommandContext, params: unknown, token: CancellationToken) => unknown | Promise<unknown>;

const commands = new Map<string, CommandHandler>();
const requests = new Map<string, RequestHandler>();

/** Adds a workspace/executeCommand command (announced in the capabilities). */
export function registerCommand(id: string, handler: CommandHandler): void {
  commands.set(id, handler);
}

/** Adds a custom request method (by convention `skillmeat/<name>`). */
export function registerRequest(method: string, handler: RequestHandler): void {
  requests.set(method, handler);
}

/** The registered command ids. */
export function commandIds(): string[] {
  return [...commands.keys()];
}

/** The registered custom requests. */
export function customRequests(): [string, RequestHandler][] {
  return [...requests.entries()];
}

/** Runs a command; undefined for unknown ids. */
export async function executeCommand(ctx: CommandContext, id: string, args: unknown[], token: CancellationToken): Promise<unknown> {
  const h = commands.get(id);
  if (!h) throw new Error(`unknown command ${id}`);
  return h(ctx, args, token);
}

/** The result of `skillmeat.writeMissingUuids`. */
export interface WriteUuidsResult {
  /** Whether the client applied the edit. */
  applied: boolean;
  failureReason?: string;
  /** Files edited and uuids written. */
  files: number;
  uuids: number;
  edit: unknown;
}

function uriArg(args: unknown[]): string | undefined {
  const a = args[0];
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && typeof (a as { uri?: unknown }).uri === 'string') return (a as { uri: string }).uri;
  return undefined;
}

registerCommand('skillmeat.writeMissingUuids', async (ctx, args): Promise<WriteUuidsResult> => {
  const { session } = ctx;
  const uri = uriArg(args);
  const file = uri ? session.docs.pathOf(uri) : undefined;
  if (uri && !file) return { applied: false, failureReason: `not a file: ${uri}`, files: 0, uuids: 0, edit: { changes: {} } };
  const edits = writeMissingUuids(session.ws, file);
  const uriOf = (f: string): string => session.docs.uriOf(f);
  const edit = ctx.documentChanges ? toWorkspaceEdit(edits, uriOf) : toChangesEdit(edits, uriOf);
  const uuids = edits.reduce((n, fe) => n + fe.edits.length, 0);
  if (uuids === 0) return { applied: true, files: 0, uuids: 0, edit };
  if (!ctx.applyEdit) return { applied: false, failureReason: 'the client cannot apply edits', files: edits.length, uuids, edit };
  const r = await ctx.connection.workspace.applyEdit({ label: 'Write missing uuids', edit });
  return { applied: r.applied, failureReason: r.failureReason, files: edits.length, uuids, edit };
});

registerCommand('skillmeat.rebuildIndex', async (ctx) => {
  await ctx.session.reindex('rebuild command');
  return { files: ctx.session.lastIndex.files, ms: ctx.session.lastIndex.ms };
});

registerRequest('skillmeat/status', (ctx) => {
  const s = ctx.session;
  const index = s.ws.index();
  return {
    roots: s.roots(),
    folders: s.folders,
    collectionsRoot: s.collectionsRoot,
    files: [...s.ws.allFiles()].length,
    collections: index.collections.map((c) => ({ name: c.name, dir: c.model.dir, artifacts: c.artifacts.length })),
    deployments: index.deployments.length,
    revision: s.ws.currentRevision,
    openDocuments: s.docs.openPaths().length,
    lastIndex: s.lastIndex,
    watcher: { state: s.watchState, error: s.watchError, ...s.disk.stats, busy: s.disk.busy },
    diagnostics: { mode: s.config.diagnosticMode, debounceMs: s.config.debounceMs, settleMs: s.config.settleMs, latencyMs: s.publisher.timing },
    settings: s.settings,
  };
});
