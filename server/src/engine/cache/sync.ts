// Manifests → cache. The workspace index is the source of truth for everything the TOML files
// and plugin folders say; the cache adds what exists nowhere else (uuids remembered per
// type:name, user-made composite memberships, missing-but-referenced artifacts). A sync writes
// one transaction, skips collections and deployed files whose text has not changed since the
// last sync, and never deletes user data: collections whose manifest vanished are kept until an
// explicit prune.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import type { WorkspaceIndex } from '../workspace/index';
import { isOneOf, ARTIFACT_TYPES, ORIGINS } from '../model/vocabulary';
import { parseRef, stripExtension } from '../model/identity';
import type { Result } from './errors';
import { sourceOf, type CollectionData, type DeployedData, type LockData, type SyncSource } from './source';
import {
  isoNow,
  findArtifact,
  findArtifactByUuid,
  replaceDeployments,
  replaceLockEntries,
  setArtifactTags,
  setCollectionArtifacts,
  setGroups,
  sweepArtifacts,
  upsertArtifact,
  upsertCollection,
  writeTransaction,
  recordVersionLineage,
  type DeploymentInput,
  type TagIds,
  type GroupInput,
} from './store';

/** What a sync did. */
export interface SyncSummary {
  collectionsSynced: number;
  collectionsUnchanged: number;
  deployedFilesSynced: number;
  /** Deployed files no longer in the source nor on disk whose records were taken out. */
  deployedFilesRemoved: number;
  artifactsCreated: number;
  restored: number;
  markedMissing: number;
  deleted: number;
  /** uuids a manifest declares that the cache could not take (taken, malformed, remembered otherwise). */
  conflicts: { typeName: string; message: string }[];
  generation: number;
  /** True when the time budget ran out: call again to sync the rest (deployments and the sweep wait for the end). */
  more: boolean;
}

/** Options of a sync. */
export interface SyncOptions {
  now?: string;
  /** Sync every file even when its text is unchanged (a rebuild). */
  force?: boolean;
  /**
   * Stop after this many milliseconds (checked between collections) and report `more`, so a
   * server can sync a large workspace in slices between requests. Not with `force`.
   */
  budgetMs?: number;
  /**
   * Whether a file exists (default: on the local disk). A deployed file that is neither in the
   * source nor exists has its records taken out of the cache.
   */
  exists?: (file: string) => boolean;
  /** Defer secondary indexes when filling an empty cache (default: when there are many collections). */
  deferIndexes?: boolean;
}

function one(db: Database, sql: string, params: SqlValue[]): Record<string, SqlValue> | undefined {
  const st = db.prepare(sql);
  try {
    st.bind(params);
    return st.step() ? st.getAsObject() : undefined;
  } finally {
    st.free();
  }
}

function unchanged(db: Database, file: string, hash: string): boolean {
  return one(db, 'SELECT text_hash FROM sync_state WHERE manifest_path = ?', [file])?.text_hash === hash;
}

function remember(db: Database, file: string, hash: string, now: string): void {
  db.run('INSERT INTO sync_state (manifest_path, text_hash, synced_at) VALUES (?, ?, ?) ON CONFLICT (manifest_path) DO UPDATE SET text_hash = excluded.text_hash, synced_at = excluded.synced_at', [file, hash, now]);
}

/**
 * Whether a text fits a `CHECK (length(x) BETWEEN 1 AND max)` column. SQLite counts code points
 * up to the first NUL. Values that do not fit (an empty or over-long name, one starting with NUL,
 * an origin outside the vocabulary) are left out of the cache — the rules report them — instead
 * of failing the whole sync, and with it the cache of every other collection.
 */
function fits(s: string, max: number): boolean {
  const nul = s.indexOf('\u0000');
  let n = 0;
  for (const _ of nul < 0 ? s : s.slice(0, nul)) if (++n > max) return false;
  return n >= 1;
}

