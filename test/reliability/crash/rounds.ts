/**
 * Kill rounds: a child process (child.ts) works on a real cache file — one migration step up or
 * down (backup, migrate, save), or a loop of composite links each saved — and is killed with
 * SIGKILL at a random point: at a chosen write-side file-system call of its backup or save (before
 * or after it), or from outside after a random delay. Then the file must be
 *
 * - the old state or the new one, nothing else: byte-identical to the old file, or at the new
 *   revision with exactly the rows the migration gives (an up step reverted in memory gives back
 *   the old rows; a down step equals the same down done here), or, for links, every membership
 *   acknowledged as saved and at most the one being saved;
 * - a healthy SQLite image (header, page count, `PRAGMA integrity_check` = ok) that openCache
 *   accepts at a known revision, with the dead process's temp files cleaned up and its lock taken
 *   over by the next save;
 * - and every backup left beside it a healthy image too.
 *
 * Used by test/reliability/crash.test.ts (~20 rounds in npm test) and kill-loop.mjs (200).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { Database, SqlJsStatic } from 'sql.js';
import { MIGRATIONS } from '../../../migrations';
import { inspectImage, openCache } from '../../../server/src/engine/cache/db';
import { migrateDown, migrateUp, migrationStatus } from '../../../server/src/engine/cache/migrate';
import { loadSqlJs, locateSqlWasm, newDatabase } from '../../../server/src/engine/cache/sqljs';
import { dbAt, realisticDataset, snapshotTables, type LegacyDataset } from '../../migrations/fixtures';
import { Rng } from '../../fuzz/gen';

const CLOCK = () => new Date('2026-11-23T12:00:00.000Z');
const MEMBER_LINKS = 12;

export type RoundKind = { kind: 'up' | 'down'; migration: number } | { kind: 'links' };

/** What one round did and found. */
export interface RoundResult {
  round: number;
  what: string;
  how: string;
  outcome: 'old' | 'new' | string;
  ok: boolean;
  problem?: string;
}

/** A legacy dataset of realistic shape, big enough that saves take measurable time (~600 artifacts). */
export function bigDataset(n = 600): LegacyDataset {
  const d = realisticDataset();
  const [c1, c2] = d.collections.map((c) => c.id);
  for (let i = 0; i < n; i++) {
    const type = ['skill', 'command', 'agent'][i % 3];
    const name = `bulk-${i}`;
    d.artifacts.push({ type, name, path: `${type}s/${name}`, origin: 'local', content_hash: 'cd'.repeat(32), created_at: '2026-01-02T00:00:00', updated_at: '2026-01-03T00:00:00' });
    d.collectionArtifacts.push({ collection_id: i % 2 ? c1 : c2, artifact_id: `${type}:${name}`, added_at: '2026-01-02T00:00:00', tags_json: i % 5 ? '["documents"]' : '[]' });
    if (i % 4 === 0) d.groupArtifacts.push({ group_id: 'g02', artifact_id: `${type}:${name}`, position: i, added_at: '2026-01-02T00:00:00' });
    if (i % 7 === 0) d.artifactTags.push({ artifact_id: `${type}:${name}`, tag_id: 't-py', created_at: '2026-01-02T00:00:00' });
  }
  return d;
}

/** The child bundled into a folder with the wasm beside it (a fast start, as the real CLI has). */
export async function bundleChild(dir: string): Promise<string> {
  const out = path.join(dir, 'child.js');
  await build({ entryPoints: [path.join(__dirname, 'child.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'silent' });
  fs.copyFileSync(locateSqlWasm(), path.join(dir, 'sql-wasm.wasm'));
  return out;
}

interface ChildRun {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  readyAt?: number;
  endedAt: number;
  err: string;
}

/** Runs the child; `killAfterReadyMs` kills it that long after it printed "ready". */
function runChild(script: string, args: string[], killAfterReadyMs?: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const env = { ...process.env, NODE_V8_COVERAGE: undefined };
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const run: ChildRun = { lines: [], code: null, signal: null, endedAt: 0, err: '' };
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += String(d);
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        run.lines.push(l);
        if (l === 'ready') {
          run.readyAt = Date.now();
          if (killAfterReadyMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
        }
      }
    });
    child.stderr.on('data', (d) => (run.err += String(d)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      run.code = code;
      run.signal = signal;
      run.endedAt = Date.now();
      resolve(run);
    });
  });
}

