/**
 * Shared pieces of the reliability tests: the built server and CLI (built here when stale, so the
 * folder also runs alone with `npx mocha test/reliability`), child processes without coverage
 * collection, a small SkillMeat workspace whose manifests can be rewritten in many variants, and
 * the comparison of a server's diagnostics with a fresh `skillmeat-ls check` of the disk.
 */
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver-protocol';
import { Rng } from '../fuzz/gen';
import { REPO, TestClient, msg, uri } from '../lsp/helpers/client';

export { REPO, TestClient, msg, uri };
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const SERVER = path.join(REPO, 'dist', 'server.js');

/** Child processes do not write V8 coverage (the kill loops and floods would only slow c8 down). */
export const CHILD_ENV: NodeJS.ProcessEnv = { ...process.env, NODE_V8_COVERAGE: undefined, SKILLMEAT_DEBUG: undefined };

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

let built = false;
/** Builds dist/ (server, CLI, wasm) unless it is newer than every source file. */
export function ensureBuilt(): void {
  if (built) return;
  const outputs = [SERVER, CLI, path.join(REPO, 'dist', 'sql-wasm.wasm')];
  const oldest = Math.min(...outputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
  const newest = Math.max(newestMtime(path.join(REPO, 'server', 'src')), newestMtime(path.join(REPO, 'migrations')));
  if (oldest < newest) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  built = true;
}

/** A fresh real folder, removed by dispose (after making anything immutable mutable again). */
export class Scratch {
  readonly root: string;
  constructor(prefix = 'skillmeat-rel-') {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }
  path(rel: string): string {
    return path.join(this.root, rel);
  }
  write(rel: string, text: string | Uint8Array): string {
    const p = this.path(rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  }
  read(rel: string): string {
    return fs.readFileSync(this.path(rel), 'utf8');
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs the built CLI; resolves with its exit code and output (never rejects). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; shellPrefix?: string } = {}): Promise<{ code: number | null; signal: string | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Hermetic: no default collections root or cache of whoever runs the tests (--cache and
    // --collections-root are given where they matter; SKILLMEAT_HOME points nowhere otherwise).
    const env = { ...CHILD_ENV, SKILLMEAT_HOME: path.join(os.tmpdir(), 'skillmeat-rel-no-home'), ...opts.env };
    const spawnOpts: SpawnOptions = { cwd: opts.cwd ?? REPO, env, stdio: ['ignore', 'pipe', 'pipe'] };
    // shellPrefix: e.g. `ulimit -f 64;` — a real limit the kernel enforces on the CLI's writes.
    const child = opts.shellPrefix
      ? spawn('/bin/sh', ['-c', `${opts.shellPrefix} exec "$0" "$@"`, process.execPath, CLI, ...args], spawnOpts)
      : spawn(process.execPath, [CLI, ...args], spawnOpts);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0 });
    });
  });
}

/** Whether this process can write anywhere regardless of permission bits (root). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Makes a folder truly unwritable and returns how it did it, or undefined when it cannot: by
 * permissions for a normal user; as root (which ignores them) with the immutable attribute, when
 * the file system and capabilities allow it (`chattr +i`). The returned undo must be called.
 */
export function makeUnwritable(dir: string): { how: string; undo: () => void } | undefined {
  const probe = path.join(dir, `.probe-${process.pid}`);
  const writable = (): boolean => {
    try {
      fs.writeFileSync(probe, 'x');
      fs.rmSync(probe, { force: true });
      return true;
    } catch {
      return false;
    }
  };
  if (!isRoot()) {
    fs.chmodSync(dir, 0o500);
    if (!writable()) return { how: 'chmod 0500', undo: () => fs.chmodSync(dir, 0o700) };
    fs.chmodSync(dir, 0o700);
    return undefined;
  }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const undo = () => {
    try {
      execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    } catch {
      // Nothing to undo.
    }
  };
  if (writable()) {
    undo();
    return undefined;
  }
  return { how: 'chattr +i (root ignores permission bits)', undo };
}

// ---------------------------------------------------------------------------------------------
// A workspace of several collections and projects whose manifests refer to each other, with
// variants of every manifest (different artifacts, groups, deployments) for the race tests.

export const COLLECTIONS = ['alpha', 'beta', 'gamma'];
export const PROJECTS = ['p1', 'p2', 'p3'];
const NAMES = ['pdf', 'docx', 'review', 'deploy', 'notes', 'lint', 'fmt', 'scan'];