/** Writes one collection (artifacts, tags, groups, lock, discovered composites); returns artifacts created. */
function syncCollection(db: Database, file: string, c: CollectionData, now: string, conflicts: SyncSummary['conflicts'], tagIds: TagIds, touched: Touched): number {
  let created = 0;
  if (!fits(c.name, 255)) return 0;
  const collectionId = upsertCollection(db, { manifestPath: file, name: c.name }, now);
  touched.collections.push(collectionId);
  const uuidOf = new Map<string, string>();
  /** Artifact id → uuid of what this collection wrote (its lock entries link to them). */
  const written = new Map<string, string>();
  const members: { uuid: string; addedAt: string }[] = [];
  const tagsByUuid: [string, string[]][] = [];
  for (const e of c.artifacts) {
    if (!e.typeValid || !e.path || !e.origin || !isOneOf(ORIGINS, e.origin) || !fits(e.name, 255)) continue;
    const r = upsertArtifact(db, { type: e.type, name: e.name, path: e.path, origin: e.origin, uuid: e.uuid }, now);
    if (r.created) created++;
    written.set(r.id, r.uuid);
    if (r.conflict) conflicts.push({ typeName: r.id, message: r.conflict });
    if (uuidOf.has(`${e.type}:${stripExtension(e.name)}`)) continue;
    uuidOf.set(`${e.type}:${stripExtension(e.name)}`, r.uuid);
    members.push({ uuid: r.uuid, addedAt: e.added ?? now });
    tagsByUuid.push([r.uuid, e.tags.filter((t) => fits(t.trim().slice(0, 100), 100))]);
  }
  setCollectionArtifacts(db, collectionId, members);
  for (const m of members) touched.declared.add(m.uuid);
  for (const [uuid, tags] of tagsByUuid) setArtifactTags(db, uuid, tags, now, tagIds);
  // Group members, lock entries and plugin children name artifacts of *this* collection (the
  // rules say so: unknown-reference, lock-orphan). One the collection does not declare may still
  // link to the cache's artifact of that type:name — which keeps an artifact that left the
  // collection as missing (decision 0005) — but never to one another collection declares:
  // unlinkForeignReferences takes those links out once every collection of the sync is written,
  // so the result depends neither on the order of the collections nor on what was synced before.
  const resolve = (type: string, name: string): string | undefined => uuidOf.get(`${type}:${stripExtension(name)}`) ?? findArtifact(db, `${type}:${name}`)?.uuid;
  const groups: GroupInput[] = [];
  const seenGroups = new Set<string>();
  for (const g of c.groups) {
    if (g.name === undefined || seenGroups.has(g.name) || !fits(g.name.slice(0, 255), 255)) continue;
    seenGroups.add(g.name);
    const memberUuids: string[] = [];
    for (const m of g.members) {
      const ref = parseRef(m);
      if (!ref || !isOneOf(ARTIFACT_TYPES, ref.type)) continue;
      const u = resolve(ref.type, ref.name);
      if (u) memberUuids.push(u);
    }
    groups.push({
      name: g.name.slice(0, 255),
      description: g.description,
      color: g.color,
      icon: g.icon,
      position: Math.max(0, g.position ?? 0),
      memberUuids,
    });
  }
  setGroups(db, collectionId, groups, now);
  replaceLockEntries(db, collectionId, c.lock, lockLinks(c.lock, written, uuidOf));
  syncDiscoveredComposites(db, c, collectionId, resolve, now);
  return created;
}

/**
 * The uuids of the collection's own artifacts its lock entries name: the exact type:name written,
 * else the extension-stripped match the lock-orphan rule accepts (replaceLockEntries looks up the
 * others in the whole cache; unlinkForeignReferences undoes what that finds in another collection).
 */
function lockLinks(entries: readonly LockData[], written: ReadonlyMap<string, string>, uuidOf: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const id = `${e.type}:${e.name}`;
    const u = written.get(id) ?? uuidOf.get(`${e.type}:${stripExtension(e.name)}`);
    if (u) out.set(id, u);
  }
  return out;
}

/** What the collection phase of a sync wrote: the collections, and the artifacts they declare. */
interface Touched {
  collections: string[];
  declared: Set<string>;
  /** Whether the cache held no artifact when the sync began: no unchanged collection can link to one then. */
  fresh: boolean;
}

/**
 * The statements of unlinkForeignReferences. A reference is foreign when its own collection does
 * not declare the artifact it links to (checked first: nearly every reference links to its own
 * collection's artifact, one primary-key probe) while another collection does. Each takes a JSON
 * array of collection ids or of artifact uuids (json_each: no SQL text is built from values).
 */
const OWN_LOCK = 'EXISTS (SELECT 1 FROM collection_artifacts o WHERE o.collection_id = lock_entries.collection_id AND o.artifact_uuid = lock_entries.artifact_uuid)';
const ANY_LOCK = 'EXISTS (SELECT 1 FROM collection_artifacts d WHERE d.artifact_uuid = lock_entries.artifact_uuid)';
const OWN_GROUP =
  'EXISTS (SELECT 1 FROM groups g JOIN collection_artifacts o ON o.collection_id = g.collection_id WHERE g.id = group_artifacts.group_id AND o.artifact_uuid = group_artifacts.artifact_uuid)';
