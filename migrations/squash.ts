// The squashed paths (decision 0007): 0001_legacy_schema → head and head → 0001 in one
// transaction, which the runner takes instead of replaying the ten migrations one by one when a
// run spans exactly that range. The chain writes every join row three or four times (rebuilt to
// uuids, tags_json dropped, shadows dropped); here each table is moved aside by a rename, created
// in its final shape and loaded once with INSERT … SELECT, its indexes built after the load.
//
// Equality with the chain is by construction where it can be: the final schema text is the one a
// reference run of the chain leaves on an empty database (the runner passes it as `target`), and
// every step whose result depends on data the chain computes — orphan logs, 0007's tag
// resolution and copy tables, orphan restores, the version and registry backfills — runs the
// chain's own statements and script steps, exported by their migrations. What remains here is
// the loading of the four rebuilt tables, the composition of 0004–0009 into one SELECT each.
// Inputs the chain would treat differently (constraint violations, odd shadow values, a schema
// that is not exactly ours) are detected by `upBlocker`/`downBlocker`; the runner then rolls back
// and runs the chain, so failures are the chain's own.
import { LOG_ORPHANS as LOG_0004, RESTORE_ORPHANS as RESTORE_0004 } from './0004_collection_artifacts_uuid';
import { LOG_ORPHANS as LOG_0005, RESTORE_ORPHANS as RESTORE_0005 } from './0005_group_artifacts_uuid';
import { LOG_ORPHANS as LOG_0006, RESTORE_ORPHANS as RESTORE_0006 } from './0006_artifact_tags_uuid';
import { CREATED_TABLE, DOWN_TAGS_JSON, ORIGINALS_TABLE, POSITIONED_TABLE, UP_DROP_LINKS, currentLists, listLinksRemove, toJunction } from './0007_tags_json_to_junction';
import { VERSIONS_BACKFILL } from './0008_versions_and_files';
import { CACHE_META_FILL, MANIFEST_PATH_ADD, MANIFEST_PATH_DROP, UUID_REGISTRY_FILL } from './0010_cache_state';
import type { MigrationContext, MigrationDb } from './types';

/** The one revision the squashed paths start from (up) or go back to (down). */
export const SQUASH_BASE = '0001_legacy_schema';

/**
 * The chain these paths were composed from and checked against, by id and checksum. The runner
 * squashes only when the build's chain is exactly this one: a migration appended or changed
 * (its checksum moves) runs step by step until this file is updated with it and the
 * equivalence tests pass again.
 */
export const SQUASHED_CHAIN: readonly (readonly [string, string])[] = [
  ['0001_legacy_schema', 'efd62d7b451268d4be4a141250c80795eacdce9ab28417819f3d5dd8cc18879c'],
  ['0002_artifact_uuid', 'f81ab52441d333e1e35565f85902ea58fca6b270fa854664780147d774529ea0'],
  ['0003_composites', '87cfc96121ff48a876e8c0ab8b8cded19dc0887171d0c6ede6240009dff95fc0'],
  ['0004_collection_artifacts_uuid', '26bc0da5af1d9a5428c899adac0627a609bbeb4322a8c891b3494629d5976617'],
  ['0005_group_artifacts_uuid', 'aed2181e1c8b4d3f0cb34aa79e3a2a4bcbc3d75133a6e7c9f0500cbcafa5d0d9'],
  ['0006_artifact_tags_uuid', 'aa437247a33008178628f4f50591e08ad0d3115e69ba2579af2510755f828cf5'],
  ['0007_tags_json_to_junction', '07d8c83f7a1624e7d02e25cb860d4c46f79fd78b15ca7bced918ea57425d5454'],
  ['0008_versions_and_files', 'd842526350427ea56dd320d677d6450dfb69d6eaea8b52cadfa599bffd981a1e'],
  ['0009_drop_shadow_columns', '7dd09761f0a8b11ea28b9ce8e75972a1b97365096799bc5668bbff96b74f7cf4'],
  ['0010_cache_state', '78977ae6a9443e823cd3aa580096a9dbda688f6fb507ff3acbc205b685464ef6'],
  ['0011_sync_state', 'a82be3c7d2cade5b3bb539e0fc5848f9d20c48600da5533f9b41672db1629188'],
];

