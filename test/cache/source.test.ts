// The workspace as plain data for the cache worker: what a diff carries after an edit, and that
// the worker's copy, built from diffs alone, syncs exactly what the workspace itself syncs.
import { strict as assert } from 'node:assert';
import type { Database } from 'sql.js';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { migrateUp } from '../../server/src/engine/cache/migrate';
import { SourceReplica, SourceTracker, sourceOf, type SyncSource } from '../../server/src/engine/cache/source';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { syncSource, syncWorkspace } from '../../server/src/engine/cache/sync';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline, COLLECTION, DEPLOYED } from '../engine/baseline';
import { schemaShape } from '../migrations/fixtures';

const C = 'collections/main/collection.toml';
const C2 = 'collections/second/collection.toml';
const D = 'project/.claude/.skillmeat-deployed.toml';

/** Everything a sync writes that does not depend on random ids or the clock. */
function contents(db: Database): unknown {
  const q = (sql: string) => db.exec(sql)[0]?.values ?? [];
  return {
    artifacts: q('SELECT id, uuid, path, origin, missing_since IS NULL FROM artifacts ORDER BY id'),
    members: q('SELECT c.manifest_path, a.artifact_uuid FROM collection_artifacts a JOIN collections c ON c.id = a.collection_id ORDER BY 1, 2'),
    tags: q('SELECT a.artifact_uuid, t.slug, a.position FROM artifact_tags a JOIN tags t ON t.id = a.tag_id ORDER BY 1, 2'),
    groups: q('SELECT g.name, ga.artifact_uuid, ga.position FROM groups g LEFT JOIN group_artifacts ga ON ga.group_id = g.id ORDER BY 1, 2'),
    lock: q('SELECT artifact_type, artifact_name, artifact_uuid, content_hash FROM lock_entries ORDER BY 1, 2'),
    deployments: q('SELECT project_path, artifact_name, artifact_uuid, content_hash FROM deployments ORDER BY 1, 2'),
    versions: q('SELECT artifact_uuid, content_hash, parent_hash, status FROM artifact_versions ORDER BY 1, 2'),
    composites: q('SELECT composite_id, child_artifact_uuid, source FROM composite_memberships ORDER BY 1, 2'),
  };
}