const ANY_GROUP = 'EXISTS (SELECT 1 FROM collection_artifacts d WHERE d.artifact_uuid = group_artifacts.artifact_uuid)';
const OWN_CHILD = 'EXISTS (SELECT 1 FROM collection_artifacts o WHERE o.collection_id = composite_memberships.collection_id AND o.artifact_uuid = composite_memberships.child_artifact_uuid)';
const ANY_CHILD = 'EXISTS (SELECT 1 FROM collection_artifacts d WHERE d.artifact_uuid = composite_memberships.child_artifact_uuid)';
const IDS = '(SELECT value FROM json_each(?))';
const UNLINK_BY_COLLECTION = [
  'UPDATE lock_entries SET artifact_uuid = NULL WHERE collection_id IN ' + IDS + ' AND artifact_uuid IS NOT NULL AND NOT ' + OWN_LOCK + ' AND ' + ANY_LOCK,
  'DELETE FROM group_artifacts WHERE group_id IN (SELECT id FROM groups WHERE collection_id IN ' + IDS + ') AND NOT ' + OWN_GROUP + ' AND ' + ANY_GROUP,
  "DELETE FROM composite_memberships WHERE source = 'discovered' AND collection_id IN " + IDS + ' AND NOT ' + OWN_CHILD + ' AND ' + ANY_CHILD,
];
const UNLINK_BY_ARTIFACT = [
  'UPDATE lock_entries SET artifact_uuid = NULL WHERE artifact_uuid IN ' + IDS + ' AND NOT ' + OWN_LOCK + ' AND ' + ANY_LOCK,
  'DELETE FROM group_artifacts WHERE artifact_uuid IN ' + IDS + ' AND NOT ' + OWN_GROUP + ' AND ' + ANY_GROUP,
  "DELETE FROM composite_memberships WHERE source = 'discovered' AND child_artifact_uuid IN " + IDS + ' AND NOT ' + OWN_CHILD + ' AND ' + ANY_CHILD,
];

/**
 * Takes out the links of group members, lock entries and discovered plugin children to an
 * artifact their own collection does not declare while another collection does: such a
 * reference names nothing in its collection (unknown-reference, lock-orphan), and whether it had
 * found the other collection's artifact depended on which collection was synced first. Links to
 * an artifact no collection declares stay: they keep it as missing. Only what this sync can have
 * changed is looked at: the references of the collections it wrote, and references to the
 * artifacts those collections declare (an unchanged collection's link to a missing artifact that
 * another collection now declares).
 */
function unlinkForeignReferences(db: Database, touched: Touched): void {
  if (!touched.collections.length) return;
  const ids = JSON.stringify(touched.collections);
  for (const sql of UNLINK_BY_COLLECTION) db.run(sql, [ids]);
  if (touched.fresh) return;
  const uuids = JSON.stringify([...touched.declared]);
  for (const sql of UNLINK_BY_ARTIFACT) db.run(sql, [uuids]);
}

/**
 * Makes the collection's discovered memberships (from plugin folders) exactly what the folders
 * say, leaving memberships the user made (source 'user') alone.
 */
function syncDiscoveredComposites(db: Database, c: CollectionData, collectionId: string, resolve: (type: string, name: string) => string | undefined, now: string): void {
  const live = new Set<string>();
  for (const comp of c.composites) {
    if (!fits(comp.name, Infinity)) continue;
    const id = `composite:${comp.name}`;
    db.run(
      'INSERT INTO composite_artifacts (id, collection_id, composite_type, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET collection_id = excluded.collection_id, display_name = excluded.display_name',
      [id, collectionId, 'plugin', comp.name, now, now],
    );
    for (const child of comp.children) {
      const u = resolve(child.type, child.name);
      if (!u) continue;
      live.add(`${id}\u0000${u}`);
      db.run(
        "INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, created_at, source) VALUES (?, ?, ?, 'contains', ?, 'discovered') ON CONFLICT DO NOTHING",
        [collectionId, id, u, now],
      );
    }
  }
  const st = db.prepare("SELECT composite_id, child_artifact_uuid FROM composite_memberships WHERE collection_id = ? AND source = 'discovered'");
  const stale: [string, string][] = [];
  try {
    st.bind([collectionId]);
    while (st.step()) {
      const [cid, u] = st.get() as [string, string];
      if (!live.has(`${cid}\u0000${u}`)) stale.push([cid, u]);
    }
  } finally {
    st.free();
  }
  for (const [cid, u] of stale) db.run("DELETE FROM composite_memberships WHERE collection_id = ? AND composite_id = ? AND child_artifact_uuid = ? AND source = 'discovered'", [collectionId, cid, u]);
}