/** One row of sqlite_master. */
export interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string;
}

/** What the runner lends a squashed path. */
export interface SquashEnv {
  /**
   * The schema the chain leaves, from a reference run on an empty database: head for up, 0001
   * as the chain's downs leave it for down (rebuilt tables get quoted names from their rename).
   */
  target: readonly SchemaObject[];
  /** The context the chain gives migration `id` (its notes, restored counts, clock). */
  ctx(id: string): MigrationContext;
}

const ID_0004 = '0004_collection_artifacts_uuid';
const ID_0005 = '0005_group_artifacts_uuid';
const ID_0006 = '0006_artifact_tags_uuid';
const ID_0007 = '0007_tags_json_to_junction';
const ID_0009 = '0009_drop_shadow_columns';

/** Tables whose rows the chain rebuilds between 0001 and head, join tables first (renamed in this order). */
const MOVED = ['collection_artifacts', 'group_artifacts', 'artifact_tags', 'artifacts'] as const;
/** The name a moved table has while its rows are read; never left behind (the transaction commits without it). */
const aside = (table: string) => `_squash_${table}`;
/** Copy tables 0007 keeps between its up and its down. */
const COPY_TABLES = [ORIGINALS_TABLE, POSITIONED_TABLE, CREATED_TABLE];

const OBJECTS = "SELECT type, name, tbl_name, sql FROM main.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";

/** The schema objects of `main` that have SQL text, in creation order. */
export function schemaObjects(db: Pick<MigrationDb, 'all'>): SchemaObject[] {
  return db.all(OBJECTS).map((r) => ({ type: String(r.type), name: String(r.name), tbl_name: String(r.tbl_name), sql: String(r.sql) }));
}

/** Schema text without the quoting and spacing that renames and ALTER TABLE vary. */
export function normaliseSchemaSql(sql: string): string {
  return sql
    .replace(/"(\w+)"/g, '$1')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();
}

// The runner's bookkeeping: both paths leave these tables' shape alone (an older build also
// indexed the log), so they do not count as a difference.
const BOOKKEEPING = new Set(['_migrations', '_migration_log']);

/**
 * Where two schemas differ (names, kinds, owning tables, normalised text), bookkeeping tables
 * aside; empty when they are the same.
 */
