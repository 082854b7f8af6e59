// Which parts of a sql.js database changed since it was last saved, and their bytes, read
// straight from the in-memory file — without `export()`, which copies every page through
// SQLite's backup API (~100 ms for a 92 MiB cache) — see docs/decisions/0008-cache-save.md.
//
// sql.js keeps each database as a file of Emscripten's in-memory file system (MEMFS), named by
// `db.filename`; SQLite writes its pages to that file at every commit, so outside a transaction
// the file *is* the database image. sql.js does not export its FS, but every regular MEMFS file
// shares one stream-operations object whose `read` and `write` keep their names in the minified
// build. That object is caught once per sql.js instance (below), and its `write` is wrapped to
// note the 4 KiB blocks each tracked database writes. A self-test on a scratch database checks
// that the old image patched with the noted blocks equals the new one byte for byte; if anything
// differs (another sql.js version, another file system), tracking is off and saves fall back to
// `export()` and a whole-file write, as before.
import type { Database, SqlJsStatic } from 'sql.js';

/** The unit of change tracking and of page writes (SQLite's default page size; any page size works). */
export const BLOCK = 4096;

interface MemNode {
  name: string;
}

interface MemStream {
  node: MemNode;
}

/** MEMFS's stream operations for regular files (the two members whose names survive minification). */
interface FileOps {
  read(stream: MemStream, buffer: Uint8Array, offset: number, length: number, position: number): number;
  write(stream: MemStream, buffer: Uint8Array, offset: number, length: number, position: number, canOwn?: boolean): number;
}

interface Registry {
  ops: FileOps;
  trackers: Map<string, MemTracker>;
}

/** Per sql.js instance: its registry, or null when tracking is unavailable. */
const registries = new WeakMap<SqlJsStatic, Registry | null>();

/** The database image in memory and the blocks written to it since the last `clear()`. */
export class MemTracker {
  private node: MemNode | undefined;
  private dirty = new Set<number>();
  private disposed = false;

  constructor(
    private readonly registry: Registry,
    readonly name: string,
  ) {}

  /** Called for every write to this database's file. */
  noteWrite(node: MemNode, position: number, length: number): void {
    this.node = node;
    if (length <= 0) return;
    const last = Math.floor((position + length - 1) / BLOCK);
    for (let b = Math.floor(position / BLOCK); b <= last; b++) this.dirty.add(b);
  }

  /** Whether the in-memory file can be read (it has been written to since tracking began). */
  get readable(): boolean {
    return this.node !== undefined && !this.disposed;
  }

