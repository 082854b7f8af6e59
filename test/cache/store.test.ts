import { strict as assert } from 'node:assert';
import type { Database } from 'sql.js';
import { migrateUp } from '../../server/src/engine/cache/migrate';
import * as store from '../../server/src/engine/cache/store';
import { freshDb } from '../migrations/fixtures';

const NOW = '2026-11-23T12:00:00.000';

async function headDb(): Promise<Database> {
  const db = await freshDb();
  const r = migrateUp(db);
  if (!r.ok) throw new Error(r.error?.message);
  return db;
}

function count(db: Database, sql: string, params: (string | number)[] = []): number {
  return Number(db.exec(sql, params)[0].values[0][0]);
}

function write<T>(db: Database, fn: () => T): T {
  const r = store.writeTransaction(db, fn);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.value;
}

/** A collection with one artifact referenced from every table that can refer to an artifact. */
function populate(db: Database) {
  return write(db, () => {
    const col = store.upsertCollection(db, { manifestPath: '/c/default/collection.toml', name: 'default' }, NOW);
    const pdf = store.upsertArtifact(db, { type: 'skill', name: 'pdf-tools', path: 'skills/pdf-tools', origin: 'github', contentHash: 'h2' }, NOW);
    const other = store.upsertArtifact(db, { type: 'agent', name: 'notes', path: 'agents/notes.md', origin: 'local' }, NOW);
    store.setCollectionArtifacts(db, col, [
      { uuid: pdf.uuid, addedAt: NOW },
      { uuid: other.uuid, addedAt: NOW },
    ]);
    store.setArtifactTags(db, pdf.uuid, ['Documents', 'python', 'documents'], NOW);
    store.setGroups(db, col, [{ name: 'Kit', position: 0, memberUuids: [other.uuid, pdf.uuid] }], NOW);
    store.setComposite(db, col, { id: 'composite:kit' }, [{ uuid: pdf.uuid }, { uuid: other.uuid, position: 0 }], NOW);
    const [v2] = store.recordVersionLineage(db, pdf.uuid, ['h2', 'h1'], { current: 'h2', now: NOW });
    store.setVersionFiles(db, v2, [{ path: 'SKILL.md', isPrimary: true }, { path: 'scripts/run.py' }]);
    store.replaceDeployments(db, '/p', '.claude', [
      { artifactName: 'pdf-tools', artifactType: 'skill', fromCollection: 'default', artifactPath: 'skills/pdf-tools', contentHash: 'h2', deployedAt: NOW, versionLineage: ['h2', 'h1'] },
    ]);
    store.replaceLockEntries(db, col, [{ name: 'pdf-tools', type: 'skill', contentHash: 'h2', fetched: NOW }]);
    return { col, pdf, other, v2 };
  });
}

