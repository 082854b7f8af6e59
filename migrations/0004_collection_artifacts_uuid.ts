// ADR-007 phase 2 for collection membership: artifact_id text → artifact_uuid with a real
// foreign key. Rows naming no artifact cannot satisfy the key; they are logged, not lost.
import { logOrphansSql, rebuild, restoreOrphansStep } from './helpers';
import type { Migration } from './types';

const ID = '0004_collection_artifacts_uuid';
const LEGACY_COLUMNS = ['collection_id', 'artifact_id', 'added_at', 'tags_json'] as const;
const TAGS_JSON = "tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array')";

/** Logs the rows naming no artifact; also run by the squashed 0001 → head path (squash.ts). */
export const LOG_ORPHANS = logOrphansSql(ID, 'collection_artifacts', LEGACY_COLUMNS);
/** Puts the logged rows back; also run by the squashed head → 0001 path (squash.ts). */
export const RESTORE_ORPHANS = restoreOrphansStep(ID, 'collection_artifacts', LEGACY_COLUMNS, { column: 'collection_id', table: 'collections', key: 'id' });

/** collection_artifacts keyed by (collection_id, artifact_uuid), shadow `_artifact_id_backup`. */
export const m0004: Migration = {
  id: ID,
  description: 'collection_artifacts: artifact_id → artifact_uuid FK ON DELETE CASCADE; orphans logged',
  up: [
    LOG_ORPHANS,
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
        'SELECT o.collection_id, a.uuid, o.added_at, o.tags_json, o.artifact_id ' +
        'FROM collection_artifacts AS o JOIN artifacts AS a ON a.id = o.artifact_id ORDER BY o.collection_id, a.uuid',
      indexes: [
        'CREATE INDEX ix_collection_artifacts_artifact_uuid ON collection_artifacts (artifact_uuid)',
        'CREATE INDEX ix_collection_artifacts_added_at ON collection_artifacts (added_at)',
      ],
      dropsIndexes: ['ix_collection_artifacts_artifact_id'],
    }),
  ],
  down: [
    rebuild('collection_artifacts', {
      create: `CREATE TABLE collection_artifacts (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  artifact_id TEXT NOT NULL,
  added_at TEXT NOT NULL,
  ${TAGS_JSON},
  PRIMARY KEY (collection_id, artifact_id)
)`,
      insertColumns: LEGACY_COLUMNS.join(', '),
      select:
        'SELECT n.collection_id, COALESCE(n._artifact_id_backup, a.id), n.added_at, n.tags_json ' +
        'FROM collection_artifacts AS n JOIN artifacts AS a ON a.uuid = n.artifact_uuid ORDER BY 1, 2',
      indexes: [
        'CREATE INDEX ix_collection_artifacts_artifact_id ON collection_artifacts (artifact_id)',
        'CREATE INDEX ix_collection_artifacts_added_at ON collection_artifacts (added_at)',
      ],
      dropsIndexes: ['ix_collection_artifacts_artifact_uuid'],
    }),
    RESTORE_ORPHANS,
  ],
};
