// Reads and writes of the head schema for the manifest → cache sync. Every write happens inside
// writeTransaction, which bumps the generation so readers holding derived data can tell it is
// stale (optimistic concurrency). All values are bound parameters.
import { randomBytes } from 'node:crypto';
import type { Database, SqlValue, Statement } from 'sql.js';
import { cacheError, messageOf, type Result } from './errors';

const HEX32 = /^[0-9a-f]{32}$/;
const inTransaction = new WeakSet<Database>();

/**
 * Prepared statements kept per database: a sync runs the same dozen statements for every
 * artifact, and preparing each anew cost more than running it. sql.js frees them when the
 * database closes (a reload makes a new database, hence a new map).
 */
const statements = new WeakMap<Database, Map<string, Statement>>();

function prepared(db: Database, sql: string): Statement {
  let m = statements.get(db);
  if (!m) {
    m = new Map();
    statements.set(db, m);
  }
  let st = m.get(sql);
  if (!st) {
    st = db.prepare(sql);
    m.set(sql, st);
  }
  return st;
}

function rows(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  const st = prepared(db, sql);
  try {
    st.bind(params);
    const out: Record<string, SqlValue>[] = [];
    while (st.step()) out.push(st.getAsObject());
    return out;
  } finally {
    st.reset();
  }
}

function one(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue> | undefined {
  return rows(db, sql, params)[0];
}

function run(db: Database, sql: string, params: SqlValue[] = []): number {
  const st = prepared(db, sql);
  try {
    st.run(params);
  } finally {
    st.reset();
  }
  return db.getRowsModified();
}

/** Naive UTC ISO-8601 (SkillMeat's format). */
export function isoNow(d: Date = new Date()): string {
  return d.toISOString().replace(/Z$/, '');
}

/** A new 32-lower-hex id, the shape of SkillMeat uuids. */
export function newHexId(): string {
  return randomBytes(16).toString('hex');
}

/** SkillMeat's tag slug: lower-case, runs of anything but [a-z0-9] become '-', trimmed. */
export function tagSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Whether a writeTransaction is open on `db` (an image exported now would be half a write). */
export function inWriteTransaction(db: Database): boolean {
  return inTransaction.has(db);
}

/** The cache's write generation; every committed writeTransaction adds one. */
export function getGeneration(db: Database): number {
  return Number(one(db, "SELECT value FROM cache_meta WHERE key = 'generation'")?.value ?? 0);
}

/**
 * Runs `fn` in one transaction and bumps the generation. With `expectGeneration`, refuses
 * (STALE_GENERATION) if another write happened since the caller read that generation.
 * A throw inside `fn` rolls everything back and comes back as WRITE_FAILED.
 */
export function writeTransaction<T>(db: Database, fn: () => T, opts: { expectGeneration?: number } = {}): Result<{ value: T; generation: number }> {
  if (inTransaction.has(db)) return { ok: false, error: cacheError('INTERNAL', 'writeTransaction cannot be nested') };
  inTransaction.add(db);
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const gen = getGeneration(db);
      if (opts.expectGeneration !== undefined && gen !== opts.expectGeneration) {
        db.exec('ROLLBACK');
        return {
          ok: false,
          error: cacheError('STALE_GENERATION', `the cache changed (generation ${gen}, expected ${opts.expectGeneration}); read it again`),
        };
      }
      const value = fn();
      run(db, "UPDATE cache_meta SET value = ? WHERE key = 'generation'", [gen + 1]);
      db.exec('COMMIT');
      return { ok: true, value: { value, generation: gen + 1 } };
    } catch (e) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite may have rolled back already.
      }
      return { ok: false, error: cacheError('WRITE_FAILED', messageOf(e)) };
    }
  } finally {
    inTransaction.delete(db);
  }
}

/** How an artifact's uuid was chosen. */
export interface UuidResolution {
  uuid: string;
  source: 'registry' | 'declared' | 'new';
  /** Why a uuid declared in a manifest was not used (for a diagnostic). */
  conflict?: string;
}