/** Writes one deployed file's records and their version lineage. */
function syncDeployed(db: Database, m: DeployedData, now: string): void {
  const records: DeploymentInput[] = [];
  for (const r of m.records) {
    const hash = r.hash;
    if (r.name === undefined || r.type === undefined || r.fromCollection === undefined || r.artifactPath === undefined || r.deployedAt === undefined || !hash) continue;
    const site = r.site;
    const known = site ? findArtifact(db, `${site.type}:${site.name}`) : undefined;
    const uuid = r.uuid ?? known?.uuid;
    records.push({
      artifactName: r.name,
      artifactType: r.type,
      fromCollection: r.fromCollection,
      artifactPath: r.artifactPath,
      contentHash: hash,
      deployedAt: r.deployedAt,
      profileId: r.profileId,
      platform: r.platform ?? null,
      versionLineage: r.lineage,
      artifactUuid: uuid ?? null,
    });
    if (uuid && site && known) {
      const lineage = r.lineage?.filter((h) => /^[0-9a-f]{64}$/i.test(h)) ?? [];
      const current = r.current;
      // A declared artifact_uuid the cache does not know (stale, mistyped: unresolved-uuid) must not
      // reach artifact_versions, whose artifact_uuid is a foreign key, nor an empty hash its
      // CHECK (length(content_hash) > 0): the whole sync would fail.
      const versions = lineage.length ? lineage : [hash].filter((h) => fits(h, Infinity));
      recordVersionLineage(db, findArtifactByUuid(db, uuid) ? uuid : known.uuid, versions, { current: current !== undefined && fits(current, Infinity) ? current : undefined, now });
    }
  }
  // Keep one record per identity, as SkillMeat does; the last one wins.
  const byKey = new Map<string, DeploymentInput>();
  for (const r of records) byKey.set(`${r.profileId ?? 'claude_code'}\u0000${r.artifactType}\u0000${r.artifactName}`, r);
  replaceDeployments(db, m.projectDir, m.profileRoot, [...byKey.values()], now);
}

/** The name of a deployed file; its records are keyed by its folder (profile_root) and that folder's parent (project_path). */
const DEPLOYED_NAME = '.skillmeat-deployed.toml';

/**
 * Takes out of the cache the records of deployed files that are gone: not in the source and no
 * longer on disk. The records of a deployed file are replaced when the file is in the source, but
 * an index may be partial (the CLI indexes only its PATHs, the server its workspace folders), so
 * "not in the source" alone does not mean "deleted": a file another run indexed still exists and
 * keeps its records. A file that is neither indexed nor on disk has nothing left to describe; its
 * records and its sync_state row go (so the same text written there again is synced again). A
 * deleted file still open in an editor is in the server's source, and keeps its records until
 * the document is closed.
 */
function dropVanishedDeployedFiles(db: Database, source: SyncSource, exists: (file: string) => boolean): number {
  const indexed = new Set(source.deployments.map((d) => d.file));
  // Every deployed file the cache knows: by its records, and by its sync_state row (a file whose
  // records were all incomplete has a row but no records).
  const known = new Map<string, { project: string; profileRoot: string } | undefined>();
  const st = db.prepare('SELECT DISTINCT project_path, profile_root FROM deployments');
  try {
    while (st.step()) {
      const [project, profileRoot] = st.get() as [string, string];
      known.set(path.join(profileRoot, DEPLOYED_NAME), { project, profileRoot });
    }
  } finally {
    st.free();
  }
  const rows = db.prepare('SELECT manifest_path FROM sync_state WHERE manifest_path LIKE ?');
  try {
    rows.bind([`%${DEPLOYED_NAME}`]);
    while (rows.step()) {
      const file = String(rows.get()[0]);
      if (path.basename(file) === DEPLOYED_NAME && !known.has(file)) known.set(file, undefined);
    }
  } finally {
    rows.free();
  }
  let removed = 0;
  for (const [file, key] of known) {
    if (indexed.has(file) || exists(file)) continue;
    if (key) db.run('DELETE FROM deployments WHERE project_path = ? AND profile_root = ?', [key.project, key.profileRoot]);
    db.run('DELETE FROM sync_state WHERE manifest_path = ?', [file]);
    removed++;
  }
  return removed;
}

