/**
 * Untrusted workspaces: a manifest is data written by someone else. Paths that leave their root
 * (`..`, absolute, symlinks pointing out) are flagged and never followed — nothing outside is read,
 * and a secret outside never shows in a diagnostic, hover or link; nothing in a manifest is ever
 * executed; SQL only ever binds manifest values as parameters; the cache file and its backups are
 * the owner's alone even under umask 000; files over the size limit are reported, not parsed.
 *
 * Related tests elsewhere: test/engine/badInput.test.ts (a symlinked artifact folder outside is
 * flagged with its message; symlink loops are not followed while scanning), test/cache/db.test.ts
 * (cache and backup created 0600 under the default umask), test/lsp/cache.test.ts (read-only mode
 * of an untrusted workspace writes nothing).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic as LspDiagnostic, DocumentLink, Hover } from 'vscode-languageserver-protocol';
import { Workspace, type Host } from '../../server/src/engine';
import * as F from '../../server/src/engine/features';
import { openCache } from '../../server/src/engine/cache/db';
import { migrateUp } from '../../server/src/engine/cache/migrate';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { syncWorkspace } from '../../server/src/engine/cache/sync';
import { nodeHost } from '../../server/src/host/nodeHost';
import { CHILD_ENV, REPO, Scratch, TestClient, ensureBuilt, runCli, uri } from './helpers';

const SECRET = 'TOPSECRET-3f9c1a';

function inside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** nodeHost, recording every path whose content (file or folder listing) is read. */
function recordingHost(reads: string[]): Host {
  return {
    readFile: (p) => (reads.push(p), nodeHost.readFile(p)),
    readDir: (p) => (reads.push(p), nodeHost.readDir(p)),
    stat: (p) => nodeHost.stat(p),
    realPath: (p) => nodeHost.realPath(p),
  };
}

const HEADER = '[collection]\nname = "main"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n';
const artifact = (name: string, type: string, p: string, extra = '') => `[[artifacts]]\nname = ${JSON.stringify(name)}\ntype = "${type}"\npath = ${JSON.stringify(p)}\norigin = "local"\nadded = "2026-01-01T00:00:00"\n${extra}\n`;

