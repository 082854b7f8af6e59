#!/usr/bin/env node
// `npm run fuzz`: the long engine fuzz run — by default 100,000 cases of test/fuzz/gen.ts (real
// fixtures and generated manifests, mutated; every property listed there, the cache sync
// included), seeded, spread over worker threads, printing progress, stopping by itself and ending
// with `N passed, F failed` (exit 1 on any failure, each failure printed with the command that
// replays it).
//
//   node test/fuzz/long.mjs [--cases N] [--seed S] [--workers W] [--case I]
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

if (!isMainThread) {
  require('tsx/cjs');
  const gen = require('./gen.ts');
  await gen.prepareCacheCheck();
  const { seed, from, to, step } = workerData;
  let done = 0;
  let slowest = { ms: 0, index: -1 };
  for (let i = from; i < to; i += step) {
    const t0 = performance.now();
    try {
      gen.runCase(gen.makeCase(seed, i));
    } catch (e) {
      parentPort.postMessage({ kind: 'failure', index: i, message: String(e?.message ?? e).slice(0, 4000) });
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, index: i };
    // Not a failure, but worth a look: a case this slow usually means something quadratic.
    if (ms > 20_000) parentPort.postMessage({ kind: 'slow', index: i, ms });
    if (++done % 250 === 0) parentPort.postMessage({ kind: 'progress', done: 250 });
  }
  parentPort.postMessage({ kind: 'progress', done: done % 250 });
  parentPort.postMessage({ kind: 'done', slowest });
} else {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const cases = arg('cases', 100_000);
  const seed = arg('seed', 20261123);
  const only = arg('case', undefined);
  const workers = Math.max(1, arg('workers', Math.min(4, availableParallelism())));
  const t0 = Date.now();

  if (only !== undefined) {
    require('tsx/cjs');
    const gen = require('./gen.ts');
    await gen.prepareCacheCheck();
    const c = gen.makeCase(seed, only);
    console.log(`case ${only} of seed ${seed}: ${c.source}; ${c.ops.join(', ') || 'no mutation'}; ${c.bytes.length} bytes → ${c.file}`);
    try {
      gen.runCase(c);
      console.log('1 passed, 0 failed');
    } catch (e) {
      console.log(e.message);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
    process.exit(0);
  }

  console.log(`fuzz: ${cases.toLocaleString('en')} cases, seed ${seed}, ${workers} worker threads`);
  let done = 0;
  let nextReport = 5_000;
  const failures = [];
  let slowest = { ms: 0, index: -1 };
  await Promise.all(
    Array.from({ length: workers }, (_, k) =>
      new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: { seed, from: k, to: cases, step: workers } });
        w.on('message', (m) => {
          if (m.kind === 'progress') {
            done += m.done;
            while (done >= nextReport) {
              console.log(`  ${nextReport.toLocaleString('en').padStart(9)} / ${cases.toLocaleString('en')} cases, ${failures.length} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
              nextReport += 5_000;
            }
          } else if (m.kind === 'failure') {
            failures.push(m);
            console.log(`FAIL ${m.message}\n  replay: node test/fuzz/long.mjs --seed ${seed} --case ${m.index}`);
          } else if (m.kind === 'slow') {
            console.log(`SLOW case ${m.index}: ${(m.ms / 1000).toFixed(1)} s (node test/fuzz/long.mjs --seed ${seed} --case ${m.index})`);
          } else if (m.kind === 'done') {
            if (m.slowest.ms > slowest.ms) slowest = m.slowest;
          }
        });
        w.on('error', reject);
        w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${k} exited ${code}`))));
      }),
    ),
  );
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  console.log(`\nseed ${seed}, ${secs} s, slowest case ${slowest.index} (${slowest.ms.toFixed(0)} ms)`);
  console.log(`${(done - failures.length).toLocaleString('en')} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}
