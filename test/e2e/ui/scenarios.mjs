// Tier 3b: what a person sees. The packaged .vsix is installed into code-server, and headless
// Chromium drives the workbench with Playwright: a manifest's squiggle and Problems entry, a
// hover with a uuid, "SkillMeat: Migrate Cache…" from the palette, the Artifacts view.
// Every step leaves a screenshot in test-output/e2e/ (kept on failure, with failure-<step>.png).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, makeSandbox } from '../lib/prepare.mjs';
import { portFree, runChecked, startGroup, tail, waitForHttp } from '../lib/procs.mjs';
import { spawnSync } from 'node:child_process';

/** The fixed loopback port of the tier's code-server. */
export const UI_PORT = 39418;
const LONG = 60_000;

/** Screenshots worth showing in the README (copied by run.mjs --update-docs-images). */
export const KEY_SHOTS = ['01-offer.png', '02-squiggle.png', '03-problems.png', '04-hover.png', '05-migrate-pick.png', '06-migrated.png', '07-artifacts.png'];

/** Packages the extension exactly as `npm run package` does; returns the .vsix path. */
function packageVsix(log) {
  const vsix = path.join(ROOT, 'skillmeat-manifests.vsix');
  fs.rmSync(vsix, { force: true });
  try {
    runChecked('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    // `package` builds for production (minified, no source maps); the other tiers want the dev build back.
    runChecked('node', ['esbuild.mjs'], { cwd: ROOT });
  }
  const list = spawnSync('unzip', ['-l', vsix], { encoding: 'utf8' });
  if (list.status === 0) log(`packaged ${path.basename(vsix)}: ${list.stdout.trim().split('\n').pop().trim()}`);
  return vsix;
}

/** Makes a legacy (first-revision) cache in the sandbox's SkillMeat home when the CLI can, so there is something to migrate. */
function seedLegacyCache(home, env) {
  const cache = path.join(home, 'vscode-cache.db');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'migrate', 'up', '--to', '0001', '--cache', cache, '--format', 'json'], { env, encoding: 'utf8' });
  return r.status === 0;
}

