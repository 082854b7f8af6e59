// Tags stop living as a JSON array per collection membership and become ordered artifact_tags
// rows; a non-NULL position marks a link that comes from a tags list. Down must give back the
// exact JSON text: it regenerates arrays from the positioned links (SkillMeat's formatting) and
// up logs only what regeneration would get wrong — odd original texts (with the tag order they
// belong to, used only while unchanged), pre-existing links it positioned, and tags it created.
import { rebuild, slugify } from './helpers';
import type { Migration, MigrationContext, MigrationDb, ScriptStep } from './types';

const ID = '0007_tags_json_to_junction';
const TAGS_JSON = "tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array')";

const SELECT_MEMBERSHIPS =
  'SELECT ca.collection_id, ca.artifact_uuid, ca.tags_json, a.id AS artifact_id FROM collection_artifacts AS ca ' +
  'JOIN artifacts AS a ON a.uuid = ca.artifact_uuid ORDER BY ca.collection_id, ca.artifact_uuid';
const TAG_BY_SLUG = 'SELECT id FROM tags WHERE slug = ?';
const TAG_BY_NAME = 'SELECT id FROM tags WHERE name = ?';
const INSERT_TAG = 'INSERT INTO tags (id, name, slug, color, created_at) VALUES (?, ?, ?, NULL, ?)';
const LINK_GET = 'SELECT position FROM artifact_tags WHERE artifact_uuid = ? AND tag_id = ?';
const LINK_INSERT =
  'INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at, _artifact_id_backup, position) VALUES (?, ?, ?, ?, ?)';
const LINK_SET_POSITION = 'UPDATE artifact_tags SET position = ? WHERE artifact_uuid = ? AND tag_id = ?';
const TAG_NAME = 'SELECT name FROM tags WHERE id = ?';

/**
 * What down needs per artifact, logged only when needed, once per artifact: pre-existing links
 * that up gave a position, and original arrays that down would not regenerate byte for byte
 * (with the tag order they were checked against).
 */
interface ArtifactEntry {
  u: string;
  positioned?: string[];
  json?: Record<string, string>;
  tags?: string[];
}

/**
 * A tag list as SkillMeat's Python writer prints it (json.dumps: ", " separators, non-ASCII
 * escaped), so arrays it wrote need no log entry and downgraded rows look like its own.
 */
export function pythonJsonList(names: readonly string[]): string {
  const item = (n: string) => JSON.stringify(n).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `[${names.map(item).join(', ')}]`;
}