/**
 * Secondary indexes the collection phase of a sync never reads (its lookups go by primary key or
 * unique index). Filling an empty cache, they are dropped first and built once after that phase
 * from the loaded rows: cheaper than updating them row by row for 50,000 artifacts.
 */
const DEFERRABLE = [
  'DROP INDEX IF EXISTS ix_artifacts_type_name',
  'DROP INDEX IF EXISTS ix_collection_artifacts_artifact_uuid',
  'DROP INDEX IF EXISTS ix_collection_artifacts_added_at',
  'DROP INDEX IF EXISTS ix_group_artifacts_artifact_uuid',
  'DROP INDEX IF EXISTS ix_group_artifacts_group_position',
  'DROP INDEX IF EXISTS ix_artifact_tags_tag_id',
  'DROP INDEX IF EXISTS ix_lock_entries_artifact_uuid',
];

/** How many collections make a first sync into an empty cache worth deferring indexes for. */
const BULK_MIN_COLLECTIONS = 20;

/** Drops the deferrable indexes (inside the sync's transaction); the returned function builds them again, as they were. */
function deferIndexes(db: Database): () => void {
  const names = new Set(DEFERRABLE.map((d) => d.slice('DROP INDEX IF EXISTS '.length)));
  const defs: string[] = [];
  const st = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name");
  try {
    while (st.step()) {
      const [name, sql] = st.get() as [string, string];
      if (names.has(name)) defs.push(sql);
    }
  } finally {
    st.free();
  }
  for (const d of DEFERRABLE) db.exec(d);
  return () => {
    for (const sql of defs) db.exec(sql);
  };
}

/** Brings the cache up to the workspace in one transaction; unchanged files are skipped. */
export function syncWorkspace(db: Database, index: WorkspaceIndex, opts: SyncOptions = {}): Result<SyncSummary> {
  return syncSource(db, sourceOf(index), opts);
}

/** Brings the cache up to a sync source (the workspace as plain data) in one transaction; unchanged files are skipped. */
export function syncSource(db: Database, source: SyncSource, opts: SyncOptions = {}): Result<SyncSummary> {
  const now = opts.now ?? isoNow();
  const started = performance.now();
  const summary: Omit<SyncSummary, 'generation'> = {
    more: false,
    collectionsSynced: 0,
    collectionsUnchanged: 0,
    deployedFilesSynced: 0,
    deployedFilesRemoved: 0,
    artifactsCreated: 0,
    restored: 0,
    markedMissing: 0,
    deleted: 0,
    conflicts: [],
  };
  const tagIds: TagIds = new Map();
  const res = writeTransaction(db, () => {
    const empty = (opts.deferIndexes ?? source.collections.length >= BULK_MIN_COLLECTIONS) && Number(one(db, 'SELECT count(*) AS n FROM artifacts', [])?.n) === 0;
    const rebuildIndexes = empty ? deferIndexes(db) : undefined;
    const touched: Touched = { collections: [], declared: new Set(), fresh: one(db, 'SELECT 1 AS x FROM artifacts LIMIT 1', []) === undefined };
    try {
      for (const c of source.collections) {
        const hash = c.hash;
        if (!opts.force && unchanged(db, c.file, hash)) {
          summary.collectionsUnchanged++;
          continue;
        }
        if (opts.budgetMs !== undefined && !opts.force && summary.collectionsSynced > 0 && performance.now() - started > opts.budgetMs) {
          summary.more = true;
          break;
        }
        summary.artifactsCreated += syncCollection(db, c.file, c.data(), now, summary.conflicts, tagIds, touched);
        remember(db, c.file, hash, now);
        summary.collectionsSynced++;
      }
    } finally {
      // Before the deployments and the sweep, which read them (and before a budgeted return).
      rebuildIndexes?.();
    }
    unlinkForeignReferences(db, touched);
    if (summary.more) return;
    for (const d of source.deployments) {
      const hash = d.hash;
      if (!opts.force && unchanged(db, d.file, hash)) continue;
      syncDeployed(db, d.data(), now);
      remember(db, d.file, hash, now);
      summary.deployedFilesSynced++;
    }
    summary.deployedFilesRemoved = dropVanishedDeployedFiles(db, source, opts.exists ?? fs.existsSync);
    const swept = sweepArtifacts(db, now);
    summary.restored = swept.restored;
    summary.markedMissing = swept.markedMissing;
    summary.deleted = swept.deleted;
  });
  if (!res.ok) return res;
  return { ok: true, value: { ...summary, generation: res.value.generation } };
}
