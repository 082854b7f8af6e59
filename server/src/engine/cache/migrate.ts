// The migration runner: one transaction per migration, foreign keys off outside it for table
// rebuilds, a foreign-key check before commit, checksums against drift, and refusal of any
// history this build does not know (a newer build's database is never touched).
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Database } from 'sql.js';
import { MIGRATIONS } from '../../../../migrations';
import type { Migration, MigrationContext, MigrationDb, MigrationStatement, MigrationStep, Row, SqlValue } from '../../../../migrations';
import { SQUASH_BASE, SQUASHED_CHAIN, downBlocker, schemaDifferences, schemaObjects, squashedDown, squashedUp, upBlocker, type SchemaObject } from '../../../../migrations/squash';
import { cacheError, messageOf, type CacheError } from './errors';

/** Bookkeeping tables; the leading underscore keeps them apart from the product schema. */
export const MIGRATIONS_TABLE = '_migrations';
/** Rows migrations set aside (orphans, originals) so that `down` can restore them. */
export const MIGRATION_LOG_TABLE = '_migration_log';

const BOOKKEEPING_SQL = `CREATE TABLE IF NOT EXISTS _migrations (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS _migration_log (
  seq INTEGER PRIMARY KEY,
  migration TEXT NOT NULL,
  table_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  row_json TEXT NOT NULL,
  logged_at TEXT NOT NULL
);`;

/** One applied migration as the database remembers it. */
export interface AppliedMigration {
  id: string;
  checksum: string;
  appliedAt: string;
  durationMs: number;
  /** True when this build's definition hashes differently from what was applied. */
  drift: boolean;
  /** This build's checksum, when the id is known. */
  expectedChecksum?: string;
}

/** Where a database stands against this build's chain. */
export interface MigrationStatus {
  ok: boolean;
  /** Last applied id, or null for an empty database. */
  current: string | null;
  /** Last id this build knows. */
  head: string;
  applied: AppliedMigration[];
  pending: string[];
  drift: string[];
  /** Applied ids this build does not know (the database is newer). */
  unknown: string[];
  error?: CacheError;
}

/** Options shared by up and down. */
export interface MigrateOptions {
  /** Target revision id, its number prefix (`0004`), or `base` (down only: revert all). */
  to?: string;
  /** How many migrations to run instead of a target. */
  steps?: number;
  /** Runs on a copy and returns the SQL; the database is not changed. */
  dryRun?: boolean;
  /** Lets `down` revert migrations whose definition drifted (their down may not fit). */
  force?: boolean;
  /** The chain; tests inject failing ones. Defaults to this build's migrations. */
  migrations?: readonly Migration[];
  /** The clock, injected so tests are repeatable. */
  now?: () => Date;
  /**
   * Whether a run from exactly 0001_legacy_schema to head (up) or back (down) may take the
   * squashed path (one transaction instead of the chain; decision 0007). Default true; false
   * forces the chain, which is what the equivalence tests compare against.
   */
  squash?: boolean;
}

/** One migration that ran (or would run, in a dry run). */
export interface MigrationRun {
  id: string;
  direction: 'up' | 'down';
  checksum: string;
  durationMs: number;
}

/** What up/down did; never thrown. */
export interface MigrateResult {
  ok: boolean;
  direction: 'up' | 'down';
  from: string | null;
  to: string | null;
  applied: MigrationRun[];
  orphansRemoved: Record<string, number>;
  orphansRestored: Record<string, number>;
  warnings: string[];
  dryRun: boolean;
  /** True when free pages left by table rebuilds were reclaimed (VACUUM) after the run. */
  compacted?: boolean;
  sql?: string[];
  error?: CacheError;
  /**
   * Set when the run could take the squashed path: whether it did, and if not, why the chain
   * ran instead (the result is then the chain's, failures included).
   */
  squash?: { used: boolean; reason?: string };
}

