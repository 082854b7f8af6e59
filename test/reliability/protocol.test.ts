/**
 * Protocol abuse against the real server process (dist/server.js --stdio): nonsense positions and
 * URIs for every request, requests before initialize, a 100 MB document, 10,000 changes in a row,
 * and bytes that are not JSON-RPC at all. The server must answer (or refuse) every request, never
 * crash, and end each scenario still correct and responsive — or, when the stream itself is
 * unreadable, exit on its own instead of hanging.
 *
 * Existing protocol tests this builds on: test/lsp/lifecycle.test.ts ("answers null or empty for
 * unknown documents and out-of-range positions" for hover/references/definition/completion) and
 * test/lsp/pull.test.ts ("refuses requests before initialize").
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { Rng } from '../fuzz/gen';
import { ExampleCopy, positionOf } from '../lsp/helpers/client';
import { CHILD_ENV, SERVER, TestClient, ensureBuilt, line, sleep, uri } from './helpers';

const COL = 'collections/default/collection.toml';
const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

/** Resolves with the request's outcome, or 'TIMEOUT' (a hang) after `ms`. */
async function answered(p: Promise<unknown>, ms = 10_000): Promise<'result' | 'error' | 'TIMEOUT'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'TIMEOUT'>((r) => (timer = setTimeout(() => r('TIMEOUT'), ms)));
  try {
    return await Promise.race([p.then(() => 'result' as const, () => 'error' as const), t]);
  } finally {
    clearTimeout(timer);
  }
}

async function startExample(): Promise<{ ex: ExampleCopy; client: TestClient }> {
  const ex = new ExampleCopy();
  const client = new TestClient({ ...CHILD_ENV, HOME: ex.root, SKILLMEAT_HOME: ex.path('home') });
  await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), init: { cache: false } });
  return { ex, client };
}

/** The hover on the broken group member of examples/ (a request whose answer we know). */
async function hoverMember(client: TestClient, ex: ExampleCopy): Promise<Hover | null> {
  return client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(ex.path(COL)) }, position: positionOf(ex.read(COL), '["skill:pdf-tool"', 4) });
}

