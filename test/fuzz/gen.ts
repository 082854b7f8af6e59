/**
 * The engine fuzzer shared by `npm test` (test/reliability/fuzz.test.ts, a few thousand cases)
 * and `npm run fuzz` (test/fuzz/long.mjs, ≥ 100,000 cases).
 *
 * Case `i` of seed `s` is a pure function of (s, i): a SkillMeat file (a real fixture, the
 * baseline workspace's files, or a manifest generated with a random — often wrong — type for
 * every key) put through random mutations (byte flips, truncation, TOML tokens, duplicate
 * tables, deep nesting, huge strings, wrong-typed values, invalid UTF-8, CRLF, BOM, NUL), placed
 * in a workspace held in memory next to the baseline files, and checked:
 *
 * - nothing throws: scanning, the cross-file rules, and every editor feature at several offsets;
 * - every diagnostic (and every span a feature returns) lies inside its document, its range is
 *   the one its span maps to, its code is in the rule table, its message is not empty;
 * - a file over the size limit is not parsed: `file-too-large` is its only finding;
 * - the same input gives the same diagnostics: a second fresh workspace, and a workspace that held
 *   another text for the file first (the incremental path), agree with the first exactly;
 * - (after prepareCacheCheck) the workspace syncs into a cache database: no manifest, however
 *   broken or hostile (quotes, `'); DROP TABLE …`, NUL, empty or huge names), fails the sync, and
 *   every table is still there afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES, Workspace, type Diagnostic, type Host, type HostStat } from '../../server/src/engine';
import {
  codeActionsFor, codeLensesOf, completionsAt, definitionAt, documentHighlights, documentLinks, documentSymbols, foldingRanges,
  hoverAt, inlayHints, locate, prepareRenameAt, referencesAt, semanticTokens, workspaceSymbols,
} from '../../server/src/engine/features';
import { migrateUp } from '../../server/src/engine/cache/migrate';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { syncWorkspace } from '../../server/src/engine/cache/sync';
import type { SqlJsStatic } from 'sql.js';
import { COLLECTION, DEPLOYED, LOCK, PLUGIN, PROJECT, SKIPS } from '../engine/baseline';

export const REAL = path.resolve(__dirname, '../../../shared/fixtures/real');

// ---------------------------------------------------------------------------------------------
// Randomness: a seeded generator per case, so any case can be replayed by its number.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** The seed of case `i` of a run seeded `seed` (splitmix-style mixing). */
export function caseSeed(seed: number, i: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(i + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// The workspace every case lives in: the baseline files (so cross-file rules have something to
// resolve against) plus the real fixtures, in a file system held in memory.

const ROOT = '/w';
const TARGETS = {
  collection: '/w/collections/main/collection.toml',
  lock: '/w/collections/main/collection.lock',
  deployed: '/w/project/.claude/.skillmeat-deployed.toml',
  skips: '/w/project/.claude/.skillmeat_skip_prefs.toml',
  project: '/w/project/.claude/.skillmeat-project.toml',
  plugin: '/w/collections/main/plugins/kit/plugin.json',
  otherCollection: '/w/collections/other/collection.toml',
  otherDeployed: '/w/other/.codex/.skillmeat-deployed.toml',
  plain: '/w/notes/settings.toml',
} as const;
type Target = keyof typeof TARGETS;

const BASE_FILES: Record<string, string> = {
  [TARGETS.collection]: COLLECTION,
  [TARGETS.lock]: LOCK,
  [TARGETS.deployed]: DEPLOYED,
  [TARGETS.skips]: SKIPS,
  [TARGETS.project]: PROJECT,
  [TARGETS.plugin]: PLUGIN,
  '/w/collections/main/skills/pdf-tools/SKILL.md': '# PDF tools\n',
  '/w/collections/main/agents/release-notes.md': '# Release notes\n',
  '/w/collections/main/commands/review.md': '# Review\n',
  '/w/collections/main/plugins/kit/skills/pdf-tools/SKILL.md': '# PDF tools\n',
  '/w/collections/main/plugins/kit/commands/review.md': '# Review\n',
};

/** The real SkillMeat files, by the kind of target they fit. */
function realSeeds(): { target: Target; text: string }[] {
  if (!fs.existsSync(REAL)) return [];
  return fs
    .readdirSync(REAL)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => ({ target: (f.startsWith('deployed') ? 'otherDeployed' : f.startsWith('collection') ? 'otherCollection' : 'project') as Target, text: fs.readFileSync(path.join(REAL, f), 'utf8') }));
}
const REAL_SEEDS = realSeeds();
const BASE_SEEDS: { target: Target; text: string }[] = [
  { target: 'collection', text: COLLECTION },
  { target: 'lock', text: LOCK },
  { target: 'deployed', text: DEPLOYED },
  { target: 'skips', text: SKIPS },
  { target: 'project', text: PROJECT },
  { target: 'plugin', text: PLUGIN },
];

/** Whether the real fixtures are there (the long run insists on them). */
export function realFixtureCount(): number {
  return REAL_SEEDS.length;
}

/** A read-only file system in memory: files by absolute path, folders implied. */
export class MemoryFs implements Host {
  readonly files = new Map<string, Uint8Array>();
  private dirs = new Map<string, Map<string, HostStat['kind']>>();
  private mtimes = new Map<string, number>();
  private clock = 1;

  constructor(files: Record<string, string | Uint8Array>) {
    for (const [p, t] of Object.entries(files)) this.put(p, typeof t === 'string' ? Buffer.from(t) : t);
  }

  put(file: string, bytes: Uint8Array): void {
    this.files.set(file, bytes);
    this.mtimes.set(file, this.clock++);
    let child = file;
    for (let d = path.posix.dirname(file); ; d = path.posix.dirname(d)) {
      let m = this.dirs.get(d);
      if (!m) this.dirs.set(d, (m = new Map()));
      m.set(path.posix.basename(child), child === file ? 'file' : 'directory');
      if (d === '/' || d === path.posix.dirname(d)) break;
      child = d;
    }
  }

  readFile(p: string): Uint8Array | Error {
    return this.files.get(p) ?? new Error('no such file');
  }

  stat(p: string): HostStat | undefined {
    const f = this.files.get(p);
    if (f) return { kind: 'file', size: f.length, mtimeMs: this.mtimes.get(p) ?? 1 };
    return this.dirs.has(p) ? { kind: 'directory', size: 0, mtimeMs: 1 } : undefined;
  }

  readDir(p: string): { name: string; kind: HostStat['kind'] }[] {
    return [...(this.dirs.get(p) ?? new Map<string, HostStat['kind']>())].map(([name, kind]) => ({ name, kind }));
  }

  realPath(p: string): string | undefined {
    return this.stat(p) ? p : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Values: plausible ones and every other TOML type, for every key.

const NAMES = ['pdf-tools', 'release-notes', 'review', 'kit', 'docx', 'pdf-tool', 'release-notes.md', 'a', 'ünïcode', 'x y', '..', '.hidden', 'a/b', "it's", 'na"me'];
const TYPES = ['skill', 'agent', 'command', 'mcp', 'hook', 'composite', 'workflow', 'skil', 'SKILL', ''];

function hugeText(r: Rng): string {
  // Mostly tens of KiB; now and then over a MiB, so the size limit and the parser's speed on
  // one enormous token are both exercised.
  const n = r.chance(0.03) ? r.range(1_000_000, 1_600_000) : r.range(2_000, 60_000);
  const unit = r.pick(['x', 'é', '😀', 'ab\\n', '\\u0000', '"\\"', ' ']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** A TOML value text of a random type (valid or not as TOML). */
export function anyValue(r: Rng, depth = 0): string {
  switch (r.int(depth > 2 ? 14 : 17)) {
    case 0: return JSON.stringify(r.pick(NAMES));
    case 1: return String(r.range(-5, 100000));
    case 2: return r.pick(['3.14', '-0.0', 'inf', '-inf', 'nan', '1e400', '0x1F', '0o7', '0b101', '1_000', '01', '+1']);
    case 3: return r.pick(['true', 'false', 'True', 'yes']);
    case 4: return r.pick(['2026-03-02T09:41:07', '2026-03-02T09:41:07.318822Z', '2026-03-02', '09:41:07', '1979-05-27 07:32:00-07:00', '2026-13-45T99:99:99']);
    case 5: return r.pick(['""', "''", '""""""', "''''''"]);
    case 6: return `"${hugeText(r)}"`;
    case 7: return r.pick(['"\\u0000"', '"\\uD800"', '"\\x41"', '"\\e"', '"tab\\there"', '"😀\\U0001F600"', "'lit\\eral'", '"a\nb"', '"""\nmulti\r\nline"""', "'''x'''y'''"]);
    case 8: return r.pick(['"$(touch /tmp/skillmeat-pwned)"', '"`id`"', '"; rm -rf /"', "\"'); DROP TABLE artifacts;--\"", '"../../../etc/passwd"', '"/etc/shadow"', '"C:\\\\Windows"', '"%00"', '"<script>"']);
    case 9: return r.pick(['"not a date"', '"2026-02-30T10:00:00"', '"2026-03-02T09:41:07+25:00"', '"9b2e6c1f-04a8-4d7e-8c3b-5a6f7e8d9c0b"', '"ZZ"', '"#GGG"', '"0c7d"']);
    case 10: return `"${r.pick(TYPES)}:${r.pick(NAMES)}"`;
    case 11: return `"${r.pick(NAMES)}::${r.pick(TYPES)}"`;
    case 12: return r.pick(['=', '[', '"unterminated', '1 2', ',', '{', '', 'abc', '"a" "b"']);
    case 13: {
      const d = r.range(1, r.chance(0.1) ? 400 : 8);
      return '['.repeat(d) + (r.chance(0.5) ? '1' : '') + ']'.repeat(r.chance(0.9) ? d : r.int(d));
    }
    case 14: return `[${Array.from({ length: r.int(5) }, () => anyValue(r, depth + 1)).join(', ')}]`;
    case 15: return `{ ${Array.from({ length: r.int(4) }, (_, i) => `${r.pick(['name', 'type', 'k', `k${i}`, '"q"'])} = ${anyValue(r, depth + 1)}`).join(', ')} }`;
    default: return `[${Array.from({ length: r.int(4) }, () => JSON.stringify(r.pick([...NAMES, ...TYPES.map((t) => `${t}:${r.pick(NAMES)}`)]))).join(', ')}]`;
  }
}

/** A key's line: usually a plausible value, often a wrong-typed one, sometimes missing or doubled. */
function keyLine(r: Rng, key: string, plausible: () => string): string {
  const roll = r.next();
  if (roll < 0.1) return '';
  const v = roll < 0.6 ? plausible() : anyValue(r);
  const line = `${key} = ${v}\n`;
  return r.chance(0.03) ? line + line : line;
}

const q = (s: string) => JSON.stringify(s);
const hash = (r: Rng) => q(Array.from({ length: 64 }, () => '0123456789abcdef'[r.int(16)]).join(''));
const uuid = (r: Rng) => q(Array.from({ length: 32 }, () => '0123456789abcdef'[r.int(16)]).join(''));
const time = (r: Rng) => q(`2026-0${r.range(1, 9)}-1${r.int(10)}T10:0${r.int(10)}:00${r.chance(0.3) ? '.123456' : ''}`);
const strList = (r: Rng, xs: readonly string[]) => `[${Array.from({ length: r.int(4) }, () => q(r.pick(xs))).join(', ')}]`;

function genCollection(r: Rng): string {
  let t = '';
  if (r.chance(0.9)) {
    t += '[collection]\n' + keyLine(r, 'name', () => q(r.pick(['main', 'other', 'default']))) + keyLine(r, 'version', () => q('1.0.0')) + keyLine(r, 'created', () => time(r)) + keyLine(r, 'updated', () => time(r)) + '\n';
  }
  const n = r.int(7);
  for (let i = 0; i < n; i++) {
    const type = r.pick(TYPES.slice(0, 6));
    const name = r.pick(NAMES);
    t += '[[artifacts]]\n' + keyLine(r, 'name', () => q(name)) + keyLine(r, 'type', () => q(type)) + keyLine(r, 'path', () => q(r.pick([`${type}s/${name}`, `skills/${name}`, `../${name}`, `/abs/${name}`, `commands/${name}.md`]))) +
      keyLine(r, 'origin', () => q(r.pick(['local', 'github', 'marketplace', 'unknown']))) + keyLine(r, 'added', () => time(r)) + keyLine(r, 'uuid', () => (r.chance(0.8) ? uuid(r) : q('ABC'))) +
      keyLine(r, 'tags', () => strList(r, ['Documents', 'python', 'review', '', '  ', '!!!'])) + keyLine(r, 'target_platforms', () => strList(r, ['claude_code', 'codex', 'gemini', 'nope'])) +
      keyLine(r, 'origin_source', () => q(r.pick(['github', 'gitlab', 'x']))) + keyLine(r, 'upstream', () => q('https://github.com/a/b')) + keyLine(r, 'version', () => q('v1'));
    if (r.chance(0.5)) t += '\n[artifacts.metadata]\n' + keyLine(r, 'description', () => q('d')) + keyLine(r, 'tools', () => strList(r, ['Read', 'Bash', 'Grep', 'Fly']));
    if (r.chance(0.3)) {
      t += '\n[[artifacts.metadata.linked_artifacts]]\n' + keyLine(r, 'artifact_id', () => q(`${r.pick(TYPES)}::${r.pick(NAMES)}`)) + keyLine(r, 'artifact_name', () => q(r.pick(NAMES))) +
        keyLine(r, 'artifact_type', () => q(r.pick(TYPES))) + keyLine(r, 'link_type', () => q(r.pick(['requires', 'enables', 'related', 'contains']))) + keyLine(r, 'created_at', () => time(r));
    }
    t += '\n';
  }
  for (let i = r.int(3); i > 0; i--) {
    t += '[[mcp_servers]]\n' + keyLine(r, 'name', () => q(r.pick(['filesystem', 'bad name', 'fs']))) + keyLine(r, 'repo', () => q(r.pick(['modelcontextprotocol/servers', 'https://github.com/a/b', 'nope']))) +
      keyLine(r, 'status', () => q(r.pick(['installed', 'broken']))) + keyLine(r, 'env_vars', () => `{ ROOT = ${q('/x')} }`) + '\n';
  }
  for (let i = r.int(3); i > 0; i--) {
    t += '[[tag_definitions]]\n' + keyLine(r, 'name', () => q(r.pick(['Documents', 'Python', 'Review']))) + keyLine(r, 'slug', () => q(r.pick(['documents', 'python', 'Bad Slug']))) +
      keyLine(r, 'color', () => q(r.pick(['#3b82f6', 'blue', '#xyz']))) + keyLine(r, 'description', () => q('')) + '\n';
  }
  for (let i = r.int(3); i > 0; i--) {
    t += '[[groups]]\n' + keyLine(r, 'name', () => q(r.pick(['Writing kit', 'Ops', '']))) + keyLine(r, 'color', () => q('blue')) + keyLine(r, 'icon', () => q('layers')) +
      keyLine(r, 'position', () => String(r.range(-1, 5))) + keyLine(r, 'members', () => `[${Array.from({ length: r.int(4) }, () => q(`${r.pick(TYPES)}:${r.pick(NAMES)}`)).join(', ')}]`) + '\n';
  }
  if (r.chance(0.15)) t += `artifacts = [${Array.from({ length: r.int(3) }, () => `{ name = ${q(r.pick(NAMES))}, type = ${anyValue(r)} }`).join(', ')}]\n`;
  return t;
}

function genLock(r: Rng): string {
  let t = r.chance(0.9) ? '[lock]\n' + keyLine(r, 'version', () => q('1.0.0')) + '\n' : '';
  for (let i = r.int(5); i > 0; i--) {
    t += `[lock.entries.${q(r.chance(0.8) ? `${r.pick(NAMES)}::${r.pick(TYPES)}` : r.pick(NAMES))}]\n` + keyLine(r, 'content_hash', () => hash(r)) + keyLine(r, 'fetched', () => time(r)) +
      keyLine(r, 'source', () => q('github')) + keyLine(r, 'upstream_sha', () => hash(r)) + '\n';
  }
  return t;
}

function genDeployed(r: Rng): string {
  if (r.chance(0.05)) return 'deployed = []\n';
  let t = '';
  for (let i = r.int(6); i > 0; i--) {
    const h = hash(r);
    t += '[[deployed]]\n' + keyLine(r, 'artifact_name', () => q(r.pick(NAMES))) + keyLine(r, 'artifact_type', () => q(r.pick(TYPES))) + keyLine(r, 'from_collection', () => q(r.pick(['main', 'other', 'nope']))) +
      keyLine(r, 'deployed_at', () => time(r)) + keyLine(r, 'artifact_path', () => q(`skills/${r.pick(NAMES)}`)) + keyLine(r, 'content_hash', () => h) + keyLine(r, 'local_modifications', () => 'false') +
      keyLine(r, 'version_lineage', () => `[${h}]`) + keyLine(r, 'deployment_profile_id', () => q('claude_code')) + keyLine(r, 'platform', () => q(r.pick(['claude_code', 'codex', 'x']))) +
      keyLine(r, 'profile_root_dir', () => q(r.pick(['.claude', '.codex', '/abs']))) + keyLine(r, 'artifact_uuid', () => uuid(r)) + keyLine(r, 'collection_sha', () => (r.chance(0.7) ? h : hash(r))) + '\n';
  }
  return t;
}

function genSkips(r: Rng): string {
  let t = r.chance(0.9) ? '[metadata]\n' + keyLine(r, 'version', () => q('1.0.0')) + keyLine(r, 'last_updated', () => time(r)) + '\n' : '';
  for (let i = r.int(4); i > 0; i--) {
    t += '[[skips]]\n' + keyLine(r, 'artifact_key', () => q(`${r.pick(TYPES)}:${r.pick(NAMES)}`)) + keyLine(r, 'skip_reason', () => q(r.pick(['not needed', '']))) + keyLine(r, 'added_date', () => time(r)) + '\n';
  }
  return t;
}

function genProject(r: Rng): string {
  return (r.chance(0.9) ? '[project]\n' : '') + keyLine(r, 'path', () => q('/home/me/p')) + keyLine(r, 'name', () => q('p')) + keyLine(r, 'created_at', () => time(r)) + keyLine(r, 'description', () => q('d'));
}

function jsonValue(r: Rng, depth = 0): string {
  switch (r.int(depth > 2 ? 5 : 7)) {
    case 0: return q(r.pick(NAMES));
    case 1: return String(r.range(-3, 1000));
    case 2: return r.pick(['true', 'null', '1e999', '-0', '"\\ud800"', '"\\u0000"']);
    case 3: return q(hugeText(r).replace(/\\/g, ''));
    case 4: return r.pick(['', '{', '[1,', '"x', 'NaN', "'single'", '// c']);
    case 5: return `[${Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1)).join(', ')}]`;
    default: return `{${Array.from({ length: r.int(4) }, () => `${q(r.pick(['name', 'version', 'description', 'skills', 'commands', 'agents', 'author', 'x']))}: ${jsonValue(r, depth + 1)}`).join(', ')}}`;
  }
}

function genPlugin(r: Rng): string {
  const keys = ['name', 'version', 'description', 'author', 'skills', 'commands', 'agents', 'hooks', 'mcpServers'];
  const body = keys.filter(() => r.chance(0.6)).map((k) => `  ${q(k)}: ${r.chance(0.6) ? (k === 'name' ? q('kit') : k.endsWith('s') ? `[${q('./skills/pdf-tools')}]` : q('1.0.0')) : jsonValue(r)}`);
  return r.chance(0.1) ? jsonValue(r) : `{\n${body.join(',\n')}\n}\n`;
}

const GENERATORS: Record<Target, (r: Rng) => string> = {
  collection: genCollection, otherCollection: genCollection, lock: genLock, deployed: genDeployed, otherDeployed: genDeployed,
  skips: genSkips, project: genProject, plugin: genPlugin, plain: (r) => genCollection(r) + genDeployed(r),
};

// ---------------------------------------------------------------------------------------------
// Mutations, on bytes.

const TOKENS = ['[', ']', '[[', ']]', '"', "'", '"""', "'''", '=', '\n', '\r', '\r\n', '\ufeff', '\u0000', '{', '}', ',', '.', '#', '\\', '\\u', '😀', '\ud83d', 'x.y.z = 1', '[artifacts]', '[[artifacts]]', 'name = 1', 'a = ', ' = 1', '1979-05-27T07:32:00Z', '\t', '\u2028', '\u00a0'];
const BAD_UTF8 = [[0xff], [0xfe], [0xc0, 0x80], [0xc3], [0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xef, 0xbb, 0xbf]];

function lineStarts(b: Buffer): number[] {
  const out = [0];
  for (let i = 0; i < b.length; i++) if (b[i] === 10) out.push(i + 1);
  return out;
}

function insertAt(b: Buffer, at: number, what: Buffer | string): Buffer {
  return Buffer.concat([b.subarray(0, at), typeof what === 'string' ? Buffer.from(what) : what, b.subarray(at)]);
}

/** One random mutation; returns the new bytes and a short name of what was done. */
export function mutate(r: Rng, b: Buffer): { bytes: Buffer; op: string } {
  const at = () => r.int(b.length + 1);
  const lineAt = () => r.pick(lineStarts(b));
  const op = r.pick(['flip', 'flip', 'truncate', 'token', 'token', 'badUtf8', 'crlf', 'bom', 'dupTable', 'deep', 'huge', 'wrongType', 'wrongType', 'deleteLine', 'dupLine', 'nul', 'garbageLines', 'cr'] as const);
  switch (op) {
    case 'flip': {
      const c = Buffer.from(b);
      if (c.length) c[r.int(c.length)] = r.int(256);
      return { bytes: c, op };
    }
    case 'truncate':
      return { bytes: b.subarray(0, at()), op };
    case 'token':
      return { bytes: insertAt(b, at(), r.pick(TOKENS)), op };
    case 'badUtf8':
      return { bytes: insertAt(b, at(), Buffer.from(r.pick(BAD_UTF8))), op };
    case 'crlf':
      return { bytes: Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'), op };
    case 'cr':
      return { bytes: Buffer.from(b.toString('latin1').replace(/\n/g, r.chance(0.5) ? '\r' : '\n\r'), 'latin1'), op };
    case 'bom':
      return { bytes: insertAt(b, r.chance(0.7) ? 0 : at(), Buffer.from([0xef, 0xbb, 0xbf])), op };
    case 'dupTable': {
      // Copy a [table] or [[array]] block (header to the next header) somewhere else, or twice.
      const text = b.toString('latin1');
      const headers = [...text.matchAll(/^\s*\[[^\n]*\n/gm)].map((m) => m.index!);
      if (!headers.length) return { bytes: insertAt(b, lineAt(), '[collection]\nname = "x"\n[collection]\nname = "y"\n'), op };
      const i = r.int(headers.length);
      const block = Buffer.from(text.slice(headers[i], headers[i + 1] ?? text.length), 'latin1');
      return { bytes: insertAt(b, r.chance(0.5) ? b.length : lineAt(), Buffer.concat([Buffer.from('\n'), block, r.chance(0.3) ? block : Buffer.alloc(0)])), op };
    }
    case 'deep': {
      const d = r.range(50, r.chance(0.2) ? 20_000 : 600);
      const forms = [
        () => `deep = ${'['.repeat(d)}${']'.repeat(d)}\n`,
        () => `deep = ${'{ a = '.repeat(d)}1${' }'.repeat(d)}\n`,
        () => `[${Array.from({ length: d }, (_, i) => `t${i % 7}`).join('.')}]\nx = 1\n`,
        () => `${Array.from({ length: d }, () => 'k').join('.')} = 1\n`,
        () => `deep = ${'['.repeat(d)}\n`,
        () => `${'[['.repeat(Math.min(d, 50))}x${']]'.repeat(Math.min(d, 50))}\n`,
      ];
      return { bytes: insertAt(b, lineAt(), r.pick(forms)()), op };
    }
    case 'huge': {
      const forms = [() => `big = "${hugeText(r)}"\n`, () => `${'k'.repeat(r.range(1000, 100_000))} = 1\n`, () => `# ${hugeText(r)}\n`, () => `big = [${'"x", '.repeat(r.range(1000, 30_000))}]\n`, () => hugeText(r)];
      // Now and then a finding for each of a quarter of a million list items (one unit of the
      // rules with that many findings once overflowed the stack).
      if (r.chance(0.02)) return { bytes: insertAt(b, b.length, `\n[[groups]]\nname = "huge"\nmembers = [${'"skill:pdf-tools", '.repeat(r.range(150_000, 260_000))}]\n`), op: 'hugeList' };
      return { bytes: insertAt(b, lineAt(), r.pick(forms)()), op };
    }
    case 'wrongType': {
      // Replace the value of one `key = value` line by a value of another type.
      const text = b.toString('utf8');
      const lines = [...text.matchAll(/^([ \t]*[A-Za-z0-9_."-]+[ \t]*=[ \t]*)(.*)$/gm)];
      if (!lines.length) return { bytes: insertAt(b, lineAt(), `name = ${anyValue(r)}\n`), op };
      const m = r.pick(lines);
      const start = m.index! + m[1].length;
      return { bytes: Buffer.from(text.slice(0, start) + anyValue(r) + text.slice(start + m[2].length)), op };
    }
    case 'deleteLine': {
      const ls = lineStarts(b);
      const i = r.int(ls.length);
      return { bytes: Buffer.concat([b.subarray(0, ls[i]), b.subarray(ls[i + 1] ?? b.length)]), op };
    }
    case 'dupLine': {
      const ls = lineStarts(b);
      const i = r.int(ls.length);
      const line = b.subarray(ls[i], ls[i + 1] ?? b.length);
      return { bytes: insertAt(b, lineAt(), Buffer.concat([line, Buffer.from('\n')])), op };
    }
    case 'nul':
      return { bytes: insertAt(b, at(), Buffer.from([0])), op };
    default: {
      const n = r.range(10, 3000);
      return { bytes: insertAt(b, lineAt(), r.pick(['zz\n', '=\n', '[\n', '"\n', 'a = 1\n', '[[artifacts]]\n', '[x]\n']).repeat(n)), op };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The cache: a database at head, made once, that each case syncs its workspace into.

let cacheCheck: { SQL: SqlJsStatic; image: Uint8Array; tables: string } | undefined;

/** Turns on the cache part of every case (sql.js loads asynchronously, so once, up front). */
export async function prepareCacheCheck(): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  const r = migrateUp(db);
  if (!r.ok) throw new Error(r.error?.message);
  cacheCheck = { SQL, image: db.export(), tables: tableList(db) };
  db.close();
}

function tableList(db: { exec(sql: string): { values: unknown[][] }[] }): string {
  return JSON.stringify(db.exec("SELECT type, name FROM sqlite_master ORDER BY type, name")[0]?.values ?? []);
}

// ---------------------------------------------------------------------------------------------
// One case.

/** What a case is made of (enough to replay and report it). */
export interface FuzzCase {
  index: number;
  file: string;
  source: string;
  ops: string[];
  bytes: Buffer;
  /** The size limit of the workspace (small now and then, so the limit path is fuzzed too). */
  maxFileBytes: number;
  offsets: number[];
}

/** Builds case `index` of a run seeded `seed`. */
export function makeCase(seed: number, index: number): FuzzCase {
  const r = new Rng(caseSeed(seed, index));
  let target: Target;
  let text: string;
  let source: string;
  const roll = r.next();
  if (roll < 0.3 && REAL_SEEDS.length) {
    const s = r.pick(REAL_SEEDS);
    ({ target, text } = s);
    source = `real:${target}`;
  } else if (roll < 0.5) {
    ({ target, text } = r.pick(BASE_SEEDS));
    source = `baseline:${target}`;
  } else if (roll < 0.97) {
    target = r.pick(Object.keys(GENERATORS) as Target[]);
    text = GENERATORS[target](r);
    source = `generated:${target}`;
  } else {
    target = r.pick(Object.keys(TARGETS) as Target[]);
    text = '';
    source = `random:${target}`;
  }
  let bytes: Buffer = source.startsWith('random') ? Buffer.from(Array.from({ length: r.int(800) }, () => r.int(256))) : Buffer.from(text);
  const ops: string[] = [];
  const n = r.chance(0.1) ? 0 : r.range(1, r.chance(0.2) ? 12 : 4);
  for (let i = 0; i < n; i++) {
    const m = mutate(r, bytes);
    bytes = m.bytes;
    ops.push(m.op);
  }
  const maxFileBytes = r.chance(0.08) ? r.range(64, 64 * 1024) : 10 * 1024 * 1024;
  const offsets = Array.from({ length: 4 }, () => r.int(bytes.length + 2));
  return { index, file: TARGETS[target], source, ops, bytes, maxFileBytes, offsets };
}

class CaseFailure extends Error {}

function fail(msg: string): never {
  throw new CaseFailure(msg);
}

function sameRange(a: { start: { line: number; character: number }; end: { line: number; character: number } }, b: typeof a): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** Every diagnostic of the workspace lies inside its file, with the range its span maps to. */
function checkDiagnostics(ws: Workspace, all: Map<string, Diagnostic[]>, inputText: string): void {
  for (const [file, ds] of all) {
    const sf = ws.get(file);
    if (!sf) {
      if (ds.length) fail(`diagnostics for ${file}, which the workspace does not hold`);
      continue;
    }
    const len = sf.text.length;
    for (const d of ds) {
      const where = `${d.code} in ${file} ${JSON.stringify(d.span)} (length ${len})`;
      if (d.file !== file) fail(`${where}: diagnostic names ${d.file}`);
      const { start, end } = d.span;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > len) fail(`${where}: span outside the document`);
      if (!sameRange(d.range, sf.lines.rangeOf(d.span))) fail(`${where}: range ${JSON.stringify(d.range)} is not the span's`);
      if (d.range.end.line >= sf.lines.lineCount) fail(`${where}: range past the last line`);
      if (!RULES.has(d.code)) fail(`${where}: unknown code`);
      if (!['error', 'warning', 'information', 'hint'].includes(d.severity)) fail(`${where}: severity ${d.severity}`);
      if (typeof d.message !== 'string' || d.message.trim() === '') fail(`${where}: empty message`);
      for (const bad of ['[object Object]', 'undefined', 'NaN']) {
        if (d.message.includes(bad) && !inputText.includes(bad) && !sf.text.includes(bad)) fail(`${where}: message shows "${bad}": ${d.message.slice(0, 200)}`);
      }
      for (const rel of d.related ?? []) {
        const other = ws.get(rel.file);
        if (other && (rel.range.end.line >= other.lines.lineCount || rel.range.start.line < 0)) fail(`${where}: related range outside ${rel.file}`);
      }
    }
  }
}

/** Walks a feature result; every `{span}` (with its `file`, or the case file) must be inside that file. */
function checkSpans(ws: Workspace, value: unknown, file: string, what: string, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) {
    if (typeof value === 'number' && Number.isNaN(value)) fail(`${what}: NaN in a result`);
    return;
  }
  seen.add(value);
  const o = value as Record<string, unknown>;
  const f = typeof o.file === 'string' ? o.file : file;
  const span = o.span as { start?: unknown; end?: unknown } | undefined;
  if (span && typeof span === 'object' && typeof span.start === 'number' && typeof span.end === 'number') {
    const sf = ws.get(f);
    if (sf) {
      if (span.start < 0 || span.end < span.start || span.end > sf.text.length) fail(`${what}: span ${JSON.stringify(span)} outside ${f} (${sf.text.length})`);
      const range = o.range as Parameters<typeof sameRange>[0] | undefined;
      if (range && typeof range === 'object' && 'start' in range && !sameRange(range, sf.lines.rangeOf(span as { start: number; end: number }))) fail(`${what}: range is not its span's`);
    }
  }
  for (const v of Array.isArray(value) ? value : Object.values(o)) checkSpans(ws, v, f, what, seen);
}

function workspaceFor(c: FuzzCase, host: MemoryFs): Workspace {
  const ws = new Workspace(host, { maxFileBytes: c.maxFileBytes });
  ws.scan(ROOT);
  if (!ws.get(c.file)) ws.load(c.file);
  return ws;
}

function digest(all: Map<string, Diagnostic[]>): string {
  return JSON.stringify([...all].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Runs one case; throws (with the case's description) if any property fails. Returns the case file's diagnostic count. */
export function runCase(c: FuzzCase): number {
  try {
    const files: Record<string, string | Uint8Array> = { ...BASE_FILES };
    if (c.file === TARGETS.otherCollection) files['/w/collections/other/skills/a/SKILL.md'] = '# A\n';
    files[c.file] = c.bytes;
    const host = new MemoryFs(files);
    const inputText = c.bytes.toString('latin1');

    const ws = workspaceFor(c, host);
    const sf = ws.get(c.file);
    if (!sf) fail('the case file is not held after the scan');
    const all = ws.diagnostics();
    checkDiagnostics(ws, all, inputText);
    const own = all.get(c.file) ?? [];
    if (c.bytes.length > c.maxFileBytes) {
      if (own.length !== 1 || own[0].code !== 'file-too-large') fail(`a file over the limit (${c.bytes.length} > ${c.maxFileBytes}) was parsed: ${own.map((d) => d.code).join(', ')}`);
      if (sf.text !== '') fail('a file over the limit kept its text');
    }

    // Every editor feature over the file: whole-file ones, and position ones at random offsets
    // and at each diagnostic's start (where a user would hover or ask for a fix).
    const len = sf.text.length;
    const feature = (name: string, fn: () => unknown) => {
      let out: unknown;
      try {
        out = fn();
      } catch (e) {
        fail(`${name} threw: ${(e as Error)?.stack ?? e}`);
      }
      checkSpans(ws, out, c.file, name);
    };
    feature('documentSymbols', () => documentSymbols(ws, c.file));
    feature('semanticTokens', () => semanticTokens(ws, c.file));
    feature('foldingRanges', () => foldingRanges(ws, c.file));
    feature('documentLinks', () => documentLinks(ws, c.file));
    feature('inlayHints', () => inlayHints(ws, c.file));
    feature('codeLenses', () => codeLensesOf(ws, c.file));
    feature('workspaceSymbols', () => workspaceSymbols(ws, 'pdf'));
    feature('codeActions(all)', () => codeActionsFor(ws, c.file, { start: 0, end: len }));
    const offsets = [...c.offsets.map((o) => Math.min(o, len)), ...own.slice(0, 3).map((d) => d.span.start)];
    for (const o of offsets) {
      feature(`hover@${o}`, () => hoverAt(ws, c.file, o));
      feature(`locate@${o}`, () => locate(ws, c.file, o));
      feature(`definition@${o}`, () => definitionAt(ws, c.file, o));
      feature(`references@${o}`, () => referencesAt(ws, c.file, o, true));
      feature(`highlights@${o}`, () => documentHighlights(ws, c.file, o));
      feature(`completion@${o}`, () => completionsAt(ws, c.file, o));
      feature(`prepareRename@${o}`, () => prepareRenameAt(ws, c.file, o));
      feature(`codeActions@${o}`, () => codeActionsFor(ws, c.file, { start: o, end: Math.min(len, o + 1) }));
    }

    // The cache: the whole workspace syncs, whatever the file says, and no table is lost.
    if (cacheCheck) {
      const db = new cacheCheck.SQL.Database(cacheCheck.image);
      try {
        db.exec('PRAGMA foreign_keys = ON');
        const synced = syncWorkspace(db, ws.index());
        if (!synced.ok) fail(`the cache sync failed: ${synced.error.message}`);
        if (tableList(db) !== cacheCheck.tables) fail('the cache lost or gained a table');
        const fk = db.exec('PRAGMA foreign_key_check');
        if (fk.length) fail(`foreign key violations after the sync: ${JSON.stringify(fk[0].values.slice(0, 3))}`);
      } finally {
        db.close();
      }
    }

    // Same input, same diagnostics: a second fresh workspace, and one that held the baseline
    // text for the file before (the incremental path after an edit).
    const expected = digest(all);
    const again = workspaceFor(c, host);
    if (digest(again.diagnostics()) !== expected) fail('a second fresh workspace gave other diagnostics');
    const { [c.file]: _dropped, ...others } = files;
    const earlier = new MemoryFs(BASE_FILES[c.file] !== undefined ? { ...others, [c.file]: BASE_FILES[c.file] } : others);
    const inc = new Workspace(earlier, { maxFileBytes: c.maxFileBytes });
    inc.scan(ROOT);
    inc.diagnostics();
    earlier.put(c.file, c.bytes);
    inc.load(c.file);
    if (!inc.get(c.file)) fail('reloaded file not held');
    if (digest(inc.diagnostics()) !== expected) fail('after an update the diagnostics differ from a fresh check of the same input');
    return own.length;
  } catch (e) {
    const head = `case ${c.index} (${c.source}; ${c.ops.join(', ') || 'no mutation'}; ${c.bytes.length} bytes; limit ${c.maxFileBytes})`;
    if (e instanceof CaseFailure) throw new Error(`${head}: ${e.message}`);
    throw new Error(`${head}: threw ${(e as Error)?.stack ?? e}`);
  }
}
