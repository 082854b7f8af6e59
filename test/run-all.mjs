// The whole suite, as `npm test` runs it: build, type-check, unit and engine tests with
// coverage, protocol tests against the built server, then the real-editor tiers.
// Each stage is a real process; the first failure stops the run with its exit code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const stages = [
  { name: 'build', cmd: ['node', 'esbuild.mjs'] },
  { name: 'typecheck', cmd: ['npx', 'tsc', '-b'] },
  { name: 'unit + engine (coverage of server/src)', cmd: ['npx', 'c8', '--check-coverage', '--lines', '90', 'mocha'] },
  { name: 'protocol (real server over stdio)', cmd: ['npx', 'mocha', '--config', 'test/lsp/.mocharc.json'], when: 'test/lsp/.mocharc.json' },
  { name: 'Neovim (real LSP client)', cmd: ['node', 'test/nvim/run.mjs'], when: 'test/nvim/run.mjs' },
  { name: 'VS Code (extension host and UI in code-server)', cmd: ['node', 'test/e2e/run.mjs'], when: 'test/e2e/run.mjs' },
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const s of stages) {
  if (s.when && !existsSync(s.when)) continue;
  if (only.length && !only.some((o) => s.name.startsWith(o))) continue;
  const t0 = Date.now();
  process.stdout.write(`\n=== ${s.name}\n`);
  const r = spawnSync(s.cmd[0], s.cmd.slice(1), { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    process.stdout.write(`=== ${s.name}: ok (${secs} s)\n`);
  } else {
    failed++;
    process.stdout.write(`=== ${s.name}: FAILED (exit ${r.status ?? r.signal}, ${secs} s)\n`);
    break;
  }
}
process.stdout.write(`\nstages: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
