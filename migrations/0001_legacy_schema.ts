// The pre-UUID layout SkillMeat caches had before ADR-007: join tables name artifacts by
// their `type:name` text id and have no foreign key to `artifacts`, so they can hold orphans.
import { updatedAtTrigger } from './helpers';
import type { Migration } from './types';

const ARTIFACT_TYPES =
  "'skill', 'command', 'agent', 'hook', 'mcp', 'mcp_server', 'workflow', 'composite', " +
  "'project_config', 'spec_file', 'rule_file', 'context_file', 'progress_template'";

const up = [
  `CREATE TABLE artifacts (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  type TEXT NOT NULL CHECK (type IN (${ARTIFACT_TYPES})),
  path TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('local', 'github', 'marketplace')),
  content_hash TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (id = type || ':' || name)
)`,
  `CREATE INDEX ix_artifacts_type_name ON artifacts (type, name)`,
  updatedAtTrigger('artifacts', 'id', ['name', 'type', 'path', 'origin', 'content_hash']),
  `CREATE TABLE collections (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
)`,
  `CREATE INDEX ix_collections_name ON collections (name)`,
  updatedAtTrigger('collections', 'id', ['name', 'description']),
  `CREATE TABLE groups (
  id TEXT PRIMARY KEY NOT NULL,
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  description TEXT,
  color TEXT NOT NULL DEFAULT 'slate',
  icon TEXT NOT NULL DEFAULT 'layers',
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (collection_id, name)
)`,
  `CREATE INDEX ix_groups_collection_position ON groups (collection_id, position)`,
  updatedAtTrigger('groups', 'id', ['name', 'description', 'color', 'icon', 'position']),
  `CREATE TABLE collection_artifacts (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  artifact_id TEXT NOT NULL,
  added_at TEXT NOT NULL,
  tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array'),
  PRIMARY KEY (collection_id, artifact_id)
)`,
  `CREATE INDEX ix_collection_artifacts_artifact_id ON collection_artifacts (artifact_id)`,
  `CREATE INDEX ix_collection_artifacts_added_at ON collection_artifacts (added_at)`,
  `CREATE TABLE group_artifacts (
  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  artifact_id TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  added_at TEXT NOT NULL,
  PRIMARY KEY (group_id, artifact_id)
)`,
  `CREATE INDEX ix_group_artifacts_artifact_id ON group_artifacts (artifact_id)`,
  `CREATE INDEX ix_group_artifacts_group_position ON group_artifacts (group_id, position)`,
  `CREATE TABLE tags (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
  color TEXT CHECK (color IS NULL OR (length(color) = 7 AND substr(color, 1, 1) = '#')),
  created_at TEXT NOT NULL
)`,
  `CREATE TABLE artifact_tags (
  artifact_id TEXT NOT NULL,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (artifact_id, tag_id)
)`,
  `CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)`,
];

const down = [
  'DROP TABLE artifact_tags',
  'DROP TABLE tags',
  'DROP TABLE group_artifacts',
  'DROP TABLE collection_artifacts',
  'DROP TABLE groups',
  'DROP TABLE collections',
  'DROP TABLE artifacts',
];

/** Legacy (pre-UUID) schema. */
export const m0001: Migration = {
  id: '0001_legacy_schema',
  description: 'legacy layout: join tables keyed by type:name text ids, no FK to artifacts',
  up,
  down,
};
