// Tag links move to artifact uuids. SkillMeat's first version of this table had an FK to
// artifacts.id that broke tagging; here the key is the uuid, added once data is clean.
import { logOrphansSql, rebuild, restoreOrphansStep } from './helpers';
import type { Migration } from './types';

const ID = '0006_artifact_tags_uuid';
const LEGACY_COLUMNS = ['artifact_id', 'tag_id', 'created_at'] as const;

/** Logs the rows naming no artifact; also run by the squashed 0001 → head path (squash.ts). */
export const LOG_ORPHANS = logOrphansSql(ID, 'artifact_tags', LEGACY_COLUMNS);
/** Puts the logged rows back; also run by the squashed head → 0001 path (squash.ts). */
export const RESTORE_ORPHANS = restoreOrphansStep(ID, 'artifact_tags', LEGACY_COLUMNS, { column: 'tag_id', table: 'tags', key: 'id' });

/** artifact_tags keyed by (artifact_uuid, tag_id), shadow `_artifact_id_backup`. */
export const m0006: Migration = {
  id: ID,
  description: 'artifact_tags: artifact_id → artifact_uuid FK ON DELETE CASCADE; orphans logged',
  up: [
    LOG_ORPHANS,
    rebuild('artifact_tags', {
      create: `CREATE TABLE artifact_tags (
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  _artifact_id_backup TEXT,
  PRIMARY KEY (artifact_uuid, tag_id)
)`,
      insertColumns: 'artifact_uuid, tag_id, created_at, _artifact_id_backup',
      select:
        'SELECT a.uuid, o.tag_id, o.created_at, o.artifact_id ' +
        'FROM artifact_tags AS o JOIN artifacts AS a ON a.id = o.artifact_id ORDER BY a.uuid, o.tag_id',
      indexes: ['CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)'],
    }),
  ],
  down: [
    rebuild('artifact_tags', {
      create: `CREATE TABLE artifact_tags (
  artifact_id TEXT NOT NULL,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (artifact_id, tag_id)
)`,
      insertColumns: LEGACY_COLUMNS.join(', '),
      select:
        'SELECT COALESCE(n._artifact_id_backup, a.id), n.tag_id, n.created_at ' +
        'FROM artifact_tags AS n JOIN artifacts AS a ON a.uuid = n.artifact_uuid ORDER BY 1, 2',
      indexes: ['CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)'],
    }),
    RESTORE_ORPHANS,
  ],
};
