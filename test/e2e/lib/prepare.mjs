// Builds the extension-host test bundle and lays out a throw-away sandbox for one VS Code run:
// a copy of examples/ as the workspace, its own SKILLMEAT_HOME (so no real cache or collection
// is touched) and user settings that keep VS Code quiet and trusting.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where the compiled extension-host tests go (inside the extension folder, so they share its `vscode` API object). */
export const SUITE_OUT = path.join(ROOT, 'out', 'e2e', 'suite');

/** Bundles test/e2e/suite/*.ts (mocha included, vscode external) into out/e2e/suite; returns the index path. */
export async function buildSuite() {
  const dir = path.join(ROOT, 'test', 'e2e', 'suite');
  const entries = fs.readdirSync(dir).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => path.join(dir, f));
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'warning',
    // mocha's parallel mode resolves worker files at run time; the suite runs serially.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return path.join(SUITE_OUT, 'index.js');
}

/** User settings for the test profile: trust on, no welcome page, no update or telemetry traffic. */
export const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.hover.delay': 150,
  'window.title': 'SkillMeat e2e',
  // Screenshots show the editor, not an empty chat panel.
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Settings that leave the workspace untrusted (Restricted Mode) without a startup prompt. */
export const RESTRICTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

/** Makes a sandbox under the temp folder: {base, workspace, home, userData, extensions}; `settings` override the defaults. */
export function makeSandbox(name, settings = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `skillmeat-e2e-${name}-`));
  const workspace = path.join(base, 'workspace');
  const home = path.join(base, 'skillmeat-home');
  const userData = path.join(base, 'user-data');
  const extensions = path.join(base, 'extensions');
  fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
  fs.mkdirSync(path.join(home, 'collections'), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  // The raw VS Code server and code-server keep user settings in different sub-folders.
  for (const sub of ['User', path.join('data', 'User')]) {
    fs.mkdirSync(path.join(userData, sub), { recursive: true });
    fs.writeFileSync(path.join(userData, sub, 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  }
  return { base, workspace, home, userData, extensions };
}

/** The Chromium flags that work as root with no network (see shared/recipes/real-editors.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
