// The cache in a worker thread, as the language server runs it: the workspace goes to the worker
// as per-file diffs, the worker syncs and saves, and status and the uuid Map come back. The worker
// runs from source here (worker.ts through tsx), so what is tested is the code that is bundled.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { openCache } from '../../server/src/engine/cache/db';
import { READ_ONLY_MESSAGE } from '../../server/src/engine/cache/live';
import { RemoteLiveCache, bundledWorker, type RemoteCacheOptions } from '../../server/src/engine/cache/remote';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline, COLLECTION } from '../engine/baseline';

const C = 'collections/main/collection.toml';
const PDF = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';
const WORKER = path.resolve(__dirname, '../../server/src/engine/cache/worker.ts');
const TSX = ['--require', require.resolve('tsx/cjs')];

/** Waits until `cond` holds (polling); fails with `what` after a generous bound. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cache in a worker thread', function () {
  this.timeout(60_000);
  let dir: TempDir;
  let ws: Workspace;
  let file: string;
  const made: RemoteLiveCache[] = [];

  beforeEach(() => {
    dir = new TempDir();
    dir.write(baseline());
    ws = new Workspace(nodeHost);
    ws.scan(dir.root);
    file = dir.path('home/vscode-cache.db');
  });
  afterEach(() => {
    for (const l of made.splice(0)) l.dispose();
    dir.dispose();
  });

  interface Harness {
    live: RemoteLiveCache;
    logs: string[];
    warnings: string[];
    uuidEvents: number;
  }

  function harness(over: Partial<RemoteCacheOptions> = {}): Harness {
    const h: Harness = { live: undefined as unknown as RemoteLiveCache, logs: [], warnings: [], uuidEvents: 0 };
    h.live = new RemoteLiveCache({
      file,
      index: () => ws.index(),
      log: (m) => h.logs.push(m),
      warn: (m) => h.warnings.push(m),
      changed: () => undefined,
      uuidsChanged: () => h.uuidEvents++,
      syncDelayMs: 10,
      save: { delayMs: 10, maxDelayMs: 50 },
      lock: { timeoutMs: 200, retryMs: 5 },
      diffDelayMs: 5,
      workerFile: WORKER,
      execArgv: TSX,
      ...over,
    });
    made.push(h.live);
    return h;
  }

  async function rows(sql: string): Promise<unknown[][]> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    try {
      return db.exec(sql)[0]?.values ?? [];
    } finally {
      db.close();
    }
  }

  function edit(text: string): void {
    fs.writeFileSync(dir.path(C), text);
    ws.load(dir.path(C));
  }

  it('is found beside a bundle only', () => {
    assert.equal(bundledWorker(path.dirname(WORKER)), undefined, 'no cacheWorker.js beside the sources');
    const { root } = dir;
    fs.writeFileSync(path.join(root, 'cacheWorker.js'), '');
    assert.equal(bundledWorker(root), path.join(root, 'cacheWorker.js'));
  });

  it('creates the file at head, syncs and saves it; status and the uuid Map are answered on this thread', async () => {
    const h = harness();
    assert.equal(h.live.state, 'opening');
    assert.match(h.live.refusal()!, /still being opened/);
    assert.equal(h.live.db, undefined, 'the database lives in the worker');
    await h.live.open();
    assert.equal(h.live.state, 'ready');
    const s = h.live.status();
    assert.equal(s.revision, s.head);
    assert.deepEqual([s.collections, s.artifacts, s.missing, s.readOnly], [1, 4, 0, false]);
    assert.ok(s.lastSync?.forced && s.lastSave?.ok);
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), PDF);
    assert.equal(h.live.refusal(), undefined);
    assert.deepEqual(await rows("SELECT uuid FROM artifacts WHERE id = 'skill:pdf-tools'"), [[PDF]]);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(h.logs.some((l) => /runs in a worker thread/.test(l)));
  });

  it('sends an edit as a diff; the worker syncs and saves it, and the new name gets a uuid here', async () => {
    const h = harness();
    await h.live.open();
    const g = h.live.headline().generation;
    edit(COLLECTION.replace('name = "review"', 'name = "review-2"'));
    h.live.touch();
    await until('the sync of the edit', () => h.live.headline().generation > g && !h.live.headline().unsaved);
    await until('the saved file', async () => (await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review-2'"))[0][0] === 1);
    await until('the uuid Map', () => h.live.uuidOf('command', 'review-2') !== undefined);
    assert.match(h.live.uuidOf('command', 'review-2')!, /^[0-9a-f]{32}$/);
  });

  it('saves pending changes when disposed (the server waits for the worker)', async () => {
    const h = harness({ syncDelayMs: 60_000, save: { delayMs: 60_000, maxDelayMs: 60_000 } });
    await h.live.open();
    edit(COLLECTION.replace('name = "review"', 'name = "review-3"'));
    h.live.touch();
    h.live.dispose();
    assert.deepEqual(await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review-3'"), [[1]]);
    h.live.touch();
    assert.equal(await h.live.open(), undefined, 'a closed cache does nothing');
  });

  it('links a composite member, prunes and rebuilds through the worker', async () => {
    const h = harness();
    await h.live.open();
    const linked = await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' });
    assert.equal(linked.ok, true, linked.message);
    assert.equal(linked.status, 'linked');
    assert.deepEqual(await rows("SELECT relationship_type, source FROM composite_memberships WHERE composite_id = 'composite:kit' AND source = 'user'"), [['requires', 'user']]);
    assert.equal((await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' })).status, 'already-linked');
    const stale = await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'contains' }, 1);
    assert.equal(stale.ok, false);
    assert.match(stale.message, /changed since it was read/);
    const bad = await h.live.link({ parent: 'composite:kit', child: 'skill:nope', relation: 'contains' });
    assert.equal(bad.ok, false);
    // A group member lives in collection.toml: the edit comes back for the editor to apply.
    const group = await h.live.link({ group: 'Writing kit', child: 'command:review' });
    assert.ok(group.ok && group.edit?.edit.newText.includes('command:review'), group.message);

    // The linked artifact leaves its manifest: kept as missing (a membership refers to it), then pruned.
    edit(COLLECTION.replace(/\[\[artifacts\]\]\s*\nname = "pdf-tools"[\s\S]*?(?=\[\[artifacts\]\])/, ''));
    h.live.touch();
    await until('pdf-tools marked missing', () => h.live.status().missing === 1);
    const dry = await h.live.prune(true);
    assert.deepEqual([dry.ok, dry.artifacts.map((a) => a.id)], [true, ['skill:pdf-tools']]);
    const pruned = await h.live.prune(false);
    assert.equal(pruned.ok, true, pruned.message);
    assert.equal(h.live.status().missing, 0);

    const r = await h.live.rebuild();
    assert.equal(r.ok, true, r.message);
    assert.equal(r.saved, true);
    assert.equal(r.sync?.forced, true);
  });

  it('read-only: reads the file, refuses writes, never writes', async () => {
    const first = harness();
    await first.live.open();
    first.live.dispose();
    const before = fs.readFileSync(file);
    const h = harness({ readOnly: true });
    assert.equal(h.live.refusal(), READ_ONLY_MESSAGE);
    await h.live.open();
    assert.equal(h.live.state, 'ready');
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), PDF);
    const r = await h.live.link({ parent: 'composite:kit', child: 'skill:pdf-tools', relation: 'contains' });
    assert.deepEqual([r.ok, r.message], [false, READ_ONLY_MESSAGE]);
    h.live.dispose();
    assert.ok(Buffer.compare(fs.readFileSync(file), before) === 0, 'untouched');
  });

  it('takes another process\'s write (reload on the file change) and keeps its user data', async () => {
    const h = harness({ watchDelayMs: 5 });
    await h.live.open();
    const other = await openCache(file, { migrate: false });
    assert.ok(other.ok);
    const db = other.value.cache.db;
    db.run("INSERT INTO composite_artifacts (id, collection_id, composite_type, created_at, updated_at) SELECT 'composite:theirs', id, 'stack', 'x', 'x' FROM collections");
    db.run("INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, created_at, source) SELECT id, 'composite:theirs', ?, 'requires', 'x', 'user' FROM collections", [PDF]);
    assert.ok(other.value.cache.save().ok);
    other.value.cache.close();
    await until('their membership seen', () => h.live.status().userMemberships === 1);
  });

  it('a worker that cannot start makes the cache unavailable, with one warning; diagnostics are not its concern', async () => {
    const broken = dir.path('broken-worker.js');
    fs.writeFileSync(broken, 'process.stdout.write("noise\\n"); setTimeout(() => { throw new Error("no such worker"); }, 50);');
    const h = harness({ workerFile: broken, execArgv: [] });
    await h.live.open();
    await until('unavailable', () => h.live.state === 'unavailable');
    assert.equal(h.warnings.length, 1);
    assert.match(h.live.refusal()!, /cannot be used: the cache worker (failed|stopped)/);
    assert.equal((await h.live.prune(true)).ok, false);
    assert.equal((await h.live.rebuild()).ok, false);
    const link = await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' });
    assert.deepEqual([link.ok, link.status], [false, 'refused']);
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), undefined);
    // What a worker prints goes to the log, never to the server's stdout (the protocol stream over --stdio).
    await until('its output logged', () => h.logs.includes('cache worker: noise'));
  });
});
