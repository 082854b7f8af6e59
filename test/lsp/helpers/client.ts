/**
 * A protocol-level client for the built server: spawns `node dist/server.js --stdio`, speaks
 * JSON-RPC over its stdio, records every notification, and waits for them with promises.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ClientCapabilities, Diagnostic, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

export const REPO = path.resolve(__dirname, '../../..');
export const SERVER = path.join(REPO, 'dist', 'server.js');

/** A URI for a path, as the server and VS Code encode it. */
export function uri(p: string): string {
  return pathToFileURL(p).href;
}

/** A copy of examples/ in a fresh temp folder (real path), removed by `dispose`. */
export class ExampleCopy {
  readonly root: string;

  constructor() {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-lsp-')));
    fs.cpSync(path.join(REPO, 'examples'), this.root, { recursive: true });
  }

  path(rel: string): string {
    return path.join(this.root, rel);
  }

  read(rel: string): string {
    return fs.readFileSync(this.path(rel), 'utf8');
  }

  write(rel: string, text: string): void {
    fs.mkdirSync(path.dirname(this.path(rel)), { recursive: true });
    fs.writeFileSync(this.path(rel), text);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Capabilities of a capable client (VS Code-like), push diagnostics unless told. */
export function capabilities(pull = false): ClientCapabilities {
  return {
    workspace: {
      workspaceFolders: true,
      configuration: false,
      applyEdit: true,
      workspaceEdit: { documentChanges: true },
      didChangeConfiguration: { dynamicRegistration: false },
      diagnostics: pull ? { refreshSupport: true } : undefined,
    },
    window: { workDoneProgress: true, showMessage: {} },
    textDocument: {
      synchronization: { didSave: true },
      completion: { completionItem: { snippetSupport: true } },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      rename: { prepareSupport: true },
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
      diagnostic: pull ? { dynamicRegistration: false, relatedDocumentSupport: false } : undefined,
    },
  };
}

interface Waiter<T> {
  test: (v: T) => boolean;
  resolve: (v: T) => void;
}

/** One running server and its connection. */
export class TestClient {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  /** The last diagnostics published per URI. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly stderr: string[] = [];
  private waiters: Waiter<{ method: string; params: unknown }>[] = [];
  /** Answers the client gives to server requests, by method. */
  readonly answers = new Map<string, (params: unknown) => unknown>();
  readonly requests: { method: string; params: unknown }[] = [];
  /** `$/progress` values in order (jsonrpc routes them apart from other notifications). */
  readonly progress: { token: string | number; value: unknown }[] = [];

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d) => this.stderr.push(String(d)));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification((method: string, params: unknown) => {
      if (method === 'textDocument/publishDiagnostics') {
        const p = params as PublishDiagnosticsParams;
        this.diagnostics.set(p.uri, p);
      }
      const n = { method, params };
      this.notifications.push(n);
      for (const w of [...this.waiters]) {
        if (w.test(n)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(n);
        }
      }
    });
    this.conn.onRequest((method: string, params: unknown): unknown => {
      this.requests.push({ method, params });
      const a = this.answers.get(method);
      if (a) return a(params);
      if (method === 'workspace/configuration') return [null];
      return null;
    });
    this.conn.onUnhandledProgress((p) => this.progress.push(p));
    this.conn.listen();
  }

  /** initialize + initialized; resolves when the first index is built. */
  async start(opts: { folders: string[]; collectionsRoot?: string; init?: Record<string, unknown>; pull?: boolean; caps?: ClientCapabilities }): Promise<InitializeResult> {
    const indexed = this.waitNotification('skillmeat/indexed');
    const r = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: opts.folders[0] ? uri(opts.folders[0]) : null,
      workspaceFolders: opts.folders.map((f) => ({ uri: uri(f), name: path.basename(f) })),
      capabilities: opts.caps ?? capabilities(opts.pull),
      initializationOptions: { collectionsRoot: opts.collectionsRoot, debounceMs: 20, settleMs: 60, ...opts.init },
    }) as InitializeResult;
    await this.conn.sendNotification('initialized', {});
    await indexed;
    return r;
  }

  /** Waits for a notification matching a predicate (including one already received when `past`). */
  waitNotification<T = unknown>(method: string, test: (params: T) => boolean = () => true, timeoutMs = 10000, past = false): Promise<T> {
    if (past) {
      const hit = this.notifications.find((n) => n.method === method && test(n.params as T));
      if (hit) return Promise.resolve(hit.params as T);
    }
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<{ method: string; params: unknown }> = { test: (n) => n.method === method && test(n.params as T), resolve: (n) => { clearTimeout(timer); resolve(n.params as T); } };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no ${method} within ${timeoutMs} ms; stderr: ${this.stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Waits until the diagnostics of a file satisfy a predicate (checking what was already published first). */
  async waitDiagnostics(file: string, test: (ds: Diagnostic[], p: PublishDiagnosticsParams) => boolean, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const u = uri(file);
    const now = this.diagnostics.get(u);
    if (now && test(now.diagnostics, now)) return now;
    return this.waitNotification<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === u && test(p.diagnostics, p), timeoutMs);
  }

  /** didOpen a file with its disk text (or the given text). */
  async open(file: string, text = fs.readFileSync(file, 'utf8'), version = 1): Promise<void> {
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'toml', version, text } });
  }

  /** A full-text didChange. */
  async change(file: string, text: string, version: number): Promise<void> {
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version }, contentChanges: [{ text }] });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  /** shutdown + exit, resolving with the exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.proc.once('exit', (code) => resolve(code)));
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    this.conn.dispose();
    return code;
  }
}

/** The position of the n-th occurrence of `needle` in a text, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" not found`);
  }
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

/** Retries an async check until it passes or the time is up (for state with no notification of its own). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** A diagnostic's message as text (LSP 3.18 allows Markdown content too). */
export function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}