describe('reliability: untrusted workspaces', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  describe('paths that leave their root', () => {
    let s: Scratch;
    let ws: string;
    let outside: string;
    const escaping = ['dotdot', 'absolute', 'linked-dir', 'linked-file', 'dotdot-agent', 'inner-dotdot'];

    before(() => {
      s = new Scratch();
      ws = s.path('ws');
      outside = s.path('outside');
      s.write('outside/secret-skill/SKILL.md', `# ${SECRET}\n${SECRET}\n`);
      s.write('outside/secret.md', `${SECRET}\n`);
      s.write('outside/plugin/plugin.json', JSON.stringify({ name: SECRET, description: SECRET }));
      s.write('outside/skills/x/SKILL.md', SECRET);
      s.write('outside/collection.toml', `${HEADER.replace('"main"', `"${SECRET}"`)}${artifact(SECRET, 'skill', 'skills/x')}`);
      s.write('outside/deployed.toml', `[[deployed]]\nartifact_name = "${SECRET}"\n`);
      const col =
        HEADER +
        artifact('dotdot', 'skill', '../../../outside/secret-skill') +
        artifact('absolute', 'skill', path.join(outside, 'secret-skill')) +
        artifact('linked-dir', 'skill', 'skills/linked-dir') +
        artifact('linked-file', 'command', 'commands/linked-file.md') +
        artifact('dotdot-agent', 'agent', 'agents/../../../../outside/secret.md') +
        artifact('inner-dotdot', 'skill', 'skills/inner/../../../../outside/secret-skill') +
        artifact('fine', 'skill', 'skills/fine') +
        '[[groups]]\nname = "g"\nmembers = ["skill:dotdot", "skill:linked-dir", "command:linked-file"]\n';
      s.write('ws/collections/main/collection.toml', col);
      s.write('ws/collections/main/skills/fine/SKILL.md', '# fine\n');
      fs.mkdirSync(s.path('ws/collections/main/commands'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'secret-skill'), s.path('ws/collections/main/skills/linked-dir'));
      fs.symlinkSync(path.join(outside, 'secret.md'), s.path('ws/collections/main/commands/linked-file.md'));
      // Symlinked manifests and folders are not entered by a scan.
      fs.symlinkSync(outside, s.path('ws/collections/linked-collection'));
      fs.mkdirSync(s.path('ws/collections/main/plugins'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'plugin'), s.path('ws/collections/main/plugins/evil'));
      fs.symlinkSync(path.join(outside, 'collection.toml'), s.path('ws/collections/other-collection.toml'));
      fs.mkdirSync(s.path('ws/collections/sneaky'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'collection.toml'), s.path('ws/collections/sneaky/collection.toml'));
      fs.mkdirSync(s.path('ws/project/.claude'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'deployed.toml'), s.path('ws/project/.claude/.skillmeat-deployed.toml'));
      s.write('ws/project2/.claude/.skillmeat-deployed.toml', `[[deployed]]\nartifact_name = "fine"\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "../../../outside/secret-skill"\ncontent_hash = "${'ab'.repeat(32)}"\n`);
    });
    after(() => s.dispose());

    it('the engine flags each of them, reads nothing outside the workspace, and shows no secret', () => {
      const reads: string[] = [];
      const w = new Workspace(recordingHost(reads));
      w.scan(ws);
      const all = [...w.diagnostics().values()].flat();
      const col = s.path('ws/collections/main/collection.toml');
      const flagged = all.filter((d) => d.code === 'path-escapes-root');
      for (const name of escaping) {
        const text = w.get(col)!.text;
        assert.ok(flagged.some((d) => d.file === col && text.slice(0, d.span.start).lastIndexOf(`name = "${name}"`) > text.slice(0, d.span.start).lastIndexOf('[[artifacts]]')), `${name} is flagged: ${flagged.map((d) => d.message).join(' | ')}`);
      }
      assert.ok(flagged.some((d) => d.file.endsWith('project2/.claude/.skillmeat-deployed.toml')), 'the deployed artifact_path too');
      // Symlinked manifests are neither loaded nor reported.
      assert.equal(w.get(s.path('ws/collections/sneaky/collection.toml')), undefined);
      assert.equal(w.get(s.path('ws/project/.claude/.skillmeat-deployed.toml')), undefined);
      // Every editor feature over every position of the manifests.
      const texts: string[] = all.map((d) => d.message);
      for (const sf of w.allFiles()) {
        for (let o = 0; o <= sf.text.length; o += 3) {
          const h = F.hoverAt(w, sf.file, o);
          if (h) texts.push(JSON.stringify(h));
          texts.push(JSON.stringify(F.definitionAt(w, sf.file, o)), JSON.stringify(F.completionsAt(w, sf.file, o).map((c) => [c.label, c.documentation, c.detail])));
        }
        for (const l of F.documentLinks(w, sf.file)) {
          texts.push(l.tooltip);
          assert.ok(inside(fs.realpathSync(l.target), ws), `a link leads outside: ${l.target}`);
        }
        texts.push(JSON.stringify(F.documentSymbols(w, sf.file)), JSON.stringify(F.codeLensesOf(w, sf.file)), JSON.stringify(F.inlayHints(w, sf.file)));
      }
      assert.ok(!texts.some((t) => t.includes(SECRET)), 'a secret from outside shows up');
      const outsideReads = reads.filter((p) => !inside(nodeHost.realPath(p) ?? p, ws));
      assert.deepEqual(outsideReads, [], 'files or folders outside the workspace were read');
    });

    /** The manifests that are themselves symlinks out (the server reads those: see the BUG below). */
    const LINKED_MANIFESTS = ['ws/collections/sneaky/collection.toml', 'ws/project/.claude/.skillmeat-deployed.toml'];
    const withoutLinkedManifests = async (fn: () => Promise<void>) => {
      const targets = LINKED_MANIFESTS.map((m) => [m, fs.readlinkSync(s.path(m))]);
      for (const [m] of targets) fs.rmSync(s.path(m));
      try {
        await fn();
      } finally {
        for (const [m, t] of targets) fs.symlinkSync(t, s.path(m));
      }
    };

    it('through the real server: the same findings, and no diagnostic, hover or link shows the secret or leads out', () => withoutLinkedManifests(async () => {
      const home = new Scratch('skillmeat-rel-home-');
      const client = new TestClient({ ...CHILD_ENV, HOME: home.root, SKILLMEAT_HOME: home.root });
      try {
        await client.start({ folders: [ws], collectionsRoot: s.path('ws/collections') });
        const col = s.path('ws/collections/main/collection.toml');
        const p = await client.waitDiagnostics(col, (ds) => ds.filter((d) => d.code === 'path-escapes-root').length >= escaping.length);
        const texts: string[] = [...client.diagnostics.values()].flatMap((x) => x.diagnostics.map((d: LspDiagnostic) => JSON.stringify(d)));
        const lines = fs.readFileSync(col, 'utf8').split('\n');
        for (let line = 0; line < lines.length; line++) {
          if (!/path|members|name/.test(lines[line])) continue;
          for (let ch = 0; ch <= lines[line].length; ch += 2) {
            const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(col) }, position: { line, character: ch } });
            if (h) texts.push(JSON.stringify(h));
          }
        }
        const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: uri(col) } });
        for (const l of links) assert.ok(l.target && inside(fs.realpathSync(new URL(l.target).pathname), ws), `link outside: ${l.target}`);
        texts.push(JSON.stringify(links));
        const status = await client.request('skillmeat/status', {});
        texts.push(JSON.stringify(status));
        assert.deepEqual(texts.filter((t) => t.includes(SECRET)).map((t) => t.slice(Math.max(0, t.indexOf(SECRET) - 300), t.indexOf(SECRET) + 100)), [], 'a secret from outside reached the client');
        assert.ok(p.diagnostics.some((d) => d.code === 'path-escapes-root'));
      } finally {
        assert.equal(await client.stop(), 0);
        home.dispose();
      }
    }));

    // A manifest that is itself a symlink (collections/x/collection.toml → a file outside the
    // workspace) is skipped by every scan; the file watcher's path must skip it too (it used to
    // load it, and the outside file's content became a collection in status, hovers and cache).
    it('through the real server, a manifest that is a symlink out is never read, the watcher path included', async () => {
      const home = new Scratch('skillmeat-rel-home-');
      const client = new TestClient({ ...CHILD_ENV, HOME: home.root, SKILLMEAT_HOME: home.root });
      try {
        await client.start({ folders: [ws], collectionsRoot: s.path('ws/collections'), init: { cache: false } });
        await client.waitNotification('skillmeat/watching', () => true, 15_000, true);
        await new Promise((r) => setTimeout(r, 1500));
        const status = JSON.stringify(await client.request('skillmeat/status', {}));
        const diags = JSON.stringify([...client.diagnostics.values()]);
        assert.ok(!status.includes(SECRET) && !diags.includes(SECRET), status);
      } finally {
        assert.equal(await client.stop(), 0);
        home.dispose();
      }
    });
  });

  it('nothing in a manifest is ever run: $(…), backticks, ; | && in every field, through the CLI and the server', async () => {
    const s = new Scratch();
    const home = new Scratch('skillmeat-rel-home-');
    const markers: string[] = [];
    const evil = (i: number) => {
      const m = s.path(`pwned-${i}`);
      markers.push(m);
      return [`$(touch ${m})`, `\`touch ${m}\``, `x; touch ${m}`, `x | touch ${m}`, `x && touch ${m}`, `$(touch${'${IFS}'}${m})`][i % 6];
    };
    let n = 0;
    const e = () => evil(n++);
    const q = (v: string) => JSON.stringify(v);
    try {
      let col = HEADER.replace('"main"', q('main'));
      for (let i = 0; i < 6; i++) {
        col += artifact(e(), 'skill', `skills/${e()}`, `tags = [${q(e())}]\nuuid = ${q(e())}\n\n[artifacts.metadata]\ndescription = ${q(e())}\ntools = [${q(e())}]\n`);
      }
      col += artifact('ok', 'command', `commands/$(touch ${s.path('pwned-path')}).md`);
      markers.push(s.path('pwned-path'));
      col += `[[mcp_servers]]\nname = ${q(e())}\nrepo = ${q(e())}\nstatus = "installed"\nenv_vars = { CMD = ${q(e())}, SH = ${q(e())} }\n\n[[groups]]\nname = ${q(e())}\nmembers = [${q(`skill:${e()}`)}]\n`;
      s.write('ws/collections/main/collection.toml', col);
      s.write(`ws/collections/main/skills/$(touch ${s.path('pwned-dir')})/SKILL.md`, `# $(touch ${s.path('pwned-md')})\n`);
      markers.push(s.path('pwned-dir'), s.path('pwned-md'));
      s.write('ws/collections/main/plugins/kit/plugin.json', JSON.stringify({ name: 'kit', hooks: { PostToolUse: `touch ${s.path('pwned-hook')}` }, scripts: { postinstall: `touch ${s.path('pwned-script')}` }, commands: [e()] }));
      markers.push(s.path('pwned-hook'), s.path('pwned-script'));
      s.write('ws/collections/main/collection.lock', `[lock]\nversion = "1.0.0"\n\n[lock.entries.${q(`${e()}::skill`)}]\ncontent_hash = ${q(e())}\nfetched = ${q(e())}\n`);
      s.write('ws/project/.claude/.skillmeat-deployed.toml', `[[deployed]]\nartifact_name = ${q(e())}\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = ${q(e())}\nartifact_path = ${q(e())}\ncontent_hash = ${q(e())}\nprofile_root_dir = ${q(e())}\n`);
      s.write('ws/project/.claude/.skillmeat-project.toml', `[project]\npath = ${q(e())}\nname = ${q(e())}\ncreated_at = ${q(e())}\n`);
      s.write('ws/project/.claude/.skillmeat_skip_prefs.toml', `[[skips]]\nartifact_key = ${q(`skill:${e()}`)}\nskip_reason = ${q(e())}\nadded_date = ${q(e())}\n`);

      const common = ['--cache', s.path('c.db'), '--collections-root', s.path('ws/collections'), s.path('ws')];
      for (const args of [['check', s.path('ws')], ['check', s.path('ws'), '--format', 'json'], ['check', s.path('ws'), '--format', 'sarif'], ['uuids', '--write', ...common], ['link', '--group', evil(0), '--child', `skill:${evil(1)}`, ...common], ['link', '--parent', 'composite:kit', '--child', 'skill:ok', '--relation', 'contains', ...common], ['prune', ...common], ['migrate', 'status', '--cache', s.path('c.db')]]) {
        const r = await runCli(args, { cwd: s.root, env: { HOME: home.root, SKILLMEAT_HOME: home.root } });
        assert.ok(r.code !== null && r.code <= 2, `${args[0]}: ${r.err}`);
      }
      const client = new TestClient({ ...CHILD_ENV, HOME: home.root, SKILLMEAT_HOME: home.root });
      try {
        await client.start({ folders: [s.path('ws')], collectionsRoot: s.path('ws/collections'), init: { cacheFile: `~/$(touch ${s.path('pwned-setting')})/c.db` } });
        markers.push(s.path('pwned-setting'));
        const colFile = s.path('ws/collections/main/collection.toml');
        const text = fs.readFileSync(colFile, 'utf8');
        await client.open(colFile, text, 1);
        const lines = text.split('\n');
        for (let line = 0; line < lines.length; line += 2) {
          const pos = { line, character: Math.floor(lines[line].length / 2) };
          await client.request('textDocument/hover', { textDocument: { uri: uri(colFile) }, position: pos });
          await client.request('textDocument/completion', { textDocument: { uri: uri(colFile) }, position: pos });
          await client.request('textDocument/codeAction', { textDocument: { uri: uri(colFile) }, range: { start: pos, end: pos }, context: { diagnostics: [] } });
        }
        await client.request('workspace/executeCommand', { command: 'skillmeat.writeMissingUuids', arguments: [] });
        await client.request('workspace/executeCommand', { command: 'skillmeat.rebuildCache', arguments: [] });
        await client.request('textDocument/documentLink', { textDocument: { uri: uri(colFile) } });
      } finally {
        assert.equal(await client.stop(), 0);
      }
      const ran = markers.filter((m) => fs.existsSync(m));
      assert.deepEqual(ran, [], 'a command in a manifest was executed');
      // The literal names were taken as text: the cache holds them as written.
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(s.path('c.db')));
      const names = (db.exec('SELECT name FROM artifacts')[0]?.values ?? []).map((r) => String(r[0]));
      db.close();
      assert.ok(names.some((x) => x.startsWith('$(touch ')), names.join(', '));
    } finally {
      s.dispose();
      home.dispose();
    }
  });

  describe('SQL binds manifest values as parameters', () => {
    const NASTY = ["'); DROP TABLE artifacts;--", '" OR 1=1 --', "Robert'); DELETE FROM collections; --", 'a\u0000b', "it's", '"quoted"', '\\\\back\\slash', '%_*?[]', '😀 ünï', 'x\r\ny', ' lead', 'trail '];
    const toml = (v: string) => JSON.stringify(v).replace(/\\u0000/g, '\\u0000');

    it('names, tags, groups, lock keys and deployed records full of quotes, SQL and NUL go in and come back intact; no table is touched', async () => {
      const s = new Scratch();
      try {
        let col = HEADER;
        NASTY.forEach((v, i) => (col += artifact(`${v}-${i}`, 'skill', `skills/s${i}`, `tags = [${toml(`tag ${v}`)}]\n`)));
        col += `[[groups]]\nname = ${toml(NASTY[0])}\ndescription = ${toml(NASTY[1])}\nmembers = [${NASTY.map((v, i) => toml(`skill:${v}-${i}`)).join(', ')}]\n`;
        s.write('ws/collections/main/collection.toml', col);
        NASTY.forEach((_, i) => s.write(`ws/collections/main/skills/s${i}/SKILL.md`, '# s\n'));
        s.write('ws/collections/main/collection.lock', `[lock]\nversion = "1.0.0"\n\n${NASTY.map((v, i) => `[lock.entries.${toml(`${v}-${i}::skill`)}]\ncontent_hash = "${'ab'.repeat(32)}"\nfetched = "2026-01-01T00:00:00"\n`).join('\n')}`);
        s.write('ws/project/.claude/.skillmeat-deployed.toml', NASTY.map((v, i) => `[[deployed]]\nartifact_name = ${toml(`${v}-${i}`)}\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = ${toml(`skills/${v}`)}\ncontent_hash = "${'ab'.repeat(32)}"\n`).join('\n'));
        const file = s.path('cache.db');
        const opened = await openCache(file);
        assert.ok(opened.ok);
        const cache = opened.value.cache;
        const tables = JSON.stringify(cache.db.exec("SELECT type, name FROM sqlite_master ORDER BY 1, 2")[0].values);
        const w = new Workspace(nodeHost);
        w.scan(s.path('ws'));
        const r = syncWorkspace(cache.db, w.index());
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        assert.ok(cache.save().ok);
        cache.close();
        // Read back from the file, as another process would.
        const SQL = await loadSqlJs();
        const db = new SQL.Database(fs.readFileSync(file));
        const col1 = (sql: string) => (db.exec(sql)[0]?.values ?? []).map((x) => String(x[0])).sort();
        const want = NASTY.map((v, i) => `${v}-${i}`).sort();
        assert.deepEqual(col1('SELECT name FROM artifacts'), want);
        assert.deepEqual(col1("SELECT id FROM artifacts"), want.map((x) => `skill:${x}`).sort());
        assert.deepEqual(col1('SELECT t.name FROM tags t'), NASTY.map((v) => `tag ${v}`.trim()).sort());
        assert.deepEqual(col1('SELECT name FROM groups'), [NASTY[0]]);
        assert.deepEqual(col1('SELECT description FROM groups'), [NASTY[1]]);
        assert.equal(col1('SELECT artifact_uuid FROM group_artifacts').length, NASTY.length);
        assert.deepEqual(col1('SELECT artifact_name FROM lock_entries'), want);
        assert.deepEqual(col1('SELECT artifact_name FROM deployments'), want);
        assert.deepEqual(col1('SELECT artifact_path FROM deployments'), NASTY.map((v) => `skills/${v}`).sort());
        assert.equal(JSON.stringify(db.exec("SELECT type, name FROM sqlite_master ORDER BY 1, 2")[0].values), tables, 'every table and index is still there');
        assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
        assert.deepEqual(db.exec('PRAGMA foreign_key_check'), []);
        db.close();
        // Through the CLI too: a group and a child named with SQL, linked and read back.
        const link = await runCli(['link', '--group', NASTY[0], '--child', `skill:${NASTY[4]}-4`, '--cache', file, '--collections-root', s.path('ws/collections'), s.path('ws')], { cwd: s.root });
        assert.ok(link.code === 0, link.err);
        assert.match(link.out, /already a member|added/);
        const refused = await runCli(['link', '--group', "x'); DROP TABLE groups;--", '--child', 'skill:nope', '--cache', file, '--collections-root', s.path('ws/collections'), s.path('ws')], { cwd: s.root });
        assert.equal(refused.code, 1);
        const again = new SQL.Database(fs.readFileSync(file));
        assert.equal(JSON.stringify(again.exec("SELECT type, name FROM sqlite_master ORDER BY 1, 2")[0].values), tables);
        again.close();
      } finally {
        s.dispose();
      }
    });

    it('values the schema cannot hold (empty, too long, NUL first, unknown origin, stale artifact_uuid) are left out, not fatal to the whole sync', async () => {
      // Each of these used to make every sync fail with a CHECK or FOREIGN KEY error, so one bad
      // artifact stopped the cache for the whole workspace (fixed in engine/cache/sync.ts).
      const cases: [string, string, string?, string?][] = [
        ['empty artifact name', artifact('', 'skill', 'skills/x')],
        ['a 300-character name', artifact('n'.repeat(300), 'skill', 'skills/x')],
        ['a name starting with NUL', artifact('\u0000n', 'skill', 'skills/x')],
        ['an origin outside the vocabulary', artifact('o', 'skill', 'skills/x').replace('"local"', '"GitHub"')],
        ['a tag starting with NUL', artifact('t', 'skill', 'skills/x', 'tags = ["\\u0000tag"]')],
        ['an empty group name', '[[groups]]\nname = ""\nmembers = ["skill:fine"]\n'],
        ['a group name starting with NUL', '[[groups]]\nname = "\\u0000g"\nmembers = []\n'],
        ['an empty deployed content_hash', '', `[[deployed]]\nartifact_name = "fine"\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/fine"\ncontent_hash = ""\n`],
        ['a lock hash starting with NUL (the version a deployment is compared with)', '', `[[deployed]]\nartifact_name = "fine"\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/fine"\ncontent_hash = "${'ab'.repeat(32)}"\n`, '[lock]\nversion = "1.0.0"\n\n[lock.entries."fine::skill"]\ncontent_hash = "\\u0000"\nfetched = "2026-01-01T00:00:00"\n'],
        ['a deployed artifact_uuid the cache does not know', '', `[[deployed]]\nartifact_name = "fine"\nartifact_type = "skill"\nfrom_collection = "main"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/fine"\ncontent_hash = "${'ab'.repeat(32)}"\nartifact_uuid = "0123456789abcdef0123456789abcdef"\n`],
      ];
      const SQL = await loadSqlJs();
      const s = new Scratch();
      try {
        for (const [what, extra, deployed, lock] of cases) {
          s.write('ws/collections/main/collection.toml', HEADER + artifact('fine', 'skill', 'skills/fine') + extra);
          fs.rmSync(s.path('ws/collections/main/collection.lock'), { force: true });
          if (lock) s.write('ws/collections/main/collection.lock', lock);
          s.write('ws/collections/main/skills/fine/SKILL.md', '# fine\n');
          fs.rmSync(s.path('ws/p'), { recursive: true, force: true });
          if (deployed) s.write('ws/p/.claude/.skillmeat-deployed.toml', deployed);
          const w = new Workspace(nodeHost);
          w.scan(s.path('ws'));
          const db = newDatabase(SQL);
          assert.ok(migrateUp(db).ok);
          const r = syncWorkspace(db, w.index());
          assert.ok(r.ok, `${what}: ${r.ok ? '' : r.error.message}`);
          assert.deepEqual((db.exec("SELECT id FROM artifacts WHERE id = 'skill:fine'")[0]?.values ?? []).length, 1, `${what}: the good artifact is in the cache`);
          db.close();
        }
      } finally {
        s.dispose();
      }
    });

    it('the engine builds no SQL text out of values: every interpolation in server/src SQL is a known constant', () => {
      // Migrations interpolate schema names from their own definitions (checksummed); runtime code
      // may only interpolate these constants.
      const allowed = new Map([
        ['server/src/engine/cache/link.ts', ['t']],
        ['server/src/engine/cache/migrate.ts', ["Number(queryRows(db, 'PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1 ? 'ON' : 'OFF'"]],
        ['server/src/engine/cache/store.ts', ['IN_A_COLLECTION', 'REFERENCED']],
      ]);
      const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []));
      const found: string[] = [];
      for (const f of walk(path.join(REPO, 'server', 'src'))) {
        const rel = path.relative(REPO, f).split(path.sep).join('/');
        for (const m of fs.readFileSync(f, 'utf8').matchAll(/`([^`]*)`/g)) {
          if (!/\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE|DROP|ALTER|REPLACE)\b/.test(m[1])) continue;
          for (const x of m[1].matchAll(/\$\{([^}]*)\}/g)) if (!allowed.get(rel)?.includes(x[1])) found.push(`${rel}: \${${x[1]}}`);
        }
      }
      assert.deepEqual(found, []);
      // link.ts's `${t}` is one of its own table names.
      assert.match(fs.readFileSync(path.join(REPO, 'server/src/engine/cache/link.ts'), 'utf8'), /const tables = \['collection_artifacts', 'group_artifacts', 'artifact_tags', 'composite_memberships', 'artifact_versions'\];/);
    });
  });

  it('the cache file, its folder and its backups are the owner’s alone, even under umask 000 (CLI and server)', async () => {
    const s = new Scratch();
    const old = process.umask(0);
    try {
      // The CLI creates the cache (and its folder), then migrate down/up write backups.
      const file = s.path('home-cli/nested/vscode-cache.db');
      const w = s.write('ws/collections/main/collection.toml', HEADER + artifact('a', 'skill', 'skills/a'));
      void w;
      const made = await runCli(['uuids', '--cache', file, '--collections-root', s.path('ws/collections'), s.path('ws')], { cwd: s.root, shellPrefix: 'umask 000;' });
      assert.equal(made.code, 0, made.err);
      for (const args of [['migrate', 'down', '--steps', '2', '--cache', file], ['migrate', 'up', '--cache', file]]) {
        const r = await runCli(args, { cwd: s.root, shellPrefix: 'umask 000;' });
        assert.equal(r.code, 0, r.err);
      }
      const mode = (p: string) => fs.statSync(p).mode & 0o777;
      assert.equal(mode(file), 0o600, 'cache file');
      assert.equal(mode(path.dirname(file)) & 0o077, 0, `cache folder ${mode(path.dirname(file)).toString(8)}`);
      const backups = fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.backup-'));
      assert.ok(backups.length >= 2, backups.join(', '));
      for (const b of backups) assert.equal(mode(path.join(path.dirname(file), b)), 0o600, b);
      // The server, started with umask 000 (children inherit it), creates its cache the same way.
      const home = s.path('home-server/deeper');
      const client = new TestClient({ ...CHILD_ENV, HOME: s.root, SKILLMEAT_HOME: home });
      process.umask(old);
      try {
        await client.start({ folders: [s.path('ws')], collectionsRoot: s.path('ws/collections'), init: { cacheSaveDelayMs: 20 } });
        const cacheFile = path.join(home, 'vscode-cache.db');
        const t0 = Date.now();
        while (!fs.existsSync(cacheFile) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
        assert.equal(mode(cacheFile), 0o600);
        assert.equal(mode(home) & 0o077, 0, `server cache folder ${mode(home).toString(8)}`);
      } finally {
        assert.equal(await client.stop(), 0);
      }
    } finally {
      process.umask(old);
      s.dispose();
    }
  });

  it('files over the size limit are reported and not parsed (CLI check, the server)', async () => {
    const s = new Scratch();
    try {
      // 200 KB of lines that would each be a syntax error, and a valid-looking artifact without a uuid.
      const big = HEADER + artifact('a', 'skill', 'skills/a') + 'zz\n'.repeat(70_000);
      s.write('ws/collections/main/collection.toml', big);
      const r = await runCli(['check', s.path('ws'), '--format', 'json', '--max-file-size', '0.1'], { cwd: s.root });
      const ds = JSON.parse(r.out).diagnostics as { code: string; message: string }[];
      assert.deepEqual(ds.map((d) => d.code), ['file-too-large']);
      assert.match(ds[0].message, /collection\.toml is 0\.2 MB, over the 0\.1 MB limit; it was not checked/);
      const normal = await runCli(['check', s.path('ws'), '--format', 'json'], { cwd: s.root });
      assert.ok(JSON.parse(normal.out).diagnostics.length > 1000, 'under the default limit it is parsed (and full of errors)');
      const client = new TestClient({ ...CHILD_ENV, HOME: s.root, SKILLMEAT_HOME: s.path('home') });
      try {
        await client.start({ folders: [s.path('ws')], collectionsRoot: s.path('ws/collections'), init: { cache: false, settings: { maxFileSizeMB: 0.1 } } });
        const p = await client.waitDiagnostics(s.path('ws/collections/main/collection.toml'), (d) => d.length > 0);
        assert.deepEqual(p.diagnostics.map((d) => d.code), ['file-too-large']);
      } finally {
        assert.equal(await client.stop(), 0);
      }
    } finally {
      s.dispose();
    }
  });
});
