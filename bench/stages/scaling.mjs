// Cost per artifact from 1k to 300k artifacts, for the check CLI and for the server's cold start.
// Marginal cost: (time at size − time on an empty workspace) ÷ artifacts, so node start-up and
// bundle load do not make small workspaces look expensive. Sizes are interleaved inside each
// round so machine load drifts hit every size alike; a run at a small size is the median of a few
// repetitions (small differences are noisier).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSize, SIZES } from '../lib/corpora.mjs';
import { median } from '../lib/stats.mjs';
import { runCheck } from './peers.mjs';
import { coldStart } from './startup.mjs';

const repsFor = (size) => (size === 'empty' || size === '1k' ? 3 : size === '10k' ? 2 : 1);

async function measure(ctx, what, sizes, corpora, deadline, fn) {
  const times = Object.fromEntries(sizes.map((s) => [s, []]));
  const errors = {};
  for (let i = 0; i < ctx.runs; i++) {
    for (const s of sizes) {
      if (errors[s] || Date.now() > deadline) continue;
      try {
        const reps = [];
        for (let k = 0; k < repsFor(s); k++) reps.push(await fn(corpora[s]));
        times[s].push(median(reps));
      } catch (e) {
        errors[s] = String(e.message ?? e).slice(0, 300);
        ctx.log(`  ${what} @${s} failed: ${errors[s]}`);
      }
    }
    ctx.log(`  ${what} round ${i + 1}: ${sizes.filter((s) => times[s][i] !== undefined).map((s) => `${s} ${times[s][i].toFixed(0)} ms`).join(', ')}`);
  }
  return { times, errors };
}

function figures(ctx, what, id, sizes, corpora, { times, errors }, target) {
  const base = median(times.empty);
  const per = {};
  for (const s of sizes.filter((x) => x !== 'empty')) {
    const n = corpora[s].artifacts;
    per[s] = times[s].map((t) => ((t - base) / n) * 1000);
    ctx.figure({ id: `${id}_${s}`, title: `${what} per artifact (marginal)`, size: s, unit: 'µs/artifact', values: per[s], na: times[s].length ? undefined : errors[s] ?? 'not measured', note: `median wall ${times[s].length ? median(times[s]).toFixed(0) : '–'} ms, empty workspace ${base.toFixed(0)} ms` });
  }
  const measured = Object.keys(per).filter((s) => per[s].length);
  // Per round: the spread (max ÷ min) of the per-artifact cost over the sizes measured in that
  // round, and the growth (largest size ÷ smallest size).
  const rounds = Math.min(...measured.map((s) => per[s].length));
  const band = [];
  const growth = [];
  for (let i = 0; i < rounds; i++) {
    const v = measured.map((s) => per[s][i]);
    band.push(Math.max(...v) / Math.min(...v));
    growth.push(v[v.length - 1] / v[0]);
  }
  const missing = sizes.filter((s) => s !== 'empty' && !per[s]?.length);
  const span = measured.length ? `${measured[0]}→${measured[measured.length - 1]}` : '';
  ctx.figure({
    id,
    title: `${what}: cost per artifact, max ÷ min over sizes`,
    size: span,
    unit: '×',
    values: band,
    target,
    na: measured.length < 2 ? `too few sizes measured (${missing.join(', ')} failed)` : undefined,
    note: missing.length ? `not measured: ${missing.map((s) => `${s} (${errors[s] ?? 'time budget'})`).join(', ')}` : undefined,
  });
  ctx.figure({ id: `${id}_growth`, title: `${what}: cost per artifact, largest ÷ smallest size`, size: span, unit: '×', values: growth, target, note: '< 1: larger workspaces cost less per artifact (start-up work amortised, JIT warm)' });
  return { base, perArtifactMedianUs: Object.fromEntries(measured.map((s) => [s, median(per[s])])), medianMs: Object.fromEntries(Object.entries(times).map(([s, t]) => [s, median(t)])), errors };
}

export async function scalingStage(ctx) {
  const sizes = ctx.sizes.filter((s) => SIZES[s]);
  const corpora = { empty: { root: join(ctx.tmp, 'empty-workspace'), artifacts: 0 } };
  mkdirSync(corpora.empty.root, { recursive: true });
  for (const s of sizes) corpora[s] = ensureSize(s, ctx.log);
  const all = ['empty', ...sizes];
  const target = { op: '<=', value: 1.5, text: '≤ 1.5×' };
  const checkDeadline = Date.now() + (ctx.quick ? 5 : 12) * 60_000;
  const check = await measure(ctx, 'check', all, corpora, checkDeadline, async (c) => (await runCheck(ctx, c.root)).ms);
  const checkSummary = figures(ctx, 'check CLI', 'scaling_check', all, corpora, check, target);
  const coldDeadline = Date.now() + (ctx.quick ? 6 : 15) * 60_000;
  const cold = await measure(ctx, 'cold start', all, corpora, coldDeadline, async (c) => (await coldStart(ctx, c.root)).readyMs);
  const coldSummary = figures(ctx, 'cold start', 'scaling_cold', all, corpora, cold, target);
  ctx.details.scaling = { check: checkSummary, cold: coldSummary };
}
