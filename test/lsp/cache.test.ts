/**
 * Protocol tests of the cache inside the server: opened and saved after indexing, status, the
 * uuid-conflict rule fed from it, link / prune / rebuild commands, a cache behind this build
 * (left alone until the real CLI migrates it), a damaged file, and a read-only workspace.
 * SKILLMEAT_HOME points at a temp folder, so the cache file is `<home>/vscode-cache.db`.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import type { Diagnostic, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { openCache } from '../../server/src/engine/cache/db';
import { ExampleCopy, REPO, TestClient, eventually, msg, uri } from './helpers/client';

const DEFAULT = 'collections/default/collection.toml';
const TEAM = 'collections/team/collection.toml';
const PDF_UUID = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';
const READ_ONLY = 'the workspace is not trusted: SkillMeat writes nothing here';

interface Headline {
  state: string;
  revision: string | null;
  generation: number;
  unsaved: boolean;
  file: string;
}

interface Status {
  file: string;
  state: string;
  revision: string | null;
  head: string;
  pending: string[];
  artifacts: number;
  missing: number;
  collections: number;
  memberships: number;
  userMemberships: number;
  generation: number;
  unsaved: boolean;
  lastSync?: { at: string; ms: number; collectionsSynced: number; generation: number };
  lastSave?: { ok: boolean; bytes?: number; ms?: number };
  warnings: string[];
  error?: string;
}

interface LinkResult {
  ok: boolean;
  status: string;
  message: string;
  generation: number;
  file?: string;
}

/** The cache file as another process sees it. */
async function readCache(file: string): Promise<Database> {
  const SQL = await loadSqlJs();
  return new SQL.Database(fs.readFileSync(file));
}

function rows(db: Database, sql: string, params: (string | number)[] = []): unknown[][] {
  return db.exec(sql, params)[0]?.values ?? [];
}

/** Applies LSP text edits to a text (edits do not overlap; applied from the end). */
function applyEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

function command<R>(client: TestClient, name: string, arg?: unknown): Promise<R> {
  return client.request<R>('workspace/executeCommand', { command: name, arguments: arg === undefined ? [] : [arg] });
}

/** Waits for the cache to reach a state with nothing left to save. */
function settled(client: TestClient, state = 'ready', minGeneration = 0): Promise<Headline> {
  return client.waitNotification<Headline>('skillmeat/cacheChanged', (h) => h.state === state && !h.unsaved && h.generation >= minGeneration, 15000, true);
}

function startClient(ex: ExampleCopy, home: string, init: Record<string, unknown> = {}): Promise<TestClient> {
  const client = new TestClient({ HOME: ex.root, SKILLMEAT_HOME: home });
  return client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), init: { cacheSaveDelayMs: 30, ...init } }).then(() => client);
}

