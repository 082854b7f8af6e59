// Loads sql.js once per process. The wasm file sits beside the bundle in dist/ (esbuild copies
// it there); running from source (tests, tsx) it is found in node_modules instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;
let loaded: SqlJsStatic | undefined;

/** Where the wasm is: beside the running bundle, else the installed package. */
export function locateSqlWasm(file = 'sql-wasm.wasm'): string {
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  return require.resolve(`sql.js/dist/${file}`);
}

/** The process-wide sql.js instance; a failed load is retried on the next call. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    loading = initSqlJs({ locateFile: (f: string) => locateSqlWasm(f) }).then(
      (s) => (loaded = s),
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
  }
  return loading;
}

/** The already loaded sql.js, for code that runs after an `await loadSqlJs()`. */
export function sqlJsLoaded(): SqlJsStatic | undefined {
  return loaded;
}

/**
 * A new database (from bytes or empty) with foreign keys on, as every connection must have.
 * The database lives in memory and only its exported image is durable (written atomically), so
 * the rollback journal is kept in memory too and nothing is synced: a transaction still rolls
 * back, without sql.js's emulated file I/O on every page.
 */
export function newDatabase(SQL: SqlJsStatic, bytes?: Uint8Array): Database {
  const db = new SQL.Database(bytes);
  db.exec('PRAGMA foreign_keys = ON; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768');
  return db;
}
