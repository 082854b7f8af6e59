// Cold start (no cache) and warm start (cache on disk, nothing changed) of the server on the
// 50k corpus, to the end of indexing and the last diagnostics; smol-toml parse-only of the same
// files in the same run, interleaved, as the yardstick.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSize, listManifests, bytesOf } from '../lib/corpora.mjs';
import { timed } from '../lib/proc.mjs';
import { freshHome, startServer, cacheFilesIn } from '../lib/server.mjs';

const SMOL = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'smol-parse.mjs');
const READY_TIMEOUT = 300_000;

/** smol-toml parse-only of the corpus in a child process: { ms, files, bytes }. */
export async function smolParse(root) {
  const r = await timed(process.execPath, [SMOL, root], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`smol-parse failed: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** One cold start to ready on `root`; returns the readiness record plus memory and the home. */
export async function coldStart(ctx, root, { home = freshHome(ctx), stop = true } = {}) {
  const s = await startServer(ctx, { folders: [root], home });
  try {
    const r = await s.waitReady({ quietMs: 1000, timeoutMs: READY_TIMEOUT });
    r.memory = s.memory();
    r.home = home;
    if (stop) await s.stop();
    else r.session = s;
    return r;
  } catch (e) {
    s.kill();
    throw e;
  }
}

export async function startupStage(ctx) {
  const size = '50k';
  const c = ensureSize(size, ctx.log);
  const files = listManifests(c.root);
  const bytes = bytesOf(files);
  const cold = [];
  const smol = [];
  const ratio = [];
  const warm = [];
  const coldCpu = [];
  const runsDetail = [];
  let warmNa;
  const deadline = Date.now() + (ctx.quick ? 5 : 12) * 60_000;
  for (let i = 0; i < ctx.runs && Date.now() < deadline; i++) {
    const sm = await smolParse(c.root);
    smol.push(sm.ms);
    const r = await coldStart(ctx, c.root);
    cold.push(r.readyMs);
    if (r.serverCpuMsAtIndexed !== undefined) coldCpu.push(r.serverCpuMsAtIndexed);
    ratio.push(r.readyMs / sm.ms);
    const detail = { smolMs: sm.ms, cold: { ...r, home: undefined } };
    // Warm start: the same home again, if the first session left a cache there.
    const caches = cacheFilesIn(r.home);
    if (caches.length === 0) {
      warmNa = 'the server wrote no cache file: no warm start from the cache yet';
    } else {
      const w = await coldStart(ctx, c.root, { home: r.home });
      warm.push(w.readyMs);
      detail.warm = { ...w, home: undefined, cacheBytes: caches.reduce((n, f) => n + f.size, 0) };
    }
    runsDetail.push(detail);
    ctx.log(`  run ${i + 1}: smol ${sm.ms.toFixed(0)} ms, cold ${r.readyMs.toFixed(0)} ms (server index ${r.serverIndexMs ?? '?'} ms, ${r.signal})${detail.warm ? `, warm ${detail.warm.readyMs.toFixed(0)} ms` : ''}`);
  }
  ctx.details.startup = { corpus: c.root, files: files.length, bytes, runs: runsDetail };
  ctx.figure({ id: 'cold_start', title: 'cold start → indexed + diagnostics (no cache)', size, unit: 'ms', values: cold, target: { op: '<=', value: 1000, text: '≤ 1.0 s' }, note: 'from spawn (initialize written at once) to the later of progress end, skillmeat/indexed and the last publishDiagnostics' });
  ctx.figure({ id: 'cold_start_cpu', title: 'cold start: server CPU time to indexed (user+sys)', size, unit: 'ms', values: coldCpu, note: 'read from /proc when skillmeat/indexed arrives; less sensitive to other load than wall time' });
  ctx.figure({ id: 'smol_parse', title: 'smol-toml parse-only, same files (walk+read+parse)', size, unit: 'ms', values: smol, note: `${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB; child process, node start-up excluded` });
  ctx.figure({ id: 'cold_vs_smol', title: 'cold start ÷ smol-toml parse-only', size, unit: '×', values: ratio, target: { op: '<=', value: 3, text: '≤ 3×' }, note: 'per-run ratio, runs interleaved' });
  ctx.figure({ id: 'warm_start', title: 'warm start → ready (cache on disk, unchanged)', size, unit: 'ms', values: warm, target: { op: '<=', value: 200, text: '≤ 200 ms' }, na: warm.length ? undefined : warmNa ?? 'not measured' });
}