describe('reliability: protocol abuse against the real server', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  describe('nonsense requests and notifications', () => {
    let ex: ExampleCopy;
    let client: TestClient;
    before(async () => ({ ex, client } = await startExample()));
    after(async () => {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    });

    it('every request with unknown URIs, impossible positions or malformed params is answered, never hangs or kills the server', async () => {
      const known = uri(ex.path(COL));
      const uris = [known, uri(ex.path('nothing/collection.toml')), 'untitled:Untitled-1', 'git:/x/collection.toml?ref', 'file://%zz%/x', 'file:relative/x.toml', '', 'not a uri at all'];
      const positions: unknown[] = [
        { line: 0, character: 0 }, { line: -1, character: 0 }, { line: 0, character: -5 }, { line: 99999999, character: 0 }, { line: 112, character: 99999999 },
        { line: 1.5, character: 0.25 }, { line: null, character: null }, { line: '3', character: '4' }, {}, null,
      ];
      const range = (p: unknown) => ({ start: p, end: p });
      const methods: [string, (u: string, p: unknown) => unknown][] = [
        ['textDocument/hover', (u, p) => ({ textDocument: { uri: u }, position: p })],
        ['textDocument/definition', (u, p) => ({ textDocument: { uri: u }, position: p })],
        ['textDocument/references', (u, p) => ({ textDocument: { uri: u }, position: p, context: { includeDeclaration: true } })],
        ['textDocument/documentHighlight', (u, p) => ({ textDocument: { uri: u }, position: p })],
        ['textDocument/prepareRename', (u, p) => ({ textDocument: { uri: u }, position: p })],
        ['textDocument/rename', (u, p) => ({ textDocument: { uri: u }, position: p, newName: 'x/../y' })],
        ['textDocument/completion', (u, p) => ({ textDocument: { uri: u }, position: p })],
        ['textDocument/codeAction', (u, p) => ({ textDocument: { uri: u }, range: range(p), context: { diagnostics: [{ range: range(p), message: 'x', data: { code: 'duplicate-member', span: { start: -3, end: 1e12 } } }] } })],
        ['textDocument/inlayHint', (u, p) => ({ textDocument: { uri: u }, range: range(p) })],
        ['textDocument/codeLens', (u) => ({ textDocument: { uri: u } })],
        ['textDocument/documentSymbol', (u) => ({ textDocument: { uri: u } })],
        ['textDocument/semanticTokens/full', (u) => ({ textDocument: { uri: u } })],
        ['textDocument/documentLink', (u) => ({ textDocument: { uri: u } })],
        ['textDocument/foldingRange', (u) => ({ textDocument: { uri: u } })],
        ['textDocument/diagnostic', (u) => ({ textDocument: { uri: u } })],
        ['workspace/symbol', () => ({ query: '\u0000'.repeat(1000) + '.*(((' })],
        ['workspace/executeCommand', (u) => ({ command: 'skillmeat.writeMissingUuids', arguments: [u, { nonsense: true }] })],
        ['workspace/executeCommand', () => ({ command: 'no.such.command', arguments: [] })],
        ['completionItem/resolve', () => ({ label: 'x', data: { kind: 'artifact', key: { collection: 42 } } })],
        ['skillmeat/status', () => ['unexpected']],
      ];
      const outcomes = new Map<string, number>();
      const hangs: string[] = [];
      for (const [method, make] of methods) {
        for (const u of uris) {
          for (const p of positions) {
            const o = await answered(client.request(method, make(u, p)));
            if (o === 'TIMEOUT') hangs.push(`${method} ${u} ${JSON.stringify(p)}`);
            outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
          }
        }
        // Params that are not objects at all.
        for (const bad of [null, 'string', 42, [1, 2]]) {
          if ((await answered(client.request(method, bad))) === 'TIMEOUT') hangs.push(`${method} ${JSON.stringify(bad)}`);
        }
      }
      assert.deepEqual(hangs, []);
      assert.ok((outcomes.get('result') ?? 0) > 0);
      assert.equal(client.proc.exitCode, null, 'still running');
      // And still right: the known hover.
      const h = await hoverMember(client, ex);
      assert.match(JSON.stringify(h?.contents), /unknown artifact/);
    });

    it('notifications with garbage (unknown documents, ranges past the end, wrong types) leave it correct', async () => {
      const file = ex.path(COL);
      const u = uri(file);
      const text = ex.read(COL);
      const notes: [string, unknown][] = [
        ['textDocument/didChange', { textDocument: { uri: uri(ex.path('nothing.toml')), version: 5 }, contentChanges: [{ text: 'x' }] }],
        ['textDocument/didClose', { textDocument: { uri: 'file:///never/opened.toml' } }],
        ['textDocument/didOpen', { textDocument: { uri: 'untitled:1', languageId: 'toml', version: 1, text: '[[' } }],
        ['textDocument/didOpen', { textDocument: { uri: 'file:///tmp/x.toml', languageId: 'toml', version: 1 } }],
        ['textDocument/didOpen', null],
        ['workspace/didChangeWatchedFiles', { changes: [{ uri: 'file:///etc/passwd', type: 2 }, { uri: '::::', type: 9 }, { uri: 42, type: 1 }] }],
        ['workspace/didChangeConfiguration', { settings: { skillmeat: { maxFileSizeMB: -1, diagnostics: { severity: 'loud' }, watcher: { exclude: 7 } } } }],
        ['$/cancelRequest', { id: 'nope' }],
        ['$/setTrace', { value: 'verbose-ish' }],
        ['nonexistent/notification', { anything: [1, 2, 3] }],
      ];
      for (const [m, p] of notes) await client.conn.sendNotification(m, p);
      // An open document edited with ranges outside it: the editor's document clamps them.
      await client.open(file, text, 1);
      await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: 2 }, contentChanges: [{ range: { start: { line: 5000, character: 0 }, end: { line: 6000, character: 9 } }, text: '\n# appended\n' }] });
      await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: 3 }, contentChanges: [{ range: { start: { line: 3, character: 900 }, end: { line: 1, character: 0 } }, text: '' }] });
      await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: 4 }, contentChanges: [{ text }] });
      const p = await client.waitDiagnostics(file, (_d, q) => q.version === 4);
      assert.deepEqual(p.diagnostics.map((d) => d.code).sort(), ['undefined-tag', 'unknown-reference']);
      await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri: u } });
      assert.match(JSON.stringify((await hoverMember(client, ex))?.contents), /unknown artifact/);
    });
  });

  it('requests before initialize are refused (-32002) and notifications ignored; initialize then works', async () => {
    const ex = new ExampleCopy();
    const client = new TestClient({ ...CHILD_ENV, HOME: ex.root });
    try {
      for (const m of ['textDocument/hover', 'textDocument/completion', 'workspace/symbol', 'skillmeat/status', 'workspace/executeCommand']) {
        await assert.rejects(client.request(m, { textDocument: { uri: uri(ex.path(COL)) }, position: { line: 0, character: 0 }, query: '', command: 'skillmeat.rebuildIndex' }), (e: { code?: number }) => e.code === -32002, m);
      }
      await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(ex.path(COL)), languageId: 'toml', version: 1, text: 'garbage' } });
      await client.conn.sendNotification('initialized', {});
      await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), init: { cache: false } });
      // The didOpen sent before initialize was dropped: the disk's text is what is checked.
      const col = await client.waitDiagnostics(ex.path(COL), (ds) => ds.length > 0);
      assert.deepEqual(col.diagnostics.map((d) => d.code).sort(), ['undefined-tag', 'unknown-reference']);
      assert.match(JSON.stringify((await hoverMember(client, ex))?.contents), /unknown artifact/);
    } finally {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    }
  });

  it('a 100 MB didChange is answered with file-too-large, not parsed; the document and server stay usable', async () => {
    const { ex, client } = await startExample();
    try {
      const file = ex.path(COL);
      const text = ex.read(COL);
      await client.open(file, text, 1);
      await client.waitDiagnostics(file, (_d, p) => p.version === 1);
      // 100 MB of lines that would each be a syntax error if parsed (millions of diagnostics).
      const huge = 'zz\n'.repeat(35_000_000);
      const t0 = Date.now();
      await client.change(file, huge, 2);
      const p = await client.waitDiagnostics(file, (_d, q) => q.version === 2, 60_000);
      const ms = Date.now() - t0;
      assert.deepEqual(p.diagnostics.map((d) => d.code), ['file-too-large'], p.diagnostics.slice(0, 3).map((d) => d.message).join('; '));
      assert.match(String(p.diagnostics[0].message), /collection\.toml is 100\.1 MB, over the 10 MB limit; it was not checked/);
      assert.ok(ms < 30_000, `took ${ms} ms`);
      // Requests on the oversized document answer empty rather than working on 100 MB.
      assert.equal(await client.request('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line: 10, character: 1 } }), null);
      // Back to a normal text: checked again.
      await client.change(file, text, 3);
      const back = await client.waitDiagnostics(file, (_d, q) => q.version === 3, 30_000);
      assert.deepEqual(back.diagnostics.map((d) => d.code).sort(), ['undefined-tag', 'unknown-reference']);
      assert.match(JSON.stringify((await hoverMember(client, ex))?.contents), /unknown artifact/);
    } finally {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    }
  });

  // Was a bug: DiagnosticsPublisher.flush builds `JSON.stringify(items)` of a file's whole list,
  // and about two million syntax errors (6 MB of garbage lines) made it throw "RangeError: Invalid
  // string length": that file and every document opened after it were never published. Fixed in
  // 74f7a5f by capping syntax errors at 1,000 per file (engine/workspace/sourceFile.ts).
  it('a 6 MB document of syntax errors: it is published (capped) and a document opened after it too', async () => {
    const { ex, client } = await startExample();
    try {
      const big = ex.path('collections/default/big/collection.toml');
      await client.open(big, 'zz\n'.repeat(2_000_000), 1);
      const later = ex.path('collections/later/collection.toml');
      await client.open(later, '[collection]\nname = 1\n', 1);
      await client.waitDiagnostics(later, (_d, p) => p.version === 1, 60_000);
      const p = await client.waitDiagnostics(big, (_d, q) => q.version === 1, 60_000);
      assert.ok(p.diagnostics.length > 0 && p.diagnostics.length <= 10_000, `${p.diagnostics.length} diagnostics published`);
    } finally {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    }
  });

  // 400,000 empty [[artifacts]] tables (5.6 MB, under the 10 MB limit) give shape findings by the
  // million: the publisher sends the first 5,000 and a last one saying how many more there are
  // (it used to throw a RangeError and publish nothing more, for any document).
  it('a 5.6 MB document of 400,000 empty [[artifacts]]: it is published (capped) and a document opened after it too', async () => {
    const { ex, client } = await startExample();
    try {
      const big = ex.path('collections/default/big/collection.toml');
      await client.open(big, '[[artifacts]]\n'.repeat(400_000), 1);
      const later = ex.path('collections/later/collection.toml');
      await client.open(later, '[collection]\nname = 1\n', 1);
      await client.waitDiagnostics(later, (_d, p) => p.version === 1, 60_000);
      const p = await client.waitDiagnostics(big, (_d, q) => q.version === 1, 60_000);
      assert.ok(p.diagnostics.length > 0 && p.diagnostics.length <= 10_000, `${p.diagnostics.length} diagnostics published`);
      const last = p.diagnostics[p.diagnostics.length - 1];
      assert.equal(last.code, 'too-many-findings');
      assert.match(typeof last.message === 'string' ? last.message : last.message.value, /^\d+ more findings in this file are not shown/);
    } finally {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    }
  });

  it('10,000 didChange notifications in a row: the last diagnostics match the last text, and a request is answered after', async () => {
    const { ex, client } = await startExample();
    try {
      const file = ex.path(COL);
      let text = ex.read(COL);
      await client.open(file, text, 1);
      await client.waitDiagnostics(file, (_d, p) => p.version === 1);
      const r = new Rng(10_000);
      const posOf = (t: string, off: number) => {
        const before = t.slice(0, off);
        const nl = before.lastIndexOf('\n');
        return { line: before.split('\n').length - 1, character: off - (nl + 1) };
      };
      const pieces = ['"skill:pdf-tool', 'x', '\n', '[[artifacts]]\nname = "n"\n', '= 1', '"', ']', '#', 'é😀', ''];
      const t0 = Date.now();
      for (let v = 2; v <= 10_001; v++) {
        if (v % 50 === 0 || text.length > 60_000) {
          // A full replacement now and then (and when the edits made the text large).
          text = ex.read(COL).replace('"skill:pdf-tool"', `"skill:pdf-tool${v}"`);
          await client.change(file, text, v);
          continue;
        }
        const a = r.int(text.length + 1);
        const b = Math.min(text.length, a + r.int(8));
        const insert = r.pick(pieces);
        const start = posOf(text, a);
        const end = posOf(text, b);
        text = text.slice(0, a) + insert + text.slice(b);
        await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: v }, contentChanges: [{ range: { start, end }, text: insert }] });
      }
      const sent = Date.now() - t0;
      const p: PublishDiagnosticsParams = await client.waitDiagnostics(file, (_d, q) => q.version === 10_001, 60_000);
      const settled = Date.now() - t0;
      // The engine in this process, on the same workspace and the same final text.
      const ws = new Workspace(nodeHost);
      ws.scan(ex.path('project'));
      ws.scan(ex.path('collections'));
      ws.setText(file, text, 10_001);
      const want = ws.diagnosticsOf(file).map((d) => line(file, { ...d, severity: SEVERITY[d.severity] })).sort();
      assert.deepEqual(p.diagnostics.map((d) => line(file, d)).sort(), want);
      const t1 = Date.now();
      const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(ex.path('collections/team/collection.toml')) }, position: { line: 0, character: 1 } });
      assert.ok(Date.now() - t1 < 5000, `a request after the flood took ${Date.now() - t1} ms`);
      void h;
      assert.ok(settled < 60_000, `sent in ${sent} ms, settled in ${settled} ms`);
    } finally {
      assert.equal(await client.stop(), 0);
      ex.dispose();
    }
  });

  describe('bytes that are not JSON-RPC', () => {
    const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

    const INIT = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {}, initializationOptions: { watch: false, cache: false, collectionsRoot: '/nonexistent' } } });

    /**
     * Sends raw bytes, then a valid initialize, and another one a second later (a message read in
     * the same chunk as the garbage is lost with it); resolves with what the server did.
     */
    async function afterGarbage(raw: string | Buffer): Promise<{ answered: boolean; exit?: { code: number | null; signal: string | null }; exitAfterClose?: { code: number | null; signal: string | null } }> {
      const p = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: CHILD_ENV });
      let out = '';
      p.stdout.on('data', (d) => (out += String(d)));
      p.stderr.on('data', () => undefined);
      let exit: { code: number | null; signal: string | null } | undefined;
      const exited = new Promise<void>((r) => p.on('exit', (code, signal) => ((exit = { code, signal }), r())));
      p.stdin.on('error', () => undefined);
      const ok = () => /"id":(7|8),"result"/.test(out);
      p.stdin.write(raw);
      for (const id of [7, 8]) {
        await sleep(300);
        if (exit || ok()) break;
        p.stdin.write(frame(INIT(id)));
        const until = Date.now() + 1500;
        while (Date.now() < until && !exit && !ok()) await sleep(25);
      }
      const result = { answered: ok(), exit };
      // Whatever state it is in, the client going away ends it.
      p.stdin.end();
      await Promise.race([exited, sleep(5000)]);
      if (!exit) p.kill('SIGKILL');
      return { ...result, exitAfterClose: exit };
    }

    const recovers: Record<string, string | Buffer> = {
      'invalid JSON body': frame('{bad json: 1,'),
      'a JSON array': frame('[]'),
      'JSON null': frame('null'),
      'a message with neither method nor result': frame('{"jsonrpc":"2.0","id":1}'),
      'binary before a header': Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]),
      'a header line without a colon': 'Garbage-Header\r\n\r\n',
      'an unknown method': frame('{"jsonrpc":"2.0","id":99,"method":"foo/bar","params":{}}'),
      'a response to nothing': frame('{"jsonrpc":"2.0","id":12345,"result":{}}'),
      'a 2 MB string of JSON garbage': frame(`"${'x'.repeat(2_000_000)}`),
    };
    for (const [what, raw] of Object.entries(recovers)) {
      it(`${what}: answers a later request or exits cleanly, never hangs`, async () => {
        const r = await afterGarbage(raw);
        assert.ok(r.answered || (r.exit && r.exit.signal === null), JSON.stringify(r));
        assert.ok(r.exitAfterClose && r.exitAfterClose.signal === null, `exits cleanly when the client goes away: ${JSON.stringify(r)}`);
      });
    }

    it('a Content-Length larger than what follows: waits for the rest, and exits cleanly when the client goes away', async () => {
      const r = await afterGarbage('Content-Length: 99999999999\r\n\r\n{}');
      assert.equal(r.answered, false, 'the bytes that follow are part of the announced body');
      assert.ok(r.exitAfterClose && r.exitAfterClose.signal === null, JSON.stringify(r));
    });

    // Was a bug: a header with no usable Content-Length (missing, not a number, negative) made
    // vscode-jsonrpc's reader fire an error nothing handled; the server then neither read another
    // message nor exited — deaf until its stdin closed. Fixed in 74f7a5f (lsp/main.ts exits on a
    // reader error: the stream cannot be resynchronised).
    for (const [what, raw] of Object.entries({ 'no Content-Length header': 'Content-Type: x\r\n\r\n{}', 'Content-Length: abc': 'Content-Length: abc\r\n\r\n{}', 'a negative Content-Length': 'Content-Length: -5\r\n\r\n' })) {
      it(`${what}: answers the next request or exits on its own`, async () => {
        const r = await afterGarbage(raw);
        assert.ok(r.answered || (r.exit !== undefined && r.exit.signal === null), JSON.stringify(r));
      });
    }
  });
});