/**
 * The uuid for `type:name`: the one the registry remembers; else a valid uuid declared in the
 * manifest, if no other artifact has it; else a new one. The choice is remembered.
 */
export function resolveUuid(db: Database, typeName: string, declared?: string | null, now: string = isoNow()): UuidResolution {
  const known = one(db, 'SELECT uuid FROM uuid_registry WHERE type_name = ?', [typeName]);
  let res: UuidResolution;
  if (known) {
    res = { uuid: String(known.uuid), source: 'registry' };
    if (declared && declared !== res.uuid) res.conflict = `the manifest says uuid ${declared} but the cache has ${res.uuid} for ${typeName}`;
    run(db, 'UPDATE uuid_registry SET last_seen = ? WHERE type_name = ?', [now, typeName]);
    return res;
  }
  if (declared && HEX32.test(declared)) {
    const owner = one(db, 'SELECT type_name FROM uuid_registry WHERE uuid = ?', [declared]);
    if (!owner) res = { uuid: declared, source: 'declared' };
    else res = { uuid: newHexId(), source: 'new', conflict: `uuid ${declared} already belongs to ${String(owner.type_name)}` };
  } else {
    res = { uuid: newHexId(), source: 'new' };
    if (declared) res.conflict = `"${declared}" is not 32 lower-case hex digits`;
  }
  run(db, 'INSERT INTO uuid_registry (type_name, uuid, first_seen, last_seen) VALUES (?, ?, ?, ?)', [typeName, res.uuid, now, now]);
  return res;
}

/** All remembered `type:name` → uuid pairs, for lookups on the keystroke path (a Map, not SQL). */
export function loadUuidMap(db: Database): Map<string, string> {
  const m = new Map<string, string>();
  const st = db.prepare('SELECT type_name, uuid FROM uuid_registry');
  try {
    while (st.step()) {
      const [k, v] = st.get();
      m.set(String(k), String(v));
    }
  } finally {
    st.free();
  }
  return m;
}

/** An artifact as a collection manifest describes it. */
export interface ArtifactInput {
  type: string;
  name: string;
  path: string;
  origin: string;
  contentHash?: string | null;
  /** `[[artifacts]].uuid` from the manifest, if any. */
  uuid?: string | null;
}

/** One artifact row of the cache. */
export interface CachedArtifact {
  id: string;
  uuid: string;
  type: string;
  name: string;
  path: string;
  origin: string;
  contentHash: string | null;
  missingSince: string | null;
}

function toArtifact(r: Record<string, SqlValue>): CachedArtifact {
  return {
    id: String(r.id),
    uuid: String(r.uuid),
    type: String(r.type),
    name: String(r.name),
    path: String(r.path),
    origin: String(r.origin),
    contentHash: r.content_hash === null ? null : String(r.content_hash),
    missingSince: r.missing_since === null ? null : String(r.missing_since),
  };
}

/** The artifact with this `type:name`, if cached. */
export function findArtifact(db: Database, typeName: string): CachedArtifact | undefined {
  const r = one(db, 'SELECT id, uuid, type, name, path, origin, content_hash, missing_since FROM artifacts WHERE id = ?', [typeName]);
  return r && toArtifact(r);
}

/** The artifact with this uuid, if cached. */
export function findArtifactByUuid(db: Database, uuid: string): CachedArtifact | undefined {
  const r = one(db, 'SELECT id, uuid, type, name, path, origin, content_hash, missing_since FROM artifacts WHERE uuid = ?', [uuid]);
  return r && toArtifact(r);
}

/**
 * Inserts or updates an artifact; returns its id and uuid. `missing_since` is left to
 * sweepArtifacts, which clears it once the artifact is back in a collection (and counts it).
 */
