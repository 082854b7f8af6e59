// Composite artifacts (plugins, stacks, suites, skill composites) and their members. The
// membership's child is referenced by uuid from the start.
import type { Migration } from './types';

/** Composite tables; unlike SkillMeat, collection_id has a foreign key too. */
export const m0003: Migration = {
  id: '0003_composites',
  description: 'composite_artifacts and composite_memberships (child by uuid, cascades)',
  up: [
    `CREATE TABLE composite_artifacts (
  id TEXT PRIMARY KEY NOT NULL CHECK (id LIKE 'composite:_%'),
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  composite_type TEXT NOT NULL DEFAULT 'plugin' CHECK (composite_type IN ('plugin', 'stack', 'suite', 'skill')),
  display_name TEXT,
  description TEXT,
  metadata_json TEXT CHECK (metadata_json IS NULL OR json_valid(metadata_json)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
)`,
    'CREATE INDEX ix_composite_artifacts_collection_id ON composite_artifacts (collection_id)',
    'CREATE INDEX ix_composite_artifacts_type ON composite_artifacts (composite_type)',
    `CREATE TABLE composite_memberships (
  collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  composite_id TEXT NOT NULL REFERENCES composite_artifacts (id) ON DELETE CASCADE,
  child_artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  relationship_type TEXT NOT NULL DEFAULT 'contains',
  pinned_version_hash TEXT,
  position INTEGER CHECK (position IS NULL OR position >= 0),
  created_at TEXT NOT NULL,
  PRIMARY KEY (collection_id, composite_id, child_artifact_uuid)
)`,
    'CREATE INDEX ix_composite_memberships_composite_id ON composite_memberships (composite_id)',
    'CREATE INDEX ix_composite_memberships_child ON composite_memberships (child_artifact_uuid)',
  ],
  down: ['DROP TABLE composite_memberships', 'DROP TABLE composite_artifacts'],
};