/** sha256 of a migration's definition text (SQL and script names), CRLF normalised. */
export function migrationChecksum(m: Migration): string {
  const parts = [`id: ${m.id}`];
  if (m.foreignKeysOff) parts.push('foreign_keys: off');
  parts.push('-- up', ...m.up.map(stepText), '-- down', ...m.down.map(stepText));
  const text = parts.join('\n').replace(/\r\n?/g, '\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function stepText(s: MigrationStep): string {
  if (typeof s === 'string') return s.trim();
  if (s.kind === 'rebuild') {
    const drops = s.dropsIndexes?.length ? `\n-- drops: ${s.dropsIndexes.join(', ')}` : '';
    return `-- rebuild ${s.table}\n${s.statements.map((x) => x.trim()).join(';\n')}${drops}`;
  }
  return `-- script: ${s.name}\n${s.sql.map((x) => x.trim()).join(';\n')}`;
}

function needsForeignKeysOff(m: Migration, direction: 'up' | 'down'): boolean {
  return Boolean(m.foreignKeysOff) || m[direction].some((s) => typeof s !== 'string' && s.kind === 'rebuild');
}

function queryRows(db: Database, sql: string, params: readonly SqlValue[] = []): Row[] {
  const st = db.prepare(sql);
  try {
    st.bind([...params]);
    const out: Row[] = [];
    while (st.step()) out.push(st.getAsObject() as Row);
    return out;
  } finally {
    st.free();
  }
}

function tableExists(db: Database, name: string): boolean {
  return queryRows(db, "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).length > 0;
}

/** Reads which migrations a database has applied and compares them with `migrations`; never writes. */
export function migrationStatus(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationStatus {
  const head = migrations.length ? migrations[migrations.length - 1].id : '';
  const base: MigrationStatus = { ok: true, current: null, head, applied: [], pending: [], drift: [], unknown: [] };
  try {
    const rows = tableExists(db, MIGRATIONS_TABLE)
      ? queryRows(db, 'SELECT id, checksum, applied_at, duration_ms FROM _migrations ORDER BY seq')
      : [];
    const known = new Map(migrations.map((m, i) => [m.id, { m, i }]));
    for (const r of rows) {
      const id = String(r.id);
      const k = known.get(id);
      const expected = k ? migrationChecksum(k.m) : undefined;
      const drift = expected !== undefined && expected !== r.checksum;
      base.applied.push({
        id,
        checksum: String(r.checksum),
        appliedAt: String(r.applied_at),
        durationMs: Number(r.duration_ms),
        drift,
        expectedChecksum: expected,
      });
      if (!k) base.unknown.push(id);
      if (drift) base.drift.push(id);
    }
    base.current = base.applied.length ? base.applied[base.applied.length - 1].id : null;
    if (base.unknown.length) {
      base.ok = false;
      base.error = cacheError(
        'UNKNOWN_REVISION',
        `the cache was migrated by a newer version (revision ${base.unknown.join(', ')}); this build knows revisions up to ${head}. ` +
          'Update the extension or point it at another cache file; the file was left untouched.',
      );
      return base;
    }
    for (let i = 0; i < base.applied.length; i++) {
      if (migrations[i]?.id !== base.applied[i].id) {
        base.ok = false;
        base.error = cacheError(
          'BAD_HISTORY',
          `applied migrations are not a prefix of the known chain: position ${i + 1} is ${base.applied[i].id}, expected ${migrations[i]?.id}`,
        );
        return base;
      }
    }
    base.pending = migrations.slice(base.applied.length).map((m) => m.id);
    return base;
  } catch (e) {
    return { ...base, ok: false, error: cacheError('READ_FAILED', `could not read the migration history: ${messageOf(e)}`) };
  }
}

function resolveTarget(migrations: readonly Migration[], to: string): number | CacheError {
  // -1 is "before the first migration".
  if (to === 'base' || to === '0' || to === '0000') return -1;
  const exact = migrations.findIndex((m) => m.id === to);
  if (exact >= 0) return exact;
  const byPrefix = migrations.map((m, i) => ({ m, i })).filter(({ m }) => m.id.startsWith(`${to}_`) || m.id.split('_')[0] === to.padStart(4, '0'));
  if (byPrefix.length === 1) return byPrefix[0].i;
  return cacheError('BAD_TARGET', `unknown revision "${to}"; known: base, ${migrations.map((m) => m.id).join(', ')}`);
}

/** Tables statements wrote: their rows (keys may have changed) or only their shape (ADD COLUMN). */
interface Writes {
  rows: Set<string>;
  shape: Set<string>;
}

function emptyWrites(): Writes {
  return { rows: new Set(), shape: new Set() };
}

// A table name, optionally schema-qualified; group 1 is the schema, group 2 the name.
const QUOTED = '"(?:[^"]|"")+"|\\[[^\\]]+\\]|\\x60[^\\x60]+\\x60|[A-Za-z_][\\w$]*';
const NAME = '(?:(' + QUOTED + ')\\s*\\.\\s*)?(' + QUOTED + ')';
const ROW_WRITE = new RegExp(
  '\\b(?:INSERT(?:\\s+OR\\s+\\w+)?\\s+INTO|REPLACE\\s+INTO|UPDATE(?:\\s+OR\\s+\\w+)?|DELETE\\s+FROM|DROP\\s+TABLE(?:\\s+IF\\s+EXISTS)?|CREATE\\s+TABLE(?:\\s+IF\\s+NOT\\s+EXISTS)?)\\s+' + NAME,
  'gi',
);
const ALTER = new RegExp('\\bALTER\\s+TABLE\\s+' + NAME + '\\s+(?:RENAME\\s+TO\\s+' + NAME + '|(RENAME)|(ADD|DROP))', 'gi');

function bareName(quoted: string): string {
  const q = quoted[0];
  if (q === '"') return quoted.slice(1, -1).replace(/""/g, '"').toLowerCase();
  if (q === '[' || q === '\x60') return quoted.slice(1, -1).toLowerCase();
  return quoted.toLowerCase();
}

/**
 * Notes which main-schema tables `sql` may write. A scan of the text, deliberately generous:
 * a word after UPDATE or INSERT INTO that is no table (trigger syntax, literals) only costs a
 * lookup, while a missed table would skip its foreign-key check.
 */
function noteWrites(w: Writes, sql: string): void {
  const main = (schema: string | undefined) => schema === undefined || bareName(schema) === 'main';
  for (const m of sql.matchAll(ROW_WRITE)) if (main(m[1])) w.rows.add(bareName(m[2]));
  for (const m of sql.matchAll(ALTER)) {
    if (!main(m[1])) continue;
    const table = bareName(m[2]);
    if (m[4] !== undefined) {
      w.rows.add(table);
      w.rows.add(bareName(m[4]));
    } else if (m[5] !== undefined) w.rows.add(table);
    // DROP COLUMN refuses key columns and leaves the other values alone; an added column may
    // carry a REFERENCES clause with a default that names no parent.
    else if (m[6].toUpperCase() === 'ADD') w.shape.add(table);
  }
}

const FOREIGN_KEY_CHECK = 'SELECT "table", rowid, parent, fkid FROM pragma_foreign_key_check(?)';

/**
 * The tables whose foreign keys a migration could have broken: those it wrote (or whose shape
 * it changed), what their triggers write, and the children of any table whose rows changed
 * (dropping or rebuilding a parent with keys off orphans them). Checking only these instead
 * of the whole database is what keeps a one-table migration from scanning every join table.
 */
function tablesToCheck(db: Database, w: Writes): string[] {
  const rows = new Set(w.rows);
  const triggers = queryRows(db, "SELECT lower(tbl_name) AS t, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL");
  for (let grew = true; grew; ) {
    grew = false;
    for (const tr of triggers) {
      if (!rows.has(String(tr.t))) continue;
      const more = emptyWrites();
      noteWrites(more, String(tr.sql));
      for (const t of [...more.rows, ...more.shape]) {
        if (rows.has(t)) continue;
        rows.add(t);
        grew = true;
      }
    }
  }
  const wanted = new Set([...rows, ...w.shape]);
  const links = queryRows(db, `SELECT m.name AS child, lower(f."table") AS parent FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'`);
  for (const l of links) if (rows.has(String(l.parent))) wanted.add(String(l.child).toLowerCase());
  return queryRows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    .map((r) => String(r.name))
    .filter((n) => wanted.has(n.toLowerCase()));
}

// Run settings: a page cache that holds most of a 100k-artifact cache while its tables are
// copied, and the rollback journal and temporary b-trees in memory instead of sql.js's emulated
// files. Durability comes from the atomic save of the exported image, not from the journal;
// the in-memory journal still rolls a failed migration back.
const RUN_SETTINGS = 'PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY';
// What they are put back to; fixed statements, as no SQL text is built from values.
const JOURNAL_MODES: Record<string, string> = {
  delete: 'PRAGMA journal_mode = DELETE',
  truncate: 'PRAGMA journal_mode = TRUNCATE',
  persist: 'PRAGMA journal_mode = PERSIST',
  memory: 'PRAGMA journal_mode = MEMORY',
  wal: 'PRAGMA journal_mode = WAL',
  off: 'PRAGMA journal_mode = OFF',
};
const TEMP_STORES = ['PRAGMA temp_store = DEFAULT', 'PRAGMA temp_store = FILE', 'PRAGMA temp_store = MEMORY'];
// SQLite's default and the one newDatabase() gives every connection of ours.
const CACHE_SIZES = new Map([
  [-2000, 'PRAGMA cache_size = -2000'],
  [-32768, 'PRAGMA cache_size = -32768'],
]);

/**
 * The bookkeeping of one step inside its transaction: an up adds its `_migrations` row and adds
 * the orphans its log holds to `orphans`; a down deletes its row and its log (its down has put
 * back, or reported, what the log held).
 */
function recordStep(mdb: SqlJsMigrationDb, direction: 'up' | 'down', id: string, seq: number, checksum: string, appliedAt: string, durationMs: number, orphans: Record<string, number>): void {
  if (direction === 'up') {
    for (const o of mdb.all("SELECT table_name, count(*) AS n FROM _migration_log WHERE migration = ? AND kind = 'orphan' GROUP BY table_name", [id])) {
      orphans[String(o.table_name)] = (orphans[String(o.table_name)] ?? 0) + Number(o.n);
    }
    mdb.run('INSERT INTO _migrations (seq, id, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?)', [seq, id, checksum, appliedAt, durationMs]);
  } else {
    mdb.run('DELETE FROM _migration_log WHERE migration = ?', [id]);
    mdb.run('DELETE FROM _migrations WHERE id = ?', [id]);
  }
}

/** Applies the run settings; returns what puts the connection's own back. */
function tuneForRun(db: Database): () => void {
  const read = (sql: string) => Object.values(queryRows(db, sql)[0] ?? {})[0];
  const restore = [
    JOURNAL_MODES[String(read('PRAGMA journal_mode')).toLowerCase()] ?? JOURNAL_MODES.delete,
    CACHE_SIZES.get(Number(read('PRAGMA cache_size'))) ?? 'PRAGMA cache_size = -32768',
    TEMP_STORES[Number(read('PRAGMA temp_store'))] ?? TEMP_STORES[0],
  ];
  db.exec(RUN_SETTINGS);
  return () => {
    for (const sql of restore) db.exec(sql);
  };
}

/** Records statements for a dry run; prepared statements are listed once with a run count. */
class Recorder {
  readonly lines: { sql: string; count: number; params?: string }[] = [];

  add(sql: string, params?: readonly SqlValue[]): void {
    const p = params && params.length ? JSON.stringify(params.map((v) => (v instanceof Uint8Array ? `<blob ${v.length}>` : v))) : undefined;
    this.lines.push({ sql: sql.trim(), count: 1, params: p && p.length > 200 ? `${p.slice(0, 200)}…` : p });
  }

  prepared(sql: string): () => void {
    const line = { sql: sql.trim(), count: 0 };
    this.lines.push(line);
    return () => {
      line.count++;
    };
  }

  render(): string[] {
    return this.lines.map((l) => {
      if (l.params !== undefined) return `${l.sql} -- params: ${l.params}`;
      if (l.count !== 1) return `${l.sql} -- prepared, run ${l.count}×`;
      return l.sql;
    });
  }
}

/** MigrationDb over sql.js; everything binds parameters and may be recorded. */
class SqlJsMigrationDb implements MigrationDb {
  /** Tables the statements since the last `takeWrites()` may have changed, for the key check. */
  private writes = emptyWrites();

  constructor(
    private readonly db: Database,
    private readonly recorder?: Recorder,
  ) {}

  /** What the statements run since the last call wrote; starts a new tally. */
  takeWrites(): Writes {
    const w = this.writes;
    this.writes = emptyWrites();
    return w;
  }

  exec(sql: string): void {
    this.recorder?.add(sql);
    noteWrites(this.writes, sql);
    this.db.exec(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): number {
    this.recorder?.add(sql, params);
    noteWrites(this.writes, sql);
    const st = this.db.prepare(sql);
    try {
      st.run([...params]);
    } finally {
      st.free();
    }
    return this.db.getRowsModified();
  }

  all(sql: string, params: readonly SqlValue[] = []): Row[] {
    this.recorder?.add(sql, params);
    return queryRows(this.db, sql, params);
  }

  get(sql: string, params: readonly SqlValue[] = []): Row | undefined {
    return this.all(sql, params)[0];
  }

  prepare(sql: string): MigrationStatement {
    const tick = this.recorder?.prepared(sql);
    noteWrites(this.writes, sql);
    const st = this.db.prepare(sql);
    const db = this.db;
    const rows = (params: readonly SqlValue[]): Row[] => {
      tick?.();
      st.bind([...params]);
      const out: Row[] = [];
      try {
        while (st.step()) out.push(st.getAsObject() as Row);
      } finally {
        st.reset();
      }
      return out;
    };
    return {
      run(params = []) {
        tick?.();
        st.run([...params]);
        return db.getRowsModified();
      },
      all: (params = []) => rows(params),
      get: (params = []) => rows(params)[0],
      free: () => void st.free(),
    };
  }

  function(name: string, fn: (...args: SqlValue[]) => SqlValue): void {
    this.recorder?.add(`-- function ${name}()`);
    this.db.create_function(name, fn);
  }
}

/** Naive UTC ISO-8601, the way SkillMeat stores times. */
function naiveIso(d: Date): string {
  return d.toISOString().replace(/Z$/, '');
}

class StepFailure extends Error {
  constructor(readonly error: CacheError) {
    super(error.message);
  }
}

interface RunTotals {
  orphansRemoved: Record<string, number>;
  orphansRestored: Record<string, number>;
  warnings: string[];
}

function objectsOf(db: MigrationDb, table: string): string[] {
  return db
    .all("SELECT name FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_autoindex_%'", [table])
    .map((r) => String(r.name));
}

/** What a migration's script steps get: the clock, ids, the log, and where notes and restored counts go. */
function migrationContext(
  mdb: SqlJsMigrationDb,
  id: string,
  now: () => Date,
  warnings: string[],
  restored: Record<string, number>,
  statements: MigrationStatement[],
): MigrationContext {
  let logStatement: MigrationStatement | undefined;
  return {
    migrationId: id,
    now: () => naiveIso(now()),
    newId: () => randomBytes(16).toString('hex'),
    log(table, kind, row) {
      if (!logStatement) statements.push((logStatement = mdb.prepare('INSERT INTO _migration_log (migration, table_name, kind, row_json, logged_at) VALUES (?, ?, ?, ?, ?)')));
      logStatement.run([id, table, kind, JSON.stringify(row), naiveIso(now())]);
    },
    logged(table, kind) {
      return mdb
        .all('SELECT row_json FROM _migration_log WHERE migration = ? AND table_name = ? AND kind = ? ORDER BY seq', [id, table, kind])
        .map((r) => JSON.parse(String(r.row_json)) as unknown);
    },
    restored(table, count) {
      restored[table] = (restored[table] ?? 0) + count;
    },
    note(message) {
      warnings.push(`${id}: ${message}`);
    },
  };
}

function applyOne(
  db: Database,
  mdb: SqlJsMigrationDb,
  m: Migration,
  seq: number,
  direction: 'up' | 'down',
  now: () => Date,
  totals: RunTotals,
): MigrationRun | CacheError {
  const checksum = migrationChecksum(m);
  const started = performance.now();
  const fkOff = needsForeignKeysOff(m, direction);
  const fkWasOn = Number(queryRows(db, 'PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1;
  // PRAGMA foreign_keys is a no-op inside a transaction, so it has to change out here.
  if (fkOff && fkWasOn) mdb.exec('PRAGMA foreign_keys = OFF');
  let inTransaction = false;
  const statements: MigrationStatement[] = [];
  try {
    mdb.exec('BEGIN');
    inTransaction = true;
    mdb.takeWrites();
    mdb.exec(BOOKKEEPING_SQL);
    const restored: Record<string, number> = {};
    const ctx = migrationContext(mdb, m.id, now, totals.warnings, restored, statements);
    const list = m[direction];
    for (let i = 0; i < list.length; i++) {
      const step = list[i];
      try {
        if (typeof step === 'string') mdb.exec(step);
        else if (step.kind === 'script') step.run(mdb, ctx);
        else {
          const before = objectsOf(mdb, step.table);
          for (const s of step.statements) mdb.exec(s);
          const after = new Set(objectsOf(mdb, step.table));
          const lost = before.filter((n) => !after.has(n) && !(step.dropsIndexes ?? []).includes(n));
          if (lost.length) {
            throw new StepFailure(cacheError('MIGRATION_FAILED', `${m.id} ${direction}: rebuilding ${step.table} lost ${lost.join(', ')}`));
          }
        }
      } catch (e) {
        if (e instanceof StepFailure) throw e;
        const what = typeof step === 'string' ? step.trim().split('\n')[0].slice(0, 80) : step.kind === 'script' ? step.name : `rebuild ${step.table}`;
        throw new StepFailure(cacheError('MIGRATION_FAILED', `${m.id} ${direction} failed at step ${i + 1} (${what}): ${messageOf(e)}`));
      }
    }
    const violations = tablesToCheck(db, mdb.takeWrites()).flatMap((t) => mdb.all(FOREIGN_KEY_CHECK, [t]));
    if (violations.length) {
      const sample = violations
        .slice(0, 5)
        .map((v) => `${v.table} row ${v.rowid} → ${v.parent}`)
        .join('; ');
      throw new StepFailure(
        cacheError('FK_VIOLATION', `${m.id} ${direction}: ${violations.length} foreign key violation(s), rolled back (${sample})`),
      );
    }
    recordStep(mdb, direction, m.id, seq, checksum, naiveIso(now()), Math.round(performance.now() - started), totals.orphansRemoved);
    for (const s of statements.splice(0)) s.free();
    mdb.exec('COMMIT');
    inTransaction = false;
    for (const [t, n] of Object.entries(restored)) totals.orphansRestored[t] = (totals.orphansRestored[t] ?? 0) + n;
    return { id: m.id, direction, checksum, durationMs: Math.round(performance.now() - started) };
  } catch (e) {
    for (const s of statements) s.free();
    if (inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back on its own after some errors.
      }
    }
    return e instanceof StepFailure ? e.error : cacheError('MIGRATION_FAILED', `${m.id} ${direction}: ${messageOf(e)}`);
  } finally {
    if (fkOff && fkWasOn) db.exec('PRAGMA foreign_keys = ON');
  }
}

// --- the squashed path (decision 0007) ------------------------------------------------------

/** The schemas the chain leaves on an empty database, which the squashed paths must match exactly. */
interface ReferenceSchemas {
  /** At 0001 after `up --to 0001`. */
  base: SchemaObject[];
  /** At head. */
  head: SchemaObject[];
  /** At 0001 after the downs from head (rebuilt tables carry their renamed, quoted text); made when first needed. */
  baseAfterDown?: SchemaObject[];
}

const REFERENCE_CLOCK = () => new Date(0);
// Per sql.js build (its Database class): tens of ms of migrating an empty database, once per process.
const referenceCache = new WeakMap<object, ReferenceSchemas>();

function referenceSchemas(db: Database, needBaseAfterDown: boolean): Required<ReferenceSchemas> | ReferenceSchemas {
  const Ctor = db.constructor as new () => Database;
  const cached = referenceCache.get(Ctor);
  if (cached && (cached.baseAfterDown || !needBaseAfterDown)) return cached;
  const ref = new Ctor();
  try {
    ref.exec('PRAGMA foreign_keys = ON');
    const step = (direction: 'up' | 'down', to?: string): SchemaObject[] => {
      const r = execute(ref, direction, { to, squash: false, now: REFERENCE_CLOCK });
      if (!r.ok) throw new Error(`reference ${direction} run: ${r.error?.message}`);
      return schemaObjects({ all: (sql: string) => queryRows(ref, sql) });
    };
    const schemas: ReferenceSchemas = { base: step('up', SQUASH_BASE), head: step('up') };
    if (needBaseAfterDown) schemas.baseAfterDown = step('down', SQUASH_BASE);
    referenceCache.set(Ctor, schemas);
    return schemas;
  } finally {
    ref.close();
  }
}

// Whether this build's chain is the one the squashed paths were composed from; computed once.
let chainIsSquashed: boolean | undefined;

function chainMatchesSquash(): boolean {
  chainIsSquashed ??=
    MIGRATIONS.length === SQUASHED_CHAIN.length && MIGRATIONS.every((m, i) => m.id === SQUASHED_CHAIN[i][0] && migrationChecksum(m) === SQUASHED_CHAIN[i][1]);
  return chainIsSquashed;
}

/** Whether `list` is exactly 0001 → head (up) or head → 0001 (down) of this build's own chain, the one squash.ts was composed from. */
function squashEligible(direction: 'up' | 'down', list: readonly { m: Migration }[], opts: MigrateOptions): boolean {
  if (opts.dryRun || opts.squash === false) return false;
  if (opts.migrations !== undefined && opts.migrations !== MIGRATIONS) return false;
  if (MIGRATIONS[0]?.id !== SQUASH_BASE || list.length !== MIGRATIONS.length - 1 || list.length < 2) return false;
  if (!chainMatchesSquash()) return false;
  const ids = list.map(({ m }) => m.id);
  if (direction === 'down') ids.reverse();
  return ids.every((id, i) => id === MIGRATIONS[i + 1].id);
}

class SquashBlocked extends Error {}

/**
 * Runs 0001 → head or head → 0001 as one transaction and records it exactly as the chain would
 * (each migration's `_migrations` row, or their removal; orphan counts; notes). Returns true when
 * it committed; otherwise everything was rolled back and the reason is returned for the chain
 * to run instead.
 */
function runSquashed(db: Database, direction: 'up' | 'down', list: readonly { m: Migration; seq: number }[], now: () => Date, result: MigrateResult): true | string {
  const started = performance.now();
  let refs: ReferenceSchemas;
  try {
    refs = referenceSchemas(db, direction === 'down');
  } catch (e) {
    return `no reference schema: ${messageOf(e)}`;
  }
  const mdb = new SqlJsMigrationDb(db);
  const before = schemaObjects(mdb);
  const differs = schemaDifferences(before, direction === 'up' ? refs.base : refs.head);
  if (differs.length) return `the schema is not exactly this build's ${direction === 'up' ? SQUASH_BASE : 'head'} (${differs.slice(0, 3).join(', ')})`;
  const target = direction === 'up' ? refs.head : refs.baseAfterDown;
  if (!target) return 'no reference schema for 0001 after down';
  const fkWasOn = Number(queryRows(db, 'PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1;
  if (fkWasOn) db.exec('PRAGMA foreign_keys = OFF');
  const warnings: string[] = [];
  const restored = new Map<string, Record<string, number>>();
  const statements: MigrationStatement[] = [];
  let inTransaction = false;
  try {
    mdb.exec('BEGIN');
    inTransaction = true;
    mdb.takeWrites();
    const blocked = direction === 'up' ? upBlocker(mdb) : downBlocker(mdb);
    if (blocked) throw new SquashBlocked(blocked);
    const env = {
      target,
      ctx(id: string) {
        if (!restored.has(id)) restored.set(id, {});
        return migrationContext(mdb, id, now, warnings, restored.get(id)!, statements);
      },
    };
    if (direction === 'up') squashedUp(mdb, env);
    else squashedDown(mdb, env);
    const violations = tablesToCheck(db, mdb.takeWrites()).flatMap((t) => mdb.all(FOREIGN_KEY_CHECK, [t]));
    if (violations.length) throw new SquashBlocked(`${violations.length} foreign key violation(s) after the squashed run`);
    const after = schemaDifferences(schemaObjects(mdb), target);
    if (after.length) throw new SquashBlocked(`the squashed run left a different schema (${after.slice(0, 3).join(', ')})`);
    const orphans: Record<string, number> = {};
    const share = Math.round((performance.now() - started) / list.length);
    for (const { m, seq } of list) recordStep(mdb, direction, m.id, seq, migrationChecksum(m), naiveIso(now()), share, orphans);
    for (const s of statements.splice(0)) s.free();
    mdb.exec('COMMIT');
    inTransaction = false;
    const durationMs = Math.round((performance.now() - started) / list.length);
    for (const { m } of list) {
      result.applied.push({ id: m.id, direction, checksum: migrationChecksum(m), durationMs });
      for (const [t, n] of Object.entries(restored.get(m.id) ?? {})) result.orphansRestored[t] = (result.orphansRestored[t] ?? 0) + n;
    }
    for (const [t, n] of Object.entries(orphans)) result.orphansRemoved[t] = (result.orphansRemoved[t] ?? 0) + n;
    result.warnings.push(...warnings);
    return true;
  } catch (e) {
    for (const s of statements) s.free();
    if (inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
    }
    return e instanceof SquashBlocked ? e.message : `the squashed run failed: ${messageOf(e)}`;
  } finally {
    if (fkWasOn) db.exec('PRAGMA foreign_keys = ON');
  }
}

/**
 * Rebuilds copy tables, so a run can leave much of the file as free pages; the whole image is
 * exported on every save, so reclaim them when they are a large share. VACUUM cannot run
 * inside a transaction, hence here, after the migrations.
 */
function compactIfWasteful(db: Database): boolean {
  const pages = Number(queryRows(db, 'PRAGMA page_count')[0]?.page_count ?? 0);
  const free = Number(queryRows(db, 'PRAGMA freelist_count')[0]?.freelist_count ?? 0);
  if (pages < 256 || free < pages / 4) return false;
  try {
    db.exec('VACUUM');
    return true;
  } catch {
    // Only space is lost.
    return false;
  }
}

function emptyResult(direction: 'up' | 'down', from: string | null, dryRun: boolean): MigrateResult {
  return { ok: true, direction, from, to: from, applied: [], orphansRemoved: {}, orphansRestored: {}, warnings: [], dryRun };
}

function plan(
  db: Database,
  direction: 'up' | 'down',
  opts: MigrateOptions,
): { result: MigrateResult; list: { m: Migration; seq: number }[]; migrations: readonly Migration[] } {
  const migrations = opts.migrations ?? MIGRATIONS;
  const status = migrationStatus(db, migrations);
  const result = emptyResult(direction, status.current, Boolean(opts.dryRun));
  const fail = (error: CacheError) => ({ result: { ...result, ok: false, error }, list: [], migrations });
  if (!status.ok) return fail(status.error ?? cacheError('INTERNAL', 'migration status failed'));
  if (opts.to !== undefined && opts.steps !== undefined) return fail(cacheError('BAD_TARGET', 'give either a target revision or a number of steps, not both'));
  if (opts.steps !== undefined && (!Number.isInteger(opts.steps) || opts.steps < 0)) {
    return fail(cacheError('BAD_TARGET', `steps must be a whole number ≥ 0, got ${opts.steps}`));
  }
  const currentIndex = status.applied.length - 1;
  let target: number;
  if (opts.to !== undefined) {
    const t = resolveTarget(migrations, opts.to);
    if (typeof t !== 'number') return fail(t);
    if (direction === 'up' && t === -1) return fail(cacheError('BAD_TARGET', '"base" is only a target for down'));
    if (direction === 'up' && t < currentIndex) {
      return fail(cacheError('BAD_TARGET', `the cache is already at ${status.current}, past ${migrations[t].id}; use down to go back`));
    }
    if (direction === 'down' && t > currentIndex) {
      return fail(cacheError('BAD_TARGET', `the cache is at ${status.current ?? 'base'}, before ${migrations[t].id}; use up to go forward`));
    }
    target = t;
  } else if (direction === 'up') {
    target = opts.steps !== undefined ? Math.min(currentIndex + opts.steps, migrations.length - 1) : migrations.length - 1;
  } else {
    target = Math.max(currentIndex - (opts.steps ?? 1), -1);
  }
  const list: { m: Migration; seq: number }[] = [];
  if (direction === 'up') for (let i = currentIndex + 1; i <= target; i++) list.push({ m: migrations[i], seq: i + 1 });
  else for (let i = currentIndex; i > target; i--) list.push({ m: migrations[i], seq: i + 1 });
  if (direction === 'down' && !opts.force) {
    const drifted = list.filter(({ m }) => status.drift.includes(m.id)).map(({ m }) => m.id);
    if (drifted.length) {
      return fail(
        cacheError('DRIFT', `refusing to revert ${drifted.join(', ')}: their definition changed since they were applied, so their down may not fit (use --force to try anyway)`),
      );
    }
  }
  if (status.drift.length) result.warnings.push(`checksum drift in applied migration(s): ${status.drift.join(', ')}`);
  result.to = target >= 0 ? migrations[target].id : null;
  return { result, list, migrations };
}

function execute(db: Database, direction: 'up' | 'down', opts: MigrateOptions): MigrateResult {
  const { result, list } = plan(db, direction, opts);
  if (!result.ok || list.length === 0) return result;
  const now = opts.now ?? (() => new Date());
  let target = db;
  let recorder: Recorder | undefined;
  if (opts.dryRun) {
    // A throwaway copy runs the real thing, so the listed SQL is what would execute
    // (script steps included) and a failure shows up now rather than for real.
    const Ctor = db.constructor as new (data?: Uint8Array) => Database;
    target = new Ctor(db.export());
    target.exec(`PRAGMA foreign_keys = ${Number(queryRows(db, 'PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1 ? 'ON' : 'OFF'}`);
    recorder = new Recorder();
  }
  if (squashEligible(direction, list, opts)) {
    const untune = tuneForRun(db);
    try {
      const squashed = runSquashed(db, direction, list, now, result);
      if (squashed === true) {
        result.squash = { used: true };
        result.compacted = compactIfWasteful(db);
        return result;
      }
      result.squash = { used: false, reason: squashed };
    } finally {
      untune();
    }
  }
  const mdb = new SqlJsMigrationDb(target, recorder);
  const untune = tuneForRun(target);
  try {
    for (const { m, seq } of list) {
      recorder?.add(`-- ${m.id} (${direction})`);
      const run = applyOne(target, mdb, m, seq, direction, now, result);
      if ('code' in run) {
        result.ok = false;
        result.error = run;
        break;
      }
      result.applied.push(run);
    }
    // Still under the run settings: VACUUM rewrites the whole image.
    if (!opts.dryRun && result.applied.length) result.compacted = compactIfWasteful(db);
  } finally {
    untune();
    if (opts.dryRun) target.close();
  }
  if (!result.ok) result.to = result.applied.length ? result.applied[result.applied.length - 1].id : result.from;
  if (!result.ok && direction === 'down' && result.applied.length) {
    const last = result.applied[result.applied.length - 1].id;
    const migrations = opts.migrations ?? MIGRATIONS;
    const i = migrations.findIndex((m) => m.id === last);
    result.to = i > 0 ? migrations[i - 1].id : null;
  }
  if (recorder) result.sql = recorder.render();
  return result;
}

/** The ids up/down would run with these options, or why it would refuse; reads only. */
export function planMigration(db: Database, direction: 'up' | 'down', opts: MigrateOptions = {}): { ok: boolean; ids: string[]; error?: CacheError } {
  try {
    const { result, list } = plan(db, direction, opts);
    return result.ok ? { ok: true, ids: list.map(({ m }) => m.id) } : { ok: false, ids: [], error: result.error };
  } catch (e) {
    return { ok: false, ids: [], error: cacheError('INTERNAL', messageOf(e)) };
  }
}

/** Applies pending migrations (all, up to `to`, or `steps` of them), each in its own transaction. */
export function migrateUp(db: Database, opts: MigrateOptions = {}): MigrateResult {
  try {
    return execute(db, 'up', opts);
  } catch (e) {
    return { ...emptyResult('up', null, Boolean(opts.dryRun)), ok: false, error: cacheError('INTERNAL', messageOf(e)) };
  }
}

/** Reverts applied migrations (one by default, `steps`, or down to `to`), restoring logged rows. */
export function migrateDown(db: Database, opts: MigrateOptions = {}): MigrateResult {
  try {
    return execute(db, 'down', opts);
  } catch (e) {
    return { ...emptyResult('down', null, Boolean(opts.dryRun)), ok: false, error: cacheError('INTERNAL', messageOf(e)) };
  }
}