export function upsertArtifact(db: Database, a: ArtifactInput, now: string = isoNow()): { id: string; uuid: string; created: boolean; conflict?: string } {
  const id = `${a.type}:${a.name}`;
  const existing = one(db, 'SELECT uuid FROM artifacts WHERE id = ?', [id]);
  const res = resolveUuid(db, id, a.uuid, now);
  if (existing) {
    run(db, 'UPDATE artifacts SET path = ?, origin = ?, content_hash = ? WHERE id = ?', [a.path, a.origin, a.contentHash ?? null, id]);
    return { id, uuid: String(existing.uuid), created: false, conflict: res.conflict };
  }
  run(db, 'INSERT INTO artifacts (id, name, type, path, origin, content_hash, created_at, updated_at, uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    id,
    a.name,
    a.type,
    a.path,
    a.origin,
    a.contentHash ?? null,
    now,
    now,
    res.uuid,
  ]);
  return { id, uuid: res.uuid, created: true, conflict: res.conflict };
}

/** A collection identified by its manifest path; returns its id (created when new). */
export function upsertCollection(
  db: Database,
  c: { manifestPath: string; name: string; description?: string | null },
  now: string = isoNow(),
): string {
  const found = one(db, 'SELECT id FROM collections WHERE manifest_path = ?', [c.manifestPath]);
  if (found) {
    run(db, 'UPDATE collections SET name = ?, description = ? WHERE id = ?', [c.name, c.description ?? null, String(found.id)]);
    return String(found.id);
  }
  const id = newHexId();
  run(db, 'INSERT INTO collections (id, name, description, created_at, updated_at, manifest_path) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    c.name,
    c.description ?? null,
    now,
    now,
    c.manifestPath,
  ]);
  return id;
}

/** Makes the collection's members exactly `members` (by uuid), keeping added_at of those that stay. */
export function setCollectionArtifacts(db: Database, collectionId: string, members: { uuid: string; addedAt: string }[]): void {
  const keep = new Set(members.map((m) => m.uuid));
  for (const r of rows(db, 'SELECT artifact_uuid FROM collection_artifacts WHERE collection_id = ?', [collectionId])) {
    if (!keep.has(String(r.artifact_uuid))) run(db, 'DELETE FROM collection_artifacts WHERE collection_id = ? AND artifact_uuid = ?', [collectionId, String(r.artifact_uuid)]);
  }
  const st = db.prepare(
    'INSERT INTO collection_artifacts (collection_id, artifact_uuid, added_at) VALUES (?, ?, ?) ' +
      'ON CONFLICT (collection_id, artifact_uuid) DO UPDATE SET added_at = excluded.added_at',
  );
  try {
    for (const m of members) st.run([collectionId, m.uuid, m.addedAt]);
  } finally {
    st.free();
  }
}

/**
 * Tag ids by slug, remembered within one sync (a 50k workspace names a few tags 150,000 times).
 * Only answers that cannot change while tags are only added are kept: a tag found by its slug
 * (slugs are unique) or created with it.
 */
export type TagIds = Map<string, string>;

/** The tag for a name, found by slug (then exact name) or created; undefined when the slug is empty. */
export function ensureTag(db: Database, name: string, now: string = isoNow(), known?: TagIds): string | undefined {
  const clean = name.trim();
  const slug = tagSlug(clean);
  if (slug === '') return undefined;
  const remembered = known?.get(slug);
  if (remembered !== undefined) return remembered;
  const bySlug = one(db, 'SELECT id FROM tags WHERE slug = ?', [slug]);
  if (bySlug) {
    known?.set(slug, String(bySlug.id));
    return String(bySlug.id);
  }
  const byName = one(db, 'SELECT id FROM tags WHERE name = ?', [clean]);
  if (byName) return String(byName.id);
  const id = newHexId();
  run(db, 'INSERT INTO tags (id, name, slug, color, created_at) VALUES (?, ?, ?, NULL, ?)', [id, clean.slice(0, 100), slug.slice(0, 100), now]);
  // The stored slug is cut to 100 characters; only a whole one is a lookup key.
  if (slug.length <= 100) known?.set(slug, id);
  return id;
}

