// The real-VS-Code stage: installs the tools (once), builds, then
//   grammar  the injection grammar through VS Code's own TextMate engine,
//   3a       extension-host tests (mocha in VS Code's extension host, real API),
//   3b       UI scenarios (Playwright + Chromium against code-server with the packaged .vsix).
// Prints "N passed, N failed" per tier and exits non-zero on any failure. Screenshots and logs
// go to test-output/e2e/. Options: --only=grammar|exthost|restricted|ui, --update-docs-images (copies the key
// screenshots into docs/images/ for the README).
import fs from 'node:fs';
import path from 'node:path';
import { ensureTools } from './setup.mjs';
import { runExtensionHostTests } from './lib/exthost.mjs';
import { runGrammarTests } from './lib/grammar.mjs';
import { runUiScenarios } from './ui/scenarios.mjs';
import { ROOT } from './lib/prepare.mjs';
import { runChecked } from './lib/procs.mjs';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const updateDocs = args.includes('--update-docs-images');
const OUT = path.join(ROOT, 'test-output', 'e2e');
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (m) => process.stdout.write(`[e2e ${secs()}s] ${m}\n`);

function report(name, r) {
  for (const t of r.tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'skipped' ? 'skip' : 'FAIL';
    process.stdout.write(`  ${mark} ${t.title}${t.ms !== undefined ? ` (${t.ms} ms)` : ''}\n`);
    if (t.error) process.stdout.write(`       ${t.error.split('\n').join('\n       ')}\n`);
  }
  process.stdout.write(`${name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}\n`);
}

let failed = 0;
try {
  fs.mkdirSync(OUT, { recursive: true });
  const tools = ensureTools();
  log('tools ready');
  runChecked('node', ['esbuild.mjs'], { cwd: ROOT });
  runChecked('npx', ['tsc', '-p', 'test/e2e', '--noEmit'], { cwd: ROOT });
  log('built and type-checked');
  if (!only || only === 'grammar') {
    const r = await runGrammarTests({ tools });
    report('grammar', r);
    failed += r.failed;
  }
  if (!only || only === 'exthost') {
    const r = await runExtensionHostTests({ tools, outDir: OUT, log });
    report('exthost', r);
    failed += r.failed;
    log('extension-host tier done');
  }
  if (!only || only === 'exthost' || only === 'restricted') {
    const r = await runExtensionHostTests({ tools, outDir: OUT, log, suite: 'restricted' });
    report('restricted', r);
    failed += r.failed;
    log('restricted-mode extension-host tier done');
  }
  if (!only || only === 'ui') {
    const r = await runUiScenarios({ tools, outDir: OUT, log });
    report('ui', r);
    failed += r.failed;
    log('UI tier done');
    if (updateDocs && !r.failed) {
      const docs = path.join(ROOT, 'docs', 'images');
      fs.mkdirSync(docs, { recursive: true });
      for (const f of r.keyShots ?? []) fs.copyFileSync(path.join(OUT, f), path.join(docs, f));
      log(`copied ${r.keyShots?.length ?? 0} screenshots to docs/images/`);
    }
  }
} catch (e) {
  failed++;
  process.stdout.write(`e2e: ${e.stack ?? e.message}\n`);
  process.stdout.write('e2e: 0 passed, 1 failed\n');
}
log(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);
