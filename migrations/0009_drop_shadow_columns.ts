// The `_artifact_id_backup` shadows served the 0004–0006 downgrades; at head they would make
// every insert name the artifact twice (SkillMeat's NOT NULL shadow broke its ORM inserts).
// `artifacts.id` stays, so down refills them; values that did not equal it are logged first.
import { rebuild } from './helpers';
import type { Migration, ScriptStep } from './types';

const ID = '0009_drop_shadow_columns';

const TABLES = [
  { table: 'collection_artifacts', key: ['collection_id', 'artifact_uuid'] },
  { table: 'group_artifacts', key: ['group_id', 'artifact_uuid'] },
  { table: 'artifact_tags', key: ['artifact_uuid', 'tag_id'] },
] as const;

const SHADOW = '(SELECT a.id FROM artifacts AS a WHERE a.uuid = t.artifact_uuid)';

function logOdd(table: string, key: readonly string[]): string {
  const obj = [...key, '_artifact_id_backup'].map((c) => `'${c}', t.${c}`).join(', ');
  return (
    `INSERT INTO _migration_log (migration, table_name, kind, row_json, logged_at) ` +
    `SELECT '${ID}', '${table}', 'shadow', json_object(${obj}), strftime('%Y-%m-%dT%H:%M:%f', 'now') FROM ${table} AS t ` +
    `WHERE t._artifact_id_backup IS NOT ${SHADOW}`
  );
}

function restoreOdd(table: string, key: readonly string[]): ScriptStep {
  const select = `SELECT row_json FROM _migration_log WHERE migration = ? AND table_name = ? AND kind = 'shadow' ORDER BY seq`;
  const update = `UPDATE ${table} SET _artifact_id_backup = ? WHERE ${key.map((c) => `${c} = ?`).join(' AND ')}`;
  return {
    kind: 'script',
    name: `restore odd shadow values of ${table}`,
    sql: [select, update],
    // A loop over the (normally empty) logged rows: a correlated subquery per table row
    // against the log would be quadratic.
    run(db) {
      const st = db.prepare(update);
      try {
        for (const r of db.all(select, [ID, table])) {
          const v = JSON.parse(String(r.row_json)) as Record<string, string | number | null>;
          st.run([v._artifact_id_backup, ...key.map((c) => v[c])]);
        }
      } finally {
        st.free();
      }
    },
  };
}

/** Drops the shadow columns; down re-adds them from artifacts.id plus logged exceptions. */
export const m0009: Migration = {
  id: ID,
  description: 'drop _artifact_id_backup shadow columns from the three join tables',
  up: [
    ...TABLES.map((t) => logOdd(t.table, t.key)),
    ...TABLES.map((t) => `ALTER TABLE ${t.table} DROP COLUMN _artifact_id_backup`),
  ],
  down: [
    // The shadow must come back at its old place in column order: it was the last column of
    // these two tables, so ADD COLUMN and one UPDATE will do (no copy, no index rebuilt) …
    ...TABLES.filter((t) => t.table !== 'artifact_tags').flatMap((t) => [
      `ALTER TABLE ${t.table} ADD COLUMN _artifact_id_backup TEXT`,
      `UPDATE ${t.table} AS t SET _artifact_id_backup = ${SHADOW}`,
    ]),
    // … while in artifact_tags 0007's position comes after it, so that table is rebuilt.
    rebuild('artifact_tags', {
      create: `CREATE TABLE artifact_tags (
  artifact_uuid TEXT NOT NULL REFERENCES artifacts (uuid) ON DELETE CASCADE,
  tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  _artifact_id_backup TEXT,
  position INTEGER CHECK (position IS NULL OR position >= 0),
  PRIMARY KEY (artifact_uuid, tag_id)
)`,
      insertColumns: 'artifact_uuid, tag_id, created_at, _artifact_id_backup, position',
      select: `SELECT t.artifact_uuid, t.tag_id, t.created_at, ${SHADOW}, t.position FROM artifact_tags AS t ORDER BY t.artifact_uuid, t.tag_id`,
      indexes: [
        'CREATE INDEX ix_artifact_tags_tag_id ON artifact_tags (tag_id)',
      ],
    }),
    ...TABLES.map((t) => restoreOdd(t.table, t.key)),
  ],
};
