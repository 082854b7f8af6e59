#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof) of the bundled server or CLI by where the time
// went: GC, TOML parse, models, workspace index, rules, diagnostics publishing, protocol, file
// system, watcher… Self time of every sample is mapped through the bundle's source map to the
// original file, then to a category.
//
//   node bench/profile.mjs PROFILE.cpuprofile [--top N]
//   node bench/profile.mjs run check|cold|edit [--size 50k] [--top N]
//
// `run` takes the profile itself: the check CLI, a cold start of the server (spawn → indexed), or
// an editing session cut into phases (start, keystroke, fanout, hover, definition, references,
// completion) by the harness's timestamps.
//
// To take one: node --cpu-prof --cpu-prof-dir=DIR bench/.tools/dist/cli.js check bench/corpus/50k
// or start the server with nodeArgs ['--cpu-prof', …] (see the README's Performance section).
import { readFileSync, existsSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

const CATEGORIES = [
  [/\(garbage collector\)/, 'GC'],
  [/\(idle\)/, 'idle'],
  [/\(program\)/, 'V8/native (program)'],
  [/engine\/toml\//, 'TOML parse'],
  [/engine\/text\//, 'line index'],
  [/engine\/model\//, 'models (lowering)'],
  [/engine\/workspace\/(index|composites|suggest)/, 'workspace index'],
  [/engine\/workspace\//, 'workspace (load/scan)'],
  [/engine\/diagnostics\//, 'rules'],
  [/engine\/features\//, 'features (hover, completion…)'],
  [/sql-wasm\.js/, 'sql.js JS glue (MEMFS page copies)'],
  [/^wasm/, 'sql.js wasm (SQLite)'],
  [/engine\/cache\/|migrations\//, 'cache / migrations (JS)'],
  [/server\/src\/lsp\/diagnostics/, 'LSP diagnostics publisher'],
  [/server\/src\/lsp\//, 'LSP server'],
  [/server\/src\/cli\//, 'CLI output'],
  [/server\/src\/host\//, 'host (fs wrapper)'],
  [/chokidar|readdirp/, 'file watcher (chokidar)'],
  [/vscode-(jsonrpc|languageserver)/, 'LSP protocol library'],
  [/node:internal\/fs|node:fs|^fs$/, 'file system'],
  [/node:/, 'node internals'],
];

const FS_NATIVES = /^(readdir|read|lstat|stat|open|close|fstat|realpath|readlink|readFileUtf8|writeString|writeBuffer|write|rename|fsync|access|existsSync|internalModuleStat)$/;

function categorize(where) {
  if (FS_NATIVES.test(where)) return 'file system';
  for (const [re, name] of CATEGORIES) if (re.test(where)) return name;
  return 'other';
}

/** Self time by category and by function; `window` = [fromNs, toNs] (hrtime, CLOCK_MONOTONIC) keeps only those samples. */
export function summarize(file, top = 15, window) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const maps = new Map();
  const mapFor = (url) => {
    if (!url || !url.startsWith('file://')) return undefined;
    if (maps.has(url)) return maps.get(url);
    let sm;
    try {
      const path = fileURLToPath(url);
      if (existsSync(`${path}.map`)) sm = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      sm = undefined;
    }
    maps.set(url, sm);
    return sm;
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const where = new Map();
  for (const n of prof.nodes) {
    const cf = n.callFrame;
    let src = cf.url || cf.functionName;
    const sm = mapFor(cf.url);
    if (sm && cf.lineNumber >= 0) {
      const e = sm.findEntry(cf.lineNumber, cf.columnNumber);
      if (e && e.originalSource) src = e.originalSource;
    }
    if (!cf.url) src = cf.functionName;
    where.set(n.id, { src, fn: cf.functionName || '(anonymous)' });
  }
  // Self time per node from the sample deltas.
  const self = new Map();
  const { samples, timeDeltas } = prof;
  const [from, to] = window ? window.map((ns) => Number(BigInt(ns) / 1000n)) : [-Infinity, Infinity];
  let t = prof.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const cats = new Map();
  const fns = new Map();
  for (const [id, ms] of self) {
    const w = where.get(id) ?? { src: '?', fn: '?' };
    const c = categorize(w.src);
    cats.set(c, (cats.get(c) ?? 0) + ms);
    const key = `${w.fn}  (${String(w.src).replace(/^.*?(server\/src\/|node_modules\/)/, '$1')})`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
  }
  void byId;
  const sort = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, windowMs: window ? (to - from) / 1000 : (t - prof.startTime) / 1000, categories: sort(cats), functions: sort(fns).slice(0, top) };
}

export function printSummary(s, title, out = (x) => process.stdout.write(x)) {
  const pct = (ms) => `${((ms / s.totalMs) * 100).toFixed(1).padStart(5)} %`;
  out(`\n== ${title}: ${s.totalMs.toFixed(0)} ms sampled in a ${s.windowMs.toFixed(0)} ms window\n`);
  for (const [c, ms] of s.categories) out(`  ${c.padEnd(32)} ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}\n`);
  out(`  top functions (self time):\n`);
  for (const [f, ms] of s.functions) out(`  ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${f}\n`);
}

/**
 * The newest main-thread profile in a folder. Node names them CPU.<date>.<time>.<pid>.<thread>.<n>;
 * the cache worker (thread 1 and up) writes its own, often last, and must not be read as the server's.
 */
function newestProfile(dir) {
  const list = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  const main = list.filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return (main.length ? main : list).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Runs a scenario with --cpu-prof and prints where the time went. */
async function runScenario(scenario, size, top) {
  const { buildBundles } = await import('./lib/build.mjs');
  const { ensureSize, ensureHot } = await import('./lib/corpora.mjs');
  const { timed } = await import('./lib/proc.mjs');
  const bundles = await buildBundles({});
  const dir = join(BENCH_DIR, '.tmp', `profile-${scenario}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { bundles, tmp: dir, log: (m) => process.stderr.write(`${m}\n`), quick: false };
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const c = ensureSize(size, ctx.log);
  if (scenario === 'check') {
    const r = await timed(process.execPath, [...prof, bundles.cliJs, 'check', c.root, '--format', 'json'], { env: { ...process.env, SKILLMEAT_HOME: dir }, keepStdout: false });
    process.stdout.write(`check ${size}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs} ms CPU, ${r.maxRssMiB?.toFixed(0)} MiB peak\n`);
    printSummary(summarize(newestProfile(dir), top), `check ${size}`);
  } else if (scenario === 'cold') {
    const { startServer, freshHome } = await import('./lib/server.mjs');
    const s = await startServer(ctx, { folders: [c.root], home: freshHome(ctx), nodeArgs: prof });
    const r = await s.waitReady({ quietMs: 1000 });
    const window = [String(s.t0), String(s.indexedT)];
    await s.stop(60_000);
    process.stdout.write(`cold start ${size}: ready ${r.readyMs.toFixed(0)} ms (server index ${r.serverIndexMs} ms), RSS ${s.memory()?.rss ?? '-'}\n`);
    printSummary(summarize(newestProfile(dir), top, window), `cold start ${size} (spawn → indexed)`);
  } else if (scenario === 'edit') {
    const { session } = await import('./stages/edit.mjs');
    const r = await session(ctx, { base: c, hot: ensureHot(ctx.log), keystrokes: 40, fanouts: 6, requests: 40, nodeArgs: prof, label: 'profile' });
    if (r.error) throw new Error(r.error);
    const file = newestProfile(dir);
    for (const [name, window] of Object.entries(r.phases)) printSummary(summarize(file, top, window), `${name}`);
    process.stdout.write(`\nkeystroke p50 ${r.keystroke.p50.toFixed(1)} ms; fan-out ${r.fanout.median.toFixed(0)} ms; completion p95 ${r.requests.completion.p95.toFixed(1)} ms (profiling inflates these)\n`);
  } else throw new Error(`unknown scenario ${scenario} (check, cold, edit)`);
  process.stdout.write(`\nprofiles in ${dir}\n`);
}

if (process.argv[1] && process.argv[1].endsWith('profile.mjs')) {
  process.stdout.on('error', (e) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
  const args = process.argv.slice(2);
  const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const top = Number(opt('--top', 15)) || 15;
  const positional = args.filter((a, i) => !a.startsWith('--') && !['--top', '--size'].includes(args[i - 1]));
  if (positional[0] === 'run') {
    runScenario(positional[1] ?? 'check', opt('--size', '50k'), top).catch((e) => {
      process.stderr.write(`profile: ${e.stack ?? e}\n`);
      process.exit(1);
    });
  } else if (positional[0]) {
    printSummary(summarize(positional[0], top), positional[0]);
  } else {
    process.stderr.write('usage: node bench/profile.mjs PROFILE.cpuprofile [--top N] | run check|cold|edit [--size 50k]\n');
    process.exit(2);
  }
}
