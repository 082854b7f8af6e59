#!/usr/bin/env node
// `npm run bench`: the performance figures of the server, the CLI and the cache at scale,
// each the median of ≥ 5 runs with min and max, against the targets of the issue "Speed at
// scale". Latencies are measured through the real server over LSP (dist/server.js --stdio).
//
//   node bench/run.mjs [--quick] [--only NAME[,NAME]] [--runs N] [--sizes 1k,10k,50k,300k]
//                      [--dist DIR] [--keep-tmp] [--list]
//
// Stages: startup (cold, warm, ×smol-toml), edit (keystroke, fan-out, requests, memory, cache
// save), migrate, peers (check vs taplo and tombi), scaling (1k → 300k).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BENCH } from './lib/corpora.mjs';
import { buildBundles } from './lib/build.mjs';
import { describeMachine } from './lib/machine.mjs';
import { makeFigure, printTable, markdownTable } from './lib/report.mjs';
import { startupStage } from './stages/startup.mjs';
import { editStage } from './stages/edit.mjs';
import { migrateStage } from './stages/migrate.mjs';
import { peersStage } from './stages/peers.mjs';
import { scalingStage } from './stages/scaling.mjs';

const STAGES = {
  startup: { run: startupStage, aliases: ['cold', 'warm', 'smol'], about: 'cold start (no cache) and warm start to ready; smol-toml parse-only of the same files' },
  edit: { run: editStage, aliases: ['keystroke', 'fanout', 'requests', 'hover', 'memory', 'save', 'cache-save'], about: 'keystroke → diagnostics, 100-file fan-out, hover/definition/references/completion, memory, cache save' },
  migrate: { run: migrateStage, aliases: ['migrations'], about: 'migrate up from 0001 (100k artifacts, 300k join rows) and down again' },
  peers: { run: peersStage, aliases: ['check', 'taplo', 'tombi'], about: 'check CLI vs taplo check and tombi lint on the same files' },
  scaling: { run: scalingStage, aliases: ['scale'], about: 'cost per artifact of check and cold start from 1k to 300k' },
};

// The order of the issue's target table; anything else follows.
const ORDER = [
  'cold_start', 'cold_start_cpu', 'smol_parse', 'cold_vs_smol', 'warm_start', 'keystroke_p50', 'keystroke_p90', 'fanout_100',
  'hover_p95', 'definition_p95', 'references_p95', 'completion_p95', 'cache_save', 'cache_save_stall', 'stall_after_ready', 'rss_steady', 'rss_peak',
  'migrate_up', 'migrate_down', 'check_50k', 'check_50k_cpu', 'taplo_50k', 'tombi_50k', 'check_vs_taplo', 'check_vs_tombi',
  'scaling_check_1k', 'scaling_check_10k', 'scaling_check_50k', 'scaling_check_300k', 'scaling_check', 'scaling_check_growth',
  'scaling_cold_1k', 'scaling_cold_10k', 'scaling_cold_50k', 'scaling_cold_300k', 'scaling_cold', 'scaling_cold_growth',
];
const rank = (f) => (ORDER.includes(f.id) ? ORDER.indexOf(f.id) : ORDER.length);

const SECTION = join(BENCH, '..', 'README.md');
const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

