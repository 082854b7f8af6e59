/**
 * The cache's commands and requests, for the client: status, link, prune, rebuild. Every answer
 * is a plain object with `ok` and a `message` a person can read; nothing throws to the client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceEdit } from 'vscode-languageserver/node';
import type { LiveCache, LiveCacheStatus } from '../../engine/cache/live';
import { uriToPath } from '../uri';
import { type CommandContext, registerCommand, registerRequest } from './commands';

/** Arguments of `skillmeat.linkArtifacts`. */
export interface LinkArtifactsArgs {
  /** URI of the collection.toml. */
  collection: string;
  /** `type:name`, or `group:<name>`. */
  parent: string;
  child: string;
  relation: 'contains' | 'requires' | 'extends' | 'enables' | 'related' | 'member';
  pin?: string;
  position?: number;
  /** Refuse when the cache generation is no longer this (or the one our own catch-up sync made). */
  expectGeneration?: number;
}

/** Result of `skillmeat.linkArtifacts`. */
export interface LinkArtifactsResult {
  ok: boolean;
  status: 'linked' | 'already-linked' | 'updated' | 'refused';
  message: string;
  generation: number;
  /** The manifest edited, when the link lives in collection.toml. */
  file?: string;
}

const RELATIONS = new Set(['contains', 'requires', 'extends', 'enables', 'related', 'member']);
const OFF = 'the cache is turned off in this server (initializationOptions.cache = false)';

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function liveOf(ctx: CommandContext): LiveCache | undefined {
  return ctx.session.cache?.live;
}

/**
 * Runs a cache call on the cache in use. A settings change can replace the cache while a call is
 * in flight (the worker's old cache is closed under it): the user asked for the cache in use,
 * so the call is made again there (the calls are idempotent), at most twice more.
 */
async function onCacheInUse<T>(ctx: CommandContext, fn: (live: LiveCache) => Promise<T>): Promise<{ live: LiveCache; value: T } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const live = liveOf(ctx);
    if (!live) return undefined;
    try {
      const value = await fn(live);
      if (liveOf(ctx) === live || attempt >= 2) return { live, value };
    } catch (e) {
      if (liveOf(ctx) === live || attempt >= 2) throw e;
    }
  }
}

/** Validates the link arguments; a string is the reason they are refused. */
function readLinkArgs(raw: unknown): LinkArtifactsArgs | string {
  const a = obj(raw);
  const str = (k: string): string | undefined => (typeof a[k] === 'string' && (a[k] as string).trim() !== '' ? (a[k] as string).trim() : undefined);
  const collection = str('collection');
  const parent = str('parent');
  const child = str('child');
  const relation = str('relation');
  if (!collection || !parent || !child || !relation) return 'give collection (the collection.toml URI), parent, child and relation';
  if (!RELATIONS.has(relation)) return `unknown relation "${relation}" (contains, requires, extends, enables, related or member)`;
  const out: LinkArtifactsArgs = { collection, parent, child, relation: relation as LinkArtifactsArgs['relation'] };
  if (a.pin !== undefined && a.pin !== null) {
    if (typeof a.pin !== 'string') return 'pin must be a content hash (a string)';
    out.pin = a.pin;
  }
  if (a.position !== undefined && a.position !== null) {
    if (typeof a.position !== 'number' || !Number.isInteger(a.position) || a.position < 0) return 'position must be a whole number ≥ 0';
    out.position = a.position;
  }
  if (a.expectGeneration !== undefined && a.expectGeneration !== null) {
    if (typeof a.expectGeneration !== 'number' || !Number.isInteger(a.expectGeneration)) return 'expectGeneration must be a whole number';
    out.expectGeneration = a.expectGeneration;
  }
  return out;
}

