// Tier 3a: mocha inside a real VS Code extension host. The raw VS Code server from code-server
// runs with --enable-smoke-test-driver, and headless Chromium opens the workbench with a payload
// naming our extension folder and test index (what @vscode/test-electron does with a desktop
// build). The host always exits 0, so the outcome is read from mocha's JSON report.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, RESTRICTED_SETTINGS, ROOT, buildSuite, makeSandbox } from './prepare.mjs';
import { portFree, sleep, startGroup, tail, waitForHttp } from './procs.mjs';

/** The fixed loopback port of the tier's VS Code server. */
export const EXTHOST_PORT = 39417;

/**
 * Runs the extension-host tests; returns {passed, failed, skipped, tests: [{title, state, error}]}.
 * `suite` picks the files: `trusted` (the numbered ones) or `restricted` (r-*.test.js, run with
 * workspace trust on and the folder untrusted).
 */
export async function runExtensionHostTests({ tools, outDir, log, suite = 'trusted', timeoutMs = 300_000 }) {
  const index = await buildSuite();
  const sb = makeSandbox(`exthost-${suite}`, suite === 'restricted' ? RESTRICTED_SETTINGS : {});
  const results = path.join(outDir, `exthost-${suite}-results.json`);
  const done = path.join(sb.base, 'done');
  fs.rmSync(results, { force: true });
  if (!(await portFree(EXTHOST_PORT))) throw new Error(`port ${EXTHOST_PORT} is busy (a stale test server?)`);
  const env = {
    ...process.env,
    PATH: `${path.dirname(tools.node24)}${path.delimiter}${process.env.PATH}`,
    SKILLMEAT_HOME: sb.home,
    SKILLMEAT_E2E_RESULTS: results,
    SKILLMEAT_E2E_DONE: done,
    SKILLMEAT_E2E_SUITE: suite,
  };
  const serverLog = path.join(outDir, `exthost-${suite}-server.log`);
  fs.rmSync(serverLog, { force: true });
  const server = startGroup(
    tools.node24,
    [
      path.join(tools.vscodeDir, 'out', 'server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(EXTHOST_PORT),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--enable-smoke-test-driver',
      '--disable-telemetry',
      '--server-data-dir', sb.userData,
      '--user-data-dir', sb.userData,
      '--extensions-dir', sb.extensions,
    ],
    { env, cwd: sb.base, log: serverLog },
  );
  const authority = `127.0.0.1:${EXTHOST_PORT}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`],
    ['extensionTestsPath', `vscode-remote://${authority}${index}`],
  ]);
  const url = `http://${authority}/?folder=${encodeURIComponent(sb.workspace)}&payload=${encodeURIComponent(payload)}`;
  let ctx;
  let outcome;
  const profile = fs.mkdtempSync(path.join(sb.base, 'chromium-'));
  const consoleLog = path.join(outDir, `exthost-${suite}-browser.log`);
  fs.rmSync(consoleLog, { force: true });
  try {
    await waitForHttp(`http://${authority}/`, 60_000, server);
    log(`VS Code server ready on ${authority}`);
    ctx = await chromium.launchPersistentContext(profile, { executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => fs.appendFileSync(consoleLog, `${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(consoleLog, `pageerror: ${e.message}\n`));
    await page.goto(url);
    const t0 = Date.now();
    while (!fs.existsSync(done)) {
      if (server.exited) throw new Error(`the VS Code server exited: ${JSON.stringify(server.exited)}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`no test result after ${timeoutMs / 1000} s`);
      await sleep(250);
    }
    await page.screenshot({ path: path.join(outDir, `exthost-${suite}-final.png`) }).catch(() => {});
    outcome = readReport(results, fs.readFileSync(done, 'utf8'));
  } catch (e) {
    outcome = { passed: 0, failed: 1, skipped: 0, tests: [{ title: 'extension-host run', state: 'failed', error: e.message }] };
    log(`server log tail:\n${tail(serverLog)}`);
  } finally {
    await ctx?.close().catch(() => {});
    await server.stop();
  }
  if (outcome.failed) copyLogs(sb.userData, path.join(outDir, `exthost-${suite}-logs`));
  else fs.rmSync(sb.base, { recursive: true, force: true });
  return outcome;
}

/** Reads mocha's JSON report into a flat list. */
function readReport(file, doneText) {
  if (!fs.existsSync(file)) {
    return { passed: 0, failed: 1, skipped: 0, tests: [{ title: 'extension-host run', state: 'failed', error: `no report (${doneText})` }] };
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const pending = new Set(r.pending.map((t) => t.fullTitle));
  const failedErr = new Map(r.failures.map((t) => [t.fullTitle, t.err?.message ?? 'failed']));
  const tests = r.tests.map((t) =>
    failedErr.has(t.fullTitle)
      ? { title: t.fullTitle, state: 'failed', error: failedErr.get(t.fullTitle) }
      : pending.has(t.fullTitle)
        ? { title: t.fullTitle, state: 'skipped' }
        : { title: t.fullTitle, state: 'passed', ms: t.duration },
  );
  // Hook failures are not tests, so mocha lists them only among the failures.
  for (const [title, error] of failedErr) if (!tests.some((t) => t.title === title)) tests.push({ title, state: 'failed', error });
  return { passed: r.passes.length, failed: r.failures.length, skipped: r.pending.length, tests };
}

/** Keeps VS Code's logs (extension host, our output channel) for a failed run. */
function copyLogs(userData, dest) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return;
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(logs, dest, { recursive: true });
}