describe('head schema and store API', () => {
  it('every reference to an artifact is by uuid: join tables cascade, file records set null', async () => {
    const db = await headDb();
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")[0].values.map((v) => String(v[0]));
    const refs: string[] = [];
    for (const t of tables) {
      for (const fk of db.exec(`PRAGMA foreign_key_list(${t})`)[0]?.values ?? []) {
        if (fk[2] === 'artifacts') refs.push(`${t}.${fk[3]} → ${fk[4]} ${fk[6]}`);
      }
    }
    assert.deepEqual(refs.sort(), [
      'artifact_tags.artifact_uuid → uuid CASCADE',
      'artifact_versions.artifact_uuid → uuid CASCADE',
      'collection_artifacts.artifact_uuid → uuid CASCADE',
      'composite_memberships.child_artifact_uuid → uuid CASCADE',
      'deployments.artifact_uuid → uuid SET NULL',
      'group_artifacts.artifact_uuid → uuid CASCADE',
      'lock_entries.artifact_uuid → uuid SET NULL',
    ]);
    assert.equal(count(db, "SELECT count(*) FROM pragma_table_info('collection_artifacts') WHERE name LIKE '%artifact_id%'"), 0);
  });

  it('deleting an artifact removes its rows from every join table', async () => {
    const db = await headDb();
    const { pdf, other, v2 } = populate(db);
    const u = pdf.uuid;
    const per = () => ({
      collection_artifacts: count(db, 'SELECT count(*) FROM collection_artifacts WHERE artifact_uuid = ?', [u]),
      group_artifacts: count(db, 'SELECT count(*) FROM group_artifacts WHERE artifact_uuid = ?', [u]),
      artifact_tags: count(db, 'SELECT count(*) FROM artifact_tags WHERE artifact_uuid = ?', [u]),
      composite_memberships: count(db, 'SELECT count(*) FROM composite_memberships WHERE child_artifact_uuid = ?', [u]),
      artifact_versions: count(db, 'SELECT count(*) FROM artifact_versions WHERE artifact_uuid = ?', [u]),
      artifact_files: count(db, 'SELECT count(*) FROM artifact_files WHERE version_id = ?', [v2]),
      deployments: count(db, 'SELECT count(*) FROM deployments WHERE artifact_uuid = ?', [u]),
      lock_entries: count(db, 'SELECT count(*) FROM lock_entries WHERE artifact_uuid = ?', [u]),
    });
    assert.deepEqual(per(), {
      collection_artifacts: 1,
      group_artifacts: 1,
      artifact_tags: 2,
      composite_memberships: 1,
      artifact_versions: 2,
      artifact_files: 2,
      deployments: 1,
      lock_entries: 1,
    });
    write(db, () => db.run('DELETE FROM artifacts WHERE uuid = ?', [u]));
    assert.deepEqual(Object.values(per()), [0, 0, 0, 0, 0, 0, 0, 0]);
    // File records survive, unlinked; the other artifact is untouched.
    assert.equal(count(db, 'SELECT count(*) FROM deployments WHERE artifact_uuid IS NULL'), 1);
    assert.equal(count(db, 'SELECT count(*) FROM lock_entries WHERE artifact_uuid IS NULL'), 1);
    assert.equal(count(db, 'SELECT count(*) FROM group_artifacts WHERE artifact_uuid = ?', [other.uuid]), 1);
    assert.deepEqual(db.exec('PRAGMA foreign_key_check'), []);
  });

  it('deleting a collection, tag or version cascades to what belongs to it', async () => {
    const db = await headDb();
    const { col, v2 } = populate(db);
    write(db, () => db.run("DELETE FROM tags WHERE slug = 'python'"));
    assert.equal(count(db, 'SELECT count(*) FROM artifact_tags'), 1);
    write(db, () => db.run('DELETE FROM artifact_versions WHERE id = ?', [v2]));
    assert.equal(count(db, 'SELECT count(*) FROM artifact_files'), 0);
    write(db, () => db.run('DELETE FROM collections WHERE id = ?', [col]));
    for (const t of ['collection_artifacts', 'groups', 'group_artifacts', 'composite_artifacts', 'composite_memberships', 'lock_entries']) {
      assert.equal(count(db, `SELECT count(*) FROM ${t}`), 0, t);
    }
    assert.equal(count(db, 'SELECT count(*) FROM artifacts'), 2, 'artifacts themselves stay until swept');
  });

  it('rejects memberships that name an unknown uuid', async () => {
    const db = await headDb();
    const { col } = populate(db);
    const ghost = 'f'.repeat(32);
    const groupId = String(db.exec('SELECT id FROM groups')[0].values[0][0]);
    const tagId = String(db.exec('SELECT id FROM tags LIMIT 1')[0].values[0][0]);
    const attempts: [string, (string | number)[]][] = [
      ['INSERT INTO collection_artifacts (collection_id, artifact_uuid, added_at) VALUES (?, ?, ?)', [col, ghost, NOW]],
      ['INSERT INTO group_artifacts (group_id, artifact_uuid, position, added_at) VALUES (?, ?, 0, ?)', [groupId, ghost, NOW]],
      ['INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at) VALUES (?, ?, ?)', [ghost, tagId, NOW]],
      ["INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, created_at) VALUES (?, 'composite:kit', ?, ?)", [col, ghost, NOW]],
      ["INSERT INTO artifact_versions (artifact_uuid, content_hash, created_at) VALUES (?, 'x', ?)", [ghost, NOW]],
    ];
    for (const [sql, params] of attempts) assert.throws(() => db.run(sql, params), /FOREIGN KEY constraint failed/, sql);
    const viaApi = store.writeTransaction(db, () => store.setCollectionArtifacts(db, col, [{ uuid: ghost, addedAt: NOW }]));
    assert.equal(viaApi.ok, false);
    if (!viaApi.ok) assert.equal(viaApi.error.code, 'WRITE_FAILED');
    assert.equal(count(db, 'SELECT count(*) FROM collection_artifacts'), 2, 'rolled back');
  });

  it('allows one current version per artifact and one primary file per version', async () => {
    const db = await headDb();
    const { pdf, v2 } = populate(db);
    assert.throws(() => db.run("INSERT INTO artifact_versions (artifact_uuid, content_hash, status, created_at) VALUES (?, 'h9', 'current', ?)", [pdf.uuid, NOW]), /UNIQUE/);
    assert.throws(() => db.run("INSERT INTO artifact_files (version_id, path, is_primary) VALUES (?, 'b.md', 1)", [v2]), /UNIQUE/);
    write(db, () => store.recordVersionLineage(db, pdf.uuid, ['h3', 'h2', 'h1'], { current: 'h3', now: NOW }));
    const v = db.exec('SELECT content_hash, parent_hash, status FROM artifact_versions WHERE artifact_uuid = ? ORDER BY content_hash', [pdf.uuid])[0].values;
    assert.deepEqual(v, [
      ['h1', null, 'superseded'],
      ['h2', 'h1', 'superseded'],
      ['h3', 'h2', 'current'],
    ]);
  });

  it('writeTransaction bumps the generation, refuses stale writers, and rolls back on throw', async () => {
    const db = await headDb();
    assert.equal(store.getGeneration(db), 0);
    const r = store.writeTransaction(db, () => 42);
    assert.ok(r.ok && r.value.value === 42 && r.value.generation === 1);
    const stale = store.writeTransaction(db, () => db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('x', 'x', 't', 't')"), {
      expectGeneration: 0,
    });
    assert.equal(stale.ok, false);
    if (!stale.ok) assert.equal(stale.error.code, 'STALE_GENERATION');
    const boom = store.writeTransaction(db, () => {
      db.run("INSERT INTO collections (id, name, created_at, updated_at) VALUES ('y', 'y', 't', 't')");
      throw new Error('nope');
    });
    assert.equal(boom.ok, false);
    assert.equal(count(db, 'SELECT count(*) FROM collections'), 0);
    assert.equal(store.getGeneration(db), 1);
    const nested = store.writeTransaction(db, () => store.writeTransaction(db, () => 1));
    assert.ok(nested.ok && !nested.value.value.ok);
    assert.equal(store.inWriteTransaction(db), false);
    const inside = store.writeTransaction(db, () => store.inWriteTransaction(db));
    assert.ok(inside.ok && inside.value.value === true);
  });

  it('uuids stay stable per type:name across removal, and declared uuids are honoured when free', async () => {
    const db = await headDb();
    const declared = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';
    const a = write(db, () => store.upsertArtifact(db, { type: 'skill', name: 'pdf', path: 'skills/pdf', origin: 'local', uuid: declared }, NOW));
    assert.equal(a.uuid, declared);
    const b = write(db, () => store.upsertArtifact(db, { type: 'skill', name: 'other', path: 'skills/other', origin: 'local', uuid: declared }, NOW));
    assert.notEqual(b.uuid, declared);
    assert.match(b.conflict!, /already belongs to skill:pdf/);
    write(db, () => store.sweepArtifacts(db, NOW));
    assert.equal(store.findArtifact(db, 'skill:pdf'), undefined, 'in no collection and unreferenced: deleted');
    const again = write(db, () => store.upsertArtifact(db, { type: 'skill', name: 'pdf', path: 'skills/pdf', origin: 'local' }, NOW));
    assert.equal(again.uuid, declared);
    const differs = write(db, () => store.upsertArtifact(db, { type: 'skill', name: 'pdf', path: 'skills/pdf', origin: 'local', uuid: 'a'.repeat(32) }, NOW));
    assert.equal(differs.uuid, declared);
    assert.match(differs.conflict!, /cache has 9b2e/);
    assert.equal(store.loadUuidMap(db).get('skill:pdf'), declared);
    assert.equal(store.findArtifactByUuid(db, declared)?.id, 'skill:pdf');
  });

  it('sweep keeps artifacts that are still referenced as missing, and clears the mark when they return', async () => {
    const db = await headDb();
    const { col, pdf, other } = populate(db);
    write(db, () => store.setCollectionArtifacts(db, col, [{ uuid: other.uuid, addedAt: NOW }]));
    const s = write(db, () => store.sweepArtifacts(db, '2026-11-24T00:00:00'));
    assert.deepEqual(s, { restored: 0, markedMissing: 1, deleted: 0 });
    assert.equal(store.findArtifact(db, 'skill:pdf-tools')?.missingSince, '2026-11-24T00:00:00');
    write(db, () => {
      store.upsertArtifact(db, { type: 'skill', name: 'pdf-tools', path: 'skills/pdf-tools', origin: 'github' }, NOW);
      store.setCollectionArtifacts(db, col, [
        { uuid: other.uuid, addedAt: NOW },
        { uuid: pdf.uuid, addedAt: NOW },
      ]);
    });
    assert.equal(store.findArtifact(db, 'skill:pdf-tools')?.missingSince, '2026-11-24T00:00:00', 'the sweep decides');
    assert.deepEqual(
      write(db, () => store.sweepArtifacts(db, NOW)),
      { restored: 1, markedMissing: 0, deleted: 0 },
    );
    assert.equal(store.findArtifact(db, 'skill:pdf-tools')?.missingSince, null);
    assert.equal(store.findArtifact(db, 'skill:pdf-tools')?.uuid, pdf.uuid);
  });

  it('tags: slug matching, order kept, empty slugs skipped', async () => {
    const db = await headDb();
    const { pdf } = populate(db);
    write(db, () => store.setArtifactTags(db, pdf.uuid, ['PYTHON', '!!!', 'New Thing', 'Documents'], NOW));
    const names = db
      .exec('SELECT t.name FROM artifact_tags a JOIN tags t ON t.id = a.tag_id WHERE a.artifact_uuid = ? ORDER BY a.position', [pdf.uuid])[0]
      .values.map((v) => v[0]);
    assert.deepEqual(names, ['python', 'New Thing', 'Documents']);
    assert.equal(store.tagSlug('  Ops/Infra  '), 'ops-infra');
  });

  it('tags remembered within a sync resolve exactly as lookups would, also for a tag found by its name only', async () => {
    const db = await headDb();
    // A legacy tag whose stored slug differs from the slug of its name.
    db.run("INSERT INTO tags (id, name, slug, created_at) VALUES ('00000000000000000000000000000001', 'Foo Bar', 'legacy', ?)", [NOW]);
    const names = ['Foo Bar', 'foo-bar', 'Foo Bar', 'Python', 'python', 'PYTHON'];
    const plain = write(db, () => names.map((n) => store.ensureTag(db, n, NOW)));
    const db2 = await headDb();
    db2.run("INSERT INTO tags (id, name, slug, created_at) VALUES ('00000000000000000000000000000001', 'Foo Bar', 'legacy', ?)", [NOW]);
    const known: store.TagIds = new Map();
    const remembered = write(db2, () => names.map((n) => store.ensureTag(db2, n, NOW, known)));
    const shape = (ids: (string | undefined)[]) => ids.map((id) => ids.indexOf(id));
    assert.deepEqual(shape(remembered), shape(plain));
    assert.equal(remembered[0], '00000000000000000000000000000001', 'found by name');
    assert.notEqual(remembered[1], remembered[0], '"foo-bar" is a new tag: no tag has that slug or name');
    assert.equal(count(db2, 'SELECT count(*) FROM tags'), count(db, 'SELECT count(*) FROM tags'));
  });
});
