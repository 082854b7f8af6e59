/**
 * The server in this process over in-memory streams, with a scripted file watcher: how it
 * degrades when the system refuses watches (ENOSPC, EMFILE), and how settings reach it.
 */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createConnection } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { startServer } from '../../server/src/lsp/server';
import type { WatchListener, WatcherFactory } from '../../server/src/lsp/watcher';
import { ExampleCopy, capabilities, uri } from './helpers/client';

interface Harness {
  client: MessageConnection;
  notifications: { method: string; params: unknown }[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- notification params are checked per test
  next(method: string, test?: (p: any) => boolean): Promise<any>;
  close(): void;
}

function harness(watcherFactory: WatcherFactory, answer: (method: string, params: unknown) => unknown = () => null): Harness {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  startServer(server, { watcherFactory });
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const notifications: { method: string; params: unknown }[] = [];
  const waiters: { method: string; test: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  client.onNotification((method: string, params: unknown) => {
    notifications.push({ method, params });
    for (const w of [...waiters]) if (w.method === method && w.test(params)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(params);
    }
  });
  client.onRequest((method: string, params: unknown): unknown => answer(method, params));
  client.onUnhandledProgress(() => undefined);
  client.listen();
  return {
    client,
    notifications,
    next: (method, test = () => true) => {
      const hit = notifications.find((n) => n.method === method && test(n.params));
      if (hit) return Promise.resolve(hit.params);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${method}`)), 10000);
        waiters.push({ method, test, resolve: (p) => { clearTimeout(t); resolve(p); } });
      });
    },
    close: () => {
      client.dispose();
      server.dispose();
      up.destroy();
      down.destroy();
    },
  };
}

/** A watcher that fails the way inotify does when its limit is reached, then reports ready. */
function failingWatcher(code: string, calls: { listener?: WatchListener }): WatcherFactory {
  return (_roots, _ignored, listener) => {
    calls.listener = listener;
    setImmediate(() => {
      const err = Object.assign(new Error(`${code}: System limit for number of file watchers reached, watch '/x'`), { code });
      listener.onError(err);
      listener.onError(err);
      listener.onReady();
    });
    return { add: () => undefined, unwatch: () => undefined, close: async () => undefined };
  };
}

describe('lsp: in-process server', () => {
  let ex: ExampleCopy;
  beforeEach(() => (ex = new ExampleCopy()));
  afterEach(() => ex.dispose());

  for (const code of ['ENOSPC', 'EMFILE']) {
    it(`warns once and keeps serving when the watcher fails with ${code}`, async () => {
      const calls: { listener?: WatchListener } = {};
      const h = harness(failingWatcher(code, calls));
      try {
        await h.client.sendRequest('initialize', { processId: null, rootUri: uri(ex.root), workspaceFolders: [{ uri: uri(ex.path('project')), name: 'p' }], capabilities: capabilities(), initializationOptions: { cache: false, collectionsRoot: ex.path('collections'), debounceMs: 5 } });
        await h.client.sendNotification('initialized', {});
        const msg = await h.next('window/showMessage');
        assert.equal(msg.type, 2);
        assert.match(msg.message, new RegExp(code));
        await h.next('skillmeat/watching', (p) => p.state === 'degraded');
        assert.equal(h.notifications.filter((n) => n.method === 'window/showMessage').length, 1);
        const status = await h.client.sendRequest('skillmeat/status', {}) as { watcher: { state: string; error: string } };
        assert.equal(status.watcher.state, 'degraded');
        // The client's own file events still reach the workspace.
        ex.write('collections/team/collection.toml', ex.read('collections/team/collection.toml').replace('added = 2026-02-03T09:30:00', 'added = "2026-02-03T09:30:00"'));
        const team = uri(ex.path('collections/team/collection.toml'));
        await h.next('textDocument/publishDiagnostics', (p) => p.uri === team && p.diagnostics.length > 0);
        await h.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: team, type: 2 }] });
        await h.next('textDocument/publishDiagnostics', (p) => p.uri === team && p.diagnostics.length === 0);
        await h.client.sendRequest('shutdown');
      } finally {
        h.close();
      }
    });
  }

  it('applies severity overrides and the collections root from didChangeConfiguration', async () => {
    const h = harness(() => ({ add: () => undefined, unwatch: () => undefined, close: async () => undefined }));
    try {
      await h.client.sendRequest('initialize', { processId: null, rootUri: null, workspaceFolders: [{ uri: uri(ex.path('project')), name: 'p' }], capabilities: capabilities(), initializationOptions: { cache: false, debounceMs: 5, settings: { collectionsRoot: ex.path('collections'), diagnostics: { severity: { 'undefined-tag': 'off' } } } } });
      await h.client.sendNotification('initialized', {});
      const col = uri(ex.path('collections/default/collection.toml'));
      const first = await h.next('textDocument/publishDiagnostics', (p) => p.uri === col);
      assert.deepEqual(first.diagnostics.map((d: { code: string }) => d.code), ['unknown-reference']);
      await h.client.sendNotification('workspace/didChangeConfiguration', { settings: { skillmeat: { collectionsRoot: ex.path('collections'), 'diagnostics.severity': { 'unknown-reference': 'hint' } } } });
      const second = await h.next('textDocument/publishDiagnostics', (p) => p.uri === col && p.diagnostics.length === 2);
      assert.deepEqual(second.diagnostics.map((d: { code: string; severity: number }) => [d.code, d.severity]), [['undefined-tag', 3], ['unknown-reference', 4]]);
      // Pointing the root elsewhere drops the collections from the workspace.
      await h.client.sendNotification('workspace/didChangeConfiguration', { settings: { skillmeat: { collectionsRoot: ex.path('nowhere') } } });
      await h.next('textDocument/publishDiagnostics', (p) => p.uri === col && p.diagnostics.length === 0);
      await h.client.sendRequest('shutdown');
    } finally {
      h.close();
    }
  });

  it('reads settings through workspace/configuration: excludes, file size limit, severities; applies incremental edits', async () => {
    const noWatch: WatcherFactory = () => ({ add: () => undefined, unwatch: () => undefined, close: async () => undefined });
    let settings: Record<string, unknown> = { watcher: { exclude: ['**/.claude/**'] }, maxFileSizeMB: 0.001 };
    const h = harness(noWatch, (method) => (method === 'workspace/configuration' ? [settings] : null));
    try {
      const caps = capabilities();
      caps.workspace!.configuration = true;
      await h.client.sendRequest('initialize', { processId: null, rootUri: null, workspaceFolders: [{ uri: uri(ex.path('project')), name: 'p' }], capabilities: caps, initializationOptions: { cache: false, debounceMs: 5, collectionsRoot: ex.path('collections') } });
      await h.client.sendNotification('initialized', {});
      await h.next('skillmeat/indexed');
      const col = uri(ex.path('collections/default/collection.toml'));
      const big = await h.next('textDocument/publishDiagnostics', (p) => p.uri === col);
      assert.deepEqual(big.diagnostics.map((d: { code: string }) => d.code), ['file-too-large']);
      const status = await h.client.sendRequest('skillmeat/status', {}) as { files: number };
      assert.equal(status.files, 5, 'the three files under .claude are excluded');
      settings = { diagnostics: { severity: { 'undefined-tag': 'error' } } };
      await h.client.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const normal = await h.next('textDocument/publishDiagnostics', (p) => p.uri === col && p.diagnostics.length === 2);
      assert.deepEqual(normal.diagnostics.map((d: { code: string; severity: number }) => [d.code, d.severity]), [['undefined-tag', 1], ['unknown-reference', 2]]);
      // An incremental change: replace "pdf-tool" by "pdf-tools" in the member on line 113.
      const text = ex.read('collections/default/collection.toml');
      await h.client.sendNotification('textDocument/didOpen', { textDocument: { uri: col, languageId: 'toml', version: 1, text } });
      await h.client.sendNotification('textDocument/didChange', { textDocument: { uri: col, version: 2 }, contentChanges: [{ range: { start: { line: 112, character: 26 }, end: { line: 112, character: 26 } }, text: 's' }] });
      const fixed = await h.next('textDocument/publishDiagnostics', (p) => p.uri === col && p.version === 2);
      assert.deepEqual(fixed.diagnostics.map((d: { code: string }) => d.code), ['undefined-tag']);
      await h.client.sendRequest('shutdown');
    } finally {
      h.close();
    }
  });
});