/** Makes the artifact's tags exactly `names`, in that order (position = index). */
export function setArtifactTags(db: Database, uuid: string, names: string[], now: string = isoNow(), known?: TagIds): void {
  const ids: string[] = [];
  for (const n of names) {
    const id = ensureTag(db, n, now, known);
    if (id && !ids.includes(id)) ids.push(id);
  }
  const keep = new Set(ids);
  for (const r of rows(db, 'SELECT tag_id FROM artifact_tags WHERE artifact_uuid = ?', [uuid])) {
    if (!keep.has(String(r.tag_id))) run(db, 'DELETE FROM artifact_tags WHERE artifact_uuid = ? AND tag_id = ?', [uuid, String(r.tag_id)]);
  }
  ids.forEach((tagId, i) =>
    run(
      db,
      'INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at, position) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (artifact_uuid, tag_id) DO UPDATE SET position = excluded.position',
      [uuid, tagId, now, i],
    ),
  );
}

/** A `[[groups]]` entry with members already resolved to uuids (unresolved ones left out). */
export interface GroupInput {
  name: string;
  description?: string | null;
  color?: string;
  icon?: string;
  position: number;
  memberUuids: string[];
}

/** Makes the collection's groups exactly `groups`; member order becomes position. */
export function setGroups(db: Database, collectionId: string, groups: GroupInput[], now: string = isoNow()): void {
  const names = new Set(groups.map((g) => g.name));
  for (const r of rows(db, 'SELECT id, name FROM groups WHERE collection_id = ?', [collectionId])) {
    if (!names.has(String(r.name))) run(db, 'DELETE FROM groups WHERE id = ?', [String(r.id)]);
  }
  for (const g of groups) {
    const found = one(db, 'SELECT id FROM groups WHERE collection_id = ? AND name = ?', [collectionId, g.name]);
    const id = found ? String(found.id) : newHexId();
    if (found) {
      run(db, 'UPDATE groups SET description = ?, color = ?, icon = ?, position = ? WHERE id = ?', [
        g.description ?? null,
        g.color ?? 'slate',
        g.icon ?? 'layers',
        g.position,
        id,
      ]);
    } else {
      run(db, 'INSERT INTO groups (id, collection_id, name, description, color, icon, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id,
        collectionId,
        g.name,
        g.description ?? null,
        g.color ?? 'slate',
        g.icon ?? 'layers',
        g.position,
        now,
        now,
      ]);
    }
    const members = [...new Set(g.memberUuids)];
    const keep = new Set(members);
    for (const r of rows(db, 'SELECT artifact_uuid FROM group_artifacts WHERE group_id = ?', [id])) {
      if (!keep.has(String(r.artifact_uuid))) run(db, 'DELETE FROM group_artifacts WHERE group_id = ? AND artifact_uuid = ?', [id, String(r.artifact_uuid)]);
    }
    members.forEach((u, i) =>
      run(
        db,
        'INSERT INTO group_artifacts (group_id, artifact_uuid, position, added_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (group_id, artifact_uuid) DO UPDATE SET position = excluded.position',
        [id, u, i, now],
      ),
    );
  }
}

/** A composite's child, by uuid. */
export interface CompositeChild {
  uuid: string;
  relationshipType?: string;
  pinnedVersionHash?: string | null;
  /** null = unordered (listed last). */
  position?: number | null;
}

/** Creates/updates `composite:<name>` in a collection and makes its members exactly `children`. */
export function setComposite(
  db: Database,
  collectionId: string,
  composite: { id: string; compositeType?: string; displayName?: string | null; description?: string | null },
  children: CompositeChild[],
  now: string = isoNow(),
): void {
  run(
    db,
    'INSERT INTO composite_artifacts (id, collection_id, composite_type, display_name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (id) DO UPDATE SET collection_id = excluded.collection_id, composite_type = excluded.composite_type, ' +
      'display_name = excluded.display_name, description = excluded.description, updated_at = excluded.updated_at',
    [composite.id, collectionId, composite.compositeType ?? 'plugin', composite.displayName ?? null, composite.description ?? null, now, now],
  );
  run(db, 'DELETE FROM composite_memberships WHERE composite_id = ? AND collection_id = ?', [composite.id, collectionId]);
  for (const c of children) {
    run(
      db,
      'INSERT OR REPLACE INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, pinned_version_hash, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [collectionId, composite.id, c.uuid, c.relationshipType ?? 'contains', c.pinnedVersionHash ?? null, c.position ?? null, now],
    );
  }
}