function parseNames(text: string): unknown[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

const toJunction: ScriptStep = {
  kind: 'script',
  name: 'tags_json arrays → ordered artifact_tags rows (v3: position marks list-born links)',
  sql: [SELECT_MEMBERSHIPS, TAG_BY_SLUG, TAG_BY_NAME, INSERT_TAG, LINK_GET, LINK_INSERT, LINK_SET_POSITION, TAG_NAME],
  run(db: MigrationDb, ctx: MigrationContext) {
    const bySlug = db.prepare(TAG_BY_SLUG);
    const byName = db.prepare(TAG_BY_NAME);
    const insertTag = db.prepare(INSERT_TAG);
    const linkGet = db.prepare(LINK_GET);
    const linkInsert = db.prepare(LINK_INSERT);
    const linkPosition = db.prepare(LINK_SET_POSITION);
    const nameOf = db.prepare(TAG_NAME);
    // Tags are few and looked up once per array entry: remember them.
    const tagBySlug = new Map<string, string>();
    const tagNames = new Map<string, string>();
    // An artifact may sit in several collections with different arrays: its tag order is
    // the first array's order, then tags only later arrays name.
    const work = new Map<string, { tags: string[]; positioned: string[]; texts: [string, string][] }>();
    let skipped = 0;
    const now = ctx.now();
    try {
      for (const row of db.all(SELECT_MEMBERSHIPS)) {
        const uuid = String(row.artifact_uuid);
        let w = work.get(uuid);
        if (!w) work.set(uuid, (w = { tags: [], positioned: [], texts: [] }));
        const text = String(row.tags_json);
        w.texts.push([String(row.collection_id), text]);
        for (const entry of parseNames(text)) {
          const name = typeof entry === 'string' ? entry.trim() : '';
          const slug = slugify(name);
          if (slug === '') {
            skipped++;
            continue;
          }
          let tagId = tagBySlug.get(slug);
          if (tagId === undefined) {
            const found = bySlug.get([slug]) ?? byName.get([name]);
            tagId = found ? String(found.id) : undefined;
          }
          if (tagId === undefined) {
            if (name.length > 100 || slug.length > 100) {
              skipped++;
              continue;
            }
            tagId = ctx.newId();
            insertTag.run([tagId, name, slug, now]);
            ctx.log('tags', 'created', { id: tagId });
          }
          tagBySlug.set(slug, tagId);
          if (w.tags.includes(tagId)) continue;
          const link = linkGet.get([uuid, tagId]);
          if (link === undefined) linkInsert.run([uuid, tagId, now, row.artifact_id, w.tags.length]);
          else {
            // Every pre-existing link has a NULL position: the column is new.
            linkPosition.run([w.tags.length, uuid, tagId]);
            w.positioned.push(tagId);
          }
          w.tags.push(tagId);
        }
      }
      for (const [uuid, w] of work) {
        const names = w.tags.map((id) => {
          let n = tagNames.get(id);
          if (n === undefined) tagNames.set(id, (n = String(nameOf.get([id])?.name)));
          return n;
        });
        const regenerated = pythonJsonList(names);
        const differing = w.texts.filter(([, text]) => text !== regenerated);
        const e: ArtifactEntry = { u: uuid };
        if (w.positioned.length) e.positioned = w.positioned;
        if (differing.length) {
          e.json = Object.fromEntries(differing);
          e.tags = w.tags;
        }
        if (e.positioned || e.json) ctx.log('artifact_tags', 'artifact', e);
      }
    } finally {
      for (const s of [bySlug, byName, insertTag, linkGet, linkInsert, linkPosition, nameOf]) s.free();
    }
    if (skipped > 0) ctx.note(`tags_json: ${skipped} entr(y/ies) were not tags (non-string, empty slug or over 100 characters); kept in the log`);
  },
};

const ORDERED_TAGS =
  'SELECT t.id, t.name FROM artifact_tags AS at JOIN tags AS t ON t.id = at.tag_id ' +
  'WHERE at.artifact_uuid = ? AND at.position IS NOT NULL ORDER BY at.position, t.id';
const SELECT_KEYS = 'SELECT collection_id, artifact_uuid FROM collection_artifacts';
const SET_TAGS_JSON = 'UPDATE collection_artifacts SET tags_json = ? WHERE collection_id = ? AND artifact_uuid = ?';
const LINK_CLEAR_POSITION = 'UPDATE artifact_tags SET position = NULL WHERE artifact_uuid = ? AND tag_id = ?';
const LINKS_WITHOUT_ARRAY_KEEP =
  'UPDATE artifact_tags SET position = NULL WHERE position IS NOT NULL ' +
  'AND NOT EXISTS (SELECT 1 FROM collection_artifacts AS c WHERE c.artifact_uuid = artifact_tags.artifact_uuid)';
const LINKS_FROM_LISTS_DELETE = 'DELETE FROM artifact_tags WHERE position IS NOT NULL';
const TAG_DELETE_UNUSED = 'DELETE FROM tags WHERE id = ? AND NOT EXISTS (SELECT 1 FROM artifact_tags WHERE tag_id = ?)';

const toJson: ScriptStep = {
  kind: 'script',
  name: 'ordered artifact_tags rows → tags_json arrays (v3: position marks list-born links)',
  sql: [ORDERED_TAGS, SELECT_KEYS, SET_TAGS_JSON, LINK_CLEAR_POSITION, LINKS_WITHOUT_ARRAY_KEEP, LINKS_FROM_LISTS_DELETE, TAG_DELETE_UNUSED],
  run(db: MigrationDb, ctx: MigrationContext) {
    const entries = new Map<string, ArtifactEntry>();
    for (const e of ctx.logged('artifact_tags', 'artifact') as ArtifactEntry[]) entries.set(e.u, e);
    const ordered = db.prepare(ORDERED_TAGS);
    const setJson = db.prepare(SET_TAGS_JSON);
    const clear = db.prepare(LINK_CLEAR_POSITION);
    let regenerated = 0;
    try {
      const current = new Map<string, { ids: string; text: string }>();
      for (const key of db.all(SELECT_KEYS)) {
        const uuid = String(key.artifact_uuid);
        let tags = current.get(uuid);
        if (!tags) {
          const rows = ordered.all([uuid]);
          current.set(uuid, (tags = { ids: JSON.stringify(rows.map((t) => t.id)), text: pythonJsonList(rows.map((t) => String(t.name))) }));
        }
        const e = entries.get(uuid);
        const original = e?.json?.[String(key.collection_id)];
        // The original text (spacing, duplicates, non-tag entries) is only right while the
        // artifact's tags are exactly what up produced; after edits, the rows are the truth.
        const useOriginal = original !== undefined && JSON.stringify(e?.tags ?? []) === tags.ids;
        if (original !== undefined && !useOriginal) regenerated++;
        setJson.run([useOriginal ? original : tags.text, key.collection_id, uuid]);
      }
      // A position marks a link born from a tags list; those go back into the arrays, except
      // links that existed before and only got a position from up.
      for (const e of entries.values()) for (const t of e.positioned ?? []) clear.run([e.u, t]);
    } finally {
      for (const s of [ordered, setJson, clear]) s.free();
    }
    // An artifact in no collection has no array to go back into: its links stay, unordered.
    db.run(LINKS_WITHOUT_ARRAY_KEEP);
    db.run(LINKS_FROM_LISTS_DELETE);
    let kept = 0;
    for (const t of ctx.logged('tags', 'created') as { id: string }[]) {
      if (db.run(TAG_DELETE_UNUSED, [t.id, t.id]) === 0) kept++;
    }
    if (regenerated > 0) ctx.note(`tags_json: ${regenerated} row(s) rebuilt from current tag links (changed since ${ID} ran)`);
    if (kept > 0) ctx.note(`tags: ${kept} tag(s) created by ${ID} are still linked and were kept`);
  },
};

/** Moves tags_json into artifact_tags (tag by slug or created) with a position column. */
export const m0007: Migration = {
  id: ID,
  description: 'collection_artifacts.tags_json → ordered artifact_tags rows; JSON column dropped',
  up: [
    // No index on position: the primary key already groups an artifact's few tags.
    'ALTER TABLE artifact_tags ADD COLUMN position INTEGER CHECK (position IS NULL OR position >= 0)',
    toJunction,
    'ALTER TABLE collection_artifacts DROP COLUMN tags_json',
  ],
  down: [
    rebuild('collection_artifacts', {
      create: `CREATE TABLE collection_artifacts (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  added_at TEXT NOT NULL,
  ${TAGS_JSON},
  _artifact_id_backup TEXT,
  PRIMARY KEY (collection_id, artifact_uuid)
)`,
      insertColumns: 'collection_id, artifact_uuid, added_at, _artifact_id_backup',
      select: 'SELECT collection_id, artifact_uuid, added_at, _artifact_id_backup FROM collection_artifacts',
      indexes: [
        'CREATE INDEX ix_collection_artifacts_artifact_uuid ON collection_artifacts (artifact_uuid)',
        'CREATE INDEX ix_collection_artifacts_added_at ON collection_artifacts (added_at)',
      ],
    }),
    toJson,
    'ALTER TABLE artifact_tags DROP COLUMN position',
  ],
};
