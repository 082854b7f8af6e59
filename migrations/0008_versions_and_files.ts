// Content versions per artifact and the files of each version. Deployed `version_lineage`
// arrays arrive later through the sync layer; here each artifact with a hash gets its
// current version so the table is never empty for known content.
import type { Migration } from './types';

/** Each artifact's current version; also run by the squashed 0001 → head path (squash.ts). */
export const VERSIONS_BACKFILL = `INSERT INTO artifact_versions (artifact_uuid, content_hash, parent_hash, status, change_origin, created_at)
SELECT uuid, content_hash, NULL, 'current', 'sync', updated_at FROM artifacts WHERE content_hash IS NOT NULL AND content_hash <> '' ORDER BY id`;

/** artifact_versions (one `current` per artifact) and artifact_files (one primary per version). */
export const m0008: Migration = {
  id: '0008_versions_and_files',
  description: 'artifact_versions (one current per artifact) and artifact_files (one primary per version)',
  up: [
    `CREATE TABLE artifact_versions (
  id INTEGER PRIMARY KEY,
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  content_hash TEXT NOT NULL CHECK (length(content_hash) > 0),
  parent_hash TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'current', 'superseded')),
  change_origin TEXT NOT NULL DEFAULT 'sync' CHECK (change_origin IN ('deployment', 'sync', 'local_modification')),
  created_at TEXT NOT NULL,
  UNIQUE (artifact_uuid, content_hash)
)`,
    `CREATE TABLE artifact_files (
  version_id INTEGER NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE,
  path TEXT NOT NULL CHECK (length(path) > 0),
  sort INTEGER NOT NULL DEFAULT 0,
  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
  content_hash TEXT,
  size INTEGER CHECK (size IS NULL OR size >= 0),
  PRIMARY KEY (version_id, path)
)`,
    'CREATE UNIQUE INDEX ux_artifact_files_one_primary ON artifact_files (version_id) WHERE is_primary = 1',
    'CREATE INDEX ix_artifact_files_version_sort ON artifact_files (version_id, sort)',
    VERSIONS_BACKFILL,
    // The partial unique index is what makes "one current version" a constraint, not a hope;
    // built after the backfill, which is cheaper than keeping it up to date row by row.
    // No hash indexes: lineage walks stay within one artifact, which UNIQUE already indexes.
    "CREATE UNIQUE INDEX ux_artifact_versions_one_current ON artifact_versions (artifact_uuid) WHERE status = 'current'",
  ],
  down: ['DROP TABLE artifact_files', 'DROP TABLE artifact_versions'],
};