describe('lsp: the cache in the server', () => {
  let ex: ExampleCopy;
  let home: string;
  let file: string;
  let client: TestClient;
  let version = 1;

  before(async () => {
    ex = new ExampleCopy();
    home = ex.path('home');
    file = path.join(home, 'vscode-cache.db');
    client = await startClient(ex, home);
  });

  after(async () => {
    assert.equal(await client.stop(), 0);
    ex.dispose();
  });

  const edit = async (text: string): Promise<void> => {
    version++;
    await client.change(ex.path(DEFAULT), text, version);
    await client.waitDiagnostics(ex.path(DEFAULT), (_d, p) => p.version === version);
  };

  it('creates and saves the cache after the first index, and reports its status', async () => {
    const h = await settled(client);
    assert.equal(h.file, file);
    assert.ok(fs.existsSync(file), 'the cache file exists');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const s = await client.request<Status>('skillmeat/cacheStatus', {});
    assert.deepEqual(Object.keys(s).sort(), ['artifacts', 'collections', 'file', 'generation', 'head', 'lastSave', 'lastSync', 'memberships', 'missing', 'pending', 'readOnly', 'revision', 'state', 'unsaved', 'userMemberships', 'warnings'].sort());
    assert.equal(s.state, 'ready');
    assert.equal(s.file, file);
    assert.equal(s.revision, s.head);
    assert.deepEqual(s.pending, []);
    assert.equal(s.collections, 2);
    assert.deepEqual(s.warnings, []);
    assert.ok(s.generation >= 1 && s.lastSync && s.lastSync.collectionsSynced === 2);
    const db = await readCache(file);
    try {
      assert.equal(rows(db, 'SELECT count(*) FROM artifacts WHERE missing_since IS NULL')[0][0], s.artifacts);
      assert.deepEqual(rows(db, "SELECT uuid FROM artifacts WHERE id = 'skill:pdf-tools'"), [[PDF_UUID]]);
    } finally {
      db.close();
    }
  });

  it('reports uuid-conflict when a manifest uuid differs from the one the cache remembers', async () => {
    const f = ex.path(DEFAULT);
    const text = ex.read(DEFAULT);
    await client.open(f, text, version);
    await client.waitDiagnostics(f, (_d, p) => p.version === version);
    const other = '0123456789abcdef0123456789abcdef';
    await edit(text.replace(PDF_UUID, other));
    const conflict = (ds: Diagnostic[]) => ds.find((d) => d.code === 'uuid-conflict');
    const p = await client.waitDiagnostics(f, (ds) => conflict(ds) !== undefined);
    assert.match(msg(conflict(p.diagnostics)!), new RegExp(`the cache knows skill:pdf-tools as ${PDF_UUID}; this manifest says ${other}`));
    // The sync after the edit keeps the remembered uuid, so the finding stays until the text agrees again.
    const g = (await client.request<Status>('skillmeat/cacheStatus', {})).generation;
    await settled(client, 'ready', g + 1);
    assert.ok(conflict(client.diagnostics.get(uri(f))!.diagnostics));
    await edit(text);
    assert.equal(conflict(client.diagnostics.get(uri(f))!.diagnostics), undefined);
  });

  it('links a composite member in the cache, saved; a second call is already-linked', async () => {
    const args = { collection: uri(ex.path(DEFAULT)), parent: 'composite:git-workflow-pro', child: 'skill:pdf-tools', relation: 'contains' };
    const r = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.status, 'linked');
    const db = await readCache(file);
    try {
      assert.deepEqual(rows(db, "SELECT composite_id, relationship_type, source FROM composite_memberships WHERE child_artifact_uuid = ? AND source = 'user'", [PDF_UUID]), [['composite:git-workflow-pro', 'contains', 'user']]);
    } finally {
      db.close();
    }
    const again = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.deepEqual([again.ok, again.status], [true, 'already-linked']);
    const s = await client.request<Status>('skillmeat/cacheStatus', {});
    assert.equal(s.userMemberships, 1);
  });

  it('adds a group member through workspace/applyEdit with the document version; then already-linked', async () => {
    const f = ex.path(DEFAULT);
    const before = client.requests.length;
    client.answers.set('workspace/applyEdit', () => ({ applied: true }));
    const args = { collection: uri(f), parent: 'group:Writing kit', child: 'skill:commit-helper', relation: 'member' };
    const r = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.deepEqual([r.ok, r.status], [true, 'linked'], r.message);
    const sent = client.requests.slice(before).find((q) => q.method === 'workspace/applyEdit')!.params as { edit: WorkspaceEdit };
    const de = (sent.edit.documentChanges as TextDocumentEdit[])[0];
    assert.equal(de.textDocument.version, version);
    const text = applyEdits(ex.read(DEFAULT), de.edits as TextEdit[]);
    assert.match(text, /members = \["skill:pdf-tool", "agent:release-notes", "skill:changelog-writer", "skill:commit-helper"\]/);
    await edit(text);
    const again = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.deepEqual([again.ok, again.status], [true, 'already-linked']);
    // An edit the editor refuses (the document changed under it) links nothing.
    client.answers.set('workspace/applyEdit', () => ({ applied: false, failureReason: 'version mismatch' }));
    const refused = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { ...args, child: 'command:review-pr' });
    assert.equal(refused.ok, false);
    assert.equal(refused.status, 'refused');
    assert.match(refused.message, /did not apply the edit \(version mismatch\)/);
    ex.write(DEFAULT, text);
  });

  it('adds linked_artifacts to a closed collection.toml (version null); then already-linked', async () => {
    const f = ex.path(TEAM);
    const before = client.requests.length;
    // A closed file: the editor writes it; here the "editor" writes the disk.
    client.answers.set('workspace/applyEdit', (p) => {
      const de = ((p as { edit: WorkspaceEdit }).edit.documentChanges as TextDocumentEdit[])[0];
      fs.writeFileSync(f, applyEdits(fs.readFileSync(f, 'utf8'), de.edits as TextEdit[]));
      return { applied: true };
    });
    const g = (await client.request<Status>('skillmeat/cacheStatus', {})).generation;
    const args = { collection: uri(f), parent: 'skill:api-style', child: 'command:standup', relation: 'related' };
    const r = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.deepEqual([r.ok, r.status], [true, 'linked'], r.message);
    const sent = client.requests.slice(before).find((q) => q.method === 'workspace/applyEdit')!.params as { edit: WorkspaceEdit };
    assert.equal((sent.edit.documentChanges as TextDocumentEdit[])[0].textDocument.version, null);
    assert.match(fs.readFileSync(f, 'utf8'), /artifact_name = "standup"[^[]*link_type = "related"/);
    // The watcher sees the file, the workspace changes, the cache syncs.
    await settled(client, 'ready', g + 1);
    const again = await command<LinkResult>(client, 'skillmeat.linkArtifacts', args);
    assert.deepEqual([again.ok, again.status], [true, 'already-linked'], again.message);
  });

  it('refuses a link when the generation moved, and bad arguments, with a reason', async () => {
    const s = await client.request<Status>('skillmeat/cacheStatus', {});
    const r = await command<LinkResult>(client, 'skillmeat.linkArtifacts', {
      collection: uri(ex.path(DEFAULT)), parent: 'composite:git-workflow-pro', child: 'skill:changelog-writer', relation: 'requires', expectGeneration: s.generation - 3,
    });
    assert.deepEqual([r.ok, r.status], [false, 'refused']);
    assert.match(r.message, /the cache changed since it was read .*nothing was linked/);
    const bad = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { collection: uri(ex.path(DEFAULT)), parent: 'skill:pdf-tools', child: 'skill:x', relation: 'owns' });
    assert.match(bad.message, /unknown relation "owns"/);
    const wrong = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { collection: uri(ex.path(DEFAULT)), parent: 'composite:git-workflow-pro', child: 'skill:nope', relation: 'contains' });
    assert.deepEqual([wrong.ok, wrong.status], [false, 'refused']);
    assert.match(wrong.message, /skill:nope is not an artifact of collection "default"/);
    // With the current generation the same link goes through.
    const ok = await command<LinkResult>(client, 'skillmeat.linkArtifacts', {
      collection: uri(ex.path(DEFAULT)), parent: 'composite:git-workflow-pro', child: 'skill:changelog-writer', relation: 'requires', expectGeneration: (await client.request<Status>('skillmeat/cacheStatus', {})).generation,
    });
    assert.deepEqual([ok.ok, ok.status], [true, 'linked'], ok.message);
  });

  it('picks up a link the CLI wrote to the same file (reload on change)', async () => {
    const before = (await client.request<Status>('skillmeat/cacheStatus', {})).userMemberships;
    execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'link', '--parent', 'composite:git-workflow-pro', '--child', 'agent:release-notes', '--relation', 'extends', '--collection', 'default', '--cache', file, '--collections-root', ex.path('collections'), ex.path('project')], { env: { ...process.env, HOME: ex.root } });
    await eventually(async () => assert.equal((await client.request<Status>('skillmeat/cacheStatus', {})).userMemberships, before + 1), 10000, 50);
  });

  it('writes missing uuids the cache remembers', async () => {
    const db = await readCache(file);
    const known = rows(db, "SELECT uuid FROM uuid_registry WHERE type_name = 'command:review-pr'")[0]?.[0];
    db.close();
    assert.match(String(known), /^[0-9a-f]{32}$/);
    const before = client.requests.length;
    client.answers.set('workspace/applyEdit', () => ({ applied: false, failureReason: 'just looking' }));
    const r = await command<{ source: string; uuids: number }>(client, 'skillmeat.writeMissingUuids', uri(ex.path(DEFAULT)));
    assert.equal(r.source, 'cache');
    const sent = client.requests.slice(before).find((q) => q.method === 'workspace/applyEdit')!.params as { edit: WorkspaceEdit };
    const texts = ((sent.edit.documentChanges as TextDocumentEdit[])[0].edits as TextEdit[]).map((e) => e.newText).join('');
    assert.ok(texts.includes(`uuid = "${known}"`), texts);
  });

  it('keeps a removed but linked artifact as missing; prune deletes it (dry run first)', async () => {
    const text = ex.read(DEFAULT);
    const start = text.indexOf('[[artifacts]]\nname = "pdf-tools"');
    const end = text.indexOf('[[artifacts]]\nname = "changelog-writer"');
    await edit(text.slice(0, start) + text.slice(end));
    await eventually(async () => assert.equal((await client.request<Status>('skillmeat/cacheStatus', {})).missing, 1), 10000, 50);
    const dry = await command<{ ok: boolean; artifacts: { id: string; uuid: string; since: string }[]; rowsRemoved: Record<string, number> }>(client, 'skillmeat.pruneMissing', { dryRun: true });
    assert.deepEqual(dry.artifacts.map((a) => [a.id, a.uuid]), [['skill:pdf-tools', PDF_UUID]]);
    assert.deepEqual(dry.rowsRemoved, {});
    const r = await command<{ ok: boolean; message: string; artifacts: unknown[]; rowsRemoved: Record<string, number> }>(client, 'skillmeat.pruneMissing', {});
    assert.equal(r.ok, true, r.message);
    assert.equal(r.artifacts.length, 1);
    assert.equal(r.rowsRemoved.composite_memberships, 1);
    const db = await readCache(file);
    try {
      assert.deepEqual(rows(db, "SELECT count(*) FROM artifacts WHERE id = 'skill:pdf-tools'"), [[0]]);
      assert.deepEqual(rows(db, "SELECT uuid FROM uuid_registry WHERE type_name = 'skill:pdf-tools'"), [[PDF_UUID]], 'the uuid stays remembered');
    } finally {
      db.close();
    }
    // Back in the manifest, it comes back with its old uuid.
    const g = (await client.request<Status>('skillmeat/cacheStatus', {})).generation;
    await edit(text);
    await settled(client, 'ready', g + 1);
    const back = await readCache(file);
    try {
      assert.deepEqual(rows(back, "SELECT uuid, missing_since FROM artifacts WHERE id = 'skill:pdf-tools'"), [[PDF_UUID, null]]);
    } finally {
      back.close();
    }
  });

  it('rebuilds the cache on request (every file synced again, user links kept)', async () => {
    const before = await client.request<Status>('skillmeat/cacheStatus', {});
    const r = await command<{ ok: boolean; saved: boolean; message: string; sync: { collectionsSynced: number; forced: boolean } }>(client, 'skillmeat.server.rebuildCache');
    assert.equal(r.ok, true, r.message);
    assert.equal(r.saved, true);
    assert.deepEqual([r.sync.collectionsSynced, r.sync.forced], [2, true]);
    const after = await client.request<Status>('skillmeat/cacheStatus', {});
    assert.equal(after.userMemberships, before.userMemberships);
  });
});

