// The live cache as the language server holds it, driven without a server: fake timers for the
// debounced sync, save and watch; a second handle or a lock file for "another process".
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { openCache } from '../../server/src/engine/cache/db';
import { acquireLock } from '../../server/src/engine/cache/lock';
import { LiveCache, READ_ONLY_MESSAGE, lookAtCacheFile, type LiveCacheOptions } from '../../server/src/engine/cache/live';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline, COLLECTION } from '../engine/baseline';
import { FakeTimers } from './helpers';

const C = 'collections/main/collection.toml';
const PDF = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';

interface Harness {
  live: LiveCache;
  logs: string[];
  warnings: string[];
  changes: number;
  uuidEvents: number;
}

describe('live cache (the server side of the cache)', () => {
  let dir: TempDir;
  let ws: Workspace;
  let timers: FakeTimers;
  let file: string;
  const made: LiveCache[] = [];

  beforeEach(() => {
    dir = new TempDir();
    dir.write(baseline());
    ws = new Workspace(nodeHost);
    ws.scan(dir.root);
    timers = new FakeTimers();
    file = dir.path('home/vscode-cache.db');
  });
  afterEach(() => {
    for (const l of made.splice(0)) l.dispose();
    dir.dispose();
  });

  function harness(over: Partial<LiveCacheOptions> = {}): Harness {
    const h: Harness = { live: undefined as unknown as LiveCache, logs: [], warnings: [], changes: 0, uuidEvents: 0 };
    h.live = new LiveCache({
      file,
      index: () => ws.index(),
      log: (m) => h.logs.push(m),
      warn: (m) => h.warnings.push(m),
      changed: () => h.changes++,
      uuidsChanged: () => h.uuidEvents++,
      timers,
      save: { timers, delayMs: 100, maxDelayMs: 1000 },
      lock: { timeoutMs: 30, retryMs: 5 },
      watch: null,
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

  /** Makes a cache file at an older revision, as a user of an older build left it. */
  async function oldCache(to: string): Promise<void> {
    const r = await openCache(file, { migrate: false });
    assert.ok(r.ok);
    assert.ok(r.value.cache.migrateUp({ to }).ok);
    r.value.cache.close();
  }

  /** What another process adds: a user membership (user data, which no sync derives or removes). */
  async function theirWrite(): Promise<void> {
    const other = await openCache(file, { migrate: false });
    assert.ok(other.ok);
    const db = other.value.cache.db;
    db.run("INSERT INTO composite_artifacts (id, collection_id, composite_type, created_at, updated_at) SELECT 'composite:theirs', id, 'stack', 'x', 'x' FROM collections");
    db.run("INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, relationship_type, created_at, source) SELECT id, 'composite:theirs', ?, 'requires', 'x', 'user' FROM collections", [PDF]);
    assert.ok(other.value.cache.save().ok);
    other.value.cache.close();
  }

  function edit(text: string): void {
    fs.writeFileSync(dir.path(C), text);
    ws.load(dir.path(C));
  }

  it('creates a new file at head, syncs and saves it at once; the uuid Map answers the rules', async () => {
    const h = harness();
    assert.equal(h.live.state, 'opening');
    assert.equal(h.live.headline().generation, 0);
    await h.live.open();
    assert.equal(h.live.state, 'ready');
    const s = h.live.status();
    assert.equal(s.revision, s.head);
    assert.deepEqual([s.collections, s.artifacts, s.missing, s.unsaved, s.readOnly], [1, 4, 0, false, false]);
    assert.ok(s.lastSync && s.lastSync.forced && s.lastSync.collectionsSynced === 1);
    assert.ok(s.lastSave?.ok && (s.lastSave.bytes ?? 0) > 0);
    assert.deepEqual(await rows("SELECT uuid FROM artifacts WHERE id = 'skill:pdf-tools'"), [[PDF]]);
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), PDF);
    assert.equal(h.live.refusal(), undefined);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(h.uuidEvents, 0, 'the registry took the manifest uuids: nothing for the rules');
  });

  it('syncs after a quiet period only when the workspace changed, then saves after its own', async () => {
    const h = harness();
    await h.live.open();
    const g = h.live.headline().generation;
    h.live.touch();
    timers.advance(400);
    assert.equal(h.live.headline().generation, g, 'same index: no sync');
    edit(COLLECTION.replace('name = "review"', 'name = "review-2"'));
    h.live.touch();
    timers.advance(200);
    h.live.touch();
    timers.advance(299);
    assert.equal(h.live.headline().generation, g, 'still typing');
    timers.advance(1);
    assert.equal(h.live.headline().generation, g + 1);
    assert.equal(h.live.headline().unsaved, true);
    timers.advance(100);
    assert.equal(h.live.headline().unsaved, false);
    assert.equal((await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review-2'"))[0][0], 1);
  });

  it('tells the rules when a remembered uuid differs from a manifest', async () => {
    const a = harness();
    await a.live.open();
    a.live.dispose();
    edit(COLLECTION.replace(PDF, '0123456789abcdef0123456789abcdef'));
    const b = harness();
    await b.live.open();
    assert.equal(b.live.uuidOf('skill', 'pdf-tools'), PDF);
    assert.equal(b.uuidEvents, 1);
    assert.ok(b.live.status().lastSync!.conflicts.some((c) => c.typeName === 'skill:pdf-tools'));
  });

  it('reads a cache behind this build but never writes it; after an outside migration it is used', async () => {
    await oldCache('0010');
    const before = fs.readFileSync(file);
    const h = harness();
    await h.live.open();
    assert.equal(h.live.state, 'behind');
    assert.deepEqual(h.live.status().pending, ['0011_sync_state']);
    assert.match(h.live.refusal()!, /at revision 0010_cache_state, behind this version \(0011_sync_state\); migrate it first/);
    assert.equal((await h.live.link({ parent: 'composite:kit', child: 'skill:pdf-tools', relation: 'contains' })).ok, false);
    assert.equal((await h.live.prune(false)).ok, false);
    assert.equal((await h.live.rebuild()).ok, false);
    h.live.touch();
    timers.advance(5000);
    assert.equal(h.live.syncIfStale(), false);
    h.live.dispose();
    assert.ok(Buffer.compare(fs.readFileSync(file), before) === 0, 'untouched');

    const w = harness();
    await w.live.open();
    w.live.poll();
    assert.equal(w.live.state, 'behind', 'unchanged file: nothing to look at');
    const other = await openCache(file, { migrate: false });
    assert.ok(other.ok && other.value.cache.migrateUp().ok);
    other.value.cache.close();
    w.live.externalChange();
    timers.advance(100);
    await w.live.settled();
    assert.equal(w.live.state, 'ready');
    assert.equal(w.live.status().revision, w.live.status().head);
  });

  it('moves a damaged file aside, warns naming the copy, rebuilds', async () => {
    fs.mkdirSync(dir.path('home'));
    fs.writeFileSync(file, 'garbage'.repeat(1000));
    const h = harness();
    await h.live.open();
    assert.equal(h.live.state, 'ready');
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0], /damaged .*moved to .*vscode-cache\.db\.corrupt-/);
    assert.deepEqual(h.live.status().warnings, h.warnings);
    assert.equal((await rows('SELECT count(*) FROM artifacts'))[0][0], 4);
  });

  it('is unavailable (one warning) for a file it must not touch, and looks again only when it changes', async () => {
    fs.mkdirSync(dir.path('home'));
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec('CREATE TABLE x (y)');
    fs.writeFileSync(file, db.export());
    db.close();
    const h = harness();
    await h.live.open();
    assert.equal(h.live.state, 'unavailable');
    assert.match(h.live.status().error!, /not a SkillMeat editor cache/);
    assert.match(h.live.refusal()!, /cannot be used/);
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), undefined);
    const opens = h.logs.filter((l) => /unavailable/.test(l)).length;
    h.live.poll();
    await h.live.settled();
    assert.equal(h.logs.filter((l) => /unavailable/.test(l)).length, opens);
    fs.rmSync(file);
    const r = await h.live.rebuild();
    assert.equal(r.ok, true, r.message);
    assert.equal(h.live.state, 'ready');
  });

  it('read-only: a missing file stays missing, every write is refused, nothing is saved', async () => {
    const h = harness({ readOnly: true });
    await h.live.open();
    assert.equal(h.live.state, 'ready');
    assert.equal(h.live.uuidOf('skill', 'pdf-tools'), PDF);
    assert.equal(h.live.refusal(), READ_ONLY_MESSAGE);
    assert.equal((await h.live.link({ parent: 'composite:kit', child: 'skill:pdf-tools', relation: 'contains' })).message, READ_ONLY_MESSAGE);
    assert.equal((await h.live.prune(true)).message, READ_ONLY_MESSAGE);
    assert.equal((await h.live.rebuild()).message, READ_ONLY_MESSAGE);
    edit(COLLECTION.replace('name = "review"', 'name = "review-2"'));
    h.live.touch();
    timers.advance(5000);
    h.live.dispose();
    assert.equal(fs.existsSync(dir.path('home')), false);
  });

  it('read-only: a damaged file is reported, not moved', async () => {
    fs.mkdirSync(dir.path('home'));
    fs.writeFileSync(file, 'garbage'.repeat(1000));
    const h = harness({ readOnly: true });
    await h.live.open();
    assert.equal(h.live.state, 'unavailable');
    assert.deepEqual(fs.readdirSync(dir.path('home')), ['vscode-cache.db']);
  });

  it('after a conflicting save by another process: reload, sync again, save; their rows and ours are both there', async () => {
    const h = harness();
    await h.live.open();
    // Another process links something and saves.
    await theirWrite();
    edit(COLLECTION.replace('name = "review"', 'name = "review-2"'));
    h.live.touch();
    timers.advance(300); // sync
    timers.advance(100); // save → CONFLICT → reload, sync, save scheduled
    await h.live.settled();
    timers.advance(100);
    assert.ok(h.logs.some((l) => /another process wrote the file/.test(l)), h.logs.join('\n'));
    assert.equal(h.live.status().lastSave?.ok, true);
    assert.deepEqual(await rows("SELECT composite_id FROM composite_memberships WHERE composite_id = 'composite:theirs'"), [['composite:theirs']]);
    assert.equal((await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review-2'"))[0][0], 1);
  });

  it('an outside write with nothing of ours pending is taken as is (no save back)', async () => {
    const h = harness();
    await h.live.open();
    await theirWrite();
    const stamp = fs.statSync(file).mtimeMs;
    h.live.externalChange();
    timers.advance(100);
    await h.live.settled();
    timers.advance(5000);
    assert.equal(fs.statSync(file).mtimeMs, stamp);
    assert.ok(h.logs.some((l) => /cache reloaded \(changed on disk\)/.test(l)));
    // Our own save is not mistaken for someone else's.
    h.live.externalChange();
    timers.advance(100);
    assert.equal(h.logs.filter((l) => /reloaded/.test(l)).length, 1);
  });

  it('a deleted file is started afresh; one replaced by an older revision is left alone', async () => {
    const h = harness();
    await h.live.open();
    fs.rmSync(file);
    await h.live.refresh('deleted');
    assert.equal(h.live.state, 'ready');
    assert.ok(fs.existsSync(file));
    fs.rmSync(file);
    await oldCache('0010');
    await h.live.refresh('changed on disk');
    assert.equal(h.live.state, 'behind');
  });

  it('links a composite member (saved), says already-linked, refuses a stale generation, redoes it after a conflict', async () => {
    const h = harness();
    await h.live.open();
    const g = h.live.headline().generation;
    const req = { parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' };
    assert.match((await h.live.link(req, g - 1)).message, /the cache changed since it was read/);
    const r = await h.live.link(req, g);
    assert.deepEqual([r.ok, r.status], [true, 'linked'], r.message);
    assert.deepEqual(await rows("SELECT relationship_type, source FROM composite_memberships WHERE composite_id = 'composite:kit' AND source = 'user'"), [['requires', 'user']]);
    assert.equal((await h.live.link(req)).status, 'already-linked');
    const group = await h.live.link({ group: 'Writing kit', child: 'command:review' });
    assert.ok(group.ok && group.edit, group.message);
    // Another process writes between our read and our save: the link is made again on its image.
    await theirWrite();
    const again = await h.live.link({ ...req, relation: 'extends' });
    assert.deepEqual([again.ok, again.status], [true, 'updated'], again.message);
    assert.deepEqual(await rows("SELECT relationship_type FROM composite_memberships WHERE composite_id = 'composite:kit' AND source = 'user'"), [['extends']]);
    assert.deepEqual(await rows("SELECT composite_id FROM composite_memberships WHERE composite_id = 'composite:theirs'"), [['composite:theirs']]);
  });

  it('a link whose save finds the file locked is kept and saved later', async () => {
    const h = harness();
    await h.live.open();
    const held = acquireLock(file, { purpose: 'test' });
    assert.ok(held.ok);
    try {
      const r = await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' });
      assert.equal(r.ok, true);
      assert.match(r.message, /busy .*saved when it is free/);
    } finally {
      held.value.release();
    }
    timers.advance(1000);
    assert.equal(h.live.headline().unsaved, false);
    assert.equal((await rows("SELECT count(*) FROM composite_memberships WHERE source = 'user'"))[0][0], 1);
  });

  it('prunes missing artifacts (dry run first) and saves', async () => {
    const h = harness();
    await h.live.open();
    assert.equal((await h.live.link({ parent: 'composite:kit', child: 'command:review', relation: 'requires' })).ok, true);
    assert.equal((await h.live.prune(false)).message, 'no missing artifacts to prune');
    edit(COLLECTION.replace('[[artifacts]]\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "github"\nadded = "2026-02-12T10:00:00"\n', ''));
    const dry = await h.live.prune(true);
    assert.deepEqual(dry.artifacts.map((a) => a.id), ['command:review']);
    assert.match(dry.message, /1 missing artifact would be deleted/);
    const r = await h.live.prune(false);
    assert.equal(r.ok, true);
    assert.equal(r.rowsRemoved.composite_memberships, 1);
    assert.deepEqual(await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review'"), [[0]]);
  });

  it('rebuilds: every collection synced again, user memberships kept', async () => {
    const h = harness();
    await h.live.open();
    await h.live.link({ parent: 'composite:kit', child: 'agent:release-notes', relation: 'requires' });
    const r = await h.live.rebuild();
    assert.ok(r.ok && r.saved && r.sync?.forced && r.sync.collectionsSynced === 1, r.message);
    assert.equal(h.live.status().userMemberships, 1);
  });

  it('retries opening when the lock is busy while the new file is created', async () => {
    fs.mkdirSync(dir.path('home'));
    const held = acquireLock(file, { purpose: 'test' });
    assert.ok(held.ok);
    const h = harness({ retryMs: 50 });
    await h.live.open();
    assert.equal(h.live.state, 'unavailable');
    held.value.release();
    timers.advance(50);
    await h.live.settled();
    assert.equal(h.live.state, 'ready');
  });

  it('saves what is pending on dispose', async () => {
    const h = harness();
    await h.live.open();
    edit(COLLECTION.replace('name = "review"', 'name = "review-3"'));
    h.live.touch();
    h.live.dispose();
    assert.equal((await rows("SELECT count(*) FROM artifacts WHERE id = 'command:review-3'"))[0][0], 1);
    assert.equal(h.live.db, undefined);
  });

  it('notices another process writing the file through a real folder watch', async () => {
    const h = harness({ watch: undefined, timers: undefined, watchDelayMs: 10 });
    await h.live.open();
    await theirWrite();
    for (let i = 0; i < 200 && !h.logs.some((l) => /cache reloaded/.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(h.logs.some((l) => /cache reloaded/.test(l)), h.logs.join('\n'));
  });

  it('looks at a file without opening it for use', async () => {
    await loadSqlJs();
    assert.deepEqual(lookAtCacheFile(file), { kind: 'missing' });
    fs.mkdirSync(dir.path('home'));
    fs.writeFileSync(file, 'x');
    assert.equal(lookAtCacheFile(file).kind, 'damaged');
    fs.rmSync(file);
    await oldCache('0009');
    assert.deepEqual(lookAtCacheFile(file), { kind: 'behind', current: '0009_drop_shadow_columns', pending: ['0010_cache_state', '0011_sync_state'] });
    const h = harness();
    await h.live.open();
    assert.equal(h.live.state, 'behind');
    assert.equal(h.live.status().artifacts, 0, 'a revision without missing_since still counts');
  });
});
