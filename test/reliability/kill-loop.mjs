#!/usr/bin/env node
// The long crash test (not in npm test): 200 child processes SIGKILLed at random points of cache
// saves and of every migration step, up and down; after each, the cache file must be the old or
// the new state, healthy, with every saved membership (see crash/rounds.ts for the checks).
//
//   node test/reliability/kill-loop.mjs [--rounds N] [--seed S]
//
// Prints one line per round and a summary; exits 1 if any round failed.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('tsx/cjs');
const { runKillRounds } = require('./crash/rounds.ts');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('rounds', 200);
const seed = arg('seed', Date.now() % 1_000_000);
const t0 = Date.now();
console.log(`kill loop: ${rounds} rounds, seed ${seed}`);
const results = await runKillRounds(rounds, seed, (r) => {
  console.log(`${String(r.round + 1).padStart(4)}  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.what.padEnd(38)} ${r.how} → ${r.outcome}${r.problem ? `: ${r.problem}` : ''}`);
});
const failed = results.filter((r) => !r.ok);
const count = (f) => results.filter(f).length;
console.log(
  `\n${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - t0) / 1000).toFixed(0)} s (seed ${seed}): ` +
    `left the old state ${count((r) => r.outcome === 'old')}, the new state ${count((r) => r.outcome !== 'old')}; ` +
    `killed at a write call ${count((r) => r.how.startsWith('self-kill'))}, from outside ${count((r) => r.how.startsWith('SIGKILL'))} ` +
    `(of which finished first ${count((r) => r.how.includes('finished first'))}); ` +
    `migrations up ${count((r) => r.what.startsWith('up'))}, down ${count((r) => r.what.startsWith('down'))}, link saves ${count((r) => r.what.startsWith('links'))}`,
);
process.exit(failed.length ? 1 : 0);