function rows(db: Database, sql: string): unknown[][] {
  return db.exec(sql)[0]?.values ?? [];
}

/** Checks every backup in a folder is a healthy image at a known revision. */
function checkBackups(SQL: SqlJsStatic, dir: string, base: string): string | undefined {
  const backups = fs.readdirSync(dir).filter((n) => n.startsWith(`${base}.backup-`) && !n.includes('.tmp-'));
  if (backups.length > 5) return `${backups.length} backups kept (at most 5)`;
  for (const b of backups) {
    const img = inspectImage(SQL, fs.readFileSync(path.join(dir, b)));
    if ('reason' in img) return `backup ${b} is damaged: ${img.reason}`;
    const st = migrationStatus(img.db);
    img.db.close();
    if (!st.ok) return `backup ${b}: ${st.error?.message}`;
  }
  return undefined;
}

/** The kill rounds, with their state prepared once. */
export class KillRounds {
  private images = new Map<number, Uint8Array>();
  private snapshots = new Map<string, Record<string, string[]>>();
  private calibration = new Map<string, { calls: number; workMs: number }>();

  private constructor(
    private readonly SQL: SqlJsStatic,
    private readonly work: string,
    private readonly script: string,
    private readonly data: LegacyDataset,
  ) {}

  static async create(data: LegacyDataset = bigDataset()): Promise<KillRounds> {
    const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-kill-')));
    const script = await bundleChild(work);
    return new KillRounds(await loadSqlJs(), work, script, data);
  }

