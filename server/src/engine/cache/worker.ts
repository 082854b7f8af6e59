// The cache worker: a worker_thread that owns the sql.js database, so syncs, exports and the
// atomic writes of the cache file never block the language server's main thread (ADR 0006,
// choice 4). It runs the same LiveCache as an in-process cache would, over a copy of the
// workspace the server keeps current with per-file diffs (source.ts). What the server needs
// synchronously — status, the uuid Map the rules read — is pushed to it after every change.
// Bundled as dist/cacheWorker.js; remote.ts is the other end.
import { parentPort, workerData } from 'node:worker_threads';
import { LiveCache } from './live';
import { SourceReplica } from './source';
import type { FromWorker, ToWorker, WorkerInit } from './remote';

const port = parentPort;
if (!port) throw new Error('cacheWorker.js runs as a worker thread of the language server');

const init = workerData as WorkerInit;
// Over --stdio the server's stdout is the protocol stream: nothing printed here (sql.js reports
// through console) may reach it, so console output becomes log lines.
for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[k] = (...args: unknown[]) => port.postMessage({ t: 'log', message: `cache worker: ${args.map(String).join(' ')}` } satisfies FromWorker);
}
const replica = new SourceReplica();
const post = (m: FromWorker): void => port.postMessage(m);
let statusQueued = false;

/** The status the server answers from, sent now (before a reply, so the caller sees its effect). */
function sendStatus(): void {
  statusQueued = false;
  post({ t: 'status', status: live.status(), refusal: live.refusal() ?? null });
}

const live = new LiveCache({
  file: init.file,
  readOnly: init.readOnly,
  source: () => replica.source,
  log: (message) => post({ t: 'log', message }),
  warn: (message) => post({ t: 'warn', message }),
  // Several changes in one turn (a sync, then its save) make one status message.
  changed: () => {
    if (statusQueued) return;
    statusQueued = true;
    setImmediate(sendStatus);
  },
  uuidsChanged: () => post({ t: 'uuidsChanged' }),
  uuidsLoaded: (next, prev) => {
    // The registry mostly grows by a few names per sync: send the difference, not 50,000 pairs.
    const set: string[] = [];
    for (const [k, v] of next) if (prev.get(k) !== v) set.push(k, v);
    const del: string[] = [];
    for (const k of prev.keys()) if (!next.has(k)) del.push(k);
    if (set.length || del.length) post({ t: 'uuids', set, del });
  },
  syncDelayMs: init.syncDelayMs,
  watchDelayMs: init.watchDelayMs,
  retryMs: init.retryMs,
  save: init.save,
  lock: init.lock,
});

async function call(m: Extract<ToWorker, { t: 'call' }>): Promise<unknown> {
  switch (m.op) {
    case 'open':
      return live.open();
    case 'link':
      return live.linkPlanned(m.plan, m.stamp, m.expectGeneration);
    case 'prune':
      return live.prune(m.dryRun);
    case 'rebuild':
      return live.rebuild();
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'update':
      replica.apply(m.diff);
      return;
    case 'touch':
      live.touch();
      return;
    case 'poll':
      live.poll();
      return;
    case 'call':
      call(m).then(
        (value) => {
          sendStatus();
          post({ t: 'reply', id: m.id, value });
        },
        (e: unknown) => {
          sendStatus();
          post({ t: 'reply', id: m.id, error: (e as Error)?.stack ?? String(e) });
        },
      );
      return;
    case 'dispose': {
      // Syncs what is pending and saves, then tells the server (which waits on the shared flag).
      try {
        live.dispose();
      } catch (e) {
        post({ t: 'log', message: `cache: closing failed: ${(e as Error)?.stack ?? e}` });
      }
      sendStatus();
      const flag = new Int32Array(m.done);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      port.close();
      return;
    }
  }
});
