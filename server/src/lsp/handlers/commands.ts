/**
 * Commands (workspace/executeCommand) and custom `skillmeat/*` requests, each registered by
 * name in one table. The cache features add theirs here (`registerCommand`, `registerRequest`).
 */
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import { newUuid, writeMissingUuids } from '../../engine/features';
import { READ_ONLY_MESSAGE } from '../../engine/cache/live';
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
  /** Where the uuids came from: the cache's registry (ready cache) or fresh ones. */
  source: 'cache' | 'new';
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

/**
 * The uuid to write for `type:name`: the one the cache remembers when it is usable, so files and
 * cache agree (and uuid-conflict stays quiet); a fresh one otherwise, and for a second entry of
 * the same name, which must not share the first one's uuid.
 */
export function uuidMaker(ctx: CommandContext): { make: (type: string, name: string) => string; source: 'cache' | 'new' } {
  const live = ctx.session.cache?.live;
  if (!live || live.state !== 'ready') return { make: () => newUuid(), source: 'new' };
  // Artifacts added since the last sync get their registry uuid now.
  live.syncIfStale();
  const handedOut = new Set<string>();
  return {
    make: (type, name) => {
      const known = live.uuidOf(type, name);
      if (!known || handedOut.has(known)) return newUuid();
      handedOut.add(known);
      return known;
    },
    source: 'cache',
  };
}

registerCommand('skillmeat.writeMissingUuids', async (ctx, args): Promise<WriteUuidsResult> => {
  const { session } = ctx;
  const uri = uriArg(args);
  const file = uri ? session.docs.pathOf(uri) : undefined;
  if (session.cache?.live.readOnly) return { applied: false, failureReason: READ_ONLY_MESSAGE, source: 'new', files: 0, uuids: 0, edit: { changes: {} } };
  if (uri && !file) return { applied: false, failureReason: `not a file: ${uri}`, source: 'new', files: 0, uuids: 0, edit: { changes: {} } };
  const { make, source } = uuidMaker(ctx);
  const edits = writeMissingUuids(session.ws, file, make);
  const uriOf = (f: string): string => session.docs.uriOf(f);
  const edit = ctx.documentChanges ? toWorkspaceEdit(edits, uriOf) : toChangesEdit(edits, uriOf);
  const uuids = edits.reduce((n, fe) => n + fe.edits.length, 0);
  if (uuids === 0) return { applied: true, source, files: 0, uuids: 0, edit };
  if (!ctx.applyEdit) return { applied: false, failureReason: 'the client cannot apply edits', source, files: edits.length, uuids, edit };
  const r = await ctx.connection.workspace.applyEdit({ label: 'Write missing uuids', edit });
  return { applied: r.applied, failureReason: r.failureReason, source, files: edits.length, uuids, edit };
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
    watcher: { state: s.watchState, by: s.watchBy, error: s.watchError, ...s.disk.stats, busy: s.disk.busy },
    diagnostics: { mode: s.config.diagnosticMode, debounceMs: s.config.debounceMs, settleMs: s.config.settleMs, latencyMs: s.publisher.timing },
    settings: s.settings,
  };
});