export function schemaDifferences(actual: readonly SchemaObject[], expected: readonly SchemaObject[]): string[] {
  const key = (o: SchemaObject) => `${o.type} on ${o.tbl_name}: ${normaliseSchemaSql(o.sql)}`;
  const ours = (o: SchemaObject) => !BOOKKEEPING.has(o.tbl_name);
  const want = new Map(expected.filter(ours).map((o) => [o.name, key(o)]));
  const have = new Map(actual.filter(ours).map((o) => [o.name, key(o)]));
  const out: string[] = [];
  for (const [name, k] of want) if (have.get(name) !== k) out.push(have.has(name) ? `${name} differs` : `${name} missing`);
  for (const name of have.keys()) if (!want.has(name)) out.push(`${name} unexpected`);
  return out;
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Renames the moved tables out of the way, after dropping their indexes and triggers whose names
 * the target reuses (the others, such as uuid lookups, serve the loads and go with the table).
 */
function moveAside(db: MigrationDb, target: readonly SchemaObject[]): void {
  const reused = new Set(target.map((o) => o.name));
  const moved = new Set<string>(MOVED);
  for (const o of schemaObjects(db)) {
    if (o.type !== 'table' && moved.has(o.tbl_name) && reused.has(o.name)) db.exec(`DROP ${o.type === 'trigger' ? 'TRIGGER' : 'INDEX'} ${quoted(o.name)}`);
  }
  for (const t of MOVED) db.exec(`ALTER TABLE ${t} RENAME TO ${aside(t)}`);
}

function dropAside(db: MigrationDb): void {
  for (const t of MOVED) db.exec(`DROP TABLE ${aside(t)}`);
}

/**
 * Creates the target's tables (or, with `rest`, its indexes and triggers) that `main` does not
 * have yet, from their reference text, optionally only those of `only` tables.
 */
function createMissing(db: MigrationDb, target: readonly SchemaObject[], what: 'tables' | 'rest', only?: readonly string[]): void {
  const have = new Set(schemaObjects(db).map((o) => o.name));
  for (const o of target) {
    if (have.has(o.name) || (what === 'tables') !== (o.type === 'table')) continue;
    if (only && !only.includes(o.tbl_name)) continue;
    db.exec(o.sql);
  }
}

// --- up -------------------------------------------------------------------------------------

// 0002: the uuid is filled as the rows are copied in key order, exactly like its rebuild.
const UP_ARTIFACTS =
  'INSERT INTO main.artifacts (id, name, type, path, origin, content_hash, created_at, updated_at, uuid) ' +
  `SELECT id, name, type, path, origin, content_hash, created_at, updated_at, lower(hex(randomblob(16))) FROM main.${aside('artifacts')} ORDER BY id`;
// What 0007 reads at the 0006 state: the join tables keyed by uuid, orphans gone (an inner join
// is what 0004 and 0006 do), in their key order. Temporary tables with the tables' names, so
// 0007's own statements run unchanged (unqualified names find temp objects first); the head
// tables are then loaded from them.
const UP_STATE_0006 = [
  'CREATE TEMP TABLE collection_artifacts AS SELECT o.collection_id AS collection_id, a.uuid AS artifact_uuid, o.added_at AS added_at, o.tags_json AS tags_json ' +
    `FROM main.${aside('collection_artifacts')} AS o JOIN main.artifacts AS a ON a.id = o.artifact_id ORDER BY o.collection_id, a.uuid`,
  'CREATE TEMP TABLE artifact_tags (artifact_uuid TEXT NOT NULL, tag_id TEXT NOT NULL, created_at TEXT NOT NULL, artifact_id TEXT NOT NULL, PRIMARY KEY (artifact_uuid, tag_id))',
  'INSERT INTO temp.artifact_tags (artifact_uuid, tag_id, created_at, artifact_id) SELECT a.uuid, o.tag_id, o.created_at, o.artifact_id ' +
    `FROM main.${aside('artifact_tags')} AS o JOIN main.artifacts AS a ON a.id = o.artifact_id ORDER BY a.uuid, o.tag_id`,
];
const UP_STATE_0006_DROP = ['DROP TABLE temp.collection_artifacts', 'DROP TABLE temp.artifact_tags'];
// 0004 then 0007 and 0009's column drops: the membership by uuid, in 0004's key order.
const UP_COLLECTION_ARTIFACTS =
  'INSERT INTO main.collection_artifacts (collection_id, artifact_uuid, added_at) SELECT collection_id, artifact_uuid, added_at FROM temp.collection_artifacts ORDER BY rowid';
// 0005 then 0009.
const UP_GROUP_ARTIFACTS =
  'INSERT INTO main.group_artifacts (group_id, artifact_uuid, position, added_at) SELECT o.group_id, a.uuid, o.position, o.added_at ' +
  `FROM main.${aside('group_artifacts')} AS o JOIN main.artifacts AS a ON a.id = o.artifact_id ORDER BY o.group_id, a.uuid`;
// 0006, 0007's rebuild (old links get the position of a list naming them, list-only links are
// added with the run's time) and 0009.
const UP_ARTIFACT_TAGS =
  'INSERT INTO main.artifact_tags (artifact_uuid, tag_id, created_at, position) ' +
  'SELECT o.artifact_uuid, o.tag_id, o.created_at, l.position FROM temp.artifact_tags AS o ' +
  'LEFT JOIN temp.m7_links AS l ON l.u = o.artifact_uuid AND l.t = o.tag_id ' +
  'UNION ALL SELECT l.u, l.t, (SELECT now FROM temp.m7_now), l.position FROM temp.m7_links AS l JOIN main.artifacts AS a ON a.uuid = l.u ' +
  'WHERE NOT EXISTS (SELECT 1 FROM temp.artifact_tags AS x WHERE x.artifact_uuid = l.u AND x.tag_id = l.t) ORDER BY 1, 2';

// The chain's 0004 rebuild copies tags_json into a table with its CHECK, so a value that breaks it
// (only possible in a file written with checks ignored) fails the chain there.
const UP_TAGS_JSON_INVALID =
  "SELECT 1 AS x FROM collection_artifacts WHERE tags_json IS NULL OR NOT (json_valid(tags_json) AND json_type(tags_json) = 'array') LIMIT 1";
const FOREIGN_KEY_ANY = 'SELECT 1 AS x FROM pragma_foreign_key_check(?) LIMIT 1';
/**
 * The tables whose keys the chain checks on its way down (0009) before it rebuilds them: a link
 * to a missing artifact fails it there, while the squashed load's join would drop it silently.
 */
const JOIN_TABLES = ['collection_artifacts', 'group_artifacts', 'artifact_tags'];

/**
 * Why the squashed up would not do what the chain does with this 0001 database, or undefined.
 * Runs inside the run's transaction, before anything is written. Keys need no check here: the
 * loads copy every key column the chain checks (collection, group, tag) unchanged and make the
 * uuid ones, so the runner's key check after the load finds what the chain's would.
 */
export function upBlocker(db: MigrationDb): string | undefined {
  if (db.get(UP_TAGS_JSON_INVALID)) return 'a tags_json value breaks its CHECK (0004 would fail)';
  return undefined;
}

/** 0001 → head with every table written once; the runner records the ten migrations afterwards. */
export function squashedUp(db: MigrationDb, env: SquashEnv): void {
  // 0004–0006 log their orphans from the legacy tables, in this order, as the chain does.
  db.exec(LOG_0004);
  db.exec(LOG_0005);
  db.exec(LOG_0006);
  moveAside(db, env.target);
  createMissing(db, env.target, 'tables', ['artifacts']);
  db.exec(UP_ARTIFACTS);
  createMissing(db, env.target, 'rest', ['artifacts']);
  for (const sql of UP_STATE_0006) db.exec(sql);
  toJunction.run(db, env.ctx(ID_0007));
  createMissing(db, env.target, 'tables');
  db.exec(UP_COLLECTION_ARTIFACTS);
  db.exec(UP_GROUP_ARTIFACTS);
  db.exec(UP_ARTIFACT_TAGS);
  for (const sql of UP_STATE_0006_DROP) db.exec(sql);
  for (const sql of UP_DROP_LINKS) db.exec(sql);
  dropAside(db);
  // 0009 logs shadows that differ from the artifact's id: the loads above make none.
  db.exec(VERSIONS_BACKFILL);
  db.exec(CACHE_META_FILL);
  db.exec(UUID_REGISTRY_FILL);
  db.exec(MANIFEST_PATH_ADD);
  createMissing(db, env.target, 'rest');
}

// --- down -----------------------------------------------------------------------------------

// 0010's column drop and 0002's rebuild.
const DOWN_ARTIFACTS =
  'INSERT INTO main.artifacts (id, name, type, path, origin, content_hash, created_at, updated_at) ' +
  `SELECT id, name, type, path, origin, content_hash, created_at, updated_at FROM main.${aside('artifacts')} ORDER BY id`;
// 0009 (shadow = the artifact's id), 0007 (tags_json from the original or the current links)
// and 0004 (text ids, key order).
const DOWN_COLLECTION_ARTIFACTS =
  'INSERT INTO main.collection_artifacts (collection_id, artifact_id, added_at, tags_json) ' +
  `SELECT ca.collection_id, a.id, ca.added_at, ${DOWN_TAGS_JSON} FROM main.${aside('collection_artifacts')} AS ca ` +
  `JOIN main.${aside('artifacts')} AS a ON a.uuid = ca.artifact_uuid LEFT JOIN temp.m7_current AS c ON c.u = ca.artifact_uuid ` +
  `LEFT JOIN main.${ORIGINALS_TABLE} AS o ON o.collection_id = ca.collection_id AND o.artifact_uuid = ca.artifact_uuid ORDER BY 1, 2`;
// 0009 and 0005.
const DOWN_GROUP_ARTIFACTS =
  'INSERT INTO main.group_artifacts (group_id, artifact_id, position, added_at) ' +
  `SELECT n.group_id, a.id, n.position, n.added_at FROM main.${aside('group_artifacts')} AS n JOIN main.${aside('artifacts')} AS a ON a.uuid = n.artifact_uuid ORDER BY 1, 2`;
// 0009, 0007 (links born from a list go back into it, except those that existed before and
// those of an artifact in no collection) and 0006.
const DOWN_ARTIFACT_TAGS =
  'INSERT INTO main.artifact_tags (artifact_id, tag_id, created_at) ' +
  `SELECT a.id, o.tag_id, o.created_at FROM main.${aside('artifact_tags')} AS o JOIN main.${aside('artifacts')} AS a ON a.uuid = o.artifact_uuid ` +
  `WHERE o.position IS NULL OR EXISTS (SELECT 1 FROM main.${POSITIONED_TABLE} AS p WHERE p.artifact_uuid = o.artifact_uuid AND p.tag_id = o.tag_id) ` +
  `OR NOT EXISTS (SELECT 1 FROM main.${aside('collection_artifacts')} AS c WHERE c.artifact_uuid = o.artifact_uuid) ORDER BY 1, 2`;
// 0009's down puts logged odd shadow values back, which then become text ids in 0004–0006.
const DOWN_SHADOWS_LOGGED = `SELECT 1 AS x FROM _migration_log WHERE migration = '${ID_0009}' LIMIT 1`;

/** Why the squashed down would not do what the chain does with this head database, or undefined. */
export function downBlocker(db: MigrationDb): string | undefined {
  if (db.get(DOWN_SHADOWS_LOGGED)) return `${ID_0009} logged shadow values to put back`;
  for (const t of JOIN_TABLES) if (db.get(FOREIGN_KEY_ANY, [t])) return `${t} has foreign key violations (the chain fails on them)`;
  return undefined;
}

/** head → 0001 with every table written once; the runner removes the ten migrations' records afterwards. */
export function squashedDown(db: MigrationDb, env: SquashEnv): void {
  // 0007's lists as the positioned links give them, from the head tables.
  currentLists.run(db, env.ctx(ID_0007));
  // Tables 0003, 0008, 0010 and 0011 add: dropped before the renames, which would rewrite their keys.
  const kept = new Set([...env.target.map((o) => o.name), ...MOVED, ...COPY_TABLES]);
  for (const o of schemaObjects(db)) if (o.type === 'table' && !kept.has(o.name)) db.exec(`DROP TABLE ${quoted(o.name)}`);
  for (const sql of MANIFEST_PATH_DROP) db.exec(sql);
  moveAside(db, env.target);
  createMissing(db, env.target, 'tables');
  db.exec(DOWN_ARTIFACTS);
  db.exec(DOWN_COLLECTION_ARTIFACTS);
  db.exec(DOWN_GROUP_ARTIFACTS);
  db.exec(DOWN_ARTIFACT_TAGS);
  createMissing(db, env.target, 'rest');
  // 0007: tags it created go unless still linked; its copy and temp tables go.
  listLinksRemove.run(db, env.ctx(ID_0007));
  // 0006, 0005, 0004 put their orphans back, in the chain's order.
  RESTORE_0006.run(db, env.ctx(ID_0006));
  RESTORE_0005.run(db, env.ctx(ID_0005));
  RESTORE_0004.run(db, env.ctx(ID_0004));
  dropAside(db);
}
