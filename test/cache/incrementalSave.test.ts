/**
 * Incremental saves (engine/cache/incremental.ts, docs/decisions/0008-cache-save.md): real
 * sql.js on real files in temp folders. A small change writes a few blocks into the shadow and
 * renames it in; the file then equals the database in memory byte for byte. Crashes at every
 * step of a save (a file system that stops working at call k in this process, and SIGKILL of a
 * child before and after each call) leave the old or the new state; a reader whose inode is
 * rewritten while it reads notices and reads again; and the inodes that come back as the file
 * never hide another process's save from the conflict check.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { Database, SqlJsStatic } from 'sql.js';
import { realWriteFs, type WriteFs } from '../../server/src/engine/cache/atomicWrite';
import { inspectImage, openCache, type CacheFile, type OpenCacheOptions } from '../../server/src/engine/cache/db';
import { readImage, SPOILED_HEADER } from '../../server/src/engine/cache/incremental';
import { imageOf, trackDatabase, trackingAvailable, type MemTracker } from '../../server/src/engine/cache/memfile';
import { loadSqlJs, locateSqlWasm } from '../../server/src/engine/cache/sqljs';
import { rowsDigest } from './incrementalChild';
import { tempDir } from './helpers';

/** The tracker a handle keeps (private; read here to compare memory and file byte for byte). */
function trackerOf(cache: CacheFile): MemTracker {
  const t = (cache as unknown as { tracker?: MemTracker }).tracker;
  assert.ok(t, 'the handle tracks its database');
  return t;
}

function memoryImage(cache: CacheFile): Uint8Array {
  const img = imageOf(cache.db, trackerOf(cache));
  assert.ok(img, 'the in-memory image can be read');
  return img;
}

function fill(db: Database, n: number, from = 0): void {
  db.exec('BEGIN');
  const st = db.prepare('INSERT INTO collections (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)');
  for (let i = from; i < from + n; i++) st.run([`c${String(i).padStart(5, '0')}`, `collection ${i} ${'x'.repeat(200)}`, 't0', 't0']);
  st.free();
  db.exec('COMMIT');
}

function touch(db: Database, ids: number[], value: string): void {
  for (const i of ids) db.run('UPDATE collections SET updated_at = ? WHERE id = ?', [value, `c${String(i).padStart(5, '0')}`]);
}

/** Every row of every table, to compare two databases. */
function snapshot(db: Database): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]?.values.map((v) => String(v[0])) ?? [];
  for (const t of tables) out[t] = (db.exec(`SELECT * FROM "${t}"`)[0]?.values ?? []).map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as unknown[]);
  return out;
}

function quickCheck(SQL: SqlJsStatic, bytes: Uint8Array): { db: Database } {
  const img = inspectImage(SQL, bytes);
  assert.ok('db' in img, 'reason' in img ? img.reason : '');
  return img;
}

/** A file system that stops working at its `dieAt`-th call once armed: what a crash leaves behind. */
function dyingFs(): { fs: WriteFs; arm(dieAt: number): void; calls(): string[] } {
  let dieAt = Infinity;
  let armed = false;
  const names: string[] = [];
  const full = realWriteFs as Required<WriteFs>;
  const step =
    <A extends unknown[], R>(name: string, fn: (...a: A) => R) =>
    (...a: A): R => {
      if (!armed) return fn(...a);
      const i = names.length;
      names.push(name);
      if (i >= dieAt) throw Object.assign(new Error(`crashed before call ${i} (${name})`), { code: 'ECRASH' });
      return fn(...a);
    };
  const fs: Required<WriteFs> = {
    openSync: step('open', full.openSync),
    writeSync: step('write', full.writeSync),
    fchmodSync: step('fchmod', full.fchmodSync),
    fsyncSync: step('fsync', full.fsyncSync),
    closeSync: step('close', full.closeSync),
    renameSync: step('rename', full.renameSync),
    unlinkSync: step('unlink', full.unlinkSync),
    pwriteSync: step('pwrite', full.pwriteSync),
    ftruncateSync: step('ftruncate', full.ftruncateSync),
    linkSync: step('link', full.linkSync),
    futimesSync: step('futimes', full.futimesSync),
  };
  return {
    fs,
    arm(n) {
      armed = true;
      dieAt = n;
      names.length = 0;
    },
    calls: () => [...names],
  };
}

