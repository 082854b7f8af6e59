// Group membership moves to artifact uuids; list positions and their CHECK are kept.
import { logOrphansSql, rebuild, restoreOrphansStep } from './helpers';
import type { Migration } from './types';

const ID = '0005_group_artifacts_uuid';
const LEGACY_COLUMNS = ['group_id', 'artifact_id', 'position', 'added_at'] as const;

/** Logs the rows naming no artifact; also run by the squashed 0001 → head path (squash.ts). */
export const LOG_ORPHANS = logOrphansSql(ID, 'group_artifacts', LEGACY_COLUMNS);
/** Puts the logged rows back; also run by the squashed head → 0001 path (squash.ts). */
export const RESTORE_ORPHANS = restoreOrphansStep(ID, 'group_artifacts', LEGACY_COLUMNS, { column: 'group_id', table: 'groups', key: 'id' });

/** group_artifacts keyed by (group_id, artifact_uuid), shadow `_artifact_id_backup`. */
export const m0005: Migration = {
  id: ID,
  description: 'group_artifacts: artifact_id → artifact_uuid FK ON DELETE CASCADE; orphans logged',
  up: [
    LOG_ORPHANS,
    rebuild('group_artifacts', {
      create: `CREATE TABLE group_artifacts (
  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  added_at TEXT NOT NULL,
  _artifact_id_backup TEXT,
  PRIMARY KEY (group_id, artifact_uuid)
)`,
      insertColumns: 'group_id, artifact_uuid, position, added_at, _artifact_id_backup',
      select:
        'SELECT o.group_id, a.uuid, o.position, o.added_at, o.artifact_id ' +
        'FROM group_artifacts AS o JOIN artifacts AS a ON a.id = o.artifact_id ORDER BY o.group_id, a.uuid',
      indexes: [
        'CREATE INDEX ix_group_artifacts_artifact_uuid ON group_artifacts (artifact_uuid)',
        'CREATE INDEX ix_group_artifacts_group_position ON group_artifacts (group_id, position)',
      ],
      dropsIndexes: ['ix_group_artifacts_artifact_id'],
    }),
  ],
  down: [
    rebuild('group_artifacts', {
      create: `CREATE TABLE group_artifacts (
  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  artifact_id TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  added_at TEXT NOT NULL,
  PRIMARY KEY (group_id, artifact_id)
)`,
      insertColumns: LEGACY_COLUMNS.join(', '),
      select:
        'SELECT n.group_id, COALESCE(n._artifact_id_backup, a.id), n.position, n.added_at ' +
        'FROM group_artifacts AS n JOIN artifacts AS a ON a.uuid = n.artifact_uuid ORDER BY 1, 2',
      indexes: [
        'CREATE INDEX ix_group_artifacts_artifact_id ON group_artifacts (artifact_id)',
        'CREATE INDEX ix_group_artifacts_group_position ON group_artifacts (group_id, position)',
      ],
      dropsIndexes: ['ix_group_artifacts_artifact_uuid'],
    }),
    RESTORE_ORPHANS,
  ],
};
