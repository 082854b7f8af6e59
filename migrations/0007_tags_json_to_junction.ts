// Tags stop living as a JSON array per collection membership and become ordered artifact_tags
// rows; a non-NULL position marks a link that comes from a tags list. Down must give back the
// exact JSON text: it regenerates arrays from the positioned links (SkillMeat's formatting) and
// up keeps, in copy tables, only what regeneration would get wrong — original texts that differ
// (with the tag order they belong to, used only while unchanged), pre-existing links it gave a
// position, and tags it created. Both directions are set-based SQL over temporary tables: a few
// statements per membership made the upgrade of a 100k-artifact cache take seconds.
import { rebuild, slugify } from './helpers';
import type { Migration, MigrationContext, MigrationDb, ScriptStep, SqlValue } from './types';

const ID = '0007_tags_json_to_junction';
const TAGS_JSON = "tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array')";

/** Original arrays down would not regenerate byte for byte, with the tag order up gave the artifact. */
export const ORIGINALS_TABLE = '_migration_0007_tags_json';
/** Links that existed before up and only got a position from it; down clears the position. */
export const POSITIONED_TABLE = '_migration_0007_positioned';
/** Tags up created; down deletes them unless something links them by then. */
export const CREATED_TABLE = '_migration_0007_created_tags';

/**
 * A tag name as one item of SkillMeat's Python writer (json.dumps: non-ASCII escaped), so
 * arrays it wrote need no copy and downgraded rows look like its own.
 */