/** collection.toml of `name`, variant from a random generator (artifacts, groups, tags). */
export function collectionText(name: string, r: Rng): string {
  const arts = NAMES.filter(() => r.chance(0.6));
  let t = `[collection]\nname = "${r.chance(0.9) ? name : name + '-x'}"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-0${r.range(1, 9)}T00:00:00"\n\n`;
  for (const a of arts) {
    const type = r.chance(0.7) ? 'skill' : 'command';
    t += `[[artifacts]]\nname = "${a}"\ntype = "${type}"\npath = "${type === 'skill' ? `skills/${a}` : `commands/${a}.md`}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n`;
    if (r.chance(0.3)) t += `tags = ["${r.pick(['docs', 'ops', 'misc'])}"]\n`;
    t += '\n';
  }
  if (r.chance(0.8)) {
    t += `[[groups]]\nname = "kit"\nmembers = [${NAMES.filter(() => r.chance(0.3)).map((n) => `"skill:${n}"`).join(', ')}]\n\n`;
  }
  t += '[[tag_definitions]]\nname = "docs"\nslug = "docs"\ncolor = "#3b82f6"\n';
  return t;
}

/** A project's .skillmeat-deployed.toml deploying from the collections. */
export function deployedText(r: Rng): string {
  let t = '';
  for (let i = r.range(0, 4); i > 0; i--) {
    const n = r.pick(NAMES);
    t += `[[deployed]]\nartifact_name = "${n}"\nartifact_type = "skill"\nfrom_collection = "${r.pick([...COLLECTIONS, 'nowhere'])}"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/${n}"\ncontent_hash = "${'ab'.repeat(32)}"\n\n`;
  }
  return t || 'deployed = []\n';
}

/** Manifest paths of the race workspace, relative to its root. */
export function manifestPaths(): string[] {
  return [
    ...COLLECTIONS.flatMap((c) => [`collections/${c}/collection.toml`, `collections/${c}/collection.lock`]),
    ...PROJECTS.map((p) => `projects/${p}/.claude/.skillmeat-deployed.toml`),
  ];
}

/** The text of one manifest of the race workspace in a random variant. */
export function variantOf(rel: string, r: Rng): string {
  if (rel.endsWith('collection.toml')) return collectionText(rel.split('/')[1], r);
  if (rel.endsWith('collection.lock')) {
    return `[lock]\nversion = "1.0.0"\n\n${NAMES.filter(() => r.chance(0.4)).map((n) => `[lock.entries."${n}::skill"]\ncontent_hash = "${'ab'.repeat(32)}"\nfetched = "2026-01-01T00:00:00"\n`).join('\n')}`;
  }
  return deployedText(r);
}

/** Writes the race workspace (every manifest, artifact folders for half the names) into a folder. */
export function writeRaceWorkspace(s: Scratch, r: Rng): void {
  for (const rel of manifestPaths()) s.write(rel, variantOf(rel, r));
  for (const c of COLLECTIONS) {
    for (const n of NAMES.slice(0, 5)) s.write(`collections/${c}/skills/${n}/SKILL.md`, `# ${n}\n`);
    s.write(`collections/${c}/commands/review.md`, '# review\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics as comparable text.

const SEVERITY = ['', 'error', 'warning', 'information', 'hint'];

/** One diagnostic as a line: file, range, severity, code, message. */
export function line(file: string, d: { range: LspDiagnostic['range']; severity?: number | string; code?: unknown; message: unknown }): string {
  const sev = typeof d.severity === 'number' ? SEVERITY[d.severity] : d.severity;
  const m = typeof d.message === 'string' ? d.message : (d.message as { value: string }).value;
  return `${file}:${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${sev} ${String(d.code)} ${m}`;
}

/** A fresh `skillmeat-ls check --format json` of a folder, as sorted lines with paths relative to it. */
export async function checkLines(root: string, extra: string[] = []): Promise<string[]> {
  const r = await runCli(['check', '.', '--format', 'json', '--collections-root', 'collections', ...extra], { cwd: root });
  if (r.code !== 0 && r.code !== 1) throw new Error(`check failed (${r.code}): ${r.err}`);
  const j = JSON.parse(r.out) as { diagnostics: { file: string; range: LspDiagnostic['range']; severity: string; code: string; message: string }[] };
  return j.diagnostics.map((d) => line(d.file.split(path.sep).join('/'), d)).sort();
}

/** What a push-mode server last published, for files under `root`, as sorted lines. */
export function serverLines(client: TestClient, root: string): string[] {
  const out: string[] = [];
  for (const [u, p] of client.diagnostics) {
    if (!u.startsWith(uri(root) + '/')) continue;
    const rel = decodeURIComponent(u.slice(uri(root).length + 1));
    for (const d of p.diagnostics) out.push(line(rel, d));
  }
  return out.sort();
}

/** The lines only in `a` and only in `b`, for an assertion message. */
export function diffLines(a: string[], b: string[]): string {
  const sa = new Set(a);
  const sb = new Set(b);
  const onlyA = a.filter((x) => !sb.has(x));
  const onlyB = b.filter((x) => !sa.has(x));
  return `only in the server (${onlyA.length}):\n  ${onlyA.slice(0, 10).join('\n  ')}\nonly in the fresh check (${onlyB.length}):\n  ${onlyB.slice(0, 10).join('\n  ')}`;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