describe('cache: incremental saves (changed blocks through a shadow file)', function () {
  this.timeout(120_000);
  let SQL: SqlJsStatic;
  let dir: string;
  let cleanup: () => void;
  let file: string;
  const open = async (o: OpenCacheOptions = {}): Promise<CacheFile> => {
    const r = await openCache(file, { incrementalSave: true, ...o });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value.cache;
  };
  before(async () => {
    SQL = await loadSqlJs();
    assert.equal(trackingAvailable(SQL), true, 'block tracking works with this sql.js');
  });
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'vscode-cache.db');
  });
  afterEach(() => cleanup());

  it('a small change writes a few blocks, and the file read back equals the database in memory', async () => {
    const cache = await open();
    fill(cache.db, 4000);
    const first = cache.save();
    assert.ok(first.ok && first.value.mode === 'whole', 'most blocks changed: the whole file is written');
    // The file it replaced is kept as the shadow, brought up to date at once (it lacked a lot).
    assert.equal(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')).length, 1, 'one shadow beside the file');
    for (const [i, ids] of [[1, [17]], [2, [100, 3999]], [3, [2500]]] as const) {
      touch(cache.db, [...ids], `t${i + 1}`);
      const s = cache.save();
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      assert.equal(s.value.mode, 'blocks');
      assert.ok(s.value.bytes > 1_000_000, `an image of ${s.value.bytes} bytes`);
      assert.ok(s.value.written! * 40 < s.value.bytes, `${s.value.written} of ${s.value.bytes} bytes written`);
      const disk = fs.readFileSync(file);
      assert.equal(disk.length, s.value.bytes);
      assert.equal(Buffer.compare(disk, memoryImage(cache)), 0, 'the file is the in-memory image');
      const img = quickCheck(SQL, disk);
      assert.deepEqual(snapshot(img.db), snapshot(cache.db));
      img.db.close();
    }
    // A fresh open (another handle, whole-file saves) reads the same rows.
    const other = await openCache(file, { migrate: false });
    assert.ok(other.ok);
    assert.deepEqual(snapshot(other.value.cache.db), snapshot(cache.db));
    other.value.cache.close();
    cache.close();
    assert.deepEqual(fs.readdirSync(dir).filter((n) => !n.endsWith('.lock')), ['vscode-cache.db'], 'close removes the shadow');
  });

  it('nothing changed: nothing is written; a large change rewrites the whole file; growing and shrinking are followed', async () => {
    const cache = await open();
    fill(cache.db, 2000);
    assert.ok(cache.save().ok);
    touch(cache.db, [1], 't1');
    assert.ok(cache.save().ok);
    const st = fs.statSync(file);
    const same = cache.save();
    assert.ok(same.ok && same.value.mode === 'unchanged' && same.value.written === 0);
    const after = fs.statSync(file);
    assert.deepEqual([after.ino, after.mtimeMs], [st.ino, st.mtimeMs], 'the file was not touched');
    // Grow by half again: more than half the blocks change, so the whole image is written.
    fill(cache.db, 3000, 2000);
    const big = cache.save();
    assert.ok(big.ok && big.value.mode === 'whole', JSON.stringify(big));
    // The shadow (the file before) lacked that change and was brought up to date by that save, so
    // the next small change is a few blocks; so is a small growth; then a shrink (rows deleted and
    // VACUUM). Always equal to memory.
    touch(cache.db, [2], 't2');
    const next = cache.save();
    assert.ok(next.ok && next.value.mode === 'blocks' && next.value.written! < 64 * 1024, JSON.stringify(next));
    fill(cache.db, 20, 5000);
    const grown = cache.save();
    assert.ok(grown.ok && grown.value.mode === 'blocks', JSON.stringify(grown));
    assert.equal(Buffer.compare(fs.readFileSync(file), memoryImage(cache)), 0);
    cache.db.run("DELETE FROM collections WHERE id > 'c01000'");
    cache.db.exec('VACUUM');
    const shrunk = cache.save();
    assert.ok(shrunk.ok, JSON.stringify(shrunk));
    assert.equal(Buffer.compare(fs.readFileSync(file), memoryImage(cache)), 0);
    touch(cache.db, [4], 'after vacuum');
    const small = cache.save();
    assert.ok(small.ok && small.value.mode === 'blocks', JSON.stringify(small));
    const disk = fs.readFileSync(file);
    assert.equal(Buffer.compare(disk, memoryImage(cache)), 0);
    const img = quickCheck(SQL, disk);
    assert.deepEqual(snapshot(img.db), snapshot(cache.db));
    img.db.close();
    cache.close();
  });

  it('a handle that changed nothing since it read the file writes nothing', async () => {
    const first = await open();
    fill(first.db, 500);
    assert.ok(first.save().ok);
    first.close();
    const st = fs.statSync(file);
    const again = await open();
    const s = again.save();
    assert.ok(s.ok && s.value.mode === 'unchanged', JSON.stringify(s));
    assert.equal(fs.statSync(file).mtimeMs, st.mtimeMs);
    touch(again.db, [1], 'now');
    const w = again.save();
    assert.ok(w.ok && w.value.mode === 'whole', 'no shadow yet: the first save that writes is whole');
    again.close();
  });

  it('a cache file that is a symlink: its target is never written into (the first save replaces the link, as before)', async () => {
    const elsewhere = path.join(dir, 'elsewhere.db');
    const seed = await openCache(elsewhere);
    assert.ok(seed.ok);
    fill(seed.value.cache.db, 500);
    assert.ok(seed.value.cache.save().ok);
    seed.value.cache.close();
    const target = fs.readFileSync(elsewhere);
    fs.symlinkSync(elsewhere, file);
    const cache = await open();
    for (let i = 0; i < 4; i++) {
      touch(cache.db, [i], `s${i}`);
      const s = cache.save();
      assert.ok(s.ok, s.ok ? '' : s.error.message);
    }
    assert.deepEqual(fs.readFileSync(elsewhere), target, 'the target is untouched');
    assert.equal(fs.lstatSync(file).isFile(), true);
    assert.equal(Buffer.compare(fs.readFileSync(file), memoryImage(cache)), 0);
    cache.close();
  });

  it('refuses to save inside a transaction opened with a bare BEGIN (its pages are not all in the file yet)', async () => {
    const cache = await open();
    fill(cache.db, 10);
    assert.ok(cache.save().ok);
    cache.db.exec('BEGIN');
    touch(cache.db, [1], 'inside');
    const s = cache.save();
    assert.equal(s.ok, false);
    if (!s.ok) assert.equal(s.error.code, 'INTERNAL');
    cache.db.exec('COMMIT');
    assert.ok(cache.save().ok);
    cache.close();
  });

  for (const kind of ['blocks', 'whole'] as const) {
    it(`a crash at every step of a ${kind} save leaves the old or the new file, healthy, never a mix`, async () => {
      // Calibrate: the calls of one save of this kind.
      const run = async (dieAt: number): Promise<{ calls: string[]; ok: boolean; mode?: string; old: string; next: string }> => {
        for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { force: true });
        const d = dyingFs();
        const cache = await open({ writeFs: d.fs });
        fill(cache.db, 3000);
        assert.ok(cache.save().ok); // whole; the file it replaced is the shadow
        touch(cache.db, [1], 't1');
        assert.ok(cache.save().ok);
        const old = rowsDigest(cache.db);
        // A few rows, or more rows than there were (most blocks: the whole file, then the shadow caught up).
        if (kind === 'blocks') touch(cache.db, [10, 2990], 't2');
        else fill(cache.db, 4000, 3000);
        const next = rowsDigest(cache.db);
        d.arm(dieAt);
        const s = cache.save();
        // The crashed process never runs again; its handle is dropped without cleaning up.
        cache.close();
        return { calls: d.calls(), ok: s.ok, mode: s.ok ? s.value.mode : undefined, old, next };
      };
      const cal = await run(Infinity);
      assert.ok(cal.ok && cal.mode === kind, JSON.stringify(cal));
      const renameAt = cal.calls.lastIndexOf('rename');
      assert.ok(renameAt > 0, cal.calls.join(' '));
      if (kind === 'blocks') {
        assert.ok(cal.calls.includes('link') && cal.calls.includes('pwrite') && cal.calls.includes('fsync'), cal.calls.join(' '));
        assert.ok(!cal.calls.includes('write'), 'no whole-image write');
      }
      for (let dieAt = 0; dieAt <= cal.calls.length; dieAt++) {
        const r = await run(dieAt);
        const disk = fs.readFileSync(file);
        const img = quickCheck(SQL, disk);
        const got = rowsDigest(img.db);
        img.db.close();
        const want = dieAt > renameAt ? r.next : r.old;
        assert.equal(got, want, `crash before call ${dieAt} (${cal.calls[dieAt] ?? 'none: finished'}): ${got === r.old ? 'old' : got === r.next ? 'new' : 'neither'} state`);
        // A new handle reads it and saves on top.
        const again = await open();
        touch(again.db, [7], 'again');
        const s = again.save();
        assert.ok(s.ok, s.ok ? '' : s.error.message);
        again.close();
      }
    });
  }

  it('a failing write (disk full) leaves the file as it was; the next save with room writes everything', async () => {
    let full = false;
    const fsw: WriteFs = {
      ...realWriteFs,
      pwriteSync: (fd, d, o, l, p) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return fs.writeSync(fd, d, o, l, p);
      },
    };
    const cache = await open({ writeFs: fsw });
    fill(cache.db, 3000);
    assert.ok(cache.save().ok);
    touch(cache.db, [1], 't1');
    assert.ok(cache.save().ok);
    const before = fs.readFileSync(file);
    touch(cache.db, [2], 't2');
    full = true;
    const s = cache.save();
    assert.equal(s.ok, false);
    if (!s.ok) {
      assert.equal(s.error.code, 'SAVE_FAILED');
      assert.match(s.error.message, /the disk is full \(ENOSPC\); the previous file is unchanged/);
    }
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'the spoiled shadow and the new name are gone');
    full = false;
    touch(cache.db, [3], 't3');
    const ok = cache.save();
    assert.ok(ok.ok && ok.value.mode === 'whole', JSON.stringify(ok));
    assert.equal(Buffer.compare(fs.readFileSync(file), memoryImage(cache)), 0);
    cache.close();
  });

  it('a reader whose inode is rewritten while it reads notices it and reads the new file', async () => {
    const cache = await open();
    fill(cache.db, 3000);
    assert.ok(cache.save().ok);
    touch(cache.db, [1], 't1');
    assert.ok(cache.save().ok);
    // The reader opens the file (inode A) and, while it reads, two saves happen: the first makes
    // A the shadow, the second writes the changed blocks into A and renames it in again.
    const inoA = fs.statSync(file).ino;
    const before = rowsDigest(cache.db);
    let round = 0;
    const saveTwice = () => {
      round++;
      touch(cache.db, [20, 2980], `r${round}a`);
      assert.equal(cache.save().ok, true);
      touch(cache.db, [40, 2960], `r${round}b`);
      const s = cache.save();
      assert.ok(s.ok && s.value.mode === 'blocks', JSON.stringify(s));
    };
    // Without the check, the same interleaving yields a torn image.
    const naive = (() => {
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const buf = Buffer.alloc(size);
        const half = Math.floor(size / 2 / 4096) * 4096;
        fs.readSync(fd, buf, 0, half, 0);
        saveTwice();
        fs.readSync(fd, buf, half, size - half, half);
        return buf;
      } finally {
        fs.closeSync(fd);
      }
    })();
    assert.equal(fs.statSync(file).ino, inoA, 'the inode the reader had is the file again');
    const torn = inspectImage(SQL, naive);
    if ('db' in torn) {
      const got = rowsDigest(torn.db);
      torn.db.close();
      assert.ok(got !== before && got !== rowsDigest(cache.db), 'the naive read is neither the state before nor the one after');
    }
    let calls = 0;
    const r = readImage(file, {
      chunkSize: 64 * 1024,
      afterChunk: () => {
        if (calls++ === 2) saveTwice();
      },
    });
    const img = quickCheck(SQL, r.bytes);
    assert.equal(rowsDigest(img.db), rowsDigest(cache.db), 'read again: the state after the saves');
    img.db.close();
    const st = fs.statSync(file);
    assert.deepEqual([r.stamp.ino, r.stamp.size, r.stamp.mtimeMs], [st.ino, st.size, st.mtimeMs], 'with the stamp of what it read');
    cache.close();
  });

  it('a spoiled header (a shadow being written) is never taken for the file: the reader tries again, then reports what it read', () => {
    const bytes = Buffer.alloc(8192);
    SPOILED_HEADER.copy(bytes);
    fs.writeFileSync(file, bytes);
    const r = readImage(file, { attempts: 3 });
    assert.equal(r.bytes.subarray(0, 16).toString('latin1'), SPOILED_HEADER.toString('latin1'));
    const img = inspectImage(SQL, r.bytes);
    assert.ok('reason' in img);
  });

  it('inodes coming back as the file never hide another handle’s save from the conflict check', async () => {
    const a = await open();
    fill(a.db, 3000);
    assert.ok(a.save().ok);
    const b = await open();
    const inoB = fs.statSync(file).ino;
    // a saves twice: the inode b read becomes a's shadow, then the file again.
    for (let i = 0; i < 2; i++) {
      touch(a.db, [i], `a${i}`);
      const s = a.save();
      assert.ok(s.ok, s.ok ? '' : s.error.message);
    }
    const now = fs.statSync(file);
    assert.equal(now.ino, inoB, 'the same inode is the file again');
    touch(b.db, [100], 'b');
    const refused = b.save();
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.equal(refused.error.code, 'CONFLICT');
    assert.ok(b.reload().ok);
    touch(b.db, [100], 'b');
    assert.ok(b.save().ok);
    // And now a is behind.
    touch(a.db, [4], 'a4');
    const late = a.save();
    assert.equal(late.ok, false);
    if (!late.ok) assert.equal(late.error.code, 'CONFLICT');
    assert.ok(a.reload().ok);
    const rows = a.db.exec("SELECT updated_at FROM collections WHERE id IN ('c00000', 'c00001', 'c00100') ORDER BY id")[0].values.map((v) => v[0]);
    assert.deepEqual(rows, ['a0', 'a1', 'b']);
    a.close();
    b.close();
  });

  it('tracks each database from the moment it is handed over, and stops when told', () => {
    const db = new SQL.Database();
    const t = trackDatabase(SQL, db);
    assert.ok(t);
    assert.equal(t.readable, false, 'nothing written yet');
    db.exec('CREATE TABLE t (x)');
    assert.ok(t.readable && t.dirtyCount > 0);
    t.clear();
    assert.equal(t.dirtyCount, 0);
    t.dispose();
    db.exec('INSERT INTO t VALUES (1)');
    assert.equal(t.dirtyCount, 0, 'disposed: no longer noted');
    assert.throws(() => t.read(new Uint8Array(1), 0, 1, 0));
    db.close();
  });

  describe('with real processes', () => {
    let script: string;
    let bundleDir: string;
    let bundleCleanup: () => void;
    before(async () => {
      ({ dir: bundleDir, cleanup: bundleCleanup } = tempDir());
      script = path.join(bundleDir, 'child.js');
      await build({ entryPoints: [path.join(__dirname, 'incrementalChild.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: script, logLevel: 'silent' });
      fs.copyFileSync(locateSqlWasm(), path.join(bundleDir, 'sql-wasm.wasm'));
    });
    after(() => bundleCleanup());

    const runChild = (args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_V8_COVERAGE: undefined } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += String(d)));
        child.stderr.on('data', (d) => (err += String(d)));
        child.on('close', (code, signal) => resolve({ code, signal, lines: out.split('\n').filter(Boolean), err }));
      });

    it('SIGKILL before and after every file-system call of a block save: old or new, healthy, cleaned up at the next open', async () => {
      const cal = await runChild(['kill-save', file, '-1']);
      assert.equal(cal.code, 0, cal.err);
      assert.ok(cal.lines.includes('mode blocks'), cal.lines.join('\n'));
      const calls = cal.lines.find((l) => l.startsWith('calls '))!.split(' ').slice(2);
      const renameAt = calls.lastIndexOf('rename');
      const outcomes: string[] = [];
      for (let killAt = 0; killAt < 2 * calls.length; killAt++) {
        for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { force: true });
        const r = await runChild(['kill-save', file, String(killAt)]);
        assert.equal(r.signal, 'SIGKILL', `kill ${killAt}: ${r.err}`);
        const old = r.lines.find((l) => l.startsWith('old '))!.slice(4);
        const next = r.lines.find((l) => l.startsWith('new '))!.slice(4);
        const img = quickCheck(SQL, fs.readFileSync(file));
        const got = rowsDigest(img.db);
        img.db.close();
        const renamed = (killAt >> 1) > renameAt || ((killAt >> 1) === renameAt && killAt % 2 === 1);
        assert.equal(got, renamed ? next : old, `killed ${killAt % 2 ? 'after' : 'before'} call ${killAt >> 1} (${calls[killAt >> 1]})`);
        outcomes.push(renamed ? 'new' : 'old');
        // The next open removes what the dead process left; its lock is taken over at the next save.
        const o = await openCache(file, { incrementalSave: true, lock: { timeoutMs: 3000 } });
        assert.ok(o.ok, o.ok ? '' : o.error.message);
        assert.deepEqual(
          fs.readdirSync(dir).filter((n) => n !== 'vscode-cache.db' && n !== 'vscode-cache.db.lock'),
          [],
          `leftovers after kill ${killAt}`,
        );
        touch(o.value.cache.db, [5], 'after');
        const s = o.value.cache.save();
        assert.ok(s.ok, s.ok ? '' : s.error.message);
        o.value.cache.close();
      }
      assert.ok(outcomes.includes('old') && outcomes.includes('new'));
    });

    it('two processes saving incrementally into one file at the same time lose nothing', async () => {
      const init = await open();
      init.close();
      const at = String(Date.now() + 1500);
      const [ra, rb] = await Promise.all([runChild(['writer', file, 'a', '25', at]), runChild(['writer', file, 'b', '25', at])]);
      assert.equal(ra.code, 0, ra.err);
      assert.equal(rb.code, 0, rb.err);
      const check = await openCache(file, { migrate: false });
      assert.ok(check.ok);
      const rows = check.value.cache.db.exec('SELECT name, count(*) FROM collections GROUP BY name ORDER BY name')[0].values;
      assert.deepEqual(rows, [
        ['a', 25],
        ['b', 25],
      ]);
      const modes = [ra, rb].map((r) => JSON.parse(r.lines[r.lines.length - 1]) as { conflicts: number; modes: Record<string, number> });
      assert.ok(modes.some((m) => (m.modes.blocks ?? 0) > 0), JSON.stringify(modes));
      check.value.cache.close();
    });
  });
});
