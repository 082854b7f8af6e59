// The same extension-host tests through @vscode/test-electron, for contributors whose machine
// can download VS Code (CI here cannot: it runs test/e2e/run.mjs against code-server instead).
// Run with `npm run test:vscode`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  // prepare.mjs is shared with the code-server runner: same bundle, same sandbox layout.
  const prep = await import('../lib/prepare.mjs');
  const index = await prep.buildSuite();
  const sb = prep.makeSandbox('electron');
  const out = path.join(prep.ROOT, 'test-output', 'e2e');
  fs.mkdirSync(out, { recursive: true });
  const results = path.join(out, 'electron-results.json');
  const done = path.join(sb.base, 'done');
  try {
    await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? '1.139.1',
      extensionDevelopmentPath: prep.ROOT,
      extensionTestsPath: index,
      launchArgs: [sb.workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', sb.userData, '--extensions-dir', sb.extensions],
      extensionTestsEnv: { SKILLMEAT_HOME: sb.home, SKILLMEAT_E2E_RESULTS: results, SKILLMEAT_E2E_DONE: done },
    });
  } catch (e) {
    process.stderr.write(`test-electron: ${(e as Error).message}\n`);
  }
  if (!fs.existsSync(results)) {
    process.stdout.write('electron: 0 passed, 1 failed\n');
    return 1;
  }
  const r = JSON.parse(fs.readFileSync(results, 'utf8')) as { stats: { passes: number; failures: number; pending: number }; failures: { fullTitle: string; err: { message?: string } }[] };
  for (const f of r.failures) process.stdout.write(`  FAIL ${f.fullTitle}\n       ${f.err.message ?? ''}\n`);
  process.stdout.write(`electron: ${r.stats.passes} passed, ${r.stats.failures} failed${r.stats.pending ? `, ${r.stats.pending} skipped` : ''}\n`);
  if (!r.stats.failures) fs.rmSync(sb.base, { recursive: true, force: true });
  return r.stats.failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
