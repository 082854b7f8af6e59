/**
 * Races. A real server watching a temp workspace while 1,000 writes, renames and deletes land on
 * it (pairs of writes to one file within 50 ms among them), then a "branch switch" rewriting every
 * manifest at once: afterwards its diagnostics for every file — open documents included — must
 * equal a fresh `skillmeat-ls check` of the disk, and its cache must hold what a fresh rebuild from
 * the disk holds. Then two CLI processes on one cache file at once (link + uuids --write): no link
 * reported as done is lost, no uuid is duplicated, and the loser is refused with a reason.
 *
 * The fake-clock unit tests of the same logic are test/lsp/diskSync.test.ts; two processes saving
 * the same cache file 25 times each is test/cache/processes.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import { Workspace } from '../../server/src/engine';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { migrateUp } from '../../server/src/engine/cache/migrate';
import { syncWorkspace } from '../../server/src/engine/cache/sync';
import { nodeHost } from '../../server/src/host/nodeHost';
import { Rng } from '../fuzz/gen';
import {
  CHILD_ENV, COLLECTIONS, PROJECTS, Scratch, TestClient, checkLines, diffLines, ensureBuilt, manifestPaths, runCli, serverLines, sleep, uri, variantOf, writeRaceWorkspace,
} from './helpers';

/**
 * The cache's content by names (uuids and times differ between any two builds of it), leaving out
 * what the cache keeps on purpose and a rebuild cannot have: artifacts no collection declares any
 * more but something still names (kept as missing, decision 0005 and sweepArtifacts) and the rows
 * naming them. Deployments of deployed files no longer on disk are compared too (a sync takes them
 * out), and group members and lock entries with the live artifact they link to (never one another
 * collection declares, so neither the order of a sync nor the cache's history changes it).
 */
function cacheContent(db: Database, root: string): Record<string, string[]> {
  const q = (sql: string) => (db.exec(sql)[0]?.values ?? []).map((r) => r.map((v) => (typeof v === 'string' ? v.split(root).join('<root>') : String(v))).join(' | ')).sort();
  const live = "(SELECT uuid FROM artifacts WHERE missing_since IS NULL)";
  return {
    collections: q('SELECT name, manifest_path FROM collections'),
    members: q("SELECT c.manifest_path, a.type || ':' || a.name, a.path, a.origin FROM collection_artifacts m JOIN collections c ON c.id = m.collection_id JOIN artifacts a ON a.uuid = m.artifact_uuid"),
    artifacts: q("SELECT type || ':' || name, path, origin FROM artifacts WHERE missing_since IS NULL"),
    groups: q(`SELECT c.manifest_path, g.name, (SELECT group_concat(x, ',') FROM (SELECT a.type || ':' || a.name AS x FROM group_artifacts ga JOIN artifacts a ON a.uuid = ga.artifact_uuid WHERE ga.group_id = g.id AND a.uuid IN ${live} ORDER BY ga.position)) FROM groups g JOIN collections c ON c.id = g.collection_id`),
    tags: q(`SELECT a.type || ':' || a.name, t.name FROM artifact_tags x JOIN artifacts a ON a.uuid = x.artifact_uuid JOIN tags t ON t.id = x.tag_id WHERE a.uuid IN ${live}`),
    locks: q(`SELECT c.manifest_path, l.artifact_type, l.artifact_name, l.content_hash, (SELECT a.type || ':' || a.name FROM artifacts a WHERE a.uuid = l.artifact_uuid AND a.uuid IN ${live}) FROM lock_entries l JOIN collections c ON c.id = l.collection_id`),
    deployments: q(`SELECT project_path, profile_root, artifact_name, artifact_type, from_collection, content_hash, COALESCE(artifact_uuid IN ${live}, 0) FROM deployments`),
  };
}

/** Deployments the cache holds for deployed files that are no longer on disk. */
function danglingDeployments(db: Database): string[] {
  return (db.exec('SELECT DISTINCT profile_root FROM deployments')[0]?.values ?? []).map((r) => String(r[0])).filter((p) => !fs.existsSync(path.join(p, '.skillmeat-deployed.toml')));
}

/** Waits until the server's published diagnostics equal the fresh check (the disk is still). */
async function converge(client: TestClient, root: string, timeoutMs = 30_000): Promise<{ ms: number; lines: number }> {
  const want = await checkLines(root);
  const t0 = Date.now();
  for (;;) {
    const got = serverLines(client, root);
    if (JSON.stringify(got) === JSON.stringify(want)) return { ms: Date.now() - t0, lines: want.length };
    if (Date.now() - t0 > timeoutMs) assert.fail(`the server did not converge on a fresh check in ${timeoutMs} ms\n${diffLines(got, want)}`);
    await sleep(100);
  }
}

