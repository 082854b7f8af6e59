/**
 * When diagnostics are pushed: the server in this process with a clock that only moves when the
 * test says so. A document being typed in gets its diagnostics at once, after the files whose
 * findings the edit changed; files whose findings did not change are not sent again.
 */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createConnection } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { startServer } from '../../server/src/lsp/server';
import { FakeClock } from './helpers/fakes';
import { ExampleCopy, capabilities, uri } from './helpers/client';

interface Harness {
  client: MessageConnection;
  published: PublishDiagnosticsParams[];
  /** Resolves once a publish for `file` satisfies `test` (or one already did since `from`). */
  publish(file: string, test: (p: PublishDiagnosticsParams) => boolean, from?: number): Promise<PublishDiagnosticsParams>;
  close(): void;
}

function harness(clock: FakeClock): Harness {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  startServer(server, { clock, watcherFactory: () => ({ add: () => undefined, unwatch: () => undefined, close: async () => undefined }) });
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const published: PublishDiagnosticsParams[] = [];
  const waiters: (() => void)[] = [];
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.push(p);
    for (const w of [...waiters]) w();
  });
  client.onNotification(() => undefined);
  client.onRequest(() => null);
  client.onUnhandledProgress(() => undefined);
  client.listen();
  return {
    client,
    published,
    publish: (file, test, from = 0) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = published.slice(from).find((p) => p.uri === uri(file) && test(p));
          if (hit) resolve(hit);
          return hit !== undefined;
        };
        if (check()) return;
        const t = setTimeout(() => reject(new Error(`no matching publish for ${file}`)), 10000);
        const w = (): void => {
          if (!check()) return;
          clearTimeout(t);
          waiters.splice(waiters.indexOf(w), 1);
        };
        waiters.push(w);
      }),
    close: () => {
      client.dispose();
      server.dispose();
      up.destroy();
      down.destroy();
    },
  };
}

/** Lets queued protocol messages through (the fake clock does not move). */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('lsp: when diagnostics are published', () => {
  let ex: ExampleCopy;
  beforeEach(() => (ex = new ExampleCopy()));
  afterEach(() => ex.dispose());

  it('publishes an edit at once, with the files it changed first, and nothing else', async () => {
    const clock = new FakeClock();
    const h = harness(clock);
    try {
      await h.client.sendRequest('initialize', { processId: null, rootUri: null, workspaceFolders: [{ uri: uri(ex.path('project')), name: 'p' }], capabilities: capabilities(), initializationOptions: { cache: false, debounceMs: 1000, collectionsRoot: ex.path('collections') } });
      await h.client.sendNotification('initialized', {});
      const colFile = ex.path('collections/default/collection.toml');
      const depFile = ex.path('project/.claude/.skillmeat-deployed.toml');
      // Both files are published by the first index, before anything is open.
      await h.publish(colFile, () => true);
      await h.publish(depFile, () => true);
      let text = ex.read('collections/default/collection.toml');
      const open = (version: number) => h.client.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(colFile), languageId: 'toml', version, text } });
      const change = (version: number, next: string) => {
        text = next;
        return h.client.sendNotification('textDocument/didChange', { textDocument: { uri: uri(colFile), version }, contentChanges: [{ text }] });
      };
      await open(1);
      await settle();
      clock.advance(1000);
      const opened = await h.publish(colFile, (p) => p.version === 1);
      assert.deepEqual(opened.diagnostics.map((d) => d.code), ['undefined-tag', 'unknown-reference']);

      // Typing in a description: the document's own diagnostics arrive without the clock moving.
      let from = h.published.length;
      await change(2, text.replace('Extract, split and merge PDF pages', 'Extract, split and merge the PDF pages'));
      const typed = await h.publish(colFile, (p) => p.version === 2, from);
      assert.deepEqual(typed.diagnostics.map((d) => d.code), ['undefined-tag', 'unknown-reference']);
      clock.advance(1000);
      await settle();
      // Nothing another file reads changed: nothing else is sent.
      assert.deepEqual(h.published.slice(from).map((p) => [p.uri, p.version]), [[uri(colFile), 2]]);

      // A rename breaks the deployed file's reference: both without the clock moving, the deployed file first.
      from = h.published.length;
      await change(3, text.replace('name = "pdf-tools"', 'name = "pdf-kit"'));
      await h.publish(colFile, (p) => p.version === 3, from);
      const sent = h.published.slice(from);
      const broken = sent.find((p) => p.uri === uri(depFile));
      assert.ok(broken, 'the deployed file is published with the edit');
      assert.ok(sent.indexOf(broken) < sent.findIndex((p) => p.uri === uri(colFile)), 'before the edited document');
      assert.ok(broken.diagnostics.some((d) => d.code === 'unknown-reference' && /pdf-tools/.test(String(d.message))), JSON.stringify(broken.diagnostics.map((d) => d.message)));
      // The lock's entry for the old name is an orphan now, sent with the edit too; the debounce
      // that follows finds nothing left to send.
      const lockFile = ex.path('collections/default/collection.lock');
      assert.ok(sent.find((p) => p.uri === uri(lockFile))?.diagnostics.some((d) => d.code === 'lock-orphan'));
      clock.advance(1000);
      await settle();
      assert.deepEqual(h.published.slice(from).map((p) => p.uri).sort(), [uri(colFile), uri(depFile), uri(lockFile)].sort());
      await h.client.sendRequest('shutdown');
    } finally {
      h.close();
    }
  });
});
