// A minimal LSP client for measuring the real server: spawns `node dist/server.js --stdio`,
// speaks JSON-RPC through vscode-jsonrpc, answers the server's requests the way an editor
// would, and timestamps every notification the moment it is read.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { memoryOf, cpuOf } from './proc.mjs';
import { sleep } from './stats.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');

export const uriOf = (file) => pathToFileURL(file).href;
const hr = () => process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;

/** Looks `section` ("skillmeat" or "skillmeat.x.y") up in a settings object shaped { skillmeat: {...} }. */
function lookup(settings, section) {
  if (!section) return settings;
  let v = settings;
  for (const part of section.split('.')) {
    if (v && typeof v === 'object' && part in v) v = v[part];
    else return null;
  }
  return v;
}

export class LspSession {
  /**
   * Starts the server. The clock (`t0`) starts at spawn, and `initialize` is written at once, so
   * every "from initialize" figure includes the process start and the bundle load.
   */
  static async start({ serverJs, folders, home, settings = {}, initOptions, env = {}, nodeArgs = [], log = () => {} }) {
    const s = new LspSession();
    s.log = log;
    s.t0 = hr();
    s.child = spawn(process.execPath, [...nodeArgs, serverJs, '--stdio'], {
      env: { ...process.env, SKILLMEAT_HOME: home, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    s.pid = s.child.pid;
    s.stderr = [];
    s.child.stderr.on('data', (b) => {
      if (s.stderr.length < 2000) s.stderr.push(b.toString());
    });
    s.exited = new Promise((r) => s.child.on('exit', (code, signal) => r({ code, signal })));
    s.exitedFlag = false;
    s.exited.then(() => (s.exitedFlag = true));
    const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(s.child.stdout), new rpc.StreamMessageWriter(s.child.stdin));
    s.conn = conn;
    s.settings = settings;
    s.folders = folders;
    s.seq = 0;
    s.diags = new Map(); // uri → { seq, t, version, count, codes }
    s.diagEvents = 0;
    s.lastDiagT = undefined;
    s.progress = new Map(); // token → { title, beginT, endT }
    s.lastProgressEndT = undefined;
    s.logs = [];
    s.waiters = new Set();
    s.notifications = new Map();
    conn.onNotification('textDocument/publishDiagnostics', (p) => {
      const t = hr();
      const rec = { seq: ++s.seq, t, version: p.version, count: p.diagnostics.length, codes: p.diagnostics.map((d) => d.code) };
      s.diags.set(p.uri, rec);
      s.diagEvents++;
      s.lastDiagT = t;
      for (const w of [...s.waiters]) w(p.uri, rec);
    });
    conn.onNotification('$/progress', (p) => {
      const t = hr();
      const token = String(p.token);
      const v = p.value ?? {};
      const rec = s.progress.get(token) ?? { title: undefined, beginT: undefined, endT: undefined, messages: 0 };
      if (v.kind === 'begin') {
        rec.title = v.title;
        rec.beginT = t;
      } else if (v.kind === 'report') rec.messages++;
      else if (v.kind === 'end') {
        rec.endT = t;
        s.lastProgressEndT = t;
      }
      s.progress.set(token, rec);
      for (const w of [...s.waiters]) w(undefined, undefined);
    });
    conn.onNotification('window/logMessage', (p) => {
      if (s.logs.length < 5000) s.logs.push({ t: hr(), type: p.type, message: p.message });
    });
    conn.onNotification((method, params) => {
      const t = hr();
      s.notifications.set(method, (s.notifications.get(method) ?? 0) + 1);
      // The server's own "indexed" and "watching" signals (skillmeat/*), when it sends them.
      if (method === 'skillmeat/indexed') {
        s.indexedT = t;
        s.cpuAtIndexed = cpuOf(s.pid);
        s.indexed = params;
      } else if (method === 'skillmeat/watching') {
        s.watchingT = t;
        s.watching = params;
      }
      for (const w of [...s.waiters]) w(undefined, undefined);
      if (s.onAnyNotification) s.onAnyNotification(method, params);
    });
    conn.onRequest('window/workDoneProgress/create', (p) => {
      const token = String(p.token);
      if (!s.progress.has(token)) s.progress.set(token, { title: undefined, beginT: undefined, endT: undefined, messages: 0 });
      return null;
    });
    conn.onRequest('workspace/configuration', (p) => p.items.map((i) => lookup(s.settings, i.section)));
    conn.onRequest('workspace/workspaceFolders', () => s.folders.map((f) => ({ uri: uriOf(f), name: f.split('/').pop() })));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('client/unregisterCapability', () => null);
    conn.onRequest('window/showMessageRequest', () => null);
    conn.onRequest('window/showDocument', () => ({ success: false }));
    conn.onRequest('workspace/applyEdit', () => ({ applied: false, failureReason: 'benchmark client' }));
    conn.onRequest((method) => {
      // workspace/*/refresh and anything else: acknowledge.
      s.notifications.set(`request:${method}`, (s.notifications.get(`request:${method}`) ?? 0) + 1);
      return null;
    });
    conn.onError(() => {});
    conn.onClose(() => {});
    conn.listen();
    const initParams = {
      processId: process.pid,
      clientInfo: { name: 'skillmeat-bench', version: '1' },
      rootUri: uriOf(folders[0]),
      workspaceFolders: folders.map((f) => ({ uri: uriOf(f), name: f.split('/').pop() })),
      initializationOptions: initOptions ?? { settings: settings.skillmeat ?? {} },
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        window: { workDoneProgress: true, showMessage: {}, showDocument: { support: false } },
        workspace: {
          configuration: true,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
          applyEdit: true,
        },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
          publishDiagnostics: { versionSupport: true, relatedInformation: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          definition: { linkSupport: true },
          references: {},
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] }, contextSupport: true },
        },
      },
    };
    s.initializeSentT = hr();
    const init = conn.sendRequest('initialize', initParams);
    const result = await Promise.race([
      init,
      s.exited.then((e) => {
        throw new Error(`server exited during initialize (${JSON.stringify(e)}): ${s.stderr.join('').slice(0, 2000)}`);
      }),
    ]);
    s.initializeResultT = hr();
    s.capabilities = result?.capabilities ?? {};
    conn.sendNotification('initialized', {});
    conn.sendNotification('workspace/didChangeConfiguration', { settings });
    return s;
  }

  /** Milliseconds from spawn to an hrtime stamp. */
  rel(t) {
    return t === undefined ? undefined : ms(this.t0, t);
  }

  /** Waits for the next event a predicate accepts, or a timeout. */
  waitFor(pred, timeoutMs) {
    return new Promise((resolve) => {
      let timer;
      const w = (uri, rec) => {
        if (pred(uri, rec)) {
          this.waiters.delete(w);
          clearTimeout(timer);
          resolve(true);
        }
      };
      this.waiters.add(w);
      timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      if (pred(undefined, undefined)) w(undefined, undefined);
    });
  }

  /**
   * Waits until the workspace is indexed and its diagnostics are out: every progress the server
   * began has ended (if it reports any), `expectFiles` files have diagnostics (if given), and
   * then nothing arrives for `quietMs`. Ready = the later of the last progress end and the last
   * publishDiagnostics; the quiet wait is not counted.
   */
  async waitReady({ quietMs = 1500, timeoutMs = 300_000, expectFiles = 0 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastCount = -1;
    let lastChange = Date.now();
    for (;;) {
      if (this.exitedFlag) throw new Error(`server exited: ${this.stderr.join('').slice(0, 2000)}`);
      const events = this.diagEvents + (this.indexedT ? 1 : 0) + [...this.progress.values()].reduce((n, p) => n + (p.endT ? 2 : p.beginT ? 1 : 0) + p.messages, 0);
      if (events !== lastCount) {
        lastCount = events;
        lastChange = Date.now();
      }
      const begun = [...this.progress.values()].filter((p) => p.beginT);
      const progressDone = begun.length > 0 && begun.every((p) => p.endT);
      const progressOpen = begun.some((p) => !p.endT);
      const enoughFiles = expectFiles > 0 && this.diags.size >= expectFiles;
      const anySignal = progressDone || enoughFiles || this.indexedT !== undefined || (begun.length === 0 && this.diagEvents > 0);
      if (!progressOpen && anySignal && Date.now() - lastChange >= quietMs) break;
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (${this.diags.size} files with diagnostics, progress ${JSON.stringify([...this.progress.values()].map((p) => [p.title, Boolean(p.endT)]))})`);
      await sleep(20);
    }
    const ends = [this.lastProgressEndT, this.lastDiagT, this.indexedT].filter((t) => t !== undefined);
    const readyT = ends.reduce((a, b) => (a > b ? a : b));
    const signal = readyT === this.indexedT ? 'skillmeat/indexed' : readyT === this.lastProgressEndT ? 'progress end' : 'last publishDiagnostics';
    const indexing = [...this.progress.values()].filter((p) => p.beginT && p.endT);
    return {
      serverCpuMsAtQuiet: cpuOf(this.pid),
      serverCpuMsAtIndexed: this.cpuAtIndexed,
      readyMs: this.rel(readyT),
      signal,
      indexedNotificationMs: this.rel(this.indexedT),
      serverIndexMs: this.indexed?.ms,
      progressEndMs: this.rel(this.lastProgressEndT),
      lastDiagnosticsMs: this.rel(this.lastDiagT),
      initializeMs: this.rel(this.initializeResultT),
      filesWithDiagnostics: this.diags.size,
      diagnosticsPublished: this.diagEvents,
      progress: indexing.map((p) => ({ title: p.title, beginMs: this.rel(p.beginT), endMs: this.rel(p.endT) })),
    };
  }

  open(file, text, languageId = file.endsWith('.json') ? 'json' : 'toml') {
    const uri = uriOf(file);
    this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  close(uri) {
    this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Sends one didChange; incremental when the server asked for it, else the whole text. */
  change(uri, version, { range, text }, fullText) {
    const sync = this.capabilities.textDocumentSync;
    const kind = typeof sync === 'number' ? sync : sync?.change ?? 1;
    const contentChanges = kind === 2 ? [{ range, text }] : [{ text: fullText }];
    this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  /** A request timed from send to response (ms), with its result. */
  async timedRequest(method, params) {
    const t = hr();
    const result = await this.conn.sendRequest(method, params);
    return { ms: ms(t, hr()), result };
  }

  /** Waits for the server's file watcher to report ready (skillmeat/watching); ms from spawn, or undefined. */
  async waitWatching(timeoutMs = 120_000) {
    await this.waitFor(() => this.watchingT !== undefined, timeoutMs);
    return this.rel(this.watchingT);
  }

  memory() {
    return memoryOf(this.pid);
  }

  /** shutdown + exit, then waits for the process (killed after `timeoutMs`). */
  async stop(timeoutMs = 15_000) {
    if (this.exitedFlag) return this.exited;
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), sleep(timeoutMs)]);
      this.conn.sendNotification('exit');
    } catch {
      // The connection may already be gone.
    }
    const r = await Promise.race([this.exited, sleep(timeoutMs).then(() => undefined)]);
    if (!r) this.kill();
    this.conn.dispose();
    return r ?? this.exited;
  }

  kill() {
    try {
      this.child.kill('SIGKILL');
    } catch {
      // gone
    }
    try {
      this.conn.dispose();
    } catch {
      // disposed
    }
  }
}
