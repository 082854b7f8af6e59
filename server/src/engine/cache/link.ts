// Linking two artifacts, where SkillMeat keeps such a link: a composite membership in the cache
// (user data that lives nowhere else), a linked_artifacts entry or a group member in
// collection.toml (computed here as a minimal edit for the caller to apply to the exact text it
// was computed on). Shared by the CLI and the language server.
import type { Database } from 'sql.js';
import type { CollectionInfo, WorkspaceIndex } from '../workspace/index';
import { parseRef, type ArtifactRef } from '../model/identity';
import { DEPLOYABLE_TYPES, isOneOf } from '../model/vocabulary';
import { addGroupMemberEdit, addLinkedArtifactEdit } from '../edits/manifestEdits';
import type { TextEditData } from '../features/types';
import { findArtifact, isoNow, writeTransaction } from './store';

/** What to link. */
export interface LinkRequest {
  /** `type:name` of the parent (absent for a group link). */
  parent?: string;
  /** A group of the collection to add the child to. */
  group?: string;
  child: string;
  relation?: string;
  pin?: string | null;
  position?: number | null;
  /** Collection name or collection.toml path, when the parent's name is in several. */
  collection?: string;
}

/** What linking did or must do. */
export interface LinkOutcome {
  status: 'linked' | 'already-linked' | 'updated';
  message: string;
  /** A manifest edit the caller applies (only for linked_artifacts and group members). */
  edit?: { file: string; version?: number; text: string; edit: TextEditData };
}

/** A composite membership to write to the cache, as planLink decided it (plain data: it may cross to the cache worker). */
export interface MembershipJob {
  manifestPath: string;
  collectionName: string;
  composite: string;
  type: string;
  name: string;
  relation: string;
  pin: string | null;
  position: number | null;
}

/** What planLink decided: a refusal, an outcome needing no cache write (an edit, already linked), or a membership to write. */
export type LinkPlan = { ok: false; reason: string } | { ok: true; value: LinkOutcome } | { ok: true; membership: MembershipJob };

/** Links or says why not; a composite membership is written to the cache here, under `expectGeneration`. */
export function link(db: Database, index: WorkspaceIndex, req: LinkRequest, expectGeneration: number, now: string = isoNow()): { ok: true; value: LinkOutcome } | { ok: false; reason: string } {
  const plan = planLink(index, req, now);
  return plan.ok && 'membership' in plan ? applyMembership(db, plan.membership, expectGeneration, now) : plan;
}

/** Decides what a link means from the workspace alone (no cache read): the part that needs the parsed manifests. */
export function planLink(index: WorkspaceIndex, req: LinkRequest, now: string = isoNow()): LinkPlan {
  const child = parseRef(req.child);
  if (!child) return { ok: false, reason: `"${req.child}" is not type:name` };
  const parent = req.parent ? parseRef(req.parent) : undefined;
  if (req.parent && !parent) return { ok: false, reason: `"${req.parent}" is not type:name` };
  const picked = pickCollection(index, req.collection, parent, child);
  if (typeof picked === 'string') return { ok: false, reason: picked };
  const c = picked;
  const childSite = index.resolve(c, child.type, child.name);
  if (!childSite) return { ok: false, reason: `${req.child} is not an artifact of collection "${c.name}"` };
  const childRef = `${childSite.type}:${childSite.name}`;
  const sf = c.source;
  if (req.group !== undefined) {
    const g = c.model.groups.find((x) => x.name?.value === req.group);
    if (!g) return { ok: false, reason: `collection "${c.name}" has no group "${req.group}" (groups: ${c.model.groups.map((x) => x.name?.value).filter(Boolean).join(', ') || 'none'})` };
    if (g.members?.items.some((m) => m.value === childRef)) return { ok: true, value: { status: 'already-linked', message: `${childRef} is already a member of group "${req.group}"` } };
    const r = addGroupMemberEdit(sf, g, childRef);
    if (!r.ok) return { ok: false, reason: r.reason };
    return { ok: true, value: { status: 'linked', message: `added ${childRef} to group "${req.group}"`, edit: { file: sf.file, version: sf.version, text: sf.text, edit: r.edit } } };
  }
  if (!parent) return { ok: false, reason: 'give a parent and a relation, or a group' };
  const relation = req.relation ?? '';
  if (parent.type === 'composite') {
    if (!['contains', 'requires', 'extends'].includes(relation)) return { ok: false, reason: `a composite links its members with contains, requires or extends, not "${relation}"` };
    if (!isOneOf(DEPLOYABLE_TYPES, childSite.type)) return { ok: false, reason: `a composite can only contain ${DEPLOYABLE_TYPES.join(', ')}; ${req.child} is a ${childSite.type}` };
    return { ok: true, membership: { manifestPath: c.source.file, collectionName: c.name, composite: parent.name, type: childSite.type, name: childSite.name, relation, pin: req.pin ?? null, position: req.position ?? null } };
  }
  if (!['requires', 'enables', 'related'].includes(relation)) return { ok: false, reason: `a ${parent.type} links to other artifacts with requires, enables or related; only composites take "${relation}"` };
  const parentSite = index.resolve(c, parent.type, parent.name);
  if (!parentSite) return { ok: false, reason: `${req.parent} is not an artifact of collection "${c.name}"` };
  const existing = parentSite.entry.linked.find((l) => l.name?.value === childSite.name && (l.type?.value ?? 'skill') === childSite.type);
  if (existing && (existing.linkType?.value ?? 'requires') === relation) return { ok: true, value: { status: 'already-linked', message: `${req.parent} already ${relation} ${childRef}` } };
  if (existing) return { ok: false, reason: `${req.parent} already links ${childRef} as "${existing.linkType?.value ?? 'requires'}"; change it in collection.toml` };
  const r = addLinkedArtifactEdit(sf, parentSite.entry, { type: childSite.type, name: childSite.name, linkType: relation as 'requires', createdAt: now.endsWith('Z') ? now.replace('Z', '+00:00') : `${now}+00:00` });
  if (!r.ok) return { ok: false, reason: r.reason };
  return { ok: true, value: { status: 'linked', message: `${req.parent} now ${relation} ${childRef} (linked_artifacts in collection.toml)`, edit: { file: sf.file, version: sf.version, text: sf.text, edit: r.edit } } };
}

