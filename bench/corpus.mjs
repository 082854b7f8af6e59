// Deterministic generator of SkillMeat-shaped workspaces for benchmarks: collections with
// artifacts of every type, tags, groups, composites, lock files, and projects with deployed
// files. Same seed, same bytes.
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** A small seeded PRNG (mulberry32): reproducible across runs and machines. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ['skill', 'command', 'agent', 'hook', 'mcp', 'workflow'];
const CONTAINER = { skill: 'skills', command: 'commands', agent: 'agents', hook: 'hooks', mcp: 'mcp', workflow: 'workflows' };
const WORDS = ['pdf', 'review', 'release', 'notes', 'api', 'style', 'lint', 'test', 'deploy', 'docs', 'data', 'sql', 'chart', 'plan', 'triage', 'audit'];
const hex = (r, n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

/**
 * Writes a workspace of `collections × perCollection` artifacts and `projects` projects under `root`.
 * `prefix` names the collections (`<prefix>-<n>`); `shared` > 0 makes every project deploy the
 * first `shared` artifacts of its collection (a reference used by every project), and fills the
 * rest of its 25 records from the other artifacts. Defaults give the original output byte for byte.
 */
export function generate(root, { collections, perCollection, projects, seed = 42, withFiles = true, prefix = 'col', shared = 0 }) {
  if (existsSync(root)) rmSync(root, { recursive: true, force: true });
  const r = rng(seed);
  const cols = [];
  for (let c = 0; c < collections; c++) {
    const name = `${prefix}-${c}`;
    const dir = join(root, 'collections', name);
    mkdirSync(dir, { recursive: true });
    const arts = [];
    let toml = `[collection]\nname = "${name}"\nversion = "1.0.0"\ncreated = "2026-01-04T18:22:10.511203"\nupdated = "2026-03-02T08:15:44.002117"\n`;
    let lock = '[lock]\nversion = "1.0.0"\n';
    for (let i = 0; i < perCollection; i++) {
      const type = TYPES[i % TYPES.length];
      const an = `${WORDS[Math.floor(r() * WORDS.length)]}-${WORDS[Math.floor(r() * WORDS.length)]}-${c}-${i}`;
      const path = type === 'skill' || type === 'mcp' || type === 'workflow' || type === 'hook' ? `${CONTAINER[type]}/${an}` : `${CONTAINER[type]}/${an}.md`;
      const uuid = hex(r, 32);
      const hash = hex(r, 64);
      arts.push({ type, name: an, uuid, hash });
      if (withFiles) {
        // Artifacts exist on disk as SkillMeat lays them out, so path rules see a real collection.
        const full = join(dir, path);
        if (type === 'skill') {
          mkdirSync(full, { recursive: true });
          writeFileSync(join(full, 'SKILL.md'), `# ${an}\n`);
        } else if (path.endsWith('.md')) {
          mkdirSync(join(dir, CONTAINER[type]), { recursive: true });
          writeFileSync(full, `# ${an}\n`);
        } else mkdirSync(full, { recursive: true });
      }
      toml += `\n[[artifacts]]\nname = "${an}"\ntype = "${type}"\npath = "${path}"\norigin = "github"\nadded = "2026-01-04T18:30:01.120004"\nupstream = "https://github.com/acme/agent-skills/tree/main/${an}"\nversion_spec = "latest"\ntags = ["documents", "python"]\nuuid = "${uuid}"\n`;
      if (i % 3 === 0) toml += `\n[artifacts.metadata]\ndescription = "Generated artifact ${i} of ${name}"\ntools = ["Read", "Bash"]\n`;
      lock += `\n[lock.entries."${an}::${type}"]\ncontent_hash = "${hash}"\nfetched = "2026-01-04T18:30:01.220331"\n`;
    }
    toml += `\n[[tag_definitions]]\nname = "Documents"\nslug = "documents"\ncolor = "#3b82f6"\ndescription = ""\n\n[[tag_definitions]]\nname = "Python"\nslug = "python"\ncolor = "#facc15"\ndescription = ""\n`;
    for (let g = 0; g < Math.max(1, Math.floor(perCollection / 25)); g++) {
      const members = arts.slice(g * 10, g * 10 + 10).map((a) => `"${a.type}:${a.name}"`);
      toml += `\n[[groups]]\nname = "Group ${g}"\ncolor = "blue"\nicon = "layers"\nposition = ${g}\nmembers = [${members.join(', ')}]\n`;
    }
    writeFileSync(join(dir, 'collection.toml'), toml);
    writeFileSync(join(dir, 'collection.lock'), lock);
    cols.push({ name, arts });
  }
  for (let p = 0; p < projects; p++) {
    const dir = join(root, 'projects', `project-${p}`, '.claude');
    mkdirSync(dir, { recursive: true });
    let dep = '';
    const col = cols[p % cols.length];
    const n = col.arts.length;
    const head = Math.min(shared, n);
    const start = Math.floor(r() * (n - head));
    const picks = col.arts.slice(0, head);
    for (let d = 0; d < Math.min(25 - head, n - head); d++) picks.push(col.arts[head + ((start + d * 7) % (n - head))]);
    for (const a of picks) {
      const path = a.type === 'skill' || a.type === 'mcp' ? `${CONTAINER[a.type]}/${a.name}` : `${CONTAINER[a.type]}/${a.name}.md`;
      dep += `[[deployed]]\nartifact_name = "${a.name}"\nartifact_type = "${a.type}"\nfrom_collection = "${col.name}"\ndeployed_at = "2026-03-02T09:41:07.318822"\nartifact_path = "${path}"\ncontent_hash = "${a.hash}"\nlocal_modifications = false\nversion_lineage = ["${a.hash}"]\ndeployment_profile_id = "claude_code"\nplatform = "claude_code"\nprofile_root_dir = ".claude"\ncollection_sha = "${a.hash}"\n\n`;
    }
    writeFileSync(join(dir, '.skillmeat-deployed.toml'), dep || 'deployed = []\n');
  }
  return { root, artifacts: collections * perCollection };
}

if (process.argv[1] && process.argv[1].endsWith('corpus.mjs')) {
  const [root = 'bench/corpus/50k', collections = '1000', per = '50', projects = '200'] = process.argv.slice(2);
  const t = Date.now();
  const g = generate(root, { collections: +collections, perCollection: +per, projects: +projects });
  console.log(`generated ${g.artifacts} artifacts under ${root} in ${Date.now() - t} ms`);
}