interface CacheStatus {
  state: string;
  generation: number;
  unsaved: boolean;
  lastSync?: { at: string };
}

/** Waits until the server's cache stopped changing (no sync or save for a while). */
async function cacheSettled(client: TestClient): Promise<CacheStatus> {
  let last = '';
  let stableSince = Date.now();
  const t0 = Date.now();
  for (;;) {
    const s = await client.request<CacheStatus>('skillmeat/cacheStatus', {});
    const key = JSON.stringify([s.state, s.generation, s.unsaved, s.lastSync?.at]);
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    } else if (!s.unsaved && s.state === 'ready' && Date.now() - stableSince > 1000) return s;
    if (Date.now() - t0 > 30_000) assert.fail(`the cache did not settle: ${key}`);
    await sleep(150);
  }
}

/** The server's cache file, once settled, against a fresh rebuild of the disk (see cacheContent). */
async function assertCacheIsRebuild(client: TestClient, root: string, context: string): Promise<void> {
  const st = await cacheSettled(client);
  assert.equal(st.state, 'ready');
  const { file } = await client.request<{ file: string }>('skillmeat/cacheStatus', {});
  const SQL = await loadSqlJs();
  const saved = newDatabase(SQL, fs.readFileSync(file));
  const fresh = newDatabase(SQL);
  try {
    assert.ok(migrateUp(fresh).ok);
    const ws = new Workspace(nodeHost);
    ws.scan(root);
    assert.ok(syncWorkspace(fresh, ws.index()).ok);
    assert.deepEqual(cacheContent(saved, root), cacheContent(fresh, root), context);
    assert.deepEqual(saved.exec('SELECT uuid FROM uuid_registry GROUP BY uuid HAVING count(*) > 1'), [], 'a uuid given to two artifacts');
    assert.equal(saved.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
  } finally {
    saved.close();
    fresh.close();
  }
}

describe('reliability: races', function () {
  this.timeout(180_000);
  before(() => ensureBuilt());

  describe('a server watching a workspace that changes under it', () => {
    let s: Scratch;
    let home: Scratch;
    let client: TestClient;
    const r = new Rng(1000);
    const OPEN = 'projects/p1/.claude/.skillmeat-deployed.toml';

    before(async () => {
      s = new Scratch();
      home = new Scratch('skillmeat-rel-home-');
      writeRaceWorkspace(s, r);
      client = new TestClient({ ...CHILD_ENV, HOME: home.root, SKILLMEAT_HOME: home.root });
      await client.start({ folders: [s.root], collectionsRoot: s.path('collections'), init: { cacheSaveDelayMs: 50 } });
      await client.waitNotification('skillmeat/watching', () => true, 15_000, true);
      // An open document the burst never writes, whose findings depend on the collections it does.
      await client.open(s.path(OPEN), s.read(OPEN), 1);
    });

    after(async () => {
      const code = await client.stop();
      s.dispose();
      home.dispose();
      assert.equal(code, 0);
    });

    it('1,000 writes, renames and deletes: the diagnostics equal a fresh check of the disk, and the cache a fresh rebuild', async () => {
      const files = manifestPaths().filter((f) => f !== OPEN);
      const ops: Record<string, number> = {};
      const count = (k: string) => (ops[k] = (ops[k] ?? 0) + 1);
      const t0 = Date.now();
      for (let i = 0; i < 1000; i++) {
        const rel = r.pick(files);
        const roll = r.next();
        if (roll < 0.45) {
          s.write(rel, variantOf(rel, r));
          count('write');
        } else if (roll < 0.55) {
          // Two writes to one file within 50 ms: the second must win.
          s.write(rel, variantOf(rel, r));
          await sleep(r.int(50));
          s.write(rel, variantOf(rel, r));
          i++;
          count('write twice within 50 ms');
        } else if (roll < 0.65 && !rel.endsWith('collection.toml')) {
          // A collection.toml is never deleted: the cache keeps a vanished collection until a prune, by design.
          fs.rmSync(s.path(rel), { force: true });
          count('delete');
        } else if (roll < 0.75 && rel.includes('/projects/') === false && rel.endsWith('collection.lock')) {
          // Renamed away (no longer a manifest name) and back later by a write.
          if (fs.existsSync(s.path(rel))) fs.renameSync(s.path(rel), s.path(`${rel}.bak`));
          count('rename away');
        } else if (roll < 0.85 && rel.includes('.skillmeat-deployed.toml')) {
          // A deployed file moved between profiles (.claude ↔ .codex) of the same project.
          const other = rel.includes('/.claude/') ? rel.replace('/.claude/', '/.codex/') : rel.replace('/.codex/', '/.claude/');
          if (fs.existsSync(s.path(rel))) {
            fs.mkdirSync(path.dirname(s.path(other)), { recursive: true });
            fs.renameSync(s.path(rel), s.path(other));
          }
          count('move between profiles');
        } else if (roll < 0.95) {
          // Artifact folders appearing and vanishing (path-missing, missing-primary-file).
          const c = r.pick(COLLECTIONS);
          const skill = s.path(`collections/${c}/skills/${r.pick(['pdf', 'docx', 'review', 'deploy', 'notes', 'lint'])}`);
          if (fs.existsSync(skill)) fs.rmSync(skill, { recursive: true, force: true });
          else s.write(path.relative(s.root, path.join(skill, 'SKILL.md')), '# skill\n');
          count('artifact folder');
        } else {
          s.write(rel, variantOf(rel, r));
          count('write');
        }
        if (r.chance(0.2)) await sleep(r.int(8));
      }
      const burstMs = Date.now() - t0;
      const c = await converge(client, s.root);
      // The open document is part of what was compared; make sure it had findings to compare.
      assert.ok(client.diagnostics.has(uri(s.path(OPEN))));

      await assertCacheIsRebuild(client, s.root, `burst of ${burstMs} ms (${JSON.stringify(ops)}); diagnostics converged ${c.ms} ms after`);
    });

    it('a branch switch rewriting every manifest at once (and adding and removing some)', async () => {
      for (const rel of manifestPaths()) {
        if (rel === OPEN) continue;
        if (rel.endsWith('collection.lock') && r.chance(0.3)) fs.rmSync(s.path(rel), { force: true });
        else s.write(rel, variantOf(rel, r));
      }
      for (const p of PROJECTS) {
        fs.rmSync(s.path(`projects/${p}/.codex`), { recursive: true, force: true });
        if (r.chance(0.5)) s.write(`projects/${p}/.gemini/.skillmeat-deployed.toml`, variantOf(`projects/${p}/.gemini/.skillmeat-deployed.toml`, r));
      }
      s.write('projects/p4/.claude/.skillmeat-deployed.toml', variantOf('x/.skillmeat-deployed.toml', r));
      await converge(client, s.root);
      await assertCacheIsRebuild(client, s.root, 'after the branch switch');
    });

    // Was a bug: a sync only replaced the records of deployed files in its index, so those of a
    // deleted file stayed for good and the cache never again equalled a rebuild. A sync now takes
    // out the records of deployed files that are neither in its source nor on disk (an index may
    // be partial: the CLI indexes only its PATHs), see dropVanishedDeployedFiles in sync.ts.
    it('a deleted .skillmeat-deployed.toml takes its deployments out of the cache', async () => {
      const rel = 'projects/p2/.claude/.skillmeat-deployed.toml';
      s.write(rel, '[[deployed]]\nartifact_name = "pdf"\nartifact_type = "skill"\nfrom_collection = "alpha"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/pdf"\ncontent_hash = "' + 'ab'.repeat(32) + '"\n');
      await converge(client, s.root);
      await cacheSettled(client);
      fs.rmSync(s.path(rel));
      await converge(client, s.root);
      await cacheSettled(client);
      const SQL = await loadSqlJs();
      const db = newDatabase(SQL, fs.readFileSync((await client.request<{ file: string }>('skillmeat/cacheStatus', {})).file));
      const dangling = danglingDeployments(db);
      db.close();
      assert.deepEqual(dangling, []);
    });
  });

  // Was a finding: group members and lock entries resolved an artifact by its global type:name
  // when their own collection did not declare it, so they linked to artifacts of collections
  // synced *before* theirs but not after, and a long-lived cache kept links a rebuild of the same
  // files did not make. They now never link to an artifact another collection declares, as the
  // engine's rules say (unknown-reference, lock-orphan); one that left its own collection and no
  // other declares stays linked, kept as missing (decision 0005).
  it('a sync does not depend on the order of collections or on what the cache saw before', async () => {
    const s = new Scratch();
    try {
      const col = (name: string, arts: string[], lock: string[]) => {
        s.write(`collections/${name}/collection.toml`, `[collection]\nname = "${name}"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n${arts.map((a) => `[[artifacts]]\nname = "${a}"\ntype = "skill"\npath = "skills/${a}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n`).join('\n')}\n[[groups]]\nname = "kit"\nmembers = ["skill:docx"]\n`);
        s.write(`collections/${name}/collection.lock`, `[lock]\nversion = "1.0.0"\n\n${lock.map((a) => `[lock.entries."${a}::skill"]\ncontent_hash = "${'ab'.repeat(32)}"\nfetched = "2026-01-01T00:00:00"\n`).join('\n')}`);
      };
      // alpha names docx in its group and lock but does not declare it; gamma declares it.
      col('alpha', ['pdf'], ['docx']);
      col('gamma', ['docx'], []);
      const SQL = await loadSqlJs();
      const content = (db: Database) => db.exec("SELECT 'lock', l.artifact_name, l.artifact_uuid IS NOT NULL FROM lock_entries l JOIN collections c ON c.id = l.collection_id WHERE c.name = 'alpha' UNION ALL SELECT 'group', a.name, 1 FROM group_artifacts ga JOIN groups g ON g.id = ga.group_id JOIN collections c ON c.id = g.collection_id JOIN artifacts a ON a.uuid = ga.artifact_uuid WHERE c.name = 'alpha'")[0]?.values ?? [];
      const rebuild = () => {
        const db = newDatabase(SQL);
        assert.ok(migrateUp(db).ok);
        const ws = new Workspace(nodeHost);
        ws.scan(s.root);
        assert.ok(syncWorkspace(db, ws.index()).ok);
        return db;
      };
      const fresh = rebuild();
      // The same final files, after a history in which alpha declared docx for a while.
      col('alpha', ['pdf', 'docx'], ['docx']);
      const lived = rebuild();
      col('alpha', ['pdf'], ['docx']);
      const ws = new Workspace(nodeHost);
      ws.scan(s.root);
      assert.ok(syncWorkspace(lived, ws.index()).ok);
      assert.deepEqual(content(lived), content(fresh));
      fresh.close();
      lived.close();
    } finally {
      s.dispose();
    }
  });

  describe('two CLI processes on one cache file', () => {
    let s: Scratch;
    const ROUNDS = 6;

    before(async () => {
      s = new Scratch();
      let t = '[collection]\nname = "main"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n';
      for (let i = 0; i < ROUNDS; i++) {
        t += `[[artifacts]]\nname = "s${i}"\ntype = "skill"\npath = "skills/s${i}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n\n`;
        s.write(`cols/main/skills/s${i}/SKILL.md`, `# s${i}\n`);
      }
      t += '[[groups]]\nname = "team"\nmembers = []\n';
      s.write('cols/main/collection.toml', t);
      s.write('cols/main/plugins/kit/plugin.json', '{"name": "kit"}\n');
      const first = await runCli(['uuids', '--write', '--cache', 'c.db', '--collections-root', 'cols', 'cols'], { cwd: s.root });
      assert.equal(first.code, 0, first.err);
    });
    after(() => s.dispose());

    const CLEAR = /written by another process|is locked by|changed since it was read|nothing was/;


    async function registry(): Promise<Map<string, string>> {
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(s.path('c.db')));
      const m = new Map((db.exec('SELECT type_name, uuid FROM uuid_registry')[0]?.values ?? []).map((r) => [String(r[0]), String(r[1])]));
      db.close();
      return m;
    }

    function manifestUuids(): Map<string, string> {
      const text = s.read('cols/main/collection.toml');
      const out = new Map<string, string>();
      for (const block of text.split('[[artifacts]]').slice(1)) {
        const name = /^name = "([^"]+)"/m.exec(block)?.[1];
        const type = /^type = "([^"]+)"/m.exec(block)?.[1];
        const u = /^uuid = "([0-9a-f]{32})"/m.exec(block)?.[1];
        if (name && type && u) out.set(`${type}:${name}`, u);
      }
      return out;
    }

    /** A new artifact without a uuid, then link + uuids --write at the same moment. */
    async function race(i: number, linkArgs: string[]): Promise<{ link: Awaited<ReturnType<typeof runCli>>; uuids: Awaited<ReturnType<typeof runCli>> }> {
      fs.appendFileSync(s.path('cols/main/collection.toml'), `\n[[artifacts]]\nname = "n${i}"\ntype = "skill"\npath = "skills/s0"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n`);
      const common = ['--cache', 'c.db', '--collections-root', 'cols', 'cols'];
      const [link, uuids] = await Promise.all([runCli(['link', ...linkArgs, ...common], { cwd: s.root }), runCli(['uuids', '--write', ...common], { cwd: s.root })]);
      return { link, uuids };
    }

    it('link (cache membership) + uuids --write at once: no lost link, no duplicate uuid, a clear refusal for the loser', async () => {
      const linked: string[] = [];
      const log: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const { link, uuids } = await race(i, ['--parent', 'composite:kit', '--child', `skill:s${i}`, '--relation', 'contains']);
        log.push(`round ${i}: link ${link.code} ${(link.out + link.err).trim()} | uuids ${uuids.code} ${(uuids.out.trim().split('\n').pop() ?? '') + uuids.err.trim()}`);
        for (const [name, r] of [['link', link], ['uuids', uuids]] as const) {
          assert.ok(r.code === 0 || r.code === 1, `${name} exited ${r.code}: ${r.err}`);
          if (r.code === 1) assert.match(r.err, CLEAR, `${name} refused without a clear reason: ${r.err}`);
        }
        if (link.code === 0) linked.push(`s${i}`);
      }
      // Every link reported as done is in the cache; nothing is there twice.
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(s.path('c.db')));
      const kit = (db.exec("SELECT a.name FROM composite_memberships m JOIN artifacts a ON a.uuid = m.child_artifact_uuid WHERE m.composite_id = 'composite:kit' AND m.source = 'user'")[0]?.values ?? []).map((r) => String(r[0]));
      const dupRows = db.exec('SELECT uuid FROM uuid_registry GROUP BY uuid HAVING count(*) > 1');
      db.close();
      for (const l of linked) assert.ok(kit.includes(l), `${l} was reported linked but is not in the cache\n${log.join('\n')}`);
      assert.equal(new Set(kit).size, kit.length);
      assert.ok(linked.length > 0, log.join('\n'));
      assert.deepEqual(dupRows, []);
      const uuids = [...manifestUuids().values()];
      assert.equal(new Set(uuids).size, uuids.length, 'a uuid written twice in collection.toml');
      // The files stay valid TOML with no duplicate uuid, and a second run has nothing left to write.
      const again = await runCli(['uuids', '--cache', 'c.db', '--collections-root', 'cols', 'cols'], { cwd: s.root });
      assert.equal(again.code, 0, again.err);
      assert.match(again.out, /already has its uuid/);
      const check = await runCli(['check', 'cols', '--format', 'json'], { cwd: s.root });
      assert.ok(!JSON.parse(check.out).diagnostics.some((d: { code: string }) => d.code === 'toml-syntax' || d.code === 'duplicate-uuid'), check.out);
    });

    // Was a bug: writeIfUnchanged compared the file with the text the edit was computed on and
    // then wrote a temp file, fsynced and renamed it, with no lock: two processes that both read
    // the same text both passed the comparison, and the second rename silently dropped the first
    // edit (`link --group` reported "added skill:sN to group" and the member was gone). Manifest
    // writes now take a short lock beside the file and compare again under it; link computes its
    // edit again from the new text when it loses.
    it('link --group + uuids --write at once: a member reported added is in the group', async () => {
      // The window is the few milliseconds of a temp write and fsync: 20 tries usually hit it.
      let added = 0;
      for (let i = 0; i < 20; i++) {
        const { link, uuids } = await race(200 + i, ['--group', 'team', '--child', `skill:s${i % ROUNDS}`]);
        for (const [name, r] of [['link', link], ['uuids', uuids]] as const) {
          if (r.code !== 0) assert.match(r.err, CLEAR, `${name} refused without a clear reason: ${r.err}`);
        }
        if (link.code !== 0 || /already/.test(link.out)) continue;
        added++;
        const members = /members = \[([^\]]*)\]/.exec(s.read('cols/main/collection.toml'))![1];
        assert.ok(members.includes(`"skill:s${i % ROUNDS}"`), `round ${i}: link said "${link.out.trim()}" but the group is [${members}]`);
      }
      assert.ok(added > 0, 'no round added a member: nothing was checked');
    });

    // uuids --write saves the cache first and writes only uuids that saved cache holds, or nothing.
    it('after link + uuids --write at once, every uuid in collection.toml is the one the cache remembers', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        await race(100 + i, ['--parent', 'composite:kit', '--child', `skill:s${i}`, '--relation', 'requires']);
        const reg = await registry();
        for (const [k, u] of manifestUuids()) assert.equal(reg.get(k), u, `round ${i}: ${k} is ${u} in collection.toml but ${reg.get(k)} in the cache`);
      }
    });
  });
});
