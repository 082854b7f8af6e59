// ADR-007 phase 1: every artifact gets an immutable 32-lower-hex uuid that join tables will
// reference. `type:name` stays the primary key (SkillMeat's outcome B).
import { rebuild, updatedAtTrigger } from './helpers';
import type { Migration } from './types';

const ID = '0002_artifact_uuid';

const ARTIFACT_TYPES =
  "'skill', 'command', 'agent', 'hook', 'mcp', 'mcp_server', 'workflow', 'composite', " +
  "'project_config', 'spec_file', 'rule_file', 'context_file', 'progress_template'";

const COLUMNS = 'id, name, type, path, origin, content_hash, created_at, updated_at';

const TRIGGER = updatedAtTrigger('artifacts', 'id', ['name', 'type', 'path', 'origin', 'content_hash']);

/** Adds the uuid (NOT NULL, unique): one rebuild that fills it as it copies. */
export const m0002: Migration = {
  id: ID,
  description: 'artifacts.uuid: 32 lower-hex, NOT NULL, unique (FK target for join tables)',
  up: [
    // Copying fills the uuid, so no UPDATE rewrites every row first (and no trigger fires);
    // rows go in key order, which builds the primary key index by appending.
    rebuild('artifacts', {
      create: `CREATE TABLE artifacts (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  type TEXT NOT NULL CHECK (type IN (${ARTIFACT_TYPES})),
  path TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('local', 'github', 'marketplace')),
  content_hash TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  uuid TEXT NOT NULL CHECK (length(uuid) = 32 AND uuid NOT GLOB '*[^0-9a-f]*'),
  CHECK (id = type || ':' || name)
)`,
      insertColumns: `${COLUMNS}, uuid`,
      select: `SELECT ${COLUMNS}, lower(hex(randomblob(16))) FROM artifacts ORDER BY id`,
      indexes: [
        'CREATE INDEX ix_artifacts_type_name ON artifacts (type, name)',
        // A foreign key target needs a unique index.
        'CREATE UNIQUE INDEX ix_artifacts_uuid ON artifacts (uuid)',
      ],
      triggers: [TRIGGER],
    }),
  ],
  down: [
    rebuild('artifacts', {
      create: `CREATE TABLE artifacts (
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
      insertColumns: COLUMNS,
      select: `SELECT ${COLUMNS} FROM artifacts ORDER BY id`,
      indexes: ['CREATE INDEX ix_artifacts_type_name ON artifacts (type, name)'],
      triggers: [TRIGGER],
      dropsIndexes: ['ix_artifacts_uuid'],
    }),
  ],
};
