/** Protocol tests: start, seeded diagnostics, live edits, disk changes through the watcher, shutdown. */
import * as assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Diagnostic, InitializeResult } from 'vscode-languageserver-protocol';
import { ExampleCopy, REPO, SERVER, TestClient, msg, uri } from './helpers/client';

const COL = 'collections/default/collection.toml';
const TEAM = 'collections/team/collection.toml';
const DEPLOYED = 'project/.claude/.skillmeat-deployed.toml';

const MEMBER = '["skill:pdf-tool",';
const member = (name: string): string => `["skill:${name}",`;
const codes = (ds: Diagnostic[]): string[] => ds.map((d) => d.code as string).sort();

describe('lsp: lifecycle and diagnostics', () => {
  let ex: ExampleCopy;
  let client: TestClient;
  let init: InitializeResult;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    init = await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections') });
  });

  after(async () => {
    const code = await client.stop();
    assert.equal(code, 0);
    ex.dispose();
  });

  it('announces its capabilities', () => {
    const c = init.capabilities;
    assert.equal(init.serverInfo?.name, 'skillmeat-ls');
    assert.ok(c.hoverProvider && c.definitionProvider && c.referencesProvider && c.completionProvider && c.codeActionProvider);
    assert.deepEqual(c.executeCommandProvider?.commands.sort(), ['skillmeat.linkArtifacts', 'skillmeat.pruneMissing', 'skillmeat.rebuildIndex', 'skillmeat.server.rebuildCache', 'skillmeat.writeMissingUuids']);
    assert.equal(c.diagnosticProvider, undefined, 'push mode for a client without pull support');
    assert.ok(c.workspace?.workspaceFolders?.changeNotifications);
  });

  it('reports progress for the first index', () => {
    const progress = client.progress.map((p) => p.value as { kind: string; message?: string });
    assert.equal(progress[0]?.kind, 'begin');
    assert.match(progress[0]?.message ?? '', /^Indexing 8 manifests…$/);
    assert.equal(progress[progress.length - 1]?.kind, 'end');
  });

  it('pushes the seeded mistakes for files that are not open', async () => {
    const col = await client.waitDiagnostics(ex.path(COL), (ds) => ds.length > 0);
    assert.deepEqual(codes(col.diagnostics), ['undefined-tag', 'unknown-reference']);
    const unknown = col.diagnostics.find((d) => d.code === 'unknown-reference')!;
    assert.deepEqual(unknown.range, { start: { line: 112, character: 11 }, end: { line: 112, character: 27 } });
    assert.equal(unknown.source, 'skillmeat');
    assert.equal(unknown.codeDescription?.href, 'https://github.com/skillmeat/skillmeat-manifests#unknown-reference');
    assert.deepEqual((unknown.data as { suggestions: string[] }).suggestions, ['skill:pdf-tools']);
    const team = await client.waitDiagnostics(ex.path(TEAM), (ds) => ds.length > 0);
    assert.deepEqual(codes(team.diagnostics), ['native-datetime']);
    const dep = await client.waitDiagnostics(ex.path(DEPLOYED), (ds) => ds.length > 0);
    assert.deepEqual(codes(dep.diagnostics), ['unknown-reference']);
    assert.match(msg(dep.diagnostics[0]), /standups/);
  });

  it('re-validates an open document on change, with its version, and updates other files', async () => {
    const file = ex.path(COL);
    const text = ex.read(COL);
    await client.open(file, text, 1);
    await client.waitDiagnostics(file, (_ds, p) => p.version === 1);
    // Fix the member and remove the standup command from team: the deployed file is unaffected, the
    // team collection too; then rename pdf-tools so the deployed record breaks (cross-file).
    const fixed = text.replace(MEMBER, member('pdf-tools'));
    const t0 = Date.now();
    await client.change(file, fixed, 2);
    const p = await client.waitDiagnostics(file, (_ds, q) => q.version === 2);
    const ms = Date.now() - t0;
    assert.deepEqual(codes(p.diagnostics), ['undefined-tag']);
    assert.ok(ms < 1000, `didChange → publishDiagnostics took ${ms} ms`);
    const broken = fixed.replace('name = "pdf-tools"', 'name = "pdf-kit"');
    await client.change(file, broken, 3);
    const dep = await client.waitDiagnostics(ex.path(DEPLOYED), (ds) => ds.some((d) => msg(d).includes('"pdf-tools"')));
    assert.ok(dep.diagnostics.some((d) => d.code === 'unknown-reference' && /pdf-tools/.test(msg(d))));
    await client.change(file, fixed, 4);
    await client.waitDiagnostics(ex.path(DEPLOYED), (ds) => !ds.some((d) => msg(d).includes('"pdf-tools"')));
  });

  it('never publishes a stale version for a burst of edits', async () => {
    const file = ex.path(COL);
    const base = ex.read(COL);
    const u = uri(file);
    const seen: { version: number; names: string }[] = [];
    const last = client.waitNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      if (p.uri === u && (p.version ?? 0) >= 5) seen.push({ version: p.version!, names: p.diagnostics.map((d) => msg(d)).join('|') });
      return p.uri === u && p.version === 14;
    });
    for (let v = 5; v <= 14; v++) await client.change(file, base.replace(MEMBER, member(`pdf-tool${v}`)), v);
    await last;
    // Every publish matches the text of its version, versions only go up, and the last is the latest.
    for (const s of seen) assert.ok(s.names.includes(`skill:pdf-tool${s.version}"`), `version ${s.version} published with ${s.names}`);
    assert.deepEqual(seen.map((s) => s.version), [...seen.map((s) => s.version)].sort((a, b) => a - b));
    assert.equal(seen[seen.length - 1].version, 14);
  });

  it('reloads a closed document from disk', async () => {
    const file = ex.path(COL);
    await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uri(file) } });
    const p = await client.waitDiagnostics(file, (ds, q) => q.version === undefined && ds.some((d) => d.code === 'unknown-reference'));
    assert.deepEqual(codes(p.diagnostics), ['undefined-tag', 'unknown-reference']);
  });

  it('answers null or empty for unknown documents and out-of-range positions', async () => {
    const nowhere = { textDocument: { uri: uri(ex.path('nothing.toml')) }, position: { line: 0, character: 0 } };
    assert.equal(await client.request('textDocument/hover', nowhere), null);
    assert.deepEqual(await client.request('textDocument/references', { ...nowhere, context: { includeDeclaration: true } }), []);
    const far = { textDocument: { uri: uri(ex.path(COL)) }, position: { line: 9999, character: 3 } };
    assert.equal(await client.request('textDocument/hover', far), null);
    assert.equal(await client.request('textDocument/definition', { ...far, position: { line: 10, character: 500 } }), null);
    assert.deepEqual(await client.request('textDocument/completion', far), { isIncomplete: false, items: [] });
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'untitled:Untitled-1' }, position: { line: 0, character: 0 } }), null);
  });
});

