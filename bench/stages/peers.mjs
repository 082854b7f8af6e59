// The check CLI on the whole 50k workspace against the peers on the same files:
// `taplo check --no-schema` (npm @taplo/cli) and `tombi lint --offline` (npm tombi), runs
// interleaved; speed-up = peer time ÷ our time, per run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSize, listManifests } from '../lib/corpora.mjs';
import { timed } from '../lib/proc.mjs';
import { ensurePeer, peerVersion, PEERS } from '../lib/tools.mjs';
import { freshHome } from '../lib/server.mjs';

/** One run of our checker on `root`; throws if it did not check every file. */
export async function runCheck(ctx, root, expectFiles) {
  const home = freshHome(ctx, 'check');
  const outFile = join(home, 'check.json');
  const r = await timed(process.execPath, [ctx.bundles.cliJs, 'check', root, '--format', 'json'], { env: { ...process.env, SKILLMEAT_HOME: home }, stdoutTo: outFile, timeoutMs: 600_000 });
  if (r.timedOut) throw new Error('check timed out');
  if (r.code !== 0 && r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  return { ...r, outFile, expectFiles };
}

export async function peersStage(ctx) {
  const size = '50k';
  const c = ensureSize(size, ctx.log);
  const files = listManifests(c.root);
  if (!ctx.bundles.cliJs) throw new Error('no CLI bundle');
  const bins = {};
  const versions = {};
  for (const name of Object.keys(PEERS)) {
    try {
      bins[name] = ensurePeer(name, ctx.log);
      versions[name] = peerVersion(bins[name]);
    } catch (e) {
      ctx.log(`  ${name} unavailable: ${e.message}`);
    }
  }
  // taplo only takes *.toml unless told; collection.lock files are TOML too.
  const taploConfig = join(ctx.tmp, 'taplo.toml');
  writeFileSync(taploConfig, 'include = ["**/*.toml", "**/*.lock", "**/.skillmeat*.toml"]\n');
  const ours = [];
  const oursCpu = [];
  const peerMs = { taplo: [], tombi: [] };
  const speedup = { taplo: [], tombi: [] };
  const runs = [];
  const deadline = Date.now() + (ctx.quick ? 6 : 14) * 60_000;
  const peerRuns = { taplo: ctx.quick ? 1 : ctx.runs, tombi: ctx.runs };
  for (let i = 0; i < ctx.runs && Date.now() < deadline; i++) {
    const o = await runCheck(ctx, c.root, files.length);
    ours.push(o.ms);
    if (o.cpuMs !== undefined) oursCpu.push(o.cpuMs);
    const run = { check: { ms: o.ms, cpuMs: o.cpuMs, maxRssMiB: o.maxRssMiB, code: o.code } };
    for (const [name, bin] of Object.entries(bins)) {
      if (i >= peerRuns[name]) continue;
      const args = name === 'taplo' ? ['check', '--no-schema', '--config', taploConfig, ...files] : ['lint', '--offline', ...files];
      const p = await timed(bin, args, { cwd: c.root, timeoutMs: 600_000, keepStdout: true });
      run[name] = { ms: p.ms, cpuMs: p.cpuMs, maxRssMiB: p.maxRssMiB, code: p.code, tail: (p.stderr + p.stdout).trim().split('\n').slice(-2).join(' | ').slice(0, 300) };
      if (p.timedOut || p.ms !== p.ms) continue;
      peerMs[name].push(p.ms);
      speedup[name].push(p.ms / o.ms);
    }
    runs.push(run);
    ctx.log(`  run ${i + 1}: check ${o.ms.toFixed(0)} ms${Object.keys(bins).map((n) => (run[n] ? `, ${n} ${run[n].ms.toFixed(0)} ms` : '')).join('')}`);
  }
  ctx.details.peers = { corpus: c.root, files: files.length, versions, taploConfig: 'include **/*.toml and **/*.lock (collection.lock files are TOML)', runs };
  ctx.figure({ id: 'check_50k', title: 'check CLI, whole workspace (process wall time)', size, unit: 'ms', values: ours, note: `${files.length} files; --format json to a file` });
  ctx.figure({ id: 'check_50k_cpu', title: 'check CLI CPU time (user+sys)', size, unit: 'ms', values: oursCpu, note: 'GNU time; single-threaded JS plus libuv threads' });
  ctx.figure({ id: 'taplo_50k', title: `taplo check --no-schema (${versions.taplo ?? 'n/a'})`, size, unit: 'ms', values: peerMs.taplo, na: bins.taplo ? undefined : 'not installed' });
  ctx.figure({ id: 'tombi_50k', title: `tombi lint --offline (${versions.tombi ?? 'n/a'})`, size, unit: 'ms', values: peerMs.tombi, na: bins.tombi ? undefined : 'not installed' });
  ctx.figure({ id: 'check_vs_taplo', title: 'check speed-up over taplo (taplo ÷ check)', size, unit: '×', values: speedup.taplo, target: { op: '>=', value: 10, text: '≥ 10×' }, na: bins.taplo ? undefined : 'taplo not installed' });
  ctx.figure({ id: 'check_vs_tombi', title: 'check speed-up over tombi (tombi ÷ check)', size, unit: '×', values: speedup.tombi, target: { op: '>=', value: 3, text: '≥ 3×' }, na: bins.tombi ? undefined : 'tombi not installed' });
}