/**
 * Records a `version_lineage` (newest first) as version rows linked by parent_hash. With
 * `current`, that hash becomes the one current version and the previous current is superseded.
 * Returns the version ids in lineage order.
 */
export function recordVersionLineage(
  db: Database,
  uuid: string,
  lineage: string[],
  opts: { current?: string; origin?: 'deployment' | 'sync' | 'local_modification'; now?: string } = {},
): number[] {
  const now = opts.now ?? isoNow();
  const origin = opts.origin ?? 'deployment';
  const insert =
    "INSERT INTO artifact_versions (artifact_uuid, content_hash, parent_hash, status, change_origin, created_at) VALUES (?, ?, ?, 'superseded', ?, ?) " +
    'ON CONFLICT (artifact_uuid, content_hash) DO UPDATE SET parent_hash = COALESCE(artifact_versions.parent_hash, excluded.parent_hash)';
  for (let i = lineage.length - 1; i >= 0; i--) run(db, insert, [uuid, lineage[i], lineage[i + 1] ?? null, origin, now]);
  if (opts.current) {
    // The collection's hash need not descend from a deployment's lineage: no parent is invented.
    if (!lineage.includes(opts.current)) run(db, insert, [uuid, opts.current, null, 'sync', now]);
    run(db, "UPDATE artifact_versions SET status = 'superseded' WHERE artifact_uuid = ? AND status = 'current' AND content_hash <> ?", [uuid, opts.current]);
    run(db, "UPDATE artifact_versions SET status = 'current' WHERE artifact_uuid = ? AND content_hash = ?", [uuid, opts.current]);
  }
  return lineage.map((h) => Number(one(db, 'SELECT id FROM artifact_versions WHERE artifact_uuid = ? AND content_hash = ?', [uuid, h])?.id));
}

/** A file of an artifact version. */
export interface VersionFile {
  path: string;
  sort?: number;
  isPrimary?: boolean;
  contentHash?: string | null;
  size?: number | null;
}

/** Makes the version's files exactly `files` (at most one primary, enforced by the schema). */
export function setVersionFiles(db: Database, versionId: number, files: VersionFile[]): void {
  run(db, 'DELETE FROM artifact_files WHERE version_id = ?', [versionId]);
  files.forEach((f, i) =>
    run(db, 'INSERT INTO artifact_files (version_id, path, sort, is_primary, content_hash, size) VALUES (?, ?, ?, ?, ?, ?)', [
      versionId,
      f.path,
      f.sort ?? i,
      f.isPrimary ? 1 : 0,
      f.contentHash ?? null,
      f.size ?? null,
    ]),
  );
}

/** One `[[deployed]]` record of a `.skillmeat-deployed.toml`. */
export interface DeploymentInput {
  artifactName: string;
  artifactType: string;
  fromCollection: string;
  artifactPath: string;
  contentHash: string;
  deployedAt: string;
  profileId?: string;
  localModifications?: boolean;
  parentHash?: string | null;
  platform?: string | null;
  versionLineage?: string[];
  /** `artifact_uuid` from the file; otherwise found by `type:name` among cached artifacts. */
  artifactUuid?: string | null;
}