describe('lsp: a cache that is behind, damaged, or read-only', () => {
  let ex: ExampleCopy;
  let home: string;
  let file: string;

  beforeEach(() => {
    ex = new ExampleCopy();
    home = ex.path('home');
    file = path.join(home, 'vscode-cache.db');
    fs.mkdirSync(home, { recursive: true });
  });
  afterEach(() => ex.dispose());

  it('leaves a cache behind this build untouched until the CLI migrates it, then uses it', async () => {
    const made = await openCache(file, { migrate: false });
    assert.ok(made.ok);
    const m = made.value.cache.migrateUp({ to: '0010' });
    assert.ok(m.ok && m.saved, m.error?.message);
    made.value.cache.close();
    const bytes = fs.readFileSync(file);
    const stamp = fs.statSync(file);
    const client = await startClient(ex, home);
    try {
      await settled(client, 'behind');
      const s = await client.request<Status>('skillmeat/cacheStatus', {});
      assert.equal(s.state, 'behind');
      assert.equal(s.revision, '0010_cache_state');
      assert.deepEqual(s.pending, ['0011_sync_state']);
      const link = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { collection: uri(ex.path(DEFAULT)), parent: 'composite:git-workflow-pro', child: 'skill:pdf-tools', relation: 'contains' });
      assert.deepEqual([link.ok, link.status], [false, 'refused']);
      assert.match(link.message, /behind this version .*migrate it first/);
      const prune = await command<{ ok: boolean; message: string }>(client, 'skillmeat.pruneMissing', {});
      assert.equal(prune.ok, false);
      // Edits do not write it either.
      await client.open(ex.path(DEFAULT), ex.read(DEFAULT), 1);
      await client.change(ex.path(DEFAULT), ex.read(DEFAULT).replace('version = "1.0.0"', 'version = "1.0.1"'), 2);
      await client.waitDiagnostics(ex.path(DEFAULT), (_d, p) => p.version === 2);
      await client.request('skillmeat/cacheStatus', {});
      assert.ok(Buffer.compare(fs.readFileSync(file), bytes) === 0, 'the file is unchanged');
      assert.equal(fs.statSync(file).mtimeMs, stamp.mtimeMs);
      execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'migrate', 'up', '--cache', file], { env: { ...process.env, HOME: ex.root } });
      await settled(client, 'ready');
      const after = await client.request<Status>('skillmeat/cacheStatus', {});
      assert.equal(after.revision, after.head);
      assert.ok(after.artifacts > 0 && after.lastSync);
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });

  it('moves a damaged file aside, says so once, and rebuilds the cache', async () => {
    fs.writeFileSync(file, Buffer.alloc(8192, 7));
    const client = await startClient(ex, home);
    try {
      const shown = await client.waitNotification<{ type: number; message: string }>('window/showMessage', (m) => /damaged/.test(m.message), 10000, true);
      assert.equal(shown.type, 2);
      const copy = fs.readdirSync(home).find((n) => n.startsWith('vscode-cache.db.corrupt-'));
      assert.ok(copy, fs.readdirSync(home).join(', '));
      assert.ok(shown.message.includes(path.join(home, copy!)), shown.message);
      await settled(client);
      const s = await client.request<Status>('skillmeat/cacheStatus', {});
      assert.equal(s.state, 'ready');
      assert.ok(s.artifacts > 0);
      assert.equal(s.warnings.length, 1);
      assert.equal(fs.readFileSync(path.join(home, copy!)).length, 8192, 'the damaged copy is kept as it was');
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });

  it('keeps working from memory when the cache cannot be used, with one warning', async () => {
    // A valid SQLite file that is not ours: refused and left untouched.
    const SQL = await loadSqlJs();
    const other = new SQL.Database();
    other.exec('CREATE TABLE t (x)');
    fs.writeFileSync(file, other.export());
    other.close();
    const client = await startClient(ex, home);
    try {
      await settled(client, 'unavailable');
      const shown = client.notifications.filter((n) => n.method === 'window/showMessage');
      assert.equal(shown.length, 1);
      const s = await client.request<Status>('skillmeat/cacheStatus', {});
      assert.match(s.error ?? '', /not a SkillMeat editor cache/);
      const col = await client.waitDiagnostics(ex.path(DEFAULT), (ds) => ds.length > 0);
      assert.ok(col.diagnostics.some((d) => d.code === 'unknown-reference'), 'diagnostics still work');
      const r = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { collection: uri(ex.path(DEFAULT)), parent: 'group:Writing kit', child: 'skill:commit-helper', relation: 'member' });
      assert.match(r.message, /cannot be used/);
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });

  it('read-only: opens the cache, writes nothing, refuses every write command', async () => {
    const client = await startClient(ex, home, { readOnly: true });
    try {
      await settled(client);
      const s = await client.request<Status & { readOnly: boolean }>('skillmeat/cacheStatus', {});
      assert.deepEqual([s.state, s.readOnly], ['ready', true]);
      const link = await command<LinkResult>(client, 'skillmeat.linkArtifacts', { collection: uri(ex.path(DEFAULT)), parent: 'group:Writing kit', child: 'skill:commit-helper', relation: 'member' });
      const prune = await command<{ ok: boolean; message: string }>(client, 'skillmeat.pruneMissing', {});
      const rebuild = await command<{ ok: boolean; message: string }>(client, 'skillmeat.server.rebuildCache');
      const uuids = await command<{ applied: boolean; failureReason: string }>(client, 'skillmeat.writeMissingUuids');
      assert.deepEqual([link.ok, link.message], [false, READ_ONLY]);
      assert.deepEqual([prune.ok, prune.message], [false, READ_ONLY]);
      assert.deepEqual([rebuild.ok, rebuild.message], [false, READ_ONLY]);
      assert.deepEqual([uuids.applied, uuids.failureReason], [false, READ_ONLY]);
      assert.equal(client.requests.filter((q) => q.method === 'workspace/applyEdit').length, 0);
    } finally {
      assert.equal(await client.stop(), 0);
    }
    assert.deepEqual(fs.readdirSync(home), [], 'nothing was written');
  });
});
