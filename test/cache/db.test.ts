import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS, type Migration } from '../../migrations';
import { realWriteFs, writeFileAtomic, type WriteFs } from '../../server/src/engine/cache/atomicWrite';
import { defaultCachePath, openCache, type OpenCacheOptions } from '../../server/src/engine/cache/db';
import { acquireLock, lockPathFor } from '../../server/src/engine/cache/lock';
import { migrationStatus } from '../../server/src/engine/cache/migrate';
import { SaveScheduler } from '../../server/src/engine/cache/scheduler';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { writeTransaction } from '../../server/src/engine/cache/store';
import { dbAt, snapshotTables } from '../migrations/fixtures';
import { FakeTimers, deadPid, ls, modeOf, tempDir } from './helpers';

const HEAD = MIGRATIONS[MIGRATIONS.length - 1].id;
const clock = () => new Date('2026-11-23T12:00:00.000Z');

async function open(file: string, opts: OpenCacheOptions = {}) {
  const r = await openCache(file, { now: clock, ...opts });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function writeDbAt(file: string, rev: string): Promise<void> {
  const db = await dbAt(rev);
  fs.writeFileSync(file, db.export());
  db.close();
}

describe('cache file', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'vscode-cache.db');
  });
  afterEach(() => cleanup());

  it('finds the default path from SKILLMEAT_HOME or the home folder', () => {
    assert.equal(defaultCachePath({ SKILLMEAT_HOME: '/x/sm' }, '/home/u'), path.join('/x/sm', 'vscode-cache.db'));
    assert.equal(defaultCachePath({}, '/home/u'), path.join('/home/u', '.skillmeat', 'vscode-cache.db'));
  });

  it('creates a missing file (and folder) at head, owner-only', async () => {
    const nested = path.join(dir, 'a', 'b', 'cache.db');
    const o = await open(nested);
    assert.equal(o.created, true);
    assert.deepEqual(o.warnings, []);
    assert.equal(o.cache.status().current, HEAD);
    assert.equal(modeOf(nested), 0o600);
    assert.equal(o.migration?.backup, undefined, 'nothing to back up');
    o.cache.close();
    const again = await open(nested);
    assert.equal(again.created, false);
    assert.equal(again.migration, undefined);
    assert.equal(again.cache.db.exec('PRAGMA foreign_keys')[0].values[0][0], 1);
    again.cache.close();
  });

  it('keeps mode 0600 even when the old file was world-readable', async () => {
    const o = await open(file);
    fs.chmodSync(file, 0o644);
    o.cache.db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('c', 'c', 't', 't')");
    // chmod changes ctime, not the stamp fields we compare, so this is not a conflict.
    const s = o.cache.save();
    assert.equal(s.ok, true, s.ok ? '' : s.error.message);
    assert.equal(modeOf(file), 0o600);
    o.cache.close();
  });

  for (const [label, make] of [
    ['random bytes', (real: Buffer) => Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + real.length) % 256))],
    ['a real database cut in half', (real: Buffer) => real.subarray(0, Math.floor(real.length / 2) + 100)],
    ['a real database cut at a page boundary', (real: Buffer) => real.subarray(0, real.length - 4096)],
    ['a real database with a scribbled page', (real: Buffer) => Buffer.concat([real.subarray(0, 8192), Buffer.alloc(4096, 0x5a), real.subarray(12288)])],
    ['an empty file', () => Buffer.alloc(0)],
  ] as const) {
    it(`moves ${label} aside and starts fresh, naming the saved copy`, async () => {
      await writeDbAt(file, HEAD);
      const damaged = make(fs.readFileSync(file));
      fs.writeFileSync(file, damaged);
      const logged: string[] = [];
      const o = await open(file, { log: (m) => logged.push(m) });
      assert.equal(o.created, true);
      assert.ok(o.corruptCopy);
      assert.match(path.basename(o.corruptCopy!), /^vscode-cache\.db\.corrupt-20261123T120000000Z$/);
      assert.deepEqual(fs.readFileSync(o.corruptCopy!), damaged);
      assert.equal(o.warnings.length, 1);
      assert.ok(o.warnings[0].includes(o.corruptCopy!));
      assert.deepEqual(logged, o.warnings);
      assert.equal(o.cache.status().current, HEAD);
      assert.equal(o.cache.db.exec('SELECT count(*) FROM artifacts')[0].values[0][0], 0);
      o.cache.close();
      const again = await open(file);
      assert.equal(again.created, false, 'the fresh database was saved');
      again.cache.close();
    });
  }

  it('refuses a database from a newer build and leaves every byte and file alone', async () => {
    await writeDbAt(file, HEAD);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    db.run("INSERT INTO _migrations (seq, id, checksum, applied_at, duration_ms) VALUES (9999, '9999_future_thing', 'x', 't', 0)");
    fs.writeFileSync(file, db.export());
    db.close();
    const bytes = fs.readFileSync(file);
    const mtime = fs.statSync(file).mtimeMs;
    const before = ls(dir);
    const r = await openCache(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'UNKNOWN_REVISION');
    assert.match(r.error.message, /newer version .*9999_future_thing/);
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.equal(fs.statSync(file).mtimeMs, mtime);
    assert.deepEqual(ls(dir), before);
  });

  it('refuses an SQLite file that is not our cache', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE projects (id TEXT)');
    fs.writeFileSync(file, db.export());
    const bytes = fs.readFileSync(file);
    const r = await openCache(file);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'NOT_A_CACHE');
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.deepEqual(ls(dir), ['vscode-cache.db']);
  });

  it('migrates a legacy file on open after backing it up, and reports orphans', async () => {
    await writeDbAt(file, '0001');
    const legacy = fs.readFileSync(file);
    const o = await open(file);
    assert.equal(o.created, false);
    assert.equal(o.cache.status().current, HEAD);
    const m = o.migration!;
    assert.equal(m.ok, true);
    assert.deepEqual(m.orphansRemoved, { collection_artifacts: 2, group_artifacts: 2, artifact_tags: 2 });
    assert.ok(m.backup);
    assert.match(path.basename(m.backup!), /^vscode-cache\.db\.backup-20261123T120000000Z-0001_legacy_schema$/);
    assert.deepEqual(fs.readFileSync(m.backup!), legacy);
    assert.equal(modeOf(m.backup!), 0o600);
    // A second up in the same session does not back up again; a down always does.
    const down = o.cache.migrateDown({ steps: 1 });
    assert.equal(down.ok, true);
    assert.ok(down.backup && down.backup !== m.backup);
    const up = o.cache.migrateUp();
    assert.equal(up.ok, true);
    assert.equal(up.backup, undefined);
    o.cache.close();
  });

  it('a migration failing half way leaves the file and the open database exactly as before', async () => {
    await writeDbAt(file, '0003');
    const bytes = fs.readFileSync(file);
    const o = await open(file, { migrate: false });
    const rows = snapshotTables(o.cache.db);
    const failing: Migration = {
      ...MIGRATIONS[4],
      up: [
        ...MIGRATIONS[4].up,
        {
          kind: 'script',
          name: 'boom',
          sql: [],
          run() {
            throw new Error('injected failure');
          },
        },
      ],
    };
    // 0004 succeeds in memory, 0005 fails: the whole run is undone at file level.
    const r = o.cache.migrateUp({ migrations: [...MIGRATIONS.slice(0, 4), failing, ...MIGRATIONS.slice(5)] });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'MIGRATION_FAILED');
    assert.equal(r.saved, false);
    assert.deepEqual(r.applied, []);
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.equal(o.cache.status().current, '0003_composites');
    assert.deepEqual(snapshotTables(o.cache.db), rows);
    o.cache.close();
  });

  it('save reports a full disk clearly and leaves the previous file and no temp behind', async () => {
    const full: WriteFs = {
      ...realWriteFs,
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const o = await open(file);
    const bytes = fs.readFileSync(file);
    const failing = await open(file, { writeFs: full, migrate: false });
    failing.cache.db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('c', 'c', 't', 't')");
    const r = failing.cache.save();
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'SAVE_FAILED');
      assert.match(r.error.message, /the disk is full \(ENOSPC\); the previous file is unchanged/);
    }
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.deepEqual(ls(dir), ['vscode-cache.db']);
    o.cache.close();
    failing.cache.close();
  });

  it('save into a read-only folder fails with a clear error and keeps the old file', async function () {
    const o = await open(file);
    const bytes = fs.readFileSync(file);
    o.cache.db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('c', 'c', 't', 't')");
    if (process.getuid?.() === 0) {
      // root ignores folder permissions; simulate the file system's answer instead.
      const ro: WriteFs = {
        ...realWriteFs,
        openSync: () => {
          throw Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' });
        },
      };
      const w = writeFileAtomic(file, o.cache.db.export(), ro);
      assert.equal(w.ok, false);
      if (!w.ok) assert.match(w.error.message, /read-only file system \(EROFS\)/);
    } else {
      fs.chmodSync(dir, 0o500);
      try {
        const r = o.cache.save();
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error.message, /no permission|read-only|EACCES/);
      } finally {
        fs.chmodSync(dir, 0o700);
      }
    }
    assert.deepEqual(fs.readFileSync(file), bytes);
    o.cache.close();
  });

  it('detects a save by another handle as a conflict; reload keeps our uuid assignments', async () => {
    const a = await open(file);
    const b = await open(file);
    a.cache.db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('from-a', 'a', 't', 't')");
    assert.equal(a.cache.save().ok, true);
    b.cache.db.run("INSERT INTO uuid_registry VALUES ('skill:b', '0123456789abcdef0123456789abcdef', 't', 't')");
    const conflict = b.cache.save();
    assert.equal(conflict.ok, false);
    if (!conflict.ok) assert.equal(conflict.error.code, 'CONFLICT');
    const re = b.cache.reload();
    assert.equal(re.ok, true);
    if (re.ok) assert.equal(re.value.mergedUuids, 1);
    assert.equal(b.cache.db.exec("SELECT count(*) FROM collections WHERE id = 'from-a'")[0].values[0][0], 1);
    assert.equal(b.cache.savePending, true, 'the merged uuids are scheduled for saving');
    assert.equal(b.cache.flush()?.ok, true);
    assert.equal(a.cache.save().ok, false, 'now a is behind');
    a.cache.close();
    b.cache.close();
    const c = await open(file);
    assert.equal(c.cache.db.exec("SELECT count(*) FROM uuid_registry WHERE type_name = 'skill:b'")[0].values[0][0], 1);
    c.cache.close();
  });

  it('debounces saves on an injected clock and flushes on demand', async () => {
    const timers = new FakeTimers();
    const results: boolean[] = [];
    const o = await open(file, { save: { delayMs: 100, maxDelayMs: 250, timers }, onSaveResult: (r) => results.push(r.ok) });
    const mtime = () => fs.statSync(file).mtimeMs;
    const first = fs.statSync(file).ino;
    for (let i = 0; i < 3; i++) {
      o.cache.db.run('INSERT INTO collections (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)', [`c${i}`, 'n', 't', 't']);
      o.cache.scheduleSave();
      timers.advance(60);
    }
    assert.deepEqual(results, [], 'still within the quiet period');
    timers.advance(100);
    assert.deepEqual(results, [true]);
    assert.notEqual(fs.statSync(file).ino, first);
    // A steady stream of changes is still saved by the cap.
    for (let i = 0; i < 6; i++) {
      o.cache.scheduleSave();
      timers.advance(50);
    }
    assert.deepEqual(results, [true, true]);
    assert.equal(o.cache.savePending, true);
    const t = mtime();
    assert.equal(o.cache.flush()?.ok, true);
    assert.equal(o.cache.savePending, false);
    assert.equal(o.cache.flush(), undefined);
    assert.equal(timers.size, 0);
    assert.ok(mtime() >= t);
    o.cache.close();
  });

  it('a debounced save that meets a busy lock tries again later; other failures are reported', async () => {
    const timers = new FakeTimers();
    const results: string[] = [];
    const o = await open(file, {
      lock: { timeoutMs: 0 },
      save: { delayMs: 100, maxDelayMs: 100, timers },
      onSaveResult: (r) => results.push(r.ok ? 'ok' : r.error.code),
    });
    fs.writeFileSync(lockPathFor(file), JSON.stringify({ pid: process.ppid, host: require('node:os').hostname(), token: 'x', acquiredAt: 'now', purpose: 'save' }));
    o.cache.scheduleSave();
    timers.advance(100);
    assert.deepEqual(results, ['LOCKED']);
    assert.equal(o.cache.savePending, true);
    fs.rmSync(lockPathFor(file));
    timers.advance(100);
    assert.deepEqual(results, ['LOCKED', 'ok']);
    assert.equal(o.cache.savePending, false);
    o.cache.close();
  });

  it('the scheduler alone: one save per burst', () => {
    const timers = new FakeTimers();
    let saves = 0;
    const s = new SaveScheduler(() => ++saves, undefined, { delayMs: 10, maxDelayMs: 10, timers });
    s.schedule();
    s.schedule();
    timers.advance(10);
    assert.equal(saves, 1);
    s.schedule();
    s.cancel();
    timers.advance(100);
    assert.equal(saves, 1);
  });

  it('keeps only the newest backups', async () => {
    await writeDbAt(file, HEAD);
    let t = 0;
    const o = await open(file, { keepBackups: 2, now: () => new Date(Date.UTC(2026, 10, 23, 12, 0, t++)) });
    for (let i = 0; i < 4; i++) assert.equal(o.cache.backup().ok, true);
    const backups = ls(dir).filter((n) => n.includes('.backup-'));
    assert.deepEqual(backups, [
      `vscode-cache.db.backup-20261123T120002000Z-${HEAD}`,
      `vscode-cache.db.backup-20261123T120003000Z-${HEAD}`,
    ]);
    o.cache.close();
  });

  it('removes temp files left by dead processes when opening', async () => {
    await writeDbAt(file, HEAD);
    const dead = `${file}.tmp-${deadPid()}-abcd`;
    const mine = `${file}.tmp-${process.pid}-abcd`;
    fs.writeFileSync(dead, 'half');
    fs.writeFileSync(mine, 'ours');
    const o = await open(file);
    assert.equal(fs.existsSync(dead), false);
    assert.equal(fs.existsSync(mine), true);
    o.cache.close();
  });

  it('a lock held by a live process makes save wait, then fail naming the holder', async () => {
    const o = await open(file, { lock: { timeoutMs: 60, retryMs: 10 } });
    const other = { pid: process.ppid, host: require('node:os').hostname(), token: 't'.repeat(32), acquiredAt: '2026-11-23T11:00:00Z', purpose: 'migrate up' };
    fs.writeFileSync(lockPathFor(file), JSON.stringify(other));
    const r = o.cache.save();
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'LOCKED');
      assert.match(r.error.message, new RegExp(`locked by process ${process.ppid} on .* \\(migrate up, since`));
      assert.ok(r.error.message.includes(lockPathFor(file)));
    }
    // The same lock left by a dead process is taken over.
    fs.writeFileSync(lockPathFor(file), JSON.stringify({ ...other, pid: deadPid() }));
    assert.equal(o.cache.save().ok, true);
    assert.equal(fs.existsSync(lockPathFor(file)), false, 'released after the save');
    o.cache.close();
  });

  it('lock: stale owner on another host only after staleMs; unreadable lock after a grace period', () => {
    const lp = lockPathFor(file);
    let now = Date.parse('2026-11-23T12:00:00Z');
    fs.writeFileSync(lp, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'x', acquiredAt: '2026-11-23T11:59:00Z', purpose: 'save' }));
    const busy = acquireLock(file, { timeoutMs: 0, now: () => now, staleMs: 120_000 });
    assert.equal(busy.ok, false);
    now += 120_000;
    const got = acquireLock(file, { timeoutMs: 0, now: () => now, staleMs: 120_000 });
    assert.equal(got.ok, true);
    if (got.ok) {
      assert.equal(got.value.recovered[0]?.host, 'elsewhere');
      got.value.release();
      got.value.release();
    }
    fs.writeFileSync(lp, 'garbage');
    const early = acquireLock(file, { timeoutMs: 0 });
    assert.equal(early.ok, false);
    const later = acquireLock(file, { timeoutMs: 0, now: () => Date.now() + 10_000 });
    assert.equal(later.ok, true);
    if (later.ok) later.value.release();
    assert.equal(fs.existsSync(lp), false);
  });

  it('refuses to save in the middle of a write transaction', async () => {
    const o = await open(file);
    const r = writeTransaction(o.cache.db, () => o.cache.save());
    assert.ok(r.ok && !r.value.value.ok);
    if (r.ok && !r.value.value.ok) assert.match(r.value.value.error.message, /inside a write transaction/);
    assert.equal(o.cache.save().ok, true);
    o.cache.close();
  });

  it('status without migrating does not create the file', async () => {
    const o = await open(file, { migrate: false });
    assert.equal(o.created, true);
    assert.equal(o.cache.status().current, null);
    assert.equal(o.cache.status().pending.length, MIGRATIONS.length);
    o.cache.close();
    assert.equal(fs.existsSync(file), false);
  });

  it('a dry run through the file handle changes neither memory nor file', async () => {
    await writeDbAt(file, '0002');
    const bytes = fs.readFileSync(file);
    const o = await open(file, { migrate: false });
    const r = o.cache.migrateUp({ dryRun: true });
    assert.equal(r.ok, true);
    assert.ok(r.sql && r.sql.length > 10);
    assert.equal(migrationStatus(o.cache.db).current, '0002_artifact_uuid');
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.deepEqual(ls(dir), ['vscode-cache.db']);
    o.cache.close();
  });
});