/** Replaces the records of one deployed file (project + profile root); returns how many link to a cached artifact. */
export function replaceDeployments(db: Database, projectPath: string, profileRoot: string, records: DeploymentInput[], now: string = isoNow()): number {
  run(db, 'DELETE FROM deployments WHERE project_path = ? AND profile_root = ?', [projectPath, profileRoot]);
  let linked = 0;
  for (const r of records) {
    let uuid: string | null = null;
    if (r.artifactUuid && one(db, 'SELECT 1 AS x FROM artifacts WHERE uuid = ?', [r.artifactUuid])) uuid = r.artifactUuid;
    else uuid = (one(db, 'SELECT uuid FROM artifacts WHERE id = ?', [`${r.artifactType}:${r.artifactName}`])?.uuid as string | undefined) ?? null;
    if (uuid) linked++;
    run(
      db,
      'INSERT OR REPLACE INTO deployments (project_path, profile_root, profile_id, artifact_uuid, artifact_name, artifact_type, from_collection, artifact_path, ' +
        'content_hash, deployed_at, local_modifications, parent_hash, platform, version_lineage_json, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        projectPath,
        profileRoot,
        r.profileId ?? 'claude_code',
        uuid,
        r.artifactName,
        r.artifactType,
        r.fromCollection,
        r.artifactPath,
        r.contentHash,
        r.deployedAt,
        r.localModifications ? 1 : 0,
        r.parentHash ?? null,
        r.platform ?? null,
        JSON.stringify(r.versionLineage ?? [r.contentHash]),
        now,
      ],
    );
  }
  return linked;
}

/** One `[lock.entries."name::type"]`. */
export interface LockEntryInput {
  name: string;
  type: string;
  contentHash: string;
  fetched: string;
  upstream?: string | null;
  resolvedSha?: string | null;
  resolvedVersion?: string | null;
}

/**
 * Replaces a collection's lock entries, linking each to its cached artifact when there is one.
 * `uuids` (artifact id → uuid, as just written) spares a lookup per entry.
 */
export function replaceLockEntries(db: Database, collectionId: string, entries: LockEntryInput[], uuids?: ReadonlyMap<string, string>): void {
  run(db, 'DELETE FROM lock_entries WHERE collection_id = ?', [collectionId]);
  for (const e of entries) {
    const id = `${e.type}:${e.name}`;
    const uuid = uuids?.get(id) ?? (one(db, 'SELECT uuid FROM artifacts WHERE id = ?', [id])?.uuid as string | undefined) ?? null;
    run(
      db,
      'INSERT OR REPLACE INTO lock_entries (collection_id, artifact_type, artifact_name, artifact_uuid, content_hash, fetched, upstream, resolved_sha, resolved_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [collectionId, e.type, e.name, uuid, e.contentHash, e.fetched, e.upstream ?? null, e.resolvedSha ?? null, e.resolvedVersion ?? null],
    );
  }
}

const REFERENCED =
  'EXISTS (SELECT 1 FROM group_artifacts g WHERE g.artifact_uuid = artifacts.uuid) OR ' +
  'EXISTS (SELECT 1 FROM composite_memberships m WHERE m.child_artifact_uuid = artifacts.uuid) OR ' +
  'EXISTS (SELECT 1 FROM deployments d WHERE d.artifact_uuid = artifacts.uuid) OR ' +
  'EXISTS (SELECT 1 FROM lock_entries l WHERE l.artifact_uuid = artifacts.uuid)';
const IN_A_COLLECTION = 'EXISTS (SELECT 1 FROM collection_artifacts c WHERE c.artifact_uuid = artifacts.uuid)';

/**
 * After a sync: artifacts in no collection are deleted, unless something still refers to them,
 * in which case they are kept and marked missing (since `now`); artifacts back in a collection
 * lose the mark. The uuid registry keeps every uuid, so a re-added artifact gets its old one.
 */
export function sweepArtifacts(db: Database, now: string = isoNow()): { restored: number; markedMissing: number; deleted: number } {
  const restored = run(db, `UPDATE artifacts SET missing_since = NULL WHERE missing_since IS NOT NULL AND ${IN_A_COLLECTION}`);
  const deleted = run(db, `DELETE FROM artifacts WHERE NOT ${IN_A_COLLECTION} AND NOT (${REFERENCED})`);
  const markedMissing = run(db, `UPDATE artifacts SET missing_since = ? WHERE missing_since IS NULL AND NOT ${IN_A_COLLECTION}`, [now]);
  return { restored, markedMissing, deleted };
}
