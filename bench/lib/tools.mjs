// Peer tools that are not dependencies of the project, installed on demand into bench/.tools
// with pinned versions (the versions the performance facts were measured with).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BENCH } from './corpora.mjs';

export const TOOLS_DIR = join(BENCH, '.tools');
export const PEERS = {
  taplo: { pkg: '@taplo/cli', version: '0.7.0', bin: 'taplo' },
  tombi: { pkg: 'tombi', version: '0.11.7', bin: 'tombi' },
};

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(TOOLS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The path of a peer's executable, installing it first if needed; throws with the reason if it cannot. */
export function ensurePeer(name, log = () => {}) {
  const p = PEERS[name];
  const bin = join(TOOLS_DIR, 'node_modules', '.bin', p.bin);
  if (installedVersion(p.pkg) === p.version && existsSync(bin)) return bin;
  mkdirSync(TOOLS_DIR, { recursive: true });
  log(`installing ${p.pkg}@${p.version} into bench/.tools…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--prefix', TOOLS_DIR, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...Object.values(PEERS).map((x) => `${x.pkg}@${x.version}`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
  if (!existsSync(bin)) throw new Error(`${p.pkg}@${p.version} installed but ${bin} is missing`);
  return bin;
}

export function peerVersion(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch (e) {
    // taplo prints its version and exits 1.
    const out = String(e.stdout ?? '').trim();
    return out || `unknown (${e.message.split('\n')[0]})`;
  }
}