/** Runs the scenarios; returns {passed, failed, skipped, tests, keyShots}. */
export async function runUiScenarios({ tools, outDir, log }) {
  const tests = [];
  // SKILLMEAT_E2E_VSIX tests a .vsix built elsewhere (a release candidate) instead of packaging one.
  const vsix = process.env.SKILLMEAT_E2E_VSIX ? path.resolve(process.env.SKILLMEAT_E2E_VSIX) : packageVsix(log);
  const sb = makeSandbox('ui');
  const env = {
    ...process.env,
    PATH: `${path.dirname(tools.node24)}${path.delimiter}${process.env.PATH}`,
    SKILLMEAT_HOME: sb.home,
  };
  const legacy = seedLegacyCache(sb.home, env);
  log(legacy ? 'seeded a legacy cache (revision 0001)' : 'no `migrate` in this CLI: the migrate scenario shows what the command says');
  const entry = path.join(tools.codeServerDir, 'out', 'node', 'entry.js');
  const csLog = path.join(outDir, 'ui-code-server.log');
  fs.rmSync(csLog, { force: true });
  runChecked(tools.node24, [entry, '--install-extension', vsix, '--extensions-dir', sb.extensions, '--user-data-dir', sb.userData], {
    env,
    stdio: ['ignore', fs.openSync(csLog, 'a'), fs.openSync(csLog, 'a')],
  });
  const cfg = path.join(sb.base, 'code-server.yaml');
  fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${UI_PORT}\nauth: none\ncert: false\n`);
  if (!(await portFree(UI_PORT))) throw new Error(`port ${UI_PORT} is busy (a stale code-server?)`);
  const server = startGroup(
    tools.node24,
    [
      entry,
      '--config', cfg,
      '--bind-addr', `127.0.0.1:${UI_PORT}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', sb.userData,
      '--extensions-dir', sb.extensions,
      sb.workspace,
    ],
    { env, cwd: sb.base, log: csLog },
  );
  const base = `http://127.0.0.1:${UI_PORT}`;
  let ctx;
  let page;
  let broken = false;
  const shot = (name) => page.screenshot({ path: path.join(outDir, name) });
  const step = async (title, fn) => {
    if (broken) {
      tests.push({ title, state: 'skipped' });
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      tests.push({ title, state: 'passed', ms: Date.now() - t0 });
    } catch (e) {
      broken = true;
      tests.push({ title, state: 'failed', error: e.message.split('\n')[0] });
      const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40);
      await page?.screenshot({ path: path.join(outDir, `failure-${slug}.png`) }).catch(() => {});
    }
  };
  const palette = async (text) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    return input;
  };
  const openFile = async (rel) => {
    await palette(rel);
    const row = pickRow(path.basename(rel));
    await row.waitFor({ timeout: LONG });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: path.basename(rel) }).waitFor({ timeout: LONG });
  };
  const goToLine = async (n) => {
    await palette(`:${n}`);
    await page.keyboard.press('Enter');
  };
  // A toast fades in; screenshots wait until the workbench marks the fade as done.
  const settled = (re) => page.locator('.notification-toast.notification-fade-in-done').filter({ hasText: re }).first().waitFor({ timeout: LONG });
  const toast = (re) => page.locator('.notification-toast, .notifications-center .notification-list-item').filter({ hasText: re, visible: true }).first();
  // A closed quick pick keeps its old rows in the DOM, hidden: only visible rows count.
  const pickRow = (text) => page.locator('.quick-input-list .monaco-list-row').filter({ hasText: text, visible: true }).first();

  try {
    await waitForHttp(`${base}/healthz`, LONG, server);
    log(`code-server ready on ${base}`);
    const profile = fs.mkdtempSync(path.join(sb.base, 'chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 } });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    const consoleLog = path.join(outDir, 'ui-browser.log');
    fs.rmSync(consoleLog, { force: true });
    page.on('console', (m) => fs.appendFileSync(consoleLog, `${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(consoleLog, `pageerror: ${e.message}\n`));

    await step('the workbench opens with the extension installed and its status bar item', async () => {
      await page.goto(`${base}/?folder=${encodeURIComponent(sb.workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: LONG });
      await page.locator('.statusbar-item', { hasText: 'SkillMeat' }).first().waitFor({ timeout: LONG });
      if (legacy) {
        const offer = toast(/migrations? behind/);
        await offer.waitFor({ timeout: LONG });
        await settled(/migrations? behind/);
        await shot('01-offer.png');
        await offer.getByRole('button', { name: 'Not Now' }).click();
      } else {
        await shot('01-workbench.png');
      }
    });

    await step('a manifest shows the unknown-reference squiggle', async () => {
      await openFile('collections/default/collection.toml');
      await goToLine(113);
      await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: LONG });
      await shot('02-squiggle.png');
    });

    await step('the Problems panel lists the finding with its code', async () => {
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'skill:pdf-tool' }).first();
      await row.waitFor({ timeout: LONG });
      const text = (await row.innerText()).replace(/\s+/g, ' ');
      if (!/unknown-reference/.test(text) && !/pdf-tools/.test(text)) throw new Error(`unexpected problem row: ${text}`);
      await shot('03-problems.png');
      await page.keyboard.press('Control+Shift+M');
    });

    await step('hovering a pdf-tools reference shows its uuid', async () => {
      await openFile('project/.claude/.skillmeat-deployed.toml');
      const line = page.locator('.monaco-editor .view-line', { hasText: 'artifact_name = "pdf-tools"' }).first();
      await line.waitFor({ timeout: LONG });
      const span = line.locator('span').first();
      const box = await span.boundingBox();
      const text = await span.innerText();
      const at = text.indexOf('pdf-tools') + 3;
      const x = box.x + (box.width / text.length) * at;
      const hover = page.locator('.monaco-hover', { hasText: '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b' }).first();
      for (let i = 0; i < 3; i++) {
        await page.mouse.move(5, 5);
        await page.mouse.move(x, box.y + box.height / 2, { steps: 4 });
        try {
          await hover.waitFor({ state: 'visible', timeout: 15_000 });
          break;
        } catch (e) {
          if (i === 2) throw e;
        }
      }
      await shot('04-hover.png');
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
    });

    await step('"SkillMeat: Migrate Cache…" from the palette migrates and says so', async () => {
      await palette('>SkillMeat: Migrate Cache');
      const item = pickRow('SkillMeat: Migrate Cache');
      await item.waitFor({ timeout: LONG });
      await item.click();
      if (!legacy) {
        // Whatever the command shows: a toast, or its quick pick (the closed palette stays in the DOM, hidden).
        const shown = page.locator('.notification-toast, .quick-input-widget').filter({ hasText: /SkillMeat|cache/i, visible: true }).first();
        await shown.waitFor({ timeout: LONG });
        await shot('05-migrate-pick.png');
        return;
      }
      const up = pickRow('Upgrade to head');
      await up.waitFor({ timeout: LONG });
      await shot('05-migrate-pick.png');
      await up.click();
      await toast(/migrated up/).waitFor({ timeout: LONG });
      await page.locator('.statusbar-item', { hasText: 'SkillMeat' }).filter({ hasNotText: 'pending' }).first().waitFor({ timeout: LONG });
      await settled(/migrated up/);
      await shot('06-migrated.png');
    });

    await step('the Artifacts view lists collections, groups and artifacts', async () => {
      await palette('>Notifications: Clear All Notifications');
      await pickRow('Clear All Notifications').waitFor({ timeout: LONG });
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+Shift+E');
      const header = page.locator('.sidebar .pane-header', { hasText: 'Artifacts' }).first();
      await header.waitFor({ timeout: LONG });
      // Give the view the whole side bar: collapse the folder tree and the other sections.
      const headers = page.locator('.sidebar .pane-header');
      for (let i = 0; i < (await headers.count()); i++) {
        const h = headers.nth(i);
        if (/Artifacts/.test(await h.innerText())) continue;
        if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
      }
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      const pane = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Artifacts' }) });
      await pane.locator('.monaco-list-row', { hasText: 'Writing kit' }).first().waitFor({ timeout: LONG });
      await pane.locator('.monaco-list-row', { hasText: 'pdf-tools' }).first().waitFor({ timeout: LONG });
      // Expanding a group lists its members; expanding a composite asks the server what it found on disk.
      await pane.locator('.monaco-list-row', { hasText: 'Writing kit' }).first().click();
      // The group's misspelt member is listed and flagged.
      await pane.locator('.monaco-list-row', { hasText: 'skill · unknown' }).first().waitFor({ timeout: LONG });
      await pane.locator('.monaco-list-row', { hasText: 'git-workflow-pro' }).first().click();
      await pane.locator('.monaco-list-row', { hasText: 'squash-commits' }).first().waitFor({ timeout: LONG });
      // Resting on an artifact shows the server's hover as its tooltip, uuid included.
      await pane.locator('.monaco-list-row', { hasText: /^\s*pdf-tools\s*skill\s*$/ }).first().hover();
      await page.locator('.monaco-hover, .workbench-hover').filter({ hasText: '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b', visible: true }).first().waitFor({ timeout: LONG });
      await shot('07-artifacts.png');
    });
  } catch (e) {
    tests.push({ title: 'code-server session', state: 'failed', error: e.message.split('\n')[0] });
    log(`code-server log tail:\n${tail(csLog)}`);
  } finally {
    await ctx?.close().catch(() => {});
    await server.stop();
  }
  const failed = tests.filter((t) => t.state === 'failed').length;
  if (!failed) fs.rmSync(sb.base, { recursive: true, force: true });
  else log(`sandbox kept at ${sb.base}`);
  return {
    passed: tests.filter((t) => t.state === 'passed').length,
    failed,
    skipped: tests.filter((t) => t.state === 'skipped').length,
    tests,
    // Without the cache CLI the migrate shots show an error, which is no picture for the README.
    keyShots: KEY_SHOTS.filter((f) => fs.existsSync(path.join(outDir, f)) && (legacy || !/migrat/.test(f))),
  };
}
