// Tier 2 of the editor tests: Neovim as a real LSP client of the built server (see lsp_test.lua).
// Installs Neovim with apt when it is missing and we are root; skips (exit 0, with a message)
// only when it is missing and cannot be installed without root.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (!has('nvim')) {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: nvim is not installed and installing it needs root (apt-get install -y neovim).');
    process.exit(0);
  }
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', 'neovim']) && !(apt(['update']) && apt(['install', '-y', 'neovim']))) {
    console.error('could not install neovim with apt-get');
    process.exit(1);
  }
}

const server = join(repo, 'dist', 'server.js');
if (!existsSync(server)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: 'inherit' });

const root = realpathSync(mkdtempSync(join(tmpdir(), 'skillmeat-nvim-')));
cpSync(join(repo, 'examples'), root, { recursive: true });
const file = join(root, 'collections', 'default', 'collection.toml');
const t0 = Date.now();
const r = spawnSync('nvim', ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${join(repo, 'test', 'nvim', 'lsp_test.lua')}`], {
  env: { ...process.env, SERVER: server, ROOT: root, FILE: file },
  stdio: ['ignore', 'inherit', 'inherit'],
  timeout: 60000,
});
// The server outlives nvim by its shutdown (its cache worker's last save lands in the folder):
// retry the removal while files still appear, and never fail a passed test over cleanup.
try {
  rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
} catch (e) {
  console.error(`note: ${root} not removed (${e.code ?? e.message})`);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (r.error) {
  console.error(`nvim failed to run: ${r.error.message}`);
  process.exit(1);
}
console.log(`Neovim LSP test: ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`} in ${secs} s`);
process.exit(r.status === 0 ? 0 : 1);