function pythonJsonItem(name: string): string {
  return JSON.stringify(name).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A tag list as SkillMeat's Python writer prints it (json.dumps: ", " separators, non-ASCII escaped). */
export function pythonJsonList(names: readonly string[]): string {
  return `[${names.map(pythonJsonItem).join(', ')}]`;
}

function parseNames(text: string): unknown[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** What a list entry means: its trimmed name, SkillMeat slug, and whether it is too long to become a tag. */
function entryName(raw: SqlValue): { name: string; slug: string; long: number } {
  const name = typeof raw === 'string' ? raw.trim() : '';
  const slug = slugify(name);
  return { name, slug, long: name.length > 100 || slug.length > 100 ? 1 : 0 };
}

// SQL functions the steps register; JavaScript because slugs and Python's escaping are
// defined by string semantics SQLite does not share (Unicode trim and lower-casing, UTF-16).
const FN_NAME = 'skillmeat_tag_name';
const FN_SLUG = 'skillmeat_tag_slug';
const FN_LONG = 'skillmeat_tag_too_long';
const FN_ITEM = 'skillmeat_python_json_item';

function registerFunctions(db: MigrationDb): void {
  db.function(FN_NAME, (raw) => entryName(raw).name);
  db.function(FN_SLUG, (raw) => entryName(raw).slug);
  db.function(FN_LONG, (raw) => entryName(raw).long);
  db.function(FN_ITEM, (name) => pythonJsonItem(String(name)));
}

// --- up -------------------------------------------------------------------------------------

// Lists are read in membership order (collection, then artifact): an artifact in several
// collections takes its tag order from the first array, then tags only later arrays name. A
// collection's rank and the entry index make one integer order key `o` (rank × 2³² + index).
const UP_COLLECTIONS =
  'CREATE TEMP TABLE m7_collections AS SELECT collection_id AS c, row_number() OVER (ORDER BY collection_id) AS ci ' +
  'FROM (SELECT DISTINCT collection_id FROM collection_artifacts)';
const UP_COLLECTIONS_INDEX = 'CREATE UNIQUE INDEX temp.m7_collections_c ON m7_collections (c)';
// Every list entry; non-strings have no raw text and count as "not a tag". json_each and
// JSON.parse agree on strict JSON without escapes; anything else (escapes such as \u0000 or
// lone surrogates, which SQLite decodes differently) is read by JavaScript instead.
const UP_RAW =
  "CREATE TEMP TABLE m7_raw AS SELECT ca.artifact_uuid AS u, mc.ci * 4294967296 + j.key AS o, CASE WHEN j.type = 'text' THEN j.value END AS raw " +
  'FROM collection_artifacts AS ca JOIN m7_collections AS mc ON mc.c = ca.collection_id, json_each(ca.tags_json) AS j ' +
  "WHERE instr(ca.tags_json, '\\') = 0 AND json_valid(ca.tags_json)";
// Names are few (a tag vocabulary), so the JavaScript functions run once per distinct text.
const UP_NAMES =
  `CREATE TEMP TABLE m7_names AS SELECT raw, ${FN_NAME}(raw) AS name, ${FN_SLUG}(raw) AS slug, ${FN_LONG}(raw) AS long ` +
  'FROM (SELECT DISTINCT raw FROM m7_raw WHERE raw IS NOT NULL)';
const UP_NAMES_INDEX = 'CREATE UNIQUE INDEX temp.m7_names_raw ON m7_names (raw)';
const UP_ENTRIES =
  "CREATE TEMP TABLE m7_entries AS SELECT r.u, r.o, coalesce(n.name, '') AS name, coalesce(n.slug, '') AS slug, coalesce(n.long, 0) AS long " +
  'FROM m7_raw AS r LEFT JOIN m7_names AS n ON n.raw = r.raw';
const UP_ESCAPED =
  'SELECT ca.artifact_uuid AS u, mc.ci, ca.tags_json FROM collection_artifacts AS ca JOIN m7_collections AS mc ON mc.c = ca.collection_id ' +
  "WHERE instr(ca.tags_json, '\\') > 0 OR NOT json_valid(ca.tags_json)";
const UP_ENTRY_INSERT = 'INSERT INTO m7_entries (u, o, name, slug, long) VALUES (?, ? * 4294967296 + ?, ?, ?, ?)';
// Each slug resolves once, to the tag with that slug, else (from the first entry, in reading
// order, that can decide it) the tag with that exact name, else a new tag named like that
// entry. An entry too long to name a tag cannot decide it and is skipped; later entries then
// reuse the resolution.
const READ_ORDER = 'e.o / 4294967296, e.u, e.o % 4294967296';
const UP_SLUGS_CREATE =
  'CREATE TEMP TABLE m7_slugs (slug TEXT PRIMARY KEY, tag_id TEXT NOT NULL, name TEXT, from_ci INTEGER, from_u TEXT, from_k INTEGER, created INTEGER NOT NULL)';
const UP_SLUGS_BY_SLUG =
  'INSERT INTO m7_slugs (slug, tag_id, name, from_ci, from_u, from_k, created) ' +
  "SELECT t.slug, t.id, NULL, NULL, NULL, NULL, 0 FROM tags AS t WHERE t.slug IN (SELECT slug FROM m7_entries WHERE slug <> '')";
const UP_SLUGS_FIRST =
  'INSERT INTO m7_slugs (slug, tag_id, name, from_ci, from_u, from_k, created) ' +
  'SELECT slug, coalesce(found, lower(hex(randomblob(16)))), name, o / 4294967296, u, o % 4294967296, found IS NULL FROM (' +
  'SELECT e.slug, e.name, e.u, e.o, (SELECT t.id FROM tags AS t WHERE t.name = e.name) AS found, ' +
  `row_number() OVER (PARTITION BY e.slug ORDER BY ${READ_ORDER}) AS rn FROM m7_entries AS e ` +
  "WHERE e.slug <> '' AND e.slug NOT IN (SELECT slug FROM m7_slugs) " +
  'AND (e.long = 0 OR EXISTS (SELECT 1 FROM tags AS t WHERE t.name = e.name))' +
  ') WHERE rn = 1';
const UP_TAGS_CREATE =
  'INSERT INTO tags (id, name, slug, color, created_at) SELECT tag_id, name, slug, NULL, ? FROM m7_slugs WHERE created = 1 ORDER BY from_ci, from_u, from_k';
// Plain tables, appended to in one pass; down indexes what it looks up.
const UP_COPY_TABLES = [
  `CREATE TABLE ${ORIGINALS_TABLE} (collection_id TEXT NOT NULL, artifact_uuid TEXT NOT NULL, tags_json TEXT NOT NULL, tag_order TEXT NOT NULL)`,
  `CREATE TABLE ${POSITIONED_TABLE} (artifact_uuid TEXT NOT NULL, tag_id TEXT NOT NULL)`,
  `CREATE TABLE ${CREATED_TABLE} (id TEXT NOT NULL)`,
];
const UP_CREATED_KEEP = `INSERT INTO ${CREATED_TABLE} (id) SELECT tag_id FROM m7_slugs WHERE created = 1`;
// Entries that name a resolved tag, reduced to each artifact's distinct tags in first-read order.
const USABLE = `e.slug <> '' AND (s.from_ci IS NULL OR (${READ_ORDER}) >= (s.from_ci, s.from_u, s.from_k))`;
const UP_LINKS =
  'CREATE TEMP TABLE m7_links AS SELECT u, t, row_number() OVER (PARTITION BY u ORDER BY o) - 1 AS position FROM (' +
  `SELECT e.u, s.tag_id AS t, min(e.o) AS o FROM m7_entries AS e JOIN m7_slugs AS s ON s.slug = e.slug WHERE ${USABLE} ` +
  'GROUP BY e.u, s.tag_id)';
const UP_SKIPPED =
  'SELECT (SELECT count(*) FROM m7_entries) - ' +
  `(SELECT count(*) FROM m7_entries AS e JOIN m7_slugs AS s ON s.slug = e.slug WHERE ${USABLE}) AS n`;
// Every link that existed before has a NULL position (the column is new).
const UP_POSITIONED_KEEP =
  `INSERT INTO ${POSITIONED_TABLE} (artifact_uuid, tag_id) SELECT l.u, l.t FROM m7_links AS l ` +
  'JOIN artifact_tags AS a ON a.artifact_uuid = l.u AND a.tag_id = l.t';
// The run's clock for the rebuild below, which is plain SQL without parameters.
const UP_NOW = 'CREATE TEMP TABLE m7_now AS SELECT ? AS now';
const UP_LINKS_INDEX = 'CREATE UNIQUE INDEX temp.m7_links_ut ON m7_links (u, t)';
// What down would regenerate for each artifact, compared with every original text.
const UP_ITEMS = `CREATE TEMP TABLE m7_items AS SELECT id, ${FN_ITEM}(name) AS item FROM tags WHERE id IN (SELECT t FROM m7_links)`;
const UP_REGENERATED =
  "CREATE TEMP TABLE m7_regenerated AS SELECT l.u, '[' || group_concat(i.item, ', ' ORDER BY l.position) || ']' AS text, " +
  'json_group_array(l.t ORDER BY l.position, l.t) AS tag_order FROM m7_links AS l JOIN m7_items AS i ON i.id = l.t GROUP BY l.u';
const UP_REGENERATED_INDEX = 'CREATE UNIQUE INDEX temp.m7_regenerated_u ON m7_regenerated (u)';
const UP_ORIGINALS_KEEP =
  `INSERT INTO ${ORIGINALS_TABLE} (collection_id, artifact_uuid, tags_json, tag_order) ` +
  "SELECT ca.collection_id, ca.artifact_uuid, ca.tags_json, coalesce(r.tag_order, '[]') FROM collection_artifacts AS ca " +
  "LEFT JOIN m7_regenerated AS r ON r.u = ca.artifact_uuid WHERE ca.tags_json IS NOT coalesce(r.text, '[]')";
const UP_DROP_TEMP = ['m7_regenerated', 'm7_items', 'm7_slugs', 'm7_entries', 'm7_names', 'm7_raw', 'm7_collections'].map((t) => `DROP TABLE temp.${t}`);
/** Drops the temp tables up's rebuild reads; shared with squash.ts. */
export const UP_DROP_LINKS = ['DROP TABLE temp.m7_links', 'DROP TABLE temp.m7_now'];

/** Also run by the squashed 0001 → head path (squash.ts), over views that show the 0006 state. */
export const toJunction: ScriptStep = {
  kind: 'script',
  name: 'tags_json arrays → ordered links for the artifact_tags copy (v6: set-based, originals in copy tables)',
  sql: [
    UP_COLLECTIONS,
    UP_COLLECTIONS_INDEX,
    UP_RAW,
    UP_NAMES,
    UP_NAMES_INDEX,
    UP_ENTRIES,
    UP_ESCAPED,
    UP_ENTRY_INSERT,
    UP_SLUGS_CREATE,
    UP_SLUGS_BY_SLUG,
    UP_SLUGS_FIRST,
    UP_TAGS_CREATE,
    ...UP_COPY_TABLES,
    UP_CREATED_KEEP,
    UP_LINKS,
    UP_LINKS_INDEX,
    UP_SKIPPED,
    UP_POSITIONED_KEEP,
    UP_NOW,
    UP_ITEMS,
    UP_REGENERATED,
    UP_REGENERATED_INDEX,
    UP_ORIGINALS_KEEP,
    ...UP_DROP_TEMP,
  ],
  run(db: MigrationDb, ctx: MigrationContext) {
    registerFunctions(db);
    const now = ctx.now();
    db.exec(UP_COLLECTIONS);
    db.exec(UP_COLLECTIONS_INDEX);
    db.exec(UP_RAW);
    db.exec(UP_NAMES);
    db.exec(UP_NAMES_INDEX);
    db.exec(UP_ENTRIES);
    const escaped = db.all(UP_ESCAPED);
    if (escaped.length) {
      const insert = db.prepare(UP_ENTRY_INSERT);
      try {
        for (const row of escaped) {
          parseNames(String(row.tags_json)).forEach((entry, k) => {
            const e = entryName(typeof entry === 'string' ? entry : null);
            insert.run([row.u, row.ci, k, e.name, e.slug, e.long]);
          });
        }
      } finally {
        insert.free();
      }
    }
    db.exec(UP_SLUGS_CREATE);
    db.run(UP_SLUGS_BY_SLUG);
    db.run(UP_SLUGS_FIRST);
    db.run(UP_TAGS_CREATE, [now]);
    for (const sql of UP_COPY_TABLES) db.exec(sql);
    db.run(UP_CREATED_KEEP);
    db.exec(UP_LINKS);
    db.exec(UP_LINKS_INDEX);
    const skipped = Number(db.get(UP_SKIPPED)?.n ?? 0);
    db.run(UP_POSITIONED_KEEP);
    db.run(UP_NOW, [now]);
    db.exec(UP_ITEMS);
    db.exec(UP_REGENERATED);
    db.exec(UP_REGENERATED_INDEX);
    db.run(UP_ORIGINALS_KEEP);
    for (const sql of UP_DROP_TEMP) db.exec(sql);
    if (skipped > 0) ctx.note(`tags_json: ${skipped} entr(y/ies) were not tags (non-string, empty slug or over 100 characters); kept in the log`);
  },
};

// --- down -----------------------------------------------------------------------------------

// Each artifact's list as its positioned links say now, and the tag order it stands for.
const DOWN_ITEMS = `CREATE TEMP TABLE m7_items AS SELECT id, ${FN_ITEM}(name) AS item FROM tags`;
const DOWN_ITEMS_INDEX = 'CREATE UNIQUE INDEX temp.m7_items_id ON m7_items (id)';
const DOWN_CURRENT =
  "CREATE TEMP TABLE m7_current AS SELECT at.artifact_uuid AS u, '[' || group_concat(i.item, ', ' ORDER BY at.position, at.tag_id) || ']' AS text, " +
  'json_group_array(at.tag_id ORDER BY at.position, at.tag_id) AS tag_order FROM artifact_tags AS at JOIN m7_items AS i ON i.id = at.tag_id ' +
  'WHERE at.position IS NOT NULL GROUP BY at.artifact_uuid';
const DOWN_CURRENT_INDEX = 'CREATE UNIQUE INDEX temp.m7_current_u ON m7_current (u)';
const DOWN_ORIGINALS_INDEX = `CREATE INDEX ${ORIGINALS_TABLE}_key ON ${ORIGINALS_TABLE} (collection_id, artifact_uuid)`;
// The original text (spacing, duplicates, non-tag entries) is only right while the artifact's
// tags are exactly what up produced; after edits, the links are the truth.
const DOWN_STALE =
  `SELECT count(*) AS n FROM ${ORIGINALS_TABLE} AS o JOIN collection_artifacts AS ca ON ca.collection_id = o.collection_id AND ca.artifact_uuid = o.artifact_uuid ` +
  "LEFT JOIN m7_current AS c ON c.u = o.artifact_uuid WHERE o.tag_order IS NOT coalesce(c.tag_order, '[]')";
/** The tags_json down writes (aliases: `o` the original copy row, `c` m7_current); shared with squash.ts. */
export const DOWN_TAGS_JSON =
  "CASE WHEN o.artifact_uuid IS NOT NULL AND o.tag_order = coalesce(c.tag_order, '[]') THEN o.tags_json ELSE coalesce(c.text, '[]') END";
const DOWN_POSITIONED_INDEX = `CREATE INDEX ${POSITIONED_TABLE}_key ON ${POSITIONED_TABLE} (artifact_uuid, tag_id)`;
// A position marks a link born from a tags list; those go back into the arrays and leave the
// table, except links that existed before and only got a position from up, and links of an
// artifact in no collection (no array to go back into: they stay, unordered). Kept rows are
// copied without the position column in one pass.
const DOWN_LINKS_KEPT =
  'SELECT o.artifact_uuid, o.tag_id, o.created_at, o._artifact_id_backup FROM artifact_tags AS o WHERE o.position IS NULL ' +
  `OR EXISTS (SELECT 1 FROM ${POSITIONED_TABLE} AS p WHERE p.artifact_uuid = o.artifact_uuid AND p.tag_id = o.tag_id) ` +
  'OR NOT EXISTS (SELECT 1 FROM collection_artifacts AS c WHERE c.artifact_uuid = o.artifact_uuid) ORDER BY o.artifact_uuid, o.tag_id';
const CREATED_COUNT = `SELECT count(*) AS n FROM ${CREATED_TABLE}`;
const TAGS_UNUSED_DELETE =
  `DELETE FROM tags WHERE id IN (SELECT id FROM ${CREATED_TABLE}) AND NOT EXISTS (SELECT 1 FROM artifact_tags AS a WHERE a.tag_id = tags.id)`;
const DOWN_DROP = [`DROP TABLE ${ORIGINALS_TABLE}`, `DROP TABLE ${POSITIONED_TABLE}`, `DROP TABLE ${CREATED_TABLE}`, 'DROP TABLE temp.m7_current', 'DROP TABLE temp.m7_items'];

/** Also run by the squashed head → 0001 path (squash.ts). */
export const currentLists: ScriptStep = {
  kind: 'script',
  name: 'tag lists from the positioned artifact_tags rows (v6: set-based)',
  sql: [DOWN_ITEMS, DOWN_ITEMS_INDEX, DOWN_CURRENT, DOWN_CURRENT_INDEX, DOWN_ORIGINALS_INDEX, DOWN_POSITIONED_INDEX, DOWN_STALE],
  run(db: MigrationDb, ctx: MigrationContext) {
    registerFunctions(db);
    db.exec(DOWN_ITEMS);
    db.exec(DOWN_ITEMS_INDEX);
    db.exec(DOWN_CURRENT);
    db.exec(DOWN_CURRENT_INDEX);
    db.exec(DOWN_ORIGINALS_INDEX);
    db.exec(DOWN_POSITIONED_INDEX);
    const stale = Number(db.get(DOWN_STALE)?.n ?? 0);
    if (stale > 0) ctx.note(`tags_json: ${stale} row(s) rebuilt from current tag links (changed since ${ID} ran)`);
  },
};

/** Also run by the squashed head → 0001 path (squash.ts). */
export const listLinksRemove: ScriptStep = {
  kind: 'script',
  name: 'tags created by up removed unless linked (v6: copy tables)',
  sql: [CREATED_COUNT, TAGS_UNUSED_DELETE, ...DOWN_DROP],
  run(db: MigrationDb, ctx: MigrationContext) {
    const created = Number(db.get(CREATED_COUNT)?.n ?? 0);
    const kept = created - db.run(TAGS_UNUSED_DELETE);
    for (const sql of DOWN_DROP) db.exec(sql);
    if (kept > 0) ctx.note(`tags: ${kept} tag(s) created by ${ID} are still linked and were kept`);
  },
};

/** Moves tags_json into artifact_tags (tag by slug or created) with a position column. */
export const m0007: Migration = {
  id: ID,
  description: 'collection_artifacts.tags_json → ordered artifact_tags rows; JSON column dropped',
  up: [
    toJunction,
    // The position column arrives with the links in one copy, in key order: cheaper than
    // ADD COLUMN, an UPDATE of every old link and inserts into the middle of both indexes.
    // No index on position: the primary key already groups an artifact's few tags.
    rebuild('artifact_tags', {
      create: `CREATE TABLE artifact_tags (
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  _artifact_id_backup TEXT,
  position INTEGER CHECK (position IS NULL OR position >= 0),
  PRIMARY KEY (artifact_uuid, tag_id)
)`,
      insertColumns: 'artifact_uuid, tag_id, created_at, _artifact_id_backup, position',
      select:
        'SELECT o.artifact_uuid, o.tag_id, o.created_at, o._artifact_id_backup, l.position FROM artifact_tags AS o ' +
        'LEFT JOIN m7_links AS l ON l.u = o.artifact_uuid AND l.t = o.tag_id ' +
        'UNION ALL SELECT l.u, l.t, (SELECT now FROM m7_now), a.id, l.position FROM m7_links AS l JOIN artifacts AS a ON a.uuid = l.u ' +
        'WHERE NOT EXISTS (SELECT 1 FROM artifact_tags AS x WHERE x.artifact_uuid = l.u AND x.tag_id = l.t) ORDER BY 1, 2',
      indexes: ['CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)'],
    }),
    ...UP_DROP_LINKS,
    'ALTER TABLE collection_artifacts DROP COLUMN tags_json',
  ],
  down: [
    currentLists,
    rebuild('collection_artifacts', {
      create: `CREATE TABLE collection_artifacts (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  added_at TEXT NOT NULL,
  ${TAGS_JSON},
  _artifact_id_backup TEXT,
  PRIMARY KEY (collection_id, artifact_uuid)
)`,
      insertColumns: 'collection_id, artifact_uuid, added_at, tags_json, _artifact_id_backup',
      select:
        `SELECT ca.collection_id, ca.artifact_uuid, ca.added_at, ${DOWN_TAGS_JSON}, ca._artifact_id_backup FROM collection_artifacts AS ca ` +
        'LEFT JOIN m7_current AS c ON c.u = ca.artifact_uuid ' +
        `LEFT JOIN ${ORIGINALS_TABLE} AS o ON o.collection_id = ca.collection_id AND o.artifact_uuid = ca.artifact_uuid ORDER BY ca.collection_id, ca.artifact_uuid`,
      indexes: [
        'CREATE INDEX ix_collection_artifacts_artifact_uuid ON collection_artifacts (artifact_uuid)',
        'CREATE INDEX ix_collection_artifacts_added_at ON collection_artifacts (added_at)',
      ],
    }),
    rebuild('artifact_tags', {
      create: `CREATE TABLE artifact_tags (
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  _artifact_id_backup TEXT,
  PRIMARY KEY (artifact_uuid, tag_id)
)`,
      insertColumns: 'artifact_uuid, tag_id, created_at, _artifact_id_backup',
      select: DOWN_LINKS_KEPT,
      indexes: ['CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)'],
    }),
    listLinksRemove,
  ],
};
