// Packages the .vsix with `vsce package --no-dependencies` (esbuild already bundled everything
// into dist/). vsce refuses a package whose @types/vscode (1.138, what we type-check against) is
// newer than engines.vscode (^1.91, the oldest VS Code we claim), so it runs on a staged copy
// whose manifest drops devDependencies; every other file is the repository's own and
// .vscodeignore still decides what ships. Usage: node client/scripts/package.mjs [-o out.vsix]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const oAt = argv.indexOf('-o');
const out = path.resolve(oAt >= 0 ? argv[oAt + 1] : path.join(ROOT, 'skillmeat-manifests.vsix'));

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-vsix-'));
try {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  delete manifest.devDependencies;
  // No scripts: vsce would otherwise look for vscode:prepublish and npm lifecycle hooks.
  delete manifest.scripts;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const f of ['.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist', 'syntaxes', 'icons']) {
    const src = path.join(ROOT, f);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(stage, f), { recursive: true });
  }
  for (const need of ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/sql-wasm.wasm']) {
    if (!fs.existsSync(path.join(stage, need))) throw new Error(`${need} is missing: run "node esbuild.mjs" first`);
  }
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out],
    { cwd: stage, stdio: 'inherit' },
  );
  if (r.status !== 0) process.exitCode = r.status ?? 1;
} catch (e) {
  process.stderr.write(`package: ${e.message}\n`);
  process.exitCode = 1;
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
