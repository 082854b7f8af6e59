import type { Database } from 'sql.js';
import type { CollectionInfo, WorkspaceIndex } from '../../engine';
import { parseRef } from '../../engine';
import { syncWorkspace } from '../../engine/cache/sync';
import { findArtifact, getGeneration, isoNow, writeTransaction } from '../../engine/cache/store';
import { addGroupMemberEdit, addLinkedArtifactEdit, applyEdits } from '../../engine/edits/manifestEdits';
import { DEPLOYABLE_TYPES, isOneOf } from '../../engine/model/vocabulary';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { loadWorkspace } from '../workspaceLoad';
import { openCliCache } from '../cacheOpen';
import { writeIfUnchanged } from '../fileWrite';

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
    let outcome: Outcome;
    const collection = pickCollection(index, lastValue(args, 'collection'), parentArg ? parseRef(parentArg) : undefined, child);
    const childSite = index.resolve(collection, child.type, child.name);
    if (!childSite) throw new Refusal(`--child ${childArg} is not an artifact of collection "${collection.name}"`);
    if (group) {
      const g = collection.model.groups.find((x) => x.name?.value === group);
      if (!g) throw new Refusal(`collection "${collection.name}" has no group "${group}" (groups: ${collection.model.groups.map((x) => x.name?.value).filter(Boolean).join(', ') || 'none'})`);
      const ref = `${childSite.type}:${childSite.name}`;
      if (g.members?.items.some((m) => m.value === ref)) outcome = { status: 'already-linked', message: `${ref} is already a member of group "${group}"` };
      else {
        const r = addGroupMemberEdit(collection.source, g, ref);
        if (!r.ok) throw new Refusal(r.reason);
        writeOrRefuse(collection.source.file, collection.source.text, applyEdits(collection.source.text, [r.edit]));
        outcome = { status: 'linked', message: `added ${ref} to group "${group}"`, file: collection.source.file };
      }
    } else {
      const parent = parseRef(parentArg!)!;
      if (!parent) throw new Refusal(`--parent "${parentArg}" is not type:name`);
      if (parent.type === 'composite') {
        if (!['contains', 'requires', 'extends'].includes(relation!)) throw new Refusal(`a composite links its members with contains, requires or extends, not "${relation}"`);
        if (!isOneOf(DEPLOYABLE_TYPES, childSite.type)) throw new Refusal(`a composite can only contain ${DEPLOYABLE_TYPES.join(', ')}; ${childArg} is a ${childSite.type}`);
        outcome = linkMembership(cache.db, collection, parent.name, childSite.type, childSite.name, relation!, lastValue(args, 'pin') ?? null, position === undefined ? null : Number(position), synced.value.generation);
      } else {
        if (!['requires', 'enables', 'related'].includes(relation!)) throw new Refusal(`a ${parent.type} links to other artifacts with requires, enables or related; only composites take "${relation}"`);
        const parentSite = index.resolve(collection, parent.type, parent.name);
        if (!parentSite) throw new Refusal(`--parent ${parentArg} is not an artifact of collection "${collection.name}"`);
        const existing = parentSite.entry.linked.find((l) => l.name?.value === childSite.name && (l.type?.value ?? 'skill') === childSite.type);
        if (existing && (existing.linkType?.value ?? 'requires') === relation) outcome = { status: 'already-linked', message: `${parentArg} already ${relation} ${childArg}` };
        else if (existing) throw new Refusal(`${parentArg} already links ${childArg} as "${existing.linkType?.value ?? 'requires'}"; change it in collection.toml`);
        else {
          const r = addLinkedArtifactEdit(collection.source, parentSite.entry, { type: childSite.type, name: childSite.name, linkType: relation as 'requires', createdAt: new Date().toISOString().replace('Z', '+00:00') });
          if (!r.ok) throw new Refusal(r.reason);
          writeOrRefuse(collection.source.file, collection.source.text, applyEdits(collection.source.text, [r.edit]));
          outcome = { status: 'linked', message: `${parentArg} now ${relation} ${childArg} (linked_artifacts in collection.toml)`, file: collection.source.file };
        }
      }
    }
    const saved = cache.save();
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

function writeOrRefuse(file: string, expected: string, next: string): void {
  const why = writeIfUnchanged(file, expected, next);
  if (why) throw new Refusal(why);
}

/** The collection to link in: named, else the one holding the parent (or child), else the only one. */
function pickCollection(index: WorkspaceIndex, name: string | undefined, parent: ReturnType<typeof parseRef>, child: NonNullable<ReturnType<typeof parseRef>>): CollectionInfo {
  if (name) {
    const c = index.byName.get(name)?.[0];
    if (!c) throw new Refusal(`no collection named "${name}" (known: ${[...index.byName.keys()].join(', ') || 'none'})`);
    return c;
  }
  const holds = (c: CollectionInfo) =>
    parent ? Boolean(index.resolve(c, parent.type, parent.name)) || (parent.type === 'composite' && c.composites.some((k) => k.name === parent.name)) : Boolean(index.resolve(c, child.type, child.name));
  const found = index.collections.filter(holds);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new Refusal(`"${parent ? `${parent.type}:${parent.name}` : `${child.type}:${child.name}`}" is in several collections (${found.map((c) => c.name).join(', ')}); choose one with --collection`);
  throw new Refusal(`no collection holds ${parent ? `${parent.type}:${parent.name}` : `${child.type}:${child.name}`}; check the PATHs and --collections-root`);
}

/** Creates or confirms a user-made composite membership, refusing if the cache moved past `generation`. */
function linkMembership(db: Database, c: CollectionInfo, composite: string, type: string, name: string, relation: string, pin: string | null, position: number | null, generation: number): Outcome {
  const childUuid = findArtifact(db, `${type}:${name}`)?.uuid;
  if (!childUuid) throw new Refusal(`${type}:${name} is not in the cache`);
  const colRow = db.exec('SELECT id FROM collections WHERE manifest_path = ?', [c.source.file])[0]?.values[0];
  if (!colRow) throw new Refusal(`collection "${c.name}" is not in the cache`);
  const collectionId = String(colRow[0]);
  const id = `composite:${composite}`;
  const existing = db.exec('SELECT relationship_type, pinned_version_hash, position FROM composite_memberships WHERE collection_id = ? AND composite_id = ? AND child_artifact_uuid = ?', [collectionId, id, childUuid])[0]?.values[0];
  if (existing && existing[0] === relation && existing[1] === pin && existing[2] === position) {
    return { status: 'already-linked', message: `${id} already ${relation} ${type}:${name}` };
  }
  const now = isoNow();
  const r = writeTransaction(
    db,
    () => {
      db.run('INSERT INTO composite_artifacts (id, collection_id, composite_type, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', [id, collectionId, 'plugin', composite, now, now]);
      db.run(
        "INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, pinned_version_hash, position, created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'user') " +
          "ON CONFLICT (collection_id, composite_id, child_artifact_uuid) DO UPDATE SET relationship_type = excluded.relationship_type, pinned_version_hash = excluded.pinned_version_hash, position = excluded.position, source = 'user'",
        [collectionId, id, childUuid, relation, pin, position, now],
      );
    },
    { expectGeneration: generation },
  );
  if (!r.ok) throw new Refusal(r.error.message);
  return { status: existing ? 'updated' : 'linked', message: `${id} ${existing ? 'now' : ''} ${relation} ${type}:${name}${pin ? ` pinned at ${pin}` : ''}`.replace('  ', ' ') };
}

function fail(io: CliIo, code: number, message: string): number {
  io.err(`skillmeat-ls link: ${message}\n`);
  return code;
}