async function linkArtifacts(ctx: CommandContext, args: unknown[]): Promise<LinkArtifactsResult> {
  const live = liveOf(ctx);
  const refused = (message: string): LinkArtifactsResult => ({ ok: false, status: 'refused', message, generation: live?.headline().generation ?? 0 });
  if (!live) return refused(OFF);
  const a = readLinkArgs(args[0]);
  if (typeof a === 'string') return refused(a);
  // A URI as LSP speaks; a plain absolute path is taken too (scripts, the CLI's habits).
  const manifest = uriToPath(a.collection) ?? (path.isAbsolute(a.collection) ? a.collection : undefined);
  if (!manifest) return refused(`"${a.collection}" is not a file URI of a collection.toml`);
  const group = a.parent.startsWith('group:') ? a.parent.slice('group:'.length) : a.relation === 'member' ? a.parent : undefined;
  const done = await onCacheInUse(ctx, (l) =>
    l.link(
      group !== undefined
        ? { group, child: a.child, collection: manifest }
        : { parent: a.parent, child: a.child, relation: a.relation, pin: a.pin ?? null, position: a.position ?? null, collection: manifest },
      a.expectGeneration,
    ),
  );
  if (!done) return refused(OFF);
  const r = done.value;
  if (!r.edit) return { ok: r.ok, status: r.status, message: r.message, generation: r.generation };
  // The link lives in collection.toml: the editor applies it, so undo, dirty state and the
  // document version check all work as for any edit.
  const e = r.edit;
  const { session } = ctx;
  if (!ctx.applyEdit) return refused('the client cannot apply edits (workspace/applyEdit); nothing was linked');
  const doc = session.docs.byPath(e.file);
  if (doc && doc.version !== e.version) return refused('the manifest changed while the link was prepared; nothing was linked, try again');
  if (!doc) {
    let disk: string | undefined;
    try {
      disk = fs.readFileSync(e.file, 'utf8');
    } catch {
      disk = undefined;
    }
    if (disk !== e.text) return refused(`${e.file} changed on disk since it was read; nothing was linked, try again`);
  }
  const uri = session.docs.uriOf(e.file);
  const textEdit = { range: e.edit.range, newText: e.edit.newText };
  const edit: WorkspaceEdit = ctx.documentChanges
    ? { documentChanges: [{ textDocument: { uri, version: doc ? doc.version : null }, edits: [textEdit] }] }
    : { changes: { [uri]: [textEdit] } };
  const applied = await ctx.connection.workspace.applyEdit({ label: `SkillMeat: link ${a.child}`, edit });
  if (!applied.applied) {
    return refused(`the editor did not apply the edit${applied.failureReason ? ` (${applied.failureReason})` : ''}; the document may have changed. Nothing was linked`);
  }
  return { ok: true, status: r.status, message: r.message, generation: done.live.headline().generation, file: uri };
}

/** Runs a write command so that even an unexpected failure answers `{ ok: false, message }` (logged with its stack). */
function safely<T>(name: string, fn: (ctx: CommandContext, args: unknown[]) => Promise<T>): (ctx: CommandContext, args: unknown[]) => Promise<T | { ok: false; message: string; generation: number }> {
  return async (ctx, args) => {
    try {
      return await fn(ctx, args);
    } catch (e) {
      ctx.session.log(`${name} failed: ${(e as Error)?.stack ?? e}`);
      return { ok: false, message: `${name} failed: ${(e as Error)?.message ?? e}`, generation: liveOf(ctx)?.headline().generation ?? 0 };
    }
  };
}

registerCommand('skillmeat.linkArtifacts', safely('skillmeat.linkArtifacts', (ctx, args) => linkArtifacts(ctx, args)));

registerCommand('skillmeat.pruneMissing', safely('skillmeat.pruneMissing', async (ctx, args) => {
  const dryRun = obj(args[0]).dryRun === true;
  const done = await onCacheInUse(ctx, (live) => live.prune(dryRun));
  return done ? done.value : { ok: false, dryRun, artifacts: [], rowsRemoved: {}, message: OFF, generation: 0 };
}));

// Named apart from the client's own 'skillmeat.rebuildCache' palette command: the language client
// registers every server command under its own name, and a second registration fails.
registerCommand('skillmeat.server.rebuildCache', safely('skillmeat.server.rebuildCache', async (ctx) => {
  const done = await onCacheInUse(ctx, (live) => live.rebuild());
  return done ? done.value : { ok: false, message: OFF, generation: 0, saved: false };
}));

registerRequest('skillmeat/cacheStatus', (ctx): LiveCacheStatus | Record<string, unknown> => {
  const live = liveOf(ctx);
  if (!live) {
    return { file: ctx.session.cacheFile, state: 'unavailable', readOnly: ctx.session.config.readOnly === true, revision: null, head: '', pending: [], artifacts: 0, missing: 0, collections: 0, memberships: 0, userMemberships: 0, generation: 0, unsaved: false, warnings: [], error: OFF };
  }
  // Watching can miss events (or not be running yet); a status request is a cheap moment to look.
  live.poll();
  return live.status();
});
