import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { Database } from 'sql.js';
import { openCache, type OpenedCache } from '../../server/src/engine/cache/db';
import { syncWorkspace } from '../../server/src/engine/cache/sync';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline, COLLECTION } from '../engine/baseline';

const NOW = '2026-11-23T12:00:00';

function rows(db: Database, sql: string, params: (string | number)[] = []): unknown[][] {
  return db.exec(sql, params)[0]?.values ?? [];
}

describe('sync: manifests → cache', () => {
  let dir: TempDir;
  let opened: OpenedCache;
  let ws: Workspace;
  const C = 'collections/main/collection.toml';

  beforeEach(async () => {
    dir = new TempDir();
    dir.write(baseline());
    ws = new Workspace(nodeHost);
    ws.scan(dir.root);
    const r = await openCache(dir.path('cache.db'));
    assert.ok(r.ok);
    opened = r.value;
  });
  afterEach(() => {
    opened.cache.close();
    dir.dispose();
  });

  function sync(force = false) {
    const r = syncWorkspace(opened.cache.db, ws.index(), { now: NOW, force });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  }

  it('writes artifacts with the manifest uuids, memberships, tags, groups, lock entries, deployments and discovered composites', () => {
    const s = sync();
    assert.equal(s.collectionsSynced, 1);
    assert.equal(s.deployedFilesSynced, 1);
    const db = opened.cache.db;
    assert.deepEqual(rows(db, 'SELECT id, uuid FROM artifacts ORDER BY id').filter((r) => r[0] !== 'command:review' && r[0] !== 'composite:kit'), [
      ['agent:release-notes', 'c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09'],
      ['skill:pdf-tools', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b'],
    ]);
    assert.equal(rows(db, 'SELECT count(*) FROM collection_artifacts')[0][0], 4);
    assert.deepEqual(rows(db, "SELECT t.slug FROM artifact_tags a JOIN tags t ON t.id = a.tag_id WHERE a.artifact_uuid = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b' ORDER BY a.position"), [['documents'], ['python']]);
    assert.deepEqual(rows(db, 'SELECT g.name, ga.artifact_uuid, ga.position FROM groups g JOIN group_artifacts ga ON ga.group_id = g.id ORDER BY ga.position'), [
      ['Writing kit', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b', 0],
      ['Writing kit', 'c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09', 1],
    ]);
    assert.deepEqual(rows(db, 'SELECT artifact_type, artifact_name, artifact_uuid FROM lock_entries'), [['skill', 'pdf-tools', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b']]);
    assert.deepEqual(rows(db, 'SELECT artifact_name, artifact_uuid FROM deployments ORDER BY artifact_name'), [
      ['pdf-tools', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b'],
      ['release-notes.md', 'c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09'],
    ]);
    const members = rows(db, "SELECT m.composite_id, a.id, m.source FROM composite_memberships m JOIN artifacts a ON a.uuid = m.child_artifact_uuid ORDER BY a.id");
    assert.deepEqual(members, [
      ['composite:kit', 'command:review', 'discovered'],
      ['composite:kit', 'skill:pdf-tools', 'discovered'],
    ]);
    assert.deepEqual(rows(db, "SELECT status FROM artifact_versions WHERE artifact_uuid = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b'"), [['current']]);
  });

  it('a second sync of unchanged files touches no collection', () => {
    sync();
    const s = sync();
    assert.equal(s.collectionsSynced, 0);
    assert.equal(s.collectionsUnchanged, 1);
    assert.equal(s.deployedFilesSynced, 0);
  });

  it('assigns a uuid once to an artifact without one and keeps it across restarts', async () => {
    sync();
    const first = rows(opened.cache.db, "SELECT uuid FROM artifacts WHERE id = 'command:review'")[0][0] as string;
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.ok(opened.cache.save().ok);
    opened.cache.close();
    const again = await openCache(dir.path('cache.db'));
    assert.ok(again.ok);
    opened = again.value;
    sync(true);
    assert.equal(rows(opened.cache.db, "SELECT uuid FROM artifacts WHERE id = 'command:review'")[0][0], first);
  });

  it('an artifact cut from its manifest is kept as missing while a user membership names it, and comes back whole', () => {
    sync();
    const db = opened.cache.db;
    const uuid = rows(db, "SELECT uuid FROM artifacts WHERE id = 'command:review'")[0][0] as string;
    db.run("INSERT INTO composite_artifacts (id, collection_id, composite_type, created_at, updated_at) SELECT 'composite:mine', id, 'stack', ?, ? FROM collections", [NOW, NOW]);
    db.run("INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, pinned_version_hash, created_at, source) SELECT id, 'composite:mine', ?, 'requires', 'abc', ?, 'user' FROM collections", [uuid, NOW]);
    const cut = COLLECTION.replace('[[artifacts]]\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "github"\nadded = "2026-02-12T10:00:00"\n', '');
    fs.writeFileSync(dir.path(C), cut);
    ws.load(dir.path(C));
    const s = sync();
    assert.equal(s.collectionsSynced, 1);
    assert.equal(s.markedMissing, 1);
    assert.deepEqual(rows(db, "SELECT missing_since FROM artifacts WHERE id = 'command:review'"), [[NOW]]);
    assert.equal(rows(db, "SELECT count(*) FROM composite_memberships WHERE composite_id = 'composite:mine'")[0][0], 1);
    fs.writeFileSync(dir.path(C), COLLECTION);
    ws.load(dir.path(C));
    const back = sync();
    assert.equal(back.restored, 1);
    assert.deepEqual(rows(db, "SELECT uuid, missing_since FROM artifacts WHERE id = 'command:review'"), [[uuid, null]]);
    assert.deepEqual(rows(db, "SELECT relationship_type, pinned_version_hash FROM composite_memberships WHERE composite_id = 'composite:mine'"), [['requires', 'abc']]);
  });

  it('discovered memberships follow the plugin folder; user memberships stay', () => {
    sync();
    const db = opened.cache.db;
    const agent = 'c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09';
    db.run("INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, created_at, source) SELECT id, 'composite:kit', ?, 'requires', ?, 'user' FROM collections", [agent, NOW]);
    fs.rmSync(dir.path('collections/main/plugins/kit/commands'), { recursive: true });
    ws.invalidate(); // what the watcher does when a folder changes
    sync();
    const members = rows(db, "SELECT a.id, m.source FROM composite_memberships m JOIN artifacts a ON a.uuid = m.child_artifact_uuid WHERE m.composite_id = 'composite:kit' ORDER BY a.id");
    assert.deepEqual(members, [
      ['agent:release-notes', 'user'],
      ['skill:pdf-tools', 'discovered'],
    ]);
  });

  it('a manifest uuid that another artifact already owns is reported as a conflict, not taken', () => {
    sync();
    const swapped = COLLECTION.replace('uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"', 'uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"').replace('name = "release-notes"', 'name = "release-notes-2"');
    fs.writeFileSync(dir.path(C), swapped);
    ws.load(dir.path(C));
    const s = sync();
    assert.ok(s.conflicts.some((c) => c.typeName === 'agent:release-notes-2' && /already belongs to skill:pdf-tools/.test(c.message)), JSON.stringify(s.conflicts));
  });

  it('syncs a large workspace in slices when given a time budget, ending where one full sync ends', () => {
    dir.write({ 'collections/second/collection.toml': COLLECTION.replace('name = "main"', 'name = "second"').replace(/uuid = "[0-9a-f]+"\n/g, '') });
    ws.scan(dir.root);
    const first = syncWorkspace(opened.cache.db, ws.index(), { now: NOW, budgetMs: 0 });
    assert.ok(first.ok);
    assert.equal(first.value.collectionsSynced, 1);
    assert.equal(first.value.more, true);
    assert.equal(first.value.deployedFilesSynced, 0, 'deployments wait for the last slice');
    const second = syncWorkspace(opened.cache.db, ws.index(), { now: NOW, budgetMs: 0 });
    assert.ok(second.ok);
    assert.deepEqual([second.value.collectionsSynced, second.value.collectionsUnchanged, second.value.more, second.value.deployedFilesSynced], [1, 1, false, 1]);
    assert.equal(rows(opened.cache.db, 'SELECT count(*) FROM collections')[0][0], 2);
  });
});
