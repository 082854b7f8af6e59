// The shape of a migration. Migrations are data (SQL text) plus a few named script steps,
// so the runner can checksum them, record them for a dry run, and guard table rebuilds.

/** A value SQLite can bind or return. */
export type SqlValue = number | string | Uint8Array | null;

/** One result row, column name to value. */
export type Row = Record<string, SqlValue>;

/** A prepared statement a script step may reuse in a loop; always freed by the step. */
export interface MigrationStatement {
  run(params?: readonly SqlValue[]): number;
  all(params?: readonly SqlValue[]): Row[];
  get(params?: readonly SqlValue[]): Row | undefined;
  free(): void;
}

/**
 * The database as a migration sees it. Every statement goes through here (never the raw
 * sql.js handle) so a dry run records exactly what would execute.
 */
export interface MigrationDb {
  /** Runs SQL text that may hold several statements and takes no parameters. */
  exec(sql: string): void;
  /** Runs one statement with bound parameters; returns the number of changed rows. */
  run(sql: string, params?: readonly SqlValue[]): number;
  /** All rows of one query with bound parameters. */
  all(sql: string, params?: readonly SqlValue[]): Row[];
  /** The first row of one query, if any. */
  get(sql: string, params?: readonly SqlValue[]): Row | undefined;
  /** A statement to run many times with different parameters. */
  prepare(sql: string): MigrationStatement;
  /**
   * Registers a scalar SQL function implemented in JavaScript (slugs, SkillMeat's JSON
   * formatting), so set-based statements can use it; it lives as long as the connection.
   */
  function(name: string, fn: (...args: SqlValue[]) => SqlValue): void;
}

/** What the runner lends a script step besides the database. */
export interface MigrationContext {
  readonly migrationId: string;
  /** The run's clock as ISO-8601 UTC; injected so tests are deterministic. */
  now(): string;
  /** A new 32-lower-hex id (same shape as artifact uuids). */
  newId(): string;
  /** Keeps a row (or any JSON value) in `_migration_log` so `down` can put it back. */
  log(table: string, kind: string, row: unknown): void;
  /** What this migration logged for (table, kind), oldest first. */
  logged(table: string, kind: string): unknown[];
  /** Counts rows a down step put back, reported as `orphansRestored`. */
  restored(table: string, count: number): void;
  /** A human remark carried into the result's warnings. */
  note(message: string): void;
}

/**
 * A table rebuild (create new → copy → drop old → rename). The runner turns foreign keys off
 * outside the transaction for it and checks afterwards that no index or trigger of the table
 * went missing unless listed in `dropsIndexes`.
 */
export interface RebuildStep {
  kind: 'rebuild';
  table: string;
  statements: readonly string[];
  /** Index or trigger names the rebuild removes on purpose. */
  dropsIndexes?: readonly string[];
}

/**
 * A step that needs JavaScript (parsing JSON, slugs). `sql` lists the statements it uses so
 * they enter the checksum; change `name` when the logic changes without its SQL changing.
 */
export interface ScriptStep {
  kind: 'script';
  name: string;
  sql: readonly string[];
  run(db: MigrationDb, ctx: MigrationContext): void;
}

/** A plain SQL string, a rebuild, or a script. */
export type MigrationStep = string | RebuildStep | ScriptStep;

/** One migration of the chain. Frozen once shipped: edits show up as checksum drift. */
export interface Migration {
  /** `NNNN_snake_name`; order is the order of `migrations/index.ts`. */
  id: string;
  description: string;
  up: readonly MigrationStep[];
  down: readonly MigrationStep[];
  /** Forces foreign keys off for this migration even without a rebuild step. */
  foreignKeysOff?: boolean;
}