/** Puts the latest table between the markers of the README's Performance section. */
function updateSection(results) {
  if (!existsSync(SECTION)) return false;
  const text = readFileSync(SECTION, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const m = results.machine;
  const table = `${markdownTable(results.figures)}\n\nMeasured ${results.generatedAt.slice(0, 10)} on ${m.cpuModel} (${m.cores} cores, ${m.memoryGiB} GiB), node ${m.node}, commit ${m.commit}${m.sourceDirty ? ' + uncommitted changes' : ''}; load average at start ${m.loadAverageAtStart.join(' / ')}.`;
  writeFileSync(SECTION, `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`);
  return true;
}

function parseArgs(argv) {
  const o = { quick: false, only: undefined, runs: undefined, sizes: undefined, dist: undefined, keepTmp: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--only' || a.startsWith('--only=')) o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--runs' || a.startsWith('--runs=')) o.runs = Number(val());
    else if (a === '--sizes' || a.startsWith('--sizes=')) o.sizes = val().split(',').map((s) => s.trim());
    else if (a === '--dist' || a.startsWith('--dist=')) o.dist = val();
    else if (a === '--keep-tmp') o.keepTmp = true;
    else if (a === '--list') o.list = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (o.runs !== undefined && !(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs needs a whole number ≥ 1');
  return o;
}

function resolveStages(only) {
  if (!only) return Object.keys(STAGES);
  const out = new Set();
  for (const name of only) {
    const hit = Object.entries(STAGES).find(([k, s]) => k === name || s.aliases.includes(name));
    if (!hit) throw new Error(`unknown stage "${name}"; stages: ${Object.entries(STAGES).map(([k, s]) => `${k} (${s.aliases.join(', ')})`).join('; ')}`);
    out.add(hit[0]);
  }
  return [...out];
}

async function main() {
  let opts;
  let stages;
  try {
    opts = parseArgs(process.argv.slice(2));
    stages = resolveStages(opts.only);
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  if (opts.help || opts.list) {
    process.stdout.write(`Usage: node bench/run.mjs [--quick] [--only NAME[,NAME]] [--runs N] [--sizes 1k,10k,50k,300k] [--dist DIR] [--keep-tmp]\n\nStages:\n`);
    for (const [k, s] of Object.entries(STAGES)) process.stdout.write(`  ${k.padEnd(8)} ${s.about} (also: ${s.aliases.join(', ')})\n`);
    return;
  }
  const started = Date.now();
  const log = (m) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  const machine = describeMachine();
  log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; load ${machine.loadAverageAtStart.join(' ')}`);
  const bundles = await buildBundles({ useDist: opts.dist, log });
  log(`bundles: ${bundles.note}`);
  const tmp = join(BENCH, '.tmp', `run-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const runs = opts.runs ?? (opts.quick ? 3 : 5);
  const ctx = {
    opts,
    quick: opts.quick,
    runs,
    sizes: opts.sizes ?? (opts.quick ? ['1k', '10k', '50k'] : ['1k', '10k', '50k', '300k']),
    bundles,
    tmp,
    log,
    figures: [],
    details: {},
    stage: undefined,
    figure(f) {
      const fig = { ...makeFigure({ minRuns: Math.min(5, runs), ...f }), stage: this.stage, measuredAt: new Date().toISOString() };
      this.figures.push(fig);
      const v = fig.na ? `n/a (${fig.na})` : `${fig.median?.toFixed?.(2)} ${fig.unit}`;
      log(`  ${fig.title}${fig.size ? ` @${fig.size}` : ''}: ${v}${fig.target ? ` → ${fig.pass ? 'PASS' : 'FAIL'}` : ''}`);
      return fig;
    },
  };
  for (const name of stages) {
    const t = Date.now();
    const load = os.loadavg()[0];
    log(`── stage ${name}${load > machine.cores ? ` (load average ${load.toFixed(1)} on ${machine.cores} cores: expect noise)` : ''}`);
    ctx.stage = name;
    ctx.details[`${name}:loadAverage`] = { start: os.loadavg().map((x) => +x.toFixed(2)) };
    try {
      await STAGES[name].run(ctx);
    } catch (e) {
      log(`stage ${name} failed: ${e.stack ?? e}`);
      ctx.details[`${name}:error`] = String(e.message ?? e);
    }
    ctx.details[`${name}:seconds`] = Math.round((Date.now() - t) / 1000);
    ctx.details[`${name}:loadAverage`].end = os.loadavg().map((x) => +x.toFixed(2));
  }
  ctx.figures.sort((a, b) => rank(a) - rank(b));
  process.stdout.write('\n');
  printTable(ctx.figures);
  const failed = ctx.figures.filter((f) => f.target && !f.pass).length;
  const passed = ctx.figures.filter((f) => f.target && f.pass).length;
  process.stdout.write(`\n${passed} PASS, ${failed} FAIL; ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  const results = {
    generatedAt: new Date().toISOString(),
    machine,
    options: { quick: opts.quick, only: opts.only ?? null, runs, sizes: ctx.sizes },
    bundles: { dir: bundles.dir, note: bundles.note },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    figures: ctx.figures,
    details: ctx.details,
  };
  const out = join(BENCH, 'results.json');
  // A partial run (--only) replaces its own stages' figures and keeps the others' last values.
  if (opts.only && existsSync(out)) {
    try {
      const prev = JSON.parse(readFileSync(out, 'utf8'));
      const kept = (prev.figures ?? []).filter((f) => !stages.includes(f.stage));
      results.figures = [...kept, ...ctx.figures].sort((a, b) => rank(a) - rank(b));
      results.details = { ...(prev.details ?? {}), ...ctx.details };
      results.options.mergedWith = prev.generatedAt;
    } catch {
      // unreadable: write this run alone
    }
  }
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`results: ${out}\n`);
  if (!opts.quick && !opts.runs && updateSection(results)) process.stdout.write(`table updated in ${SECTION}\n`);
  if (!opts.keepTmp) rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.stack ?? e}\n`);
  process.exit(2);
});
