// Builders shared by the migrations. They only produce SQL text (which enters each
// migration's checksum), so a change here shows up as drift on every migration using it.
import type { RebuildStep, ScriptStep } from './types';

/** Timestamps as SkillMeat writes them: naive UTC ISO-8601 with fractional seconds. */
export const NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%f', 'now')";

/**
 * The SQLite-recommended rebuild: create `<table>__new`, copy, drop the old table, rename,
 * then recreate indexes and triggers (dropping a table drops them too). Renaming the new
 * table rather than the old one keeps other tables' foreign keys pointing at `<table>`.
 */
export function rebuild(
  table: string,
  o: {
    create: string;
    insertColumns: string;
    select: string;
    indexes?: readonly string[];
    triggers?: readonly string[];
    dropsIndexes?: readonly string[];
  },
): RebuildStep {
  const head = `CREATE TABLE ${table} (`;
  if (!o.create.trimStart().startsWith(head)) throw new Error(`rebuild(${table}): create must start with "${head}"`);
  const createNew = o.create.trimStart().replace(head, `CREATE TABLE ${table}__new (`);
  return {
    kind: 'rebuild',
    table,
    statements: [
      createNew,
      `INSERT INTO ${table}__new (${o.insertColumns}) ${o.select}`,
      `DROP TABLE ${table}`,
      `ALTER TABLE ${table}__new RENAME TO ${table}`,
      ...(o.indexes ?? []),
      ...(o.triggers ?? []),
    ],
    dropsIndexes: o.dropsIndexes,
  };
}

/**
 * Keeps `updated_at` honest on edits of the listed columns only, so migrations that touch
 * bookkeeping columns (uuid backfill, missing_since) leave the timestamps alone.
 */
export function updatedAtTrigger(table: string, key: string, columns: readonly string[]): string {
  return (
    `CREATE TRIGGER ${table}_updated_at AFTER UPDATE OF ${columns.join(', ')} ON ${table} ` +
    `FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at BEGIN ` +
    `UPDATE ${table} SET updated_at = ${NOW_SQL} WHERE ${key} = NEW.${key}; END`
  );
}

/**
 * Logs the rows of `table` whose `artifact_id` names no artifact, as JSON of `columns`, so the
 * down migration can put them back. json_object keeps integer/text/null types exactly.
 */
export function logOrphansSql(migrationId: string, table: string, columns: readonly string[]): string {
  const obj = columns.map((c) => `'${c}', o.${c}`).join(', ');
  return (
    `INSERT INTO _migration_log (migration, table_name, kind, row_json, logged_at) ` +
    `SELECT '${migrationId}', '${table}', 'orphan', json_object(${obj}), ${NOW_SQL} ` +
    `FROM ${table} AS o WHERE NOT EXISTS (SELECT 1 FROM artifacts AS a WHERE a.id = o.artifact_id) ORDER BY o.rowid`
  );
}

/**
 * Puts logged orphan rows back. Rows whose parent (collection, group, tag) has since been
 * deleted stay out, as the cascade would have removed them; a row whose key was reused by
 * a newer row yields to it. Both cases are reported as notes, never silently.
 */
export function restoreOrphansStep(
  migrationId: string,
  table: string,
  columns: readonly string[],
  parent: { column: string; table: string; key: string },
): ScriptStep {
  const values = columns.map((c) => `json_extract(l.row_json, '$.${c}')`).join(', ');
  const select =
    `SELECT ${values} FROM _migration_log AS l ` +
    `WHERE l.migration = ? AND l.table_name = ? AND l.kind = 'orphan' ` +
    `AND EXISTS (SELECT 1 FROM ${parent.table} AS p WHERE p.${parent.key} = json_extract(l.row_json, '$.${parent.column}')) ` +
    `ORDER BY l.seq`;
  const insert = `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) ${select}`;
  const count = `SELECT count(*) AS n FROM _migration_log WHERE migration = ? AND table_name = ? AND kind = 'orphan'`;
  return {
    kind: 'script',
    name: `restore orphans of ${table}`,
    sql: [insert, count],
    run(db, ctx) {
      const total = Number(db.get(count, [migrationId, table])?.n ?? 0);
      const restored = db.run(insert, [migrationId, table]);
      ctx.restored(table, restored);
      if (restored < total) {
        ctx.note(
          `${table}: ${total - restored} logged orphan row(s) not restored (their ${parent.table} row is gone or a newer row has the same key)`,
        );
      }
    },
  };
}

/** SkillMeat's tag slug: lower-case, runs of anything but [a-z0-9] become '-', trimmed. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
