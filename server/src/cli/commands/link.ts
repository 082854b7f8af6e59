import { parseRef } from '../../engine';
import { syncWorkspace } from '../../engine/cache/sync';
import { getGeneration } from '../../engine/cache/store';
import { link } from '../../engine/cache/link';
import { applyEdits } from '../../engine/edits/manifestEdits';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { loadWorkspace } from '../workspaceLoad';
import { openCliCache } from '../cacheOpen';
import { writeManifest } from '../fileWrite';

export const LINK_HELP = `Usage: skillmeat-ls link --parent REF --child REF --relation RELATION [options] [PATH...]
       skillmeat-ls link --group NAME --child REF [options] [PATH...]

Links two artifacts, where SkillMeat keeps such a link:
  composite parent, relation contains|requires|extends
      a composite membership in the cache (SkillMeat keeps these only in its database);
      --pin HASH pins the child's version, --position N orders it
  other parent, relation requires|enables|related
      a [[artifacts.metadata.linked_artifacts]] entry of the parent in collection.toml
  --group NAME
      the child appended to the group's members in collection.toml
Manifest changes are minimal text edits (comments and formatting stay). Linking twice changes
nothing and says so. REF is type:name (e.g. composite:git-workflow-pro, skill:pdf-tools).

Options:
  --collection NAME         the collection, when the parent's name is in several
  --expect-generation G     refuse if the cache changed since generation G (for editors)
  --cache FILE              cache file (default $SKILLMEAT_HOME/vscode-cache.db or ~/.skillmeat/vscode-cache.db)
  --collections-root DIR    where SkillMeat collections live
  --format text|json        output format (default text)
  -h, --help                show this help
`;

type Outcome = { status: 'linked' | 'already-linked' | 'updated'; message: string; file?: string; generation?: number };

class Refusal extends Error {}

/** Runs `link`: resolve parent and child in the workspace, then write the link where it belongs. */
export async function runLink(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['parent', 'child', 'relation', 'group', 'pin', 'position', 'collection', 'expect-generation', 'cache', 'collections-root', 'format'], ['help']);
  } catch (e) {
    if (e instanceof UsageError) return fail(io, EXIT_USAGE, e.message);
    throw e;
  }
  if (args.flags.has('help')) {
    io.out(LINK_HELP);
    return EXIT_OK;
  }
  const format = lastValue(args, 'format') ?? 'text';
  const childArg = lastValue(args, 'child');
  const parentArg = lastValue(args, 'parent');
  const group = lastValue(args, 'group');
  const relation = lastValue(args, 'relation');
  const position = lastValue(args, 'position');
  if (!childArg) return fail(io, EXIT_USAGE, '--child is required');
  if (!group && (!parentArg || !relation)) return fail(io, EXIT_USAGE, 'give --parent and --relation, or --group');
  if (position !== undefined && !/^\d+$/.test(position)) return fail(io, EXIT_USAGE, `--position needs a whole number ≥ 0, not "${position}"`);
  const child = parseRef(childArg);
  if (!child) return fail(io, EXIT_USAGE, `--child "${childArg}" is not type:name`);
  // Another process (an editor, `uuids --write`) may save the cache, or write the manifest the
  // link edits, between our read and our write. A link that wrote nothing is then done again from
  // a fresh read of both, so two commands run at once both succeed; after three such losses the
  // refusal stands.
  for (let attempt = 1; ; attempt++) {
    const r = await linkOnce(args, io, format, childArg);
    if (r !== RETRY) return r;
    if (attempt >= 3) return fail(io, EXIT_FINDINGS, 'other processes kept writing the cache or the manifest; nothing was linked (run the command again)');
  }
}

const RETRY = Symbol('retry');

/** One attempt: load, sync, link, write the manifest, save; RETRY when another process's write of the cache or of the manifest came first and nothing was written. */
async function linkOnce(args: ReturnType<typeof parseArgs>, io: CliIo, format: string, childArg: string): Promise<number | typeof RETRY> {
  const [parentArg, group, relation, position] = ['parent', 'group', 'relation', 'position'].map((k) => lastValue(args, k));
  let loaded;
  try {
    loaded = loadWorkspace(args.positionals, lastValue(args, 'collections-root'), io);
  } catch (e) {
    if (e instanceof UsageError) return fail(io, EXIT_USAGE, e.message);
    throw e;
  }
  const index = loaded.ws.index();
  const c = await openCliCache(lastValue(args, 'cache'), io);
  if (!c.ok) return fail(io, EXIT_FINDINGS, c.message);
  const cache = c.opened.cache;
  try {
    const synced = syncWorkspace(cache.db, index);
    if (!synced.ok) throw new Refusal(`the cache could not be updated: ${synced.error.message}`);
    const expect = lastValue(args, 'expect-generation');
    // The sync itself is a write; an editor that read generation G before it compares against
    // the generation the sync started from.
    if (expect !== undefined && Number(expect) !== synced.value.generation - 1 && Number(expect) !== synced.value.generation) {
      throw new Refusal(`the cache changed since it was read (generation ${synced.value.generation - 1}, expected ${expect}); nothing was linked`);
    }
    const r = link(cache.db, index, { parent: parentArg, group, child: childArg, relation, pin: lastValue(args, 'pin') ?? null, position: position === undefined ? null : Number(position), collection: lastValue(args, 'collection') }, synced.value.generation);
    if (!r.ok) throw new Refusal(r.reason);
    const outcome: Outcome = { status: r.value.status, message: r.value.message };
    if (r.value.edit) {
      const e = r.value.edit;
      const refused = writeManifest(e.file, e.text, applyEdits(e.text, [e.edit]));
      // Another process wrote the manifest since it was read (under the write lock, so this is
      // sure): nothing was written and the cache not saved; link again from the new text.
      if (refused?.reason === 'changed' && expect === undefined) return RETRY;
      if (refused) throw new Refusal(refused.message);
      outcome.file = e.file;
    }
    const saved = cache.save();
    if (!saved.ok && saved.error.code === 'CONFLICT' && !outcome.file && expect === undefined) return RETRY;
    if (!saved.ok) throw new Refusal(`the cache was not saved: ${saved.error.message}`);
    outcome.generation = getGeneration(cache.db);
    if (format === 'json') io.out(JSON.stringify(outcome) + '\n');
    else io.out(`${outcome.status === 'already-linked' ? 'already linked: ' : ''}${outcome.message}\n`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof Refusal) {
      if (format === 'json') io.out(JSON.stringify({ status: 'refused', message: e.message }) + '\n');
      return fail(io, EXIT_FINDINGS, e.message);
    }
    throw e;
  } finally {
    cache.close();
  }
}

function fail(io: CliIo, code: number, message: string): number {
  io.err(`skillmeat-ls link: ${message}\n`);
  return code;
}