describe('sync source (the workspace as plain data)', () => {
  let dir: TempDir;
  let ws: Workspace;

  beforeEach(() => {
    dir = new TempDir();
    dir.write(baseline({ [C2]: COLLECTION.replace('name = "main"', 'name = "second"').replace(/9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b/g, '') }));
    ws = new Workspace(nodeHost);
    ws.scan(dir.root);
  });
  afterEach(() => dir.dispose());

  function edit(rel: string, text: string): void {
    dir.write({ [rel]: text });
    ws.load(dir.path(rel));
  }

  async function freshDb(): Promise<Database> {
    const db = newDatabase(await loadSqlJs());
    assert.ok(migrateUp(db, {}).ok);
    return db;
  }

  it('sends everything first, then only what changed; a removed file leaves the copy', () => {
    const t = new SourceTracker();
    const first = [...t.diff(ws.index())];
    assert.equal(first.length, 1);
    assert.deepEqual(first[0].collections.map((c) => c.file).sort(), [dir.path(C), dir.path(C2)].sort());
    assert.deepEqual(first[0].deployments.map((d) => d.file), [dir.path(D)]);
    assert.deepEqual([...t.diff(ws.index())], [], 'nothing changed: nothing to send');

    edit(C2, COLLECTION.replace('name = "main"', 'name = "second"').replace('name = "review"', 'name = "review-2"'));
    const after = [...t.diff(ws.index())];
    assert.deepEqual(after.flatMap((d) => d.collections.map((c) => c.file)), [dir.path(C2)]);
    assert.deepEqual(after.flatMap((d) => d.deployments), [], 'the deployed file resolves the same: not sent again');

    ws.remove(dir.path(C2));
    const removed = [...t.diff(ws.index())];
    assert.deepEqual(removed.flatMap((d) => d.collectionOrder ?? []), [dir.path(C)]);
    const r = new SourceReplica();
    for (const d of [...first, ...after, ...removed]) r.apply(d);
    assert.deepEqual(r.source.collections.map((c) => c.file), [dir.path(C)]);
  });

  it('slices a large first diff', () => {
    const sizes = [...new SourceTracker().diff(ws.index(), 1)].map((s) => s.collections.length + s.deployments.length);
    assert.ok(sizes.every((n) => n <= 1), String(sizes));
    assert.equal(sizes.reduce((a, b) => a + b, 0), 3);
  });

  it('re-sends a deployed file whose artifact now resolves differently', () => {
    const t = new SourceTracker();
    [...t.diff(ws.index())];
    edit(C, COLLECTION.replace('name = "pdf-tools"', 'name = "pdf-kit"'));
    const d = [...t.diff(ws.index())].flatMap((x) => x.deployments);
    assert.deepEqual(d.map((x) => x.file), [dir.path(D)]);
  });

  it('a copy built from diffs syncs exactly what the workspace syncs', async () => {
    const t = new SourceTracker();
    const replica = new SourceReplica();
    const send = () => {
      for (const d of t.diff(ws.index(), 1)) replica.apply(d);
    };
    const viaIndex = await freshDb();
    const viaCopy = await freshDb();
    const step = (): void => {
      send();
      const a = syncWorkspace(viaIndex, ws.index(), { now: '2026-01-01T00:00:00' });
      const b = syncSource(viaCopy, replica.source, { now: '2026-01-01T00:00:00' });
      assert.ok(a.ok && b.ok);
      assert.deepEqual(b.value, a.value);
    };
    step();
    edit(C, COLLECTION.replace('name = "review"', 'name = "review-2"'));
    step();
    edit(D, DEPLOYED.replace(/deployed_at = "2026-03-02T09:41:08"/, 'deployed_at = "2026-03-03T10:00:00"'));
    step();
    ws.remove(dir.path(C2));
    step();
    // Artifacts without a declared uuid get a random one on each side: compare by artifact id.
    const norm = (db: Database): Record<string, string[]> => {
      const ids = new Map(db.exec('SELECT uuid, id FROM artifacts')[0].values.map(([u, id]) => [String(u), String(id)]));
      const out: Record<string, string[]> = {};
      for (const [table, rows] of Object.entries(contents(db) as Record<string, unknown[][]>)) {
        out[table] = rows.map((r) => JSON.stringify(r.map((v) => ids.get(String(v)) ?? v))).sort();
      }
      return out;
    };
    assert.deepEqual(norm(viaCopy), norm(viaIndex));
    viaIndex.close();
    viaCopy.close();
  });

  it('a first sync into an empty cache builds its deferred indexes after loading: same rows, same schema', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 21; i++) many[`collections/c${i}/collection.toml`] = COLLECTION.replace('name = "main"', `name = "c${i}"`).replace('name = "review"', `name = "review-${i}"`);
    dir.write(many);
    ws.scan(dir.root);
    const bulk = await freshDb();
    const rowByRow = await freshDb();
    const a = syncWorkspace(bulk, ws.index(), { now: '2026-01-01T00:00:00', deferIndexes: true });
    const b = syncWorkspace(rowByRow, ws.index(), { now: '2026-01-01T00:00:00', deferIndexes: false });
    assert.ok(a.ok && b.ok);
    assert.deepEqual({ ...a.value, conflicts: a.value.conflicts.length }, { ...b.value, conflicts: b.value.conflicts.length });
    assert.deepEqual(schemaShape(bulk), schemaShape(rowByRow));
    const ids = (db: Database) => JSON.stringify(db.exec('SELECT id FROM artifacts ORDER BY id')[0].values);
    assert.equal(ids(bulk), ids(rowByRow));
    assert.equal(bulk.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    // A sync cut short by its time budget builds them again before it returns.
    const sliced = await freshDb();
    const s = syncWorkspace(sliced, ws.index(), { now: '2026-01-01T00:00:00', budgetMs: 0, deferIndexes: true });
    assert.ok(s.ok && s.value.more);
    assert.deepEqual(schemaShape(sliced), schemaShape(rowByRow));
    for (const db of [bulk, rowByRow, sliced]) db.close();
  });

  it('the in-process source reads data only for files that changed', () => {
    const s: SyncSource = sourceOf(ws.index());
    assert.equal(s.collections.length, 2);
    assert.equal(s.collections[0].data().artifacts.length > 0, true);
    assert.match(s.deployments[0].hash, /^[0-9a-f]{64}$/);
  });
});