  /** Blocks written since the last clear(), ascending. */
  dirtyBlocks(): number[] {
    return [...this.dirty].sort((a, b) => a - b);
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  /** Forgets the blocks noted so far (they are now on disk). */
  clear(): void {
    this.dirty.clear();
  }

  /** Copies `length` bytes of the in-memory file at `position` into `buffer`; returns how many there were. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    if (!this.node || this.disposed) throw new Error('the in-memory database file cannot be read');
    return this.registry.ops.read({ node: this.node }, buffer, offset, length, position);
  }

  /** Whether the in-memory file is exactly `size` bytes long. */
  hasSize(size: number): boolean {
    if (!this.readable) return false;
    const probe = new Uint8Array(1);
    return (size === 0 || this.read(probe, 0, 1, size - 1) === 1) && this.read(probe, 0, 1, size) === 0;
  }

  /** Stops tracking (the database was closed or replaced). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.registry.trackers.get(this.name) === this) this.registry.trackers.delete(this.name);
    this.dirty.clear();
    this.node = undefined;
  }
}

/**
 * Catches MEMFS's shared stream operations: sql.js's export() derives the stream operations of
 * its scratch file with `Object.create(node.stream_ops)`, so one export with Object.create
 * briefly wrapped hands the shared object over. Synchronous, so nothing else runs meanwhile.
 */
function catchFileOps(SQL: SqlJsStatic): FileOps | undefined {
  const scratch = new SQL.Database();
  const create = Object.create;
  let ops: FileOps | undefined;
  try {
    scratch.exec('CREATE TABLE t (x)');
    Object.create = function (proto: object | null, props?: PropertyDescriptorMap) {
      const p = proto as Partial<FileOps> | null;
      if (!ops && p && typeof p.read === 'function' && typeof p.write === 'function') ops = p as FileOps;
      return props === undefined ? create(proto) : create(proto, props);
    } as typeof Object.create;
    scratch.export();
  } catch {
    ops = undefined;
  } finally {
    Object.create = create;
    scratch.close();
  }
  return ops;
}

function install(SQL: SqlJsStatic): Registry | null {
  const ops = catchFileOps(SQL);
  if (!ops) return null;
  const registry: Registry = { ops, trackers: new Map() };
  const write = ops.write;
  ops.write = function (stream, buffer, offset, length, position, canOwn) {
    if (registry.trackers.size > 0) {
      const node = stream?.node;
      const t = node ? registry.trackers.get(node.name) : undefined;
      if (t) t.noteWrite(node, position, length);
    }
    return write.call(this, stream, buffer, offset, length, position, canOwn);
  };
  if (!selfTest(SQL, registry)) {
    ops.write = write;
    return null;
  }
  return registry;
}

/** The in-memory image of a database, whole (undefined when it cannot be read). */
export function imageOf(db: Database, t: MemTracker): Uint8Array | undefined {
  const size = imageSize(db);
  if (size === undefined || !t.hasSize(size)) return undefined;
  const out = new Uint8Array(size);
  return t.read(out, 0, size, 0) === size ? out : undefined;
}

/** page_count × page_size: the size the in-memory file has outside a transaction. */
export function imageSize(db: Database): number | undefined {
  const r = db.exec('PRAGMA main.page_count; PRAGMA main.page_size');
  const pages = Number(r[0]?.values[0]?.[0]);
  const pageSize = Number(r[1]?.values[0]?.[0]);
  return Number.isFinite(pages) && Number.isFinite(pageSize) ? pages * pageSize : undefined;
}

/** The MEMFS name of a database's file (sql.js sets `filename`; its typings do not declare it). */
function fileNameOf(db: Database): string | undefined {
  const name = (db as unknown as { filename?: unknown }).filename;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Patching the old image with the noted blocks must give the new image, byte for byte. */
function selfTest(SQL: SqlJsStatic, registry: Registry): boolean {
  let a: Database | undefined;
  let b: Database | undefined;
  const tracker = (d: Database): MemTracker | undefined => {
    const name = fileNameOf(d);
    if (!name) return undefined;
    const t = new MemTracker(registry, name);
    registry.trackers.set(name, t);
    return t;
  };
  try {
    a = new SQL.Database();
    const ta = tracker(a);
    if (!ta) return false;
    a.exec('PRAGMA journal_mode = MEMORY; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v)');
    a.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO t (v) SELECT printf('%0400d', i) FROM n");
    const before = imageOf(a, ta);
    if (!before) return false;
    b = new SQL.Database(before);
    const tb = tracker(b);
    if (!tb) return false;
    b.exec('PRAGMA journal_mode = MEMORY');
    b.exec("UPDATE t SET v = 'changed' WHERE id % 37 = 0; DELETE FROM t WHERE id % 53 = 0");
    b.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO t (v) SELECT printf('%0300d', i) FROM n");
    const after = imageOf(b, tb);
    if (!after || tb.dirtyCount === 0) return false;
    const patched = new Uint8Array(after.length);
    patched.set(before.subarray(0, Math.min(before.length, after.length)));
    for (const blk of tb.dirtyBlocks()) {
      const from = blk * BLOCK;
      if (from < after.length) patched.set(after.subarray(from, Math.min(after.length, from + BLOCK)), from);
    }
    if (Buffer.compare(patched, after) !== 0) return false;
    // And the image read this way is a database with the rows SQLite reports.
    const c = new SQL.Database(after);
    try {
      const want = b.exec('SELECT count(*), sum(length(v)) FROM t')[0].values[0];
      const got = c.exec('SELECT count(*), sum(length(v)) FROM t')[0].values[0];
      return JSON.stringify(want) === JSON.stringify(got) && c.exec('PRAGMA quick_check')[0].values[0][0] === 'ok';
    } finally {
      c.close();
    }
  } catch {
    return false;
  } finally {
    for (const d of [a, b]) {
      if (!d) continue;
      registry.trackers.get(fileNameOf(d) ?? '')?.dispose();
      d.close();
    }
  }
}

/** Whether block tracking works with this sql.js (installs it on first use). */
export function trackingAvailable(SQL: SqlJsStatic): boolean {
  if (!registries.has(SQL)) registries.set(SQL, install(SQL));
  return registries.get(SQL) !== null;
}

/**
 * Starts noting the blocks `db` writes; call before anything writes to it (a database opened
 * from bytes equals those bytes until then). Undefined when tracking is unavailable.
 */
export function trackDatabase(SQL: SqlJsStatic, db: Database): MemTracker | undefined {
  if (!trackingAvailable(SQL)) return undefined;
  const registry = registries.get(SQL)!;
  const name = fileNameOf(db);
  if (!name) return undefined;
  registry.trackers.get(name)?.dispose();
  const t = new MemTracker(registry, name);
  registry.trackers.set(name, t);
  return t;
}
