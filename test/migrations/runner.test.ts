import { strict as assert } from 'node:assert';
import { MIGRATIONS, type Migration } from '../../migrations';
import { rebuild, updatedAtTrigger } from '../../migrations/helpers';
import type { Database } from 'sql.js';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { migrateDown, migrateUp, migrationChecksum, migrationStatus } from '../../server/src/engine/cache/migrate';
import { dbAt, freshDb, schemaShape, snapshotTables } from './fixtures';

const HEAD = MIGRATIONS[MIGRATIONS.length - 1].id;

describe('migration runner', () => {
  it('a migration failing half way changes nothing, even after earlier statements ran', async () => {
    const db = await dbAt('0003');
    const rows = snapshotTables(db);
    const shape = schemaShape(db);
    const failing: Migration = {
      ...MIGRATIONS[3],
      up: [
        ...MIGRATIONS[3].up,
        {
          kind: 'script',
          name: 'boom',
          sql: [],
          run(mdb) {
            mdb.run("DELETE FROM artifacts WHERE id = 'skill:pdf-tools'");
            throw new Error('injected failure');
          },
        },
      ],
    };
    const chain = [...MIGRATIONS.slice(0, 3), failing, ...MIGRATIONS.slice(4)];
    const r = migrateUp(db, { migrations: chain });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'MIGRATION_FAILED');
    assert.match(r.error!.message, /0004_collection_artifacts_uuid up failed at step 3 \(boom\): injected failure/);
    assert.deepEqual(r.applied, []);
    assert.equal(r.to, '0003_composites');
    assert.deepEqual(snapshotTables(db), rows);
    assert.deepEqual(schemaShape(db), shape);
    assert.equal(db.exec('PRAGMA foreign_keys')[0].values[0][0], 1, 'foreign keys back on');
  });

  it('stops at the failing migration and keeps the ones before it', async () => {
    const db = await dbAt('0001');
    const failing: Migration = { id: '0003_composites', description: '', up: ['CREATE TABLE nope (x)', 'SELECT * FROM no_such_table'], down: [] };
    const r = migrateUp(db, { migrations: [MIGRATIONS[0], MIGRATIONS[1], failing] });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.applied.map((a) => a.id),
      ['0002_artifact_uuid'],
    );
    assert.equal(migrationStatus(db).current, '0002_artifact_uuid');
    assert.equal(db.exec("SELECT count(*) FROM sqlite_master WHERE name = 'nope'")[0].values[0][0], 0);
  });

  it('rolls back when the foreign key check finds a violation made with keys off', async () => {
    const db = await dbAt('0004');
    const rows = snapshotTables(db);
    const bad: Migration = {
      id: '0005_group_artifacts_uuid',
      description: '',
      up: [
        rebuild('tags', {
          create: 'CREATE TABLE tags (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, slug TEXT NOT NULL UNIQUE, color TEXT, created_at TEXT NOT NULL)',
          insertColumns: 'id, name, slug, color, created_at',
          select: "SELECT id, name, slug, color, created_at FROM tags WHERE id <> 't-documents'",
        }),
      ],
      down: [],
    };
    const r = migrateUp(db, { migrations: [...MIGRATIONS.slice(0, 4), bad] });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'FK_VIOLATION');
    assert.match(r.error!.message, /artifact_tags row \d+ → tags/);
    assert.deepEqual(snapshotTables(db), rows);
    assert.equal(db.exec('PRAGMA foreign_keys')[0].values[0][0], 1);
  });

  it('refuses a rebuild that forgets one of the table’s indexes or triggers', async () => {
    const db = await dbAt('0001');
    const forgetful: Migration = {
      id: '0002_artifact_uuid',
      description: '',
      up: [
        rebuild('groups', {
          create:
            'CREATE TABLE groups (id TEXT PRIMARY KEY NOT NULL, collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE, name TEXT NOT NULL, description TEXT, color TEXT NOT NULL, icon TEXT NOT NULL, position INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (collection_id, name))',
          insertColumns: '*'.replace('*', 'id, collection_id, name, description, color, icon, position, created_at, updated_at'),
          select: 'SELECT id, collection_id, name, description, color, icon, position, created_at, updated_at FROM groups',
          indexes: ['CREATE INDEX ix_groups_collection_position ON groups (collection_id, position)'],
        }),
      ],
      down: [],
    };
    const r = migrateUp(db, { migrations: [MIGRATIONS[0], forgetful] });
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /rebuilding groups lost groups_updated_at/);
    assert.equal(db.exec("SELECT count(*) FROM sqlite_master WHERE name = 'groups_updated_at'")[0].values[0][0], 1);
  });

  it('reports drift when an applied migration’s definition changed, and refuses to revert it unless forced', async () => {
    const db = await dbAt('0003');
    db.run("UPDATE _migrations SET checksum = 'deadbeef' WHERE id = '0002_artifact_uuid'");
    const s = migrationStatus(db);
    assert.equal(s.ok, true);
    assert.deepEqual(s.drift, ['0002_artifact_uuid']);
    const applied = s.applied.find((a) => a.id === '0002_artifact_uuid')!;
    assert.equal(applied.drift, true);
    assert.equal(applied.expectedChecksum, migrationChecksum(MIGRATIONS[1]));
    const up = migrateUp(db, { steps: 1 });
    assert.equal(up.ok, true);
    assert.ok(up.warnings.some((w) => w.includes('drift')));
    const down = migrateDown(db, { to: '0001' });
    assert.equal(down.ok, false);
    assert.equal(down.error?.code, 'DRIFT');
    assert.equal(migrationStatus(db).current, '0004_collection_artifacts_uuid');
    const forced = migrateDown(db, { to: '0001', force: true });
    assert.equal(forced.ok, true, forced.error?.message);
    assert.equal(migrationStatus(db).current, '0001_legacy_schema');
  });

  it('checksums ignore CRLF versus LF', () => {
    const lf: Migration = { id: 'x', description: '', up: ['CREATE TABLE a (\n  b TEXT\n)'], down: ['DROP TABLE a'] };
    const crlf: Migration = { ...lf, up: ['CREATE TABLE a (\r\n  b TEXT\r\n)'] };
    assert.equal(migrationChecksum(lf), migrationChecksum(crlf));
    assert.notEqual(migrationChecksum(lf), migrationChecksum({ ...lf, down: ['DROP TABLE b'] }));
  });

  it('refuses a database migrated by a newer build, without touching it', async () => {
    const db = await dbAt(HEAD);
    db.run("INSERT INTO _migrations (seq, id, checksum, applied_at, duration_ms) VALUES (9999, '9999_from_the_future', 'x', 'now', 1)");
    const rows = snapshotTables(db);
    const s = migrationStatus(db);
    assert.equal(s.ok, false);
    assert.equal(s.error?.code, 'UNKNOWN_REVISION');
    assert.match(s.error!.message, /newer version .*9999_from_the_future/);
    for (const r of [migrateUp(db), migrateDown(db), migrateDown(db, { to: 'base' })]) {
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'UNKNOWN_REVISION');
    }
    assert.deepEqual(snapshotTables(db), rows);
  });

  it('refuses a history that is not a prefix of the chain', async () => {
    const db = await dbAt('0003');
    db.run("DELETE FROM _migrations WHERE id = '0002_artifact_uuid'");
    const r = migrateUp(db);
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'BAD_HISTORY');
  });

  it('understands targets: ids, number prefixes, steps, base; and rejects nonsense', async () => {
    const db = await freshDb();
    assert.deepEqual(
      migrateUp(db, { to: '0003' }).applied.map((a) => a.id),
      ['0001_legacy_schema', '0002_artifact_uuid', '0003_composites'],
    );
    assert.equal(migrateUp(db, { steps: 2 }).to, '0005_group_artifacts_uuid');
    assert.equal(migrateUp(db, { to: '0005_group_artifacts_uuid' }).applied.length, 0);
    assert.equal(migrateUp(db, { to: '2' }).error?.code, 'BAD_TARGET');
    assert.equal(migrateUp(db, { to: 'base' }).error?.code, 'BAD_TARGET');
    assert.equal(migrateUp(db, { to: '0007', steps: 1 }).error?.code, 'BAD_TARGET');
    assert.equal(migrateUp(db, { to: 'nope' }).error?.code, 'BAD_TARGET');
    assert.equal(migrateDown(db, { to: '0009' }).error?.code, 'BAD_TARGET');
    assert.equal(migrateDown(db, { steps: -1 }).error?.code, 'BAD_TARGET');
    const one = migrateDown(db);
    assert.deepEqual(
      one.applied.map((a) => a.id),
      ['0005_group_artifacts_uuid'],
    );
    assert.equal(one.to, '0004_collection_artifacts_uuid');
    assert.equal(migrateDown(db, { to: 'base' }).to, null);
    assert.equal(migrationStatus(db).current, null);
  });

  it('a dry run lists the SQL, counts orphans, and leaves the database alone', async () => {
    const db = await dbAt('0003');
    const rows = snapshotTables(db);
    const r = migrateUp(db, { dryRun: true });
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.dryRun, true);
    assert.equal(r.applied.length, MIGRATIONS.length - 3);
    assert.deepEqual(r.orphansRemoved, { collection_artifacts: 2, group_artifacts: 2, artifact_tags: 2 });
    const sql = r.sql!.join('\n');
    assert.match(sql, /PRAGMA foreign_keys = OFF/);
    assert.match(sql, /CREATE TABLE collection_artifacts__new/);
    assert.match(sql, /foreign_key_check\(\?\) -- params: \["collection_artifacts"\]/);
    assert.match(sql, /INSERT INTO tags \(id, name, slug, color, created_at\) SELECT .* -- params: /);
    assert.deepEqual(snapshotTables(db), rows);
    assert.equal(migrationStatus(db).current, '0003_composites');
    const down = migrateDown(db, { dryRun: true, to: 'base' });
    assert.equal(down.ok, true);
    assert.match(down.sql!.join('\n'), /DROP TABLE artifacts/);
    assert.deepEqual(snapshotTables(db), rows);
  });

  it('finds a key violation that a trigger wrote into another table while keys were off', async () => {
    const db = await dbAt('0006');
    const rows = snapshotTables(db);
    db.exec(
      "CREATE TRIGGER t_bad AFTER UPDATE OF description ON collections BEGIN INSERT OR IGNORE INTO artifact_tags (artifact_uuid, tag_id, created_at) VALUES ('no-such-uuid', 't-documents', 'x'); END",
    );
    const touching: Migration = { id: '0007_tags_json_to_junction', description: '', foreignKeysOff: true, up: ["UPDATE collections SET description = 'changed'"], down: [] };
    const r = migrateUp(db, { migrations: [...MIGRATIONS.slice(0, 6), touching] });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'FK_VIOLATION');
    assert.match(r.error!.message, /artifact_tags row \d+ → artifacts/);
    db.exec('DROP TRIGGER t_bad');
    assert.deepEqual(snapshotTables(db), rows);
  });

  it('checks only the tables a migration wrote and their children: an old violation elsewhere does not block it', async () => {
    const db = await dbAt('0006');
    db.exec('PRAGMA foreign_keys = OFF');
    db.run("INSERT INTO group_artifacts (group_id, artifact_uuid, position, added_at) VALUES ('g01', 'no-such-uuid', 9, 'x')");
    db.exec('PRAGMA foreign_keys = ON');
    const r = migrateUp(db, { steps: 1 });
    assert.equal(r.ok, true, r.error?.message);
    // A migration that rebuilds the parent still sees it.
    const rebuildsParent: Migration = {
      id: '0008_versions_and_files',
      description: '',
      up: [
        rebuild('groups', {
          create:
            "CREATE TABLE groups (id TEXT PRIMARY KEY NOT NULL, collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE, name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255), description TEXT, color TEXT NOT NULL DEFAULT 'slate', icon TEXT NOT NULL DEFAULT 'layers', position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0), created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (collection_id, name))",
          insertColumns: 'id, collection_id, name, description, color, icon, position, created_at, updated_at',
          select: 'SELECT id, collection_id, name, description, color, icon, position, created_at, updated_at FROM groups',
          indexes: ['CREATE INDEX ix_groups_collection_position ON groups (collection_id, position)'],
          triggers: [updatedAtTrigger('groups', 'id', ['name', 'description', 'color', 'icon', 'position'])],
        }),
      ],
      down: [],
    };
    const again = migrateUp(db, { migrations: [...MIGRATIONS.slice(0, 7), rebuildsParent] });
    assert.equal(again.ok, false);
    assert.equal(again.error?.code, 'FK_VIOLATION');
    assert.match(again.error!.message, /group_artifacts row \d+ → artifacts/);
  });

  it('puts the connection’s journal, page cache and temp store settings back after a run', async () => {
    const settings = (db: Database) => ['journal_mode', 'cache_size', 'temp_store'].map((p) => db.exec(`PRAGMA ${p}`)[0].values[0][0]);
    const SQL = await loadSqlJs();
    for (const db of [newDatabase(SQL), new SQL.Database()]) {
      const before = settings(db);
      assert.equal(migrateUp(db, { to: '0004' }).ok, true);
      assert.deepEqual(settings(db), before);
      assert.equal(migrateDown(db, { to: 'base' }).ok, true);
      assert.deepEqual(settings(db), before);
      db.close();
    }
  });
});
