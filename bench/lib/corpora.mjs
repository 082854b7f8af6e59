// The benchmark corpora: seeded workspaces generated once and reused while their parameters,
// seed and generator source are unchanged (a stamp file records them).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH = join(here, '..');
export const CORPUS_DIR = join(BENCH, 'corpus');
export const SEED = 42;

/** 50k = 1,000 collection files × 50 artifacts + 200 projects; the others scale the same way. */
export const SIZES = {
  '1k': { collections: 20, perCollection: 50, projects: 4 },
  '10k': { collections: 200, perCollection: 50, projects: 40 },
  '50k': { collections: 1000, perCollection: 50, projects: 200 },
  '300k': { collections: 6000, perCollection: 50, projects: 1200 },
};

/**
 * The editing fixture: one collection of 1,000 artifacts (the "1,000-artifact file") and 100
 * projects that all deploy its first artifact (a reference used by 100 files). Opened next to
 * the 50k corpus as a second workspace folder; its own seed keeps its uuids apart from the corpus.
 */
export const HOT = { collections: 1, perCollection: 1000, projects: 100, prefix: 'hot', shared: 1, seed: 4242 };

const STAMP = '.bench-stamp.json';

function generatorHash() {
  return createHash('sha256').update(readFileSync(join(BENCH, 'corpus.mjs'))).digest('hex').slice(0, 16);
}

/** Generates `name` under bench/corpus/ unless a matching stamp says it is already there. */
export function ensureCorpus(name, params, log = () => {}) {
  const root = join(CORPUS_DIR, name);
  const want = { params: { seed: SEED, ...params }, generator: generatorHash() };
  const stampFile = join(root, STAMP);
  if (existsSync(stampFile)) {
    try {
      const have = JSON.parse(readFileSync(stampFile, 'utf8'));
      if (JSON.stringify(have.params) === JSON.stringify(want.params) && have.generator === want.generator) {
        return { root, artifacts: params.collections * params.perCollection, generatedMs: null, reused: true };
      }
    } catch {
      // A damaged stamp: regenerate.
    }
  }
  log(`generating corpus ${name} (${params.collections} × ${params.perCollection} artifacts, ${params.projects} projects)…`);
  const t = Date.now();
  generate(root, { seed: SEED, ...params });
  const generatedMs = Date.now() - t;
  writeFileSync(stampFile, JSON.stringify({ ...want, generatedMs, at: new Date().toISOString() }, null, 2));
  log(`  generated in ${(generatedMs / 1000).toFixed(1)} s`);
  return { root, artifacts: params.collections * params.perCollection, generatedMs, reused: false };
}

export const ensureSize = (size, log) => ({ size, ...ensureCorpus(size, SIZES[size], log) });
export const ensureHot = (log) => ensureCorpus('hot', HOT, log);

const MANIFESTS = new Set(['collection.toml', 'collection.lock', '.skillmeat-deployed.toml', '.skillmeat-project.toml', '.skillmeat_skip_prefs.toml', 'plugin.json']);
// Artifact containers inside a collection hold artifacts, never manifests (composites excepted):
// the engine does not walk them, and neither does this list.
const ARTIFACT_CONTAINERS = new Set([
  'skills', 'skill', 'claude-skills', 'commands', 'command', 'claude-commands', 'agents', 'agent', 'subagents', 'claude-agents',
  'hooks', 'hook', 'claude-hooks', 'mcp', 'mcp-servers', 'servers', 'mcp_servers', 'claude-mcp', 'workflows', 'workflow', 'claude-workflows',
]);

/** The SkillMeat files under `root`, found the way the engine's scan finds them. */
export function listManifests(root) {
  const out = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const isCollection = entries.some((e) => e.isFile() && e.name === 'collection.toml');
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name === '.git') continue;
        if (isCollection && ARTIFACT_CONTAINERS.has(e.name.toLowerCase())) continue;
        walk(full);
      } else if (e.isFile() && MANIFESTS.has(e.name)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

/** Total bytes of a list of files. */
export const bytesOf = (files) => files.reduce((n, f) => n + statSync(f).size, 0);
