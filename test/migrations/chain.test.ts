import { strict as assert } from 'node:assert';
import { MIGRATIONS } from '../../migrations';
import { migrateDown, migrateUp, migrationStatus } from '../../server/src/engine/cache/migrate';
import { dbAt, freshDb, orphanCounts, realisticDataset, schemaShape, seedLegacy, snapshotTables } from './fixtures';

const HEAD = MIGRATIONS[MIGRATIONS.length - 1].id;
const clock = () => new Date('2026-11-23T12:00:00.000Z');

describe('migration chain', () => {
  it('applies every migration to an empty database and reverts them all', async () => {
    const db = await freshDb();
    const up = migrateUp(db, { now: clock });
    assert.equal(up.ok, true, up.error?.message);
    assert.deepEqual(
      up.applied.map((a) => a.id),
      MIGRATIONS.map((m) => m.id),
    );
    assert.equal(migrationStatus(db).current, HEAD);
    const down = migrateDown(db, { to: 'base' });
    assert.equal(down.ok, true, down.error?.message);
    assert.equal(migrationStatus(db).current, null);
    const left = snapshotTables(db);
    assert.deepEqual(Object.keys(left).sort(), ['_migration_log', '_migrations']);
    assert.deepEqual(left._migrations, []);
    assert.deepEqual(left._migration_log, []);
  });

  for (let k = 2; k <= MIGRATIONS.length; k++) {
    const m = MIGRATIONS[k - 1];
    it(`${m.id}: up then down gives back the same rows and schema`, async () => {
      const db = await dbAt(MIGRATIONS[k - 2].id);
      const rows = snapshotTables(db);
      const shape = schemaShape(db);
      const up = migrateUp(db, { steps: 1, now: clock });
      assert.equal(up.ok, true, up.error?.message);
      assert.deepEqual(
        up.applied.map((a) => a.id),
        [m.id],
      );
      assert.notDeepEqual(schemaShape(db), shape, 'the migration should change the schema');
      const down = migrateDown(db, { steps: 1 });
      assert.equal(down.ok, true, down.error?.message);
      assert.deepEqual(snapshotTables(db), rows);
      assert.deepEqual(schemaShape(db), shape);
      assert.deepEqual(db.exec('PRAGMA foreign_key_check'), []);
      assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    });
  }

  it('goes from a filled 0001 database to head and back to identical tables, orphans included', async () => {
    const data = realisticDataset();
    const db = await freshDb();
    seedLegacy(db, data);
    const before = snapshotTables(db);
    const shape = schemaShape(db);
    const up = migrateUp(db, { now: clock });
    assert.equal(up.ok, true, up.error?.message);
    assert.deepEqual(up.orphansRemoved, orphanCounts(data));
    assert.equal(Object.values(up.orphansRemoved).reduce((a, b) => a + b, 0), 6);
    // At head the orphans are gone from the join tables and every join row resolves.
    const count = (sql: string) => Number(db.exec(sql)[0].values[0][0]);
    assert.equal(count('SELECT count(*) FROM collection_artifacts'), data.collectionArtifacts.length - 2);
    assert.equal(count('SELECT count(*) FROM group_artifacts'), data.groupArtifacts.length - 2);
    assert.equal(count('SELECT count(*) FROM _migration_log WHERE kind = \'orphan\''), 6);
    const down = migrateDown(db, { to: '0001' });
    assert.equal(down.ok, true, down.error?.message);
    assert.deepEqual(down.orphansRestored, orphanCounts(data));
    assert.deepEqual(snapshotTables(db), before);
    assert.deepEqual(schemaShape(db), shape);
  });

  it('turns tags_json into ordered tag links, matching tags by slug, and undoes it exactly', async () => {
    const db = await dbAt('0006');
    const tagsBefore = snapshotTables(db).tags;
    const up = migrateUp(db, { steps: 1, now: clock });
    assert.equal(up.ok, true, up.error?.message);
    const names = (type: string, name: string) =>
      db
        .exec(
          `SELECT t.name FROM artifact_tags at JOIN tags t ON t.id = at.tag_id JOIN artifacts a ON a.uuid = at.artifact_uuid
           WHERE a.id = '${type}:${name}' AND at.position IS NOT NULL ORDER BY at.position`,
        )
        .flatMap((r) => r.values.map((v) => v[0]));
    // First collection's order, then tags only the second array names; "Python" finds slug "python" (tag "Py").
    assert.deepEqual(names('skill', 'pdf-tools'), ['Documents', 'Py', 'new-tag', 'pdf']);
    assert.deepEqual(names('agent', 'release-notes'), ['Release Notes', 'writing']);
    assert.deepEqual(names('mcp', 'filesystem'), ['ünïcode tag', 'Ops/Infra']);
    const created = db.exec("SELECT name, slug FROM tags WHERE id NOT LIKE 't-%' ORDER BY slug")[0].values;
    assert.deepEqual(created, [
      ['ünïcode tag', 'n-code-tag'],
      ['new-tag', 'new-tag'],
      ['Ops/Infra', 'ops-infra'],
      ['pdf', 'pdf'],
      ['writing', 'writing'],
    ]);
    // The pre-existing link (release-notes → unused) stays, unordered.
    assert.equal(
      db.exec("SELECT count(*) FROM artifact_tags WHERE tag_id = 't-unused' AND position IS NULL")[0].values[0][0],
      1,
    );
    assert.equal(db.exec("SELECT count(*) FROM pragma_table_info('collection_artifacts') WHERE name = 'tags_json'")[0].values[0][0], 0);
    assert.ok(up.warnings.some((w) => w.includes('not tags')));
    const down = migrateDown(db, { steps: 1 });
    assert.equal(down.ok, true, down.error?.message);
    assert.deepEqual(snapshotTables(db).tags, tagsBefore);
    const json = db.exec("SELECT tags_json FROM collection_artifacts WHERE _artifact_id_backup = 'skill:pdf-tools' ORDER BY collection_id")[0].values;
    assert.deepEqual(json, [['["documents", "Python", "new-tag"]'], ['[ "python" ,"Documents","pdf",  "pdf" ]']]);
  });

  it('rebuilds tags_json from the links when tags changed after 0007, keeping tags still in use', async () => {
    const db = await dbAt('0007');
    db.run(
      `DELETE FROM artifact_tags WHERE tag_id = (SELECT id FROM tags WHERE slug = 'python')
       AND artifact_uuid = (SELECT uuid FROM artifacts WHERE id = 'skill:pdf-tools')`,
    );
    // A link made after the upgrade to a tag the upgrade created must survive the downgrade.
    db.run(
      `INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at, _artifact_id_backup, position)
       SELECT uuid, (SELECT id FROM tags WHERE slug = 'writing'), 'now', id, 0 FROM artifacts WHERE id = 'skill:docx'`,
    );
    const down = migrateDown(db, { steps: 1 });
    assert.equal(down.ok, true, down.error?.message);
    const json = db.exec("SELECT tags_json FROM collection_artifacts WHERE _artifact_id_backup = 'skill:pdf-tools'")[0].values;
    // Regenerated the way SkillMeat's Python writer prints lists.
    assert.deepEqual(json, [['["Documents", "new-tag", "pdf"]'], ['["Documents", "new-tag", "pdf"]']]);
    // The link made after the upgrade for an artifact in no collection stays, unordered.
    assert.equal(db.exec("SELECT count(*) FROM artifact_tags WHERE _artifact_id_backup = 'skill:docx'")[0].values[0][0], 2);
    assert.deepEqual(db.exec("SELECT name FROM tags WHERE id NOT LIKE 't-%'")[0].values, [['writing']]);
    assert.ok(down.warnings.some((w) => w.includes('still linked')));
    assert.ok(down.warnings.some((w) => w.includes('rebuilt from current tag links')));
  });

  it('does not restore an orphan whose collection was deleted after the upgrade, and says so', async () => {
    const data = realisticDataset();
    const db = await dbAt('0004', data);
    db.run("DELETE FROM collections WHERE name = 'work'");
    const down = migrateDown(db, { steps: 1 });
    assert.equal(down.ok, true, down.error?.message);
    assert.deepEqual(down.orphansRestored, { collection_artifacts: 1 });
    assert.ok(down.warnings.some((w) => w.includes('not restored')));
    assert.equal(db.exec("SELECT count(*) FROM collection_artifacts WHERE artifact_id = 'skill:ghost'")[0].values[0][0], 1);
  });

  it('keeps uuids 32 lower-hex and unique, and drops the column on the way down', async () => {
    const db = await dbAt('0002');
    const uuids = db.exec('SELECT uuid FROM artifacts')[0].values.map((v) => String(v[0]));
    assert.equal(uuids.length, realisticDataset().artifacts.length);
    for (const u of uuids) assert.match(u, /^[0-9a-f]{32}$/);
    assert.equal(new Set(uuids).size, uuids.length);
    // The backfill must not bump updated_at (the trigger only watches content columns).
    const updated = db.exec("SELECT updated_at FROM artifacts WHERE id = 'skill:pdf-tools'")[0].values[0][0];
    assert.equal(updated, realisticDataset().artifacts[0].updated_at);
    assert.equal(migrateDown(db, { steps: 1 }).ok, true);
    assert.equal(db.exec("SELECT count(*) FROM pragma_table_info('artifacts') WHERE name = 'uuid'")[0].values[0][0], 0);
  });

  it('backfills the uuid registry and current versions at head', async () => {
    const db = await dbAt(HEAD);
    const reg = db.exec('SELECT count(*) FROM uuid_registry r JOIN artifacts a ON a.id = r.type_name AND a.uuid = r.uuid')[0].values[0][0];
    assert.equal(reg, realisticDataset().artifacts.length);
    // Artifacts with a non-empty hash get one current version each.
    assert.equal(db.exec("SELECT count(*) FROM artifact_versions WHERE status = 'current'")[0].values[0][0], 5);
    assert.equal(db.exec("SELECT value FROM cache_meta WHERE key = 'generation'")[0].values[0][0], 0);
  });
});