describe('lsp: files on disk', () => {
  let ex: ExampleCopy;
  let client: TestClient;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections') });
    await client.waitNotification('skillmeat/watching', () => true, 10000, true);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  it('follows an external edit of a manifest', async () => {
    ex.write(TEAM, ex.read(TEAM).replace('added = 2026-02-03T09:30:00', 'added = "2026-02-03T09:30:00"'));
    await client.waitDiagnostics(ex.path(TEAM), (ds) => ds.length === 0);
  });

  it('ends with the second of two writes 10 ms apart', async () => {
    const text = ex.read(COL);
    ex.write(COL, text.replace(MEMBER, member('first-write')));
    await new Promise((r) => setTimeout(r, 10));
    ex.write(COL, text.replace(MEMBER, member('second-write')));
    const p = await client.waitDiagnostics(ex.path(COL), (ds) => ds.some((d) => msg(d).includes('second-write')));
    assert.ok(!p.diagnostics.some((d) => msg(d).includes('first-write')));
    ex.write(COL, text);
    await client.waitDiagnostics(ex.path(COL), (ds) => ds.some((d) => msg(d).includes('"skill:pdf-tool"')));
  });

  it('sees a new artifact folder appear (path-missing clears)', async () => {
    const col = ex.read(COL);
    ex.write(COL, col.replace('[[mcp_servers]]', '[[artifacts]]\nname = "fresh"\ntype = "skill"\npath = "skills/fresh"\norigin = "local"\nadded = "2026-03-01T00:00:00"\n\n[[mcp_servers]]'));
    await client.waitDiagnostics(ex.path(COL), (ds) => ds.some((d) => d.code === 'path-missing'));
    ex.write('collections/default/skills/fresh/SKILL.md', '# Fresh\n');
    await client.waitDiagnostics(ex.path(COL), (ds) => !ds.some((d) => d.code === 'path-missing' || d.code === 'missing-primary-file'));
    ex.write(COL, col);
    await client.waitDiagnostics(ex.path(COL), (ds) => !ds.some((d) => msg(d).includes('fresh')));
  });

  it('follows a deleted and a renamed manifest', async () => {
    const deployed = ex.path(DEPLOYED);
    const moved = ex.path('project/.codex/.skillmeat-deployed.toml');
    fs.mkdirSync(ex.path('project/.codex'), { recursive: true });
    fs.renameSync(deployed, moved);
    await client.waitDiagnostics(deployed, (ds) => ds.length === 0);
    const p = await client.waitDiagnostics(moved, (ds) => ds.some((d) => d.code === 'unknown-reference'));
    assert.ok(p.diagnostics.some((d) => d.code === 'profile-root-mismatch'));
    fs.rmSync(moved);
    await client.waitDiagnostics(moved, (ds) => ds.length === 0);
  });

  it('adds a workspace folder at run time and removes it', async () => {
    const extra = ex.path('extra-project');
    ex.write('extra-project/.claude/.skillmeat-deployed.toml', '[[deployed]]\nartifact_name = "nope"\nartifact_type = "skill"\nfrom_collection = "default"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/nope"\ncontent_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"\n');
    await client.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: uri(extra), name: 'extra' }], removed: [] } });
    const file = ex.path('extra-project/.claude/.skillmeat-deployed.toml');
    const p = await client.waitDiagnostics(file, (ds) => ds.some((d) => d.code === 'unknown-reference'));
    assert.match(msg(p.diagnostics[0]), /"nope"/);
    await client.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: uri(extra), name: 'extra' }] } });
    await client.waitDiagnostics(file, (ds) => ds.length === 0);
  });

  it('reports status through skillmeat/status', async () => {
    const s = await client.request<{ files: number; watcher: { state: string; events: number }; collections: { name: string }[] }>('skillmeat/status', {});
    assert.equal(s.watcher.state, 'ready');
    assert.ok(s.watcher.events > 0);
    assert.deepEqual(s.collections.map((c) => c.name).sort(), ['default', 'team']);
  });
});

describe('lsp: transports', () => {
  it('starts over --node-ipc', async () => {
    const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.listen();
    try {
      const r = await conn.sendRequest<InitializeResult>('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: { watch: false, collectionsRoot: '/nonexistent' } });
      assert.equal(r.serverInfo?.name, 'skillmeat-ls');
      await conn.sendRequest('shutdown');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      await conn.sendNotification('exit');
      assert.equal(await exited, 0);
    } finally {
      conn.dispose();
      child.kill();
    }
  });

  it('starts from bin/skillmeat-ls --stdio', async () => {
    const child = spawn(process.execPath, [`${REPO}/bin/skillmeat-ls`, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.listen();
    try {
      const r = await conn.sendRequest<InitializeResult>('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions: { watch: false, collectionsRoot: '/nonexistent' } });
      assert.equal(r.serverInfo?.name, 'skillmeat-ls');
      await conn.sendRequest('shutdown');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      await conn.sendNotification('exit');
      assert.equal(await exited, 0);
    } finally {
      conn.dispose();
      child.kill();
    }
  });
});
