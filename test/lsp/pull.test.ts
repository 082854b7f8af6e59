/** Protocol tests: pull diagnostics for clients that support them, cancellation, shutdown and exit. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import type { DocumentDiagnosticReport, InitializeResult, Location, WorkspaceDiagnosticReport } from 'vscode-languageserver-protocol';
import { ExampleCopy, TestClient, eventually, positionOf, uri } from './helpers/client';

const COL = 'collections/default/collection.toml';
const TEAM = 'collections/team/collection.toml';

describe('lsp: pull diagnostics', () => {
  let ex: ExampleCopy;
  let client: TestClient;
  let init: InitializeResult;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    init = await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), pull: true });
    await client.waitNotification('skillmeat/watching', () => true, 10000, true);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  it('announces a diagnostic provider and pushes nothing', () => {
    assert.deepEqual(init.capabilities.diagnosticProvider, { identifier: 'skillmeat', interFileDependencies: true, workspaceDiagnostics: true });
    assert.equal(client.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics').length, 0);
  });

  it('answers a document report, then "unchanged" for the same result id', async () => {
    const full = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(COL)) } });
    assert.equal(full.kind, 'full');
    assert.deepEqual(full.kind === 'full' && full.items.map((d) => d.code), ['undefined-tag', 'unknown-reference']);
    const same = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(COL)) }, previousResultId: full.resultId });
    assert.deepEqual(same, { kind: 'unchanged', resultId: full.resultId });
    const none = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path('nothing.toml')) } });
    assert.equal(none.kind === 'full' && none.items.length, 0);
  });

  it('answers a workspace report with every file', async () => {
    const r = await client.request<WorkspaceDiagnosticReport>('workspace/diagnostic', { previousResultIds: [] });
    const byFile = new Map(r.items.map((i) => [i.uri.slice(uri(ex.root).length + 1), i.kind === 'full' ? i.items.map((d) => d.code) : 'unchanged']));
    assert.equal(byFile.size, 8);
    assert.deepEqual(byFile.get(TEAM), ['native-datetime']);
    assert.deepEqual(byFile.get('project/.claude/.skillmeat-deployed.toml'), ['unknown-reference']);
    const again = await client.request<WorkspaceDiagnosticReport>('workspace/diagnostic', { previousResultIds: r.items.map((i) => ({ uri: i.uri, value: i.resultId! })) });
    assert.ok(again.items.every((i) => i.kind === 'unchanged'));
  });

  it('reports a severity change as a new result for an unchanged file', async () => {
    const full = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(COL)) } });
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { skillmeat: { collectionsRoot: ex.path('collections'), 'diagnostics.severity': { 'undefined-tag': 'off' } } } });
    const after = await eventually(async () => {
      const r = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(COL)) }, previousResultId: full.resultId });
      assert.equal(r.kind, 'full');
      return r;
    });
    assert.deepEqual(after.kind === 'full' && after.items.map((d) => d.code), ['unknown-reference']);
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { skillmeat: { collectionsRoot: ex.path('collections') } } });
    await eventually(async () => {
      const r = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(COL)) }, previousResultId: full.resultId });
      assert.equal(r.kind, 'unchanged');
    });
  });

  it('asks the client to refresh after a change on disk, and reports the new state', async () => {
    const before = client.requests.filter((q) => q.method === 'workspace/diagnostic/refresh').length;
    ex.write(TEAM, ex.read(TEAM).replace('added = 2026-02-03T09:30:00', 'added = "2026-02-03T09:30:00"'));
    await eventually(async () => assert.ok(client.requests.filter((q) => q.method === 'workspace/diagnostic/refresh').length > before));
    const r = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: uri(ex.path(TEAM)) } });
    assert.deepEqual(r.kind === 'full' && r.items, []);
  });

  it('clears, in the next workspace report, the findings of a file deleted on disk', async () => {
    const dep = 'project/.claude/.skillmeat-deployed.toml';
    const r = await client.request<WorkspaceDiagnosticReport>('workspace/diagnostic', { previousResultIds: [] });
    const held = r.items.find((i) => i.uri === uri(ex.path(dep)));
    assert.ok(held && held.kind === 'full' && held.items.length > 0);
    const text = ex.read(dep);
    const before = client.requests.filter((q) => q.method === 'workspace/diagnostic/refresh').length;
    fs.rmSync(ex.path(dep));
    try {
      await eventually(async () => assert.ok(client.requests.filter((q) => q.method === 'workspace/diagnostic/refresh').length > before));
      const next = await client.request<WorkspaceDiagnosticReport>('workspace/diagnostic', { previousResultIds: r.items.map((i) => ({ uri: i.uri, value: i.resultId! })) });
      const gone = next.items.find((i) => i.uri === uri(ex.path(dep)));
      assert.deepEqual(gone && gone.kind === 'full' && gone.items, []);
    } finally {
      ex.write(dep, text);
      await eventually(async () => {
        const back = await client.request<WorkspaceDiagnosticReport>('workspace/diagnostic', { previousResultIds: [] });
        assert.ok(back.items.some((i) => i.uri === uri(ex.path(dep)) && i.kind === 'full' && i.items.length > 0));
      });
    }
  });

  it('cancels a long request whose cancellation arrived before it ran', async () => {
    const col = ex.read(COL);
    const params = { textDocument: { uri: uri(ex.path(COL)) }, position: positionOf(col, '"pdf-tools"', 1), context: { includeDeclaration: true } };
    // The request and its cancellation in one write, as an editor sends them when the user moves on.
    const frame = (m: unknown): string => {
      const body = JSON.stringify(m);
      return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const id = 'cancel-me';
    const reader = new StreamMessageReader(client.proc.stdout!);
    const response = new Promise<{ error?: { code: number } }>((resolve) => reader.listen((m) => {
      if ((m as { id?: string }).id === id) resolve(m as { error?: { code: number } });
    }));
    client.proc.stdin!.write(frame({ jsonrpc: '2.0', id, method: 'textDocument/references', params }) + frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }));
    const r = await response;
    reader.dispose();
    assert.equal(r.error?.code, -32800);
    // The server still answers afterwards.
    const refs = await client.request<Location[]>('textDocument/references', params);
    assert.equal(refs.length, 4);
  });

  it('exits with 0 after shutdown', async () => {
    const code = await client.stop();
    assert.equal(code, 0);
    client = new TestClient({ HOME: ex.root });
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections') });
  });
});

describe('lsp: before initialize and without shutdown', () => {
  it('refuses requests before initialize and exits with 1 on exit without shutdown', async () => {
    const client = new TestClient();
    await assert.rejects(client.request('textDocument/hover', { textDocument: { uri: 'file:///x.toml' }, position: { line: 0, character: 0 } }), (e: { code?: number }) => e.code === -32002);
    const exited = new Promise<number | null>((resolve) => client.proc.once('exit', (c) => resolve(c)));
    await client.conn.sendNotification('exit');
    assert.equal(await exited, 1);
    client.conn.dispose();
  });
});