  dispose(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  /** The image of the dataset at migration index `i` (0 = 0001); all made in one pass up the chain. */
  private async imageAt(i: number): Promise<Uint8Array> {
    if (!this.images.size) {
      const db = await dbAt(MIGRATIONS[0].id, this.data);
      this.images.set(0, db.export());
      for (let m = 1; m < MIGRATIONS.length; m++) {
        const r = migrateUp(db, { steps: 1, now: CLOCK });
        if (!r.ok) throw new Error(r.error?.message);
        this.images.set(m, db.export());
      }
      db.close();
    }
    return this.images.get(i)!;
  }

  private snapshot(key: string, make: () => Database): Record<string, string[]> {
    let s = this.snapshots.get(key);
    if (!s) {
      const db = make();
      s = snapshotTables(db);
      db.close();
      this.snapshots.set(key, s);
    }
    return s;
  }

  /** A workspace with one collection of MEMBER_LINKS skills, for the link rounds. */
  private linksWorkspace(): string {
    const ws = path.join(this.work, 'links-workspace');
    if (fs.existsSync(ws)) return ws;
    let t = '[collection]\nname = "main"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n';
    for (let i = 0; i < MEMBER_LINKS; i++) {
      t += `[[artifacts]]\nname = "s${i}"\ntype = "skill"\npath = "skills/s${i}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n\n`;
      fs.mkdirSync(path.join(ws, 'collections', 'main', 'skills', `s${i}`), { recursive: true });
      fs.writeFileSync(path.join(ws, 'collections', 'main', 'skills', `s${i}`, 'SKILL.md'), `# s${i}\n`);
    }
    // Lots of plain artifacts too, so each save writes a file of some size.
    for (let i = 0; i < 1000; i++) t += `[[artifacts]]\nname = "bulk-${i}"\ntype = "command"\npath = "commands/bulk-${i}.md"\norigin = "github"\nadded = "2026-01-01T00:00:00"\ntags = ["documents"]\n\n`;
    fs.writeFileSync(path.join(ws, 'collections', 'main', 'collection.toml'), t);
    return ws;
  }

  private args(k: RoundKind, file: string, killAt: number): string[] {
    if (k.kind === 'links') return ['memberships', file, this.linksWorkspace(), String(MEMBER_LINKS), String(killAt)];
    return ['migrate', file, k.kind, String(killAt)];
  }

  /** Prepares a round's file: the state before the step. */
  private async prepare(k: RoundKind, file: string): Promise<Uint8Array> {
    if (k.kind === 'links') {
      const o = await openCache(file, { now: CLOCK });
      if (!o.ok) throw new Error(o.error.message);
      o.value.cache.close();
      return fs.readFileSync(file);
    }
    const img = await this.imageAt(k.kind === 'up' ? k.migration - 1 : k.migration);
    fs.writeFileSync(file, img, { mode: 0o600 });
    return img;
  }

  /** Runs the step to the end once, counting its file-system calls and timing its work. */
  private async calibrate(k: RoundKind): Promise<{ calls: number; workMs: number }> {
    // Once per kind: every migration step writes a backup and a save (the same calls); the
    // work time only scales the window of the outside kills.
    const key = k.kind;
    const known = this.calibration.get(key);
    if (known) return known;
    const dir = fs.mkdtempSync(path.join(this.work, 'cal-'));
    const file = path.join(dir, 'vscode-cache.db');
    await this.prepare(k, file);
    const r = await runChild(this.script, this.args(k, file, -1));
    fs.rmSync(dir, { recursive: true, force: true });
    const calls = Number(r.lines.find((l) => l.startsWith('calls '))?.slice(6));
    if (r.code !== 0 || !calls) throw new Error(`calibration of ${key} failed (${r.code}): ${r.err}`);
    const c = { calls, workMs: Math.max(5, r.endedAt - (r.readyAt ?? r.endedAt)) };
    this.calibration.set(key, c);
    return c;
  }

  /** One round: prepare, run and kill, then check the file. */
  async round(round: number, k: RoundKind, rng: Rng): Promise<RoundResult> {
    const what = k.kind === 'links' ? `links (${MEMBER_LINKS} saves)` : `${k.kind} ${MIGRATIONS[k.migration].id}`;
    const dir = fs.mkdtempSync(path.join(this.work, `r${round}-`));
    const file = path.join(dir, 'vscode-cache.db');
    const base = path.basename(file);
    const done = (outcome: string, problem?: string): RoundResult => ({ round, what, how, outcome, ok: !problem, problem });
    let how = '';
    try {
      const cal = await this.calibrate(k);
      const old = await this.prepare(k, file);
      let killAt = -1;
      let delay: number | undefined;
      if (rng.chance(0.5)) {
        killAt = rng.int(2 * cal.calls);
        how = `self-kill ${killAt % 2 ? 'after' : 'before'} write call ${killAt >> 1} of ${cal.calls}`;
      } else {
        delay = Math.floor(rng.next() * cal.workMs * 1.2);
        how = `SIGKILL ${delay} ms after ready (work ≈ ${cal.workMs} ms)`;
      }
      const r = await runChild(this.script, this.args(k, file, killAt), delay);
      if (r.signal !== 'SIGKILL' && r.code !== 0) return done('child failed', `child exited ${r.code}: ${r.err.slice(0, 500)}`);
      if (r.signal !== 'SIGKILL') how += ' (finished first)';

      // 1. A healthy image, accepted by openCache at a known revision.
      if (!fs.existsSync(file)) return done('missing', 'the cache file is gone');
      const bytes = fs.readFileSync(file);
      const img = inspectImage(this.SQL, bytes);
      if ('reason' in img) return done('damaged', `the file is damaged: ${img.reason}`);
      const rev = migrationStatus(img.db);
      if (!rev.ok) return done('unreadable', rev.error?.message);

      // 2. Old or new, nothing else.
      let outcome: string;
      let problem: string | undefined;
      if (Buffer.compare(bytes, Buffer.from(old)) === 0) outcome = 'old';
      else if (k.kind === 'links') {
        const acked = r.lines.filter((l) => l.startsWith('saved ')).length;
        const names = rows(img.db, "SELECT a.name FROM composite_memberships m JOIN artifacts a ON a.uuid = m.child_artifact_uuid WHERE m.composite_id = 'composite:kit' AND m.source = 'user'").map((x) => String(x[0]));
        const has = new Set(names);
        outcome = `${names.length} links (${acked} acknowledged)`;
        for (let i = 0; i < acked; i++) if (!has.has(`s${i}`)) problem = `acknowledged link s${i} lost (file has ${names.join(', ')})`;
        if (names.length > acked + 1) problem = `more links than acknowledged + 1: ${names.length} > ${acked} + 1`;
        for (let i = acked + 1; i < MEMBER_LINKS; i++) if (has.has(`s${i}`)) problem = `link s${i} saved before s${acked}`;
        const arts = Number(rows(img.db, 'SELECT count(*) FROM artifacts')[0]?.[0] ?? 0);
        if (names.length + acked > 0 && arts < MEMBER_LINKS) problem = `only ${arts} artifacts`;
        if (!problem && names.length === 0 && acked === 0) outcome = 'new (synced, no links yet)';
      } else {
        const expectId = MIGRATIONS[k.kind === 'up' ? k.migration : k.migration - 1].id;
        if (rev.current !== expectId) {
          problem = `revision ${rev.current} is neither the old one unchanged nor the new ${expectId}`;
          outcome = 'other';
        } else if (k.kind === 'up') {
          // The new state reverted in memory must be exactly the old one (the chain is lossless).
          const db = newDatabase(this.SQL, bytes);
          const down = migrateDown(db, { steps: 1, now: CLOCK });
          const got = down.ok ? snapshotTables(db) : undefined;
          db.close();
          const want = this.snapshot(`at ${k.migration - 1}`, () => newDatabase(this.SQL, old));
          outcome = 'new';
          if (!down.ok) problem = `the new state does not migrate back down: ${down.error?.message}`;
          else if (JSON.stringify(got) !== JSON.stringify(want)) problem = 'the new state lost or changed rows (down again differs from the old file)';
        } else {
          const want = this.snapshot(`down from ${k.migration}`, () => {
            const db = newDatabase(this.SQL, old);
            const d = migrateDown(db, { steps: 1, now: CLOCK });
            if (!d.ok) throw new Error(d.error?.message);
            return db;
          });
          outcome = 'new';
          if (JSON.stringify(snapshotTables(img.db)) !== JSON.stringify(want)) problem = 'the new state is not the down migration of the old one';
        }
      }
      img.db.close();
      if (problem) return done(outcome, problem);

      // 3. Backups are healthy too; the next open cleans up and the next save takes the dead lock over.
      const b = checkBackups(this.SQL, dir, base);
      if (b) return done(outcome, b);
      const o = await openCache(file, { migrate: false, lock: { timeoutMs: 3000 } });
      if (!o.ok) return done(outcome, `openCache refused it: ${o.error.message}`);
      const leftovers = fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
      if (leftovers.length) {
        o.value.cache.close();
        return done(outcome, `temp files left after reopening: ${leftovers.join(', ')}`);
      }
      const s = o.value.cache.save();
      o.value.cache.close();
      if (!s.ok) return done(outcome, `a save after the kill failed: ${s.error.message}`);
      return done(outcome);
    } catch (e) {
      return done('error', (e as Error)?.stack ?? String(e));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The plan of `n` rounds: every migration up and down, and link saves, in turn. */
export function plan(n: number): RoundKind[] {
  const kinds: RoundKind[] = [];
  for (let m = 1; m < MIGRATIONS.length; m++) kinds.push({ kind: 'up', migration: m });
  for (let m = 1; m < MIGRATIONS.length; m++) kinds.push({ kind: 'down', migration: m });
  for (let i = 0; i < 5; i++) kinds.push({ kind: 'links' });
  // Spread: up rounds first so the short runs of npm test still cover every migration.
  const order: RoundKind[] = [];
  for (let i = 0; order.length < n; i++) {
    if (i < MIGRATIONS.length - 1) order.push(kinds[i]);
    else order.push(kinds[(i * 7) % kinds.length]);
  }
  return order;
}

/** Runs `n` rounds; `log` hears about each. */
export async function runKillRounds(n: number, seed: number, log: (r: RoundResult) => void = () => undefined): Promise<RoundResult[]> {
  const kr = await KillRounds.create();
  const rng = new Rng(seed);
  const out: RoundResult[] = [];
  try {
    const p = plan(n);
    for (let i = 0; i < n; i++) {
      const r = await kr.round(i, p[i], rng);
      out.push(r);
      log(r);
    }
  } finally {
    kr.dispose();
  }
  return out;
}
