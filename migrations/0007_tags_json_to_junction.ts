// Tags stop living as a JSON array per collection membership and become ordered artifact_tags
// rows. The down direction must give back the exact JSON text, so the up direction logs each
// original array, the links and tags it created, and each artifact's resulting tag order; down
// uses the original text only while that order is still what up produced.
import { rebuild, slugify } from './helpers';
import type { Migration, MigrationContext, MigrationDb, Row, ScriptStep } from './types';

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

interface Signature {
  artifact_uuid: string;
  tags: string[];
}
interface Original {
  collection_id: string;
  artifact_uuid: string;
  tags_json: string;
}
interface Link {
  artifact_uuid: string;
  tag_id: string;
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
  name: 'tags_json arrays → ordered artifact_tags rows (v1)',
  sql: [SELECT_MEMBERSHIPS, TAG_BY_SLUG, TAG_BY_NAME, INSERT_TAG, LINK_GET, LINK_INSERT, LINK_SET_POSITION],
  run(db: MigrationDb, ctx: MigrationContext) {
    const bySlug = db.prepare(TAG_BY_SLUG);
    const byName = db.prepare(TAG_BY_NAME);
    const insertTag = db.prepare(INSERT_TAG);
    const linkGet = db.prepare(LINK_GET);
    const linkInsert = db.prepare(LINK_INSERT);
    const linkPosition = db.prepare(LINK_SET_POSITION);
    // An artifact may sit in several collections with different arrays: its tag order is
    // the first array's order, then tags only later arrays name.
    const order = new Map<string, string[]>();
    let skipped = 0;
    try {
      for (const row of db.all(SELECT_MEMBERSHIPS)) {
        const uuid = String(row.artifact_uuid);
        const text = String(row.tags_json);
        ctx.log('collection_artifacts', 'tags_json', { collection_id: row.collection_id, artifact_uuid: uuid, tags_json: text });
        const tags = order.get(uuid) ?? [];
        order.set(uuid, tags);
        for (const entry of parseNames(text)) {
          if (typeof entry !== 'string') {
            skipped++;
            continue;
          }
          const name = entry.trim();
          const slug = slugify(name);
          if (slug === '') {
            skipped++;
            continue;
          }
          let tagId = (bySlug.get([slug]) ?? byName.get([name]))?.id as string | undefined;
          if (tagId === undefined) {
            if (name.length > 100 || slug.length > 100) {
              skipped++;
              continue;
            }
            tagId = ctx.newId();
            insertTag.run([tagId, name, slug, ctx.now()]);
            ctx.log('tags', 'created', { id: tagId });
          }
          const link = linkGet.get([uuid, tagId]);
          if (link === undefined) {
            linkInsert.run([uuid, tagId, ctx.now(), row.artifact_id, tags.length]);
            ctx.log('artifact_tags', 'created', { artifact_uuid: uuid, tag_id: tagId });
            tags.push(tagId);
          } else if (link.position === null) {
            linkPosition.run([tags.length, uuid, tagId]);
            ctx.log('artifact_tags', 'positioned', { artifact_uuid: uuid, tag_id: tagId });
            tags.push(tagId);
          }
        }
      }
    } finally {
      for (const s of [bySlug, byName, insertTag, linkGet, linkInsert, linkPosition]) s.free();
    }
    for (const [uuid, tags] of order) ctx.log('artifact_tags', 'signature', { artifact_uuid: uuid, tags });
    if (skipped > 0) ctx.note(`tags_json: ${skipped} entr(y/ies) were not tags (non-string, empty slug or over 100 characters); kept in the log`);
  },
};

const ORDERED_TAGS =
  'SELECT t.id, t.name FROM artifact_tags AS at JOIN tags AS t ON t.id = at.tag_id ' +
  'WHERE at.artifact_uuid = ? AND at.position IS NOT NULL ORDER BY at.position, t.id';
const SELECT_KEYS = 'SELECT collection_id, artifact_uuid FROM collection_artifacts';
const SET_TAGS_JSON = 'UPDATE collection_artifacts SET tags_json = ? WHERE collection_id = ? AND artifact_uuid = ?';
const LINK_DELETE = 'DELETE FROM artifact_tags WHERE artifact_uuid = ? AND tag_id = ?';
const LINK_CLEAR_POSITION = 'UPDATE artifact_tags SET position = NULL WHERE artifact_uuid = ? AND tag_id = ?';
const TAG_DELETE_UNUSED = 'DELETE FROM tags WHERE id = ? AND NOT EXISTS (SELECT 1 FROM artifact_tags WHERE tag_id = ?)';

const toJson: ScriptStep = {
  kind: 'script',
  name: 'ordered artifact_tags rows → tags_json arrays (v1)',
  sql: [ORDERED_TAGS, SELECT_KEYS, SET_TAGS_JSON, LINK_DELETE, LINK_CLEAR_POSITION, TAG_DELETE_UNUSED],
  run(db: MigrationDb, ctx: MigrationContext) {
    const signatures = new Map<string, string>();
    for (const s of ctx.logged('artifact_tags', 'signature') as Signature[]) signatures.set(s.artifact_uuid, JSON.stringify(s.tags));
    const originals = new Map<string, string>();
    for (const o of ctx.logged('collection_artifacts', 'tags_json') as Original[]) {
      originals.set(`${o.collection_id}\u0000${o.artifact_uuid}`, o.tags_json);
    }
    const ordered = db.prepare(ORDERED_TAGS);
    const setJson = db.prepare(SET_TAGS_JSON);
    let regenerated = 0;
    try {
      const current = new Map<string, Row[]>();
      for (const key of db.all(SELECT_KEYS)) {
        const uuid = String(key.artifact_uuid);
        let tags = current.get(uuid);
        if (!tags) current.set(uuid, (tags = ordered.all([uuid])));
        const original = originals.get(`${key.collection_id}\u0000${uuid}`);
        // The original text (spacing, duplicates, non-tag entries) is only right while the
        // artifact's tags are exactly what up produced; after edits, the rows are the truth.
        const unchanged = (signatures.get(uuid) ?? '[]') === JSON.stringify(tags.map((t) => t.id));
        const text = unchanged && original !== undefined ? original : JSON.stringify(tags.map((t) => t.name));
        if (!(unchanged && original !== undefined)) regenerated++;
        setJson.run([text, key.collection_id, uuid]);
      }
    } finally {
      ordered.free();
      setJson.free();
    }
    for (const l of ctx.logged('artifact_tags', 'created') as Link[]) db.run(LINK_DELETE, [l.artifact_uuid, l.tag_id]);
    for (const l of ctx.logged('artifact_tags', 'positioned') as Link[]) db.run(LINK_CLEAR_POSITION, [l.artifact_uuid, l.tag_id]);
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
    'ALTER TABLE artifact_tags ADD COLUMN position INTEGER CHECK (position IS NULL OR position >= 0)',
    'CREATE INDEX ix_artifact_tags_artifact_position ON artifact_tags (artifact_uuid, position)',
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
    'DROP INDEX ix_artifact_tags_artifact_position',
    'ALTER TABLE artifact_tags DROP COLUMN position',
  ],
};