/** The collection to link in: named (or given by its manifest path), else the one holding the parent (or child). */
function pickCollection(index: WorkspaceIndex, name: string | undefined, parent: ArtifactRef | undefined, child: ArtifactRef): CollectionInfo | string {
  if (name) {
    const c = index.byName.get(name)?.[0] ?? index.collections.find((x) => x.source.file === name);
    return c ?? `no collection named "${name}" (known: ${[...index.byName.keys()].join(', ') || 'none'})`;
  }
  const holds = (c: CollectionInfo) =>
    parent ? Boolean(index.resolve(c, parent.type, parent.name)) || (parent.type === 'composite' && c.composites.some((k) => k.name === parent.name)) : Boolean(index.resolve(c, child.type, child.name));
  const found = index.collections.filter(holds);
  const what = parent ? `${parent.type}:${parent.name}` : `${child.type}:${child.name}`;
  if (found.length === 1) return found[0];
  if (found.length > 1) return `"${what}" is in several collections (${found.map((c) => c.name).join(', ')}); choose one`;
  return `no collection holds ${what}`;
}

/** Writes a planned composite membership (user data) under `expectGeneration`. */
export function applyMembership(db: Database, job: MembershipJob, expectGeneration: number, now: string = isoNow()): { ok: true; value: LinkOutcome } | { ok: false; reason: string } {
  const { composite, type, name, relation, pin, position } = job;
  const c = { name: job.collectionName };
  const childUuid = findArtifact(db, `${type}:${name}`)?.uuid;
  if (!childUuid) return { ok: false, reason: `${type}:${name} is not in the cache yet` };
  const colRow = db.exec('SELECT id FROM collections WHERE manifest_path = ?', [job.manifestPath])[0]?.values[0];
  if (!colRow) return { ok: false, reason: `collection "${c.name}" is not in the cache yet` };
  const collectionId = String(colRow[0]);
  const id = `composite:${composite}`;
  const existing = db.exec('SELECT relationship_type, pinned_version_hash, position FROM composite_memberships WHERE collection_id = ? AND composite_id = ? AND child_artifact_uuid = ?', [collectionId, id, childUuid])[0]?.values[0];
  if (existing && existing[0] === relation && existing[1] === pin && existing[2] === position) {
    return { ok: true, value: { status: 'already-linked', message: `${id} already ${relation} ${type}:${name}` } };
  }
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
    { expectGeneration },
  );
  if (!r.ok) return { ok: false, reason: r.error.code === 'STALE_GENERATION' ? `the cache changed since the link was chosen; nothing was linked (${r.error.message})` : r.error.message };
  return { ok: true, value: { status: existing ? 'updated' : 'linked', message: `${id} ${existing ? 'now ' : ''}${relation} ${type}:${name}${pin ? ` pinned at ${pin}` : ''}` } };
}

/** Deletes the artifacts kept as missing; the schema's cascades remove their join rows. Returns them and the rows removed per table. */
export function pruneMissing(db: Database, dryRun = false): { ok: true; artifacts: { id: string; uuid: string; since: string }[]; rowsRemoved: Record<string, number> } | { ok: false; reason: string } {
  const tables = ['collection_artifacts', 'group_artifacts', 'artifact_tags', 'composite_memberships', 'artifact_versions'];
  const count = (t: string) => Number(db.exec(`SELECT count(*) FROM ${t}`)[0]?.values[0][0] ?? 0);
  const artifacts = (db.exec('SELECT id, uuid, missing_since FROM artifacts WHERE missing_since IS NOT NULL ORDER BY id')[0]?.values ?? []).map((r) => ({ id: String(r[0]), uuid: String(r[1]), since: String(r[2]) }));
  if (dryRun || !artifacts.length) return { ok: true, artifacts, rowsRemoved: {} };
  const before = Object.fromEntries(tables.map((t) => [t, count(t)]));
  const r = writeTransaction(db, () => db.run('DELETE FROM artifacts WHERE missing_since IS NOT NULL'));
  if (!r.ok) return { ok: false, reason: r.error.message };
  return { ok: true, artifacts, rowsRemoved: Object.fromEntries(tables.map((t) => [t, before[t] - count(t)])) };
}
