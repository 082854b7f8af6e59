// What the editor's cache needs beyond SkillMeat's schema: a generation counter for optimistic
// concurrency, a registry so uuids survive rebuilds, "missing" artifacts that memberships still
// name, deployment records and lock entries from the TOML files, and collection manifest paths.
import type { Migration } from './types';

// Statements the squashed 0001 ↔ head paths (squash.ts) run as they are.
export const CACHE_META_FILL = "INSERT INTO cache_meta (key, value) VALUES ('generation', 0), ('format', 'skillmeat-vscode-cache')";
export const UUID_REGISTRY_FILL = 'INSERT INTO uuid_registry (type_name, uuid, first_seen, last_seen) SELECT id, uuid, created_at, updated_at FROM artifacts ORDER BY id';
export const MANIFEST_PATH_ADD = 'ALTER TABLE collections ADD COLUMN manifest_path TEXT';
export const MANIFEST_PATH_DROP = ['DROP INDEX ux_collections_manifest_path', 'ALTER TABLE collections DROP COLUMN manifest_path'] as const;

/** Head-only tables and columns for the VS Code cache. */
export const m0010: Migration = {
  id: '0010_cache_state',
  description: 'cache_meta generation, uuid_registry, artifacts.missing_since, collections.manifest_path, deployments, lock_entries',
  up: [
    `CREATE TABLE cache_meta (
  key TEXT PRIMARY KEY NOT NULL,
  value
) WITHOUT ROWID`,
    CACHE_META_FILL,
    `CREATE TABLE uuid_registry (
  type_name TEXT PRIMARY KEY NOT NULL CHECK (instr(type_name, ':') > 1),
  uuid TEXT NOT NULL UNIQUE CHECK (length(uuid) = 32 AND uuid NOT GLOB '*[^0-9a-f]*'),
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL
)`,
    UUID_REGISTRY_FILL,
    'ALTER TABLE artifacts ADD COLUMN missing_since TEXT',
    'CREATE INDEX ix_artifacts_missing_since ON artifacts (missing_since) WHERE missing_since IS NOT NULL',
    MANIFEST_PATH_ADD,
    'CREATE UNIQUE INDEX ux_collections_manifest_path ON collections (manifest_path) WHERE manifest_path IS NOT NULL',
    // Not a join table: a deployed record exists in its TOML file whether or not the cache
    // knows the artifact, so losing the artifact clears the link instead of the record.
    `CREATE TABLE deployments (
  id INTEGER PRIMARY KEY,
  project_path TEXT NOT NULL,
  profile_root TEXT NOT NULL,
  profile_id TEXT NOT NULL DEFAULT 'claude_code',
  artifact_uuid TEXT REFERENCES artifacts (uuid) ON DELETE SET NULL,
  artifact_name TEXT NOT NULL,
  artifact_type TEXT NOT NULL,
  from_collection TEXT NOT NULL,
  artifact_path TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  deployed_at TEXT NOT NULL,
  local_modifications INTEGER NOT NULL DEFAULT 0 CHECK (local_modifications IN (0, 1)),
  parent_hash TEXT,
  platform TEXT,
  version_lineage_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(version_lineage_json) AND json_type(version_lineage_json) = 'array'),
  synced_at TEXT NOT NULL,
  UNIQUE (project_path, profile_root, profile_id, artifact_type, artifact_name)
)`,
    'CREATE INDEX ix_deployments_artifact_uuid ON deployments (artifact_uuid)',
    'CREATE INDEX ix_deployments_type_name ON deployments (artifact_type, artifact_name)',
    `CREATE TABLE lock_entries (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  artifact_type TEXT NOT NULL,
  artifact_name TEXT NOT NULL,
  artifact_uuid TEXT REFERENCES artifacts (uuid) ON DELETE SET NULL,
  content_hash TEXT NOT NULL,
  fetched TEXT NOT NULL,
  upstream TEXT,
  resolved_sha TEXT,
  resolved_version TEXT,
  PRIMARY KEY (collection_id, artifact_type, artifact_name)
)`,
    'CREATE INDEX ix_lock_entries_artifact_uuid ON lock_entries (artifact_uuid)',
  ],
  down: [
    'DROP TABLE lock_entries',
    'DROP TABLE deployments',
    ...MANIFEST_PATH_DROP,
    'DROP INDEX ix_artifacts_missing_since',
    'ALTER TABLE artifacts DROP COLUMN missing_since',
    'DROP TABLE uuid_registry',
    'DROP TABLE cache_meta',
  ],
};
