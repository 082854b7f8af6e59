import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir } from '../helpers/tempWorkspace';
import { writeIfUnchanged } from '../../server/src/cli/fileWrite';
import { baseline, COLLECTION, DEPLOYED } from '../engine/baseline';

describe('skillmeat-ls uuids, link, prune', () => {
  let dir: TempDir;
  const C = 'collections/main/collection.toml';
  const D = 'project/.claude/.skillmeat-deployed.toml';

  beforeEach(() => {
    dir = new TempDir();
    dir.write(baseline());
  });
  afterEach(() => dir.dispose());

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false, cwd: dir.root, env: { SKILLMEAT_HOME: dir.path('home') } };
    const code = await main(argv, io);
    return { code, out, err };
  }

  /** The findings of a fresh check of the temp workspace (to prove SkillMeat-readable output). */
  function recheck(): string[] {
    const ws = new Workspace(nodeHost);
    ws.scan(dir.root);
    return [...ws.diagnostics().values()].flat().map((d) => `${d.code}: ${d.message}`);
  }

  it('uuids lists, then writes, the missing uuids as minimal edits, stable across runs', async () => {
    const listed = await run('uuids', '.');
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /collections\/main\/collection.toml:\d+  \+ uuid = "[0-9a-f]{32}"  \(command:review\)/);
    assert.match(listed.out, /3 uuids missing in 2 files; run with --write to add them/);
    assert.equal(fs.readFileSync(dir.path(C), 'utf8'), COLLECTION, 'listing writes nothing');
    const uuid = /\(command:review\)/.test(listed.out) ? /uuid = "([0-9a-f]{32})"  \(command:review\)/.exec(listed.out)![1] : '';
    const written = await run('uuids', '.', '--write');
    assert.equal(written.code, 0, written.err);
    const after = fs.readFileSync(dir.path(C), 'utf8');
    assert.ok(after.includes(`added = "2026-02-12T10:00:00"\nuuid = "${uuid}"\n`), 'the same uuid the listing showed, after the entry\'s last line');
    const removed = after.split('\n').filter((l) => !l.startsWith('uuid = "' + uuid)).join('\n');
    assert.ok(removed.startsWith(COLLECTION.slice(0, 200)));
    assert.deepEqual(recheck(), []);
    const again = await run('uuids', '.');
    assert.match(again.out, /every artifact and deployed record already has its uuid/);
    assert.equal(fs.readFileSync(dir.path(D), 'utf8').includes('artifact_uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"'), true, 'deployed records get their artifact\'s uuid');
  });

  it('an edit computed on an older text is refused and the file left as it is', () => {
    const file = dir.path(C);
    const seen = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '# edited meanwhile\n');
    const why = writeIfUnchanged(file, seen, seen + 'uuid = "x"\n');
    assert.match(why!, /collection.toml changed since it was read; nothing was written/);
    assert.equal(fs.readFileSync(file, 'utf8'), seen + '# edited meanwhile\n');
    assert.equal(writeIfUnchanged(file, seen + '# edited meanwhile\n', 'new'), undefined);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  });

  it('uuids --format json describes the plan for the client', async () => {
    const j = JSON.parse((await run('uuids', '.', '--format', 'json')).out);
    assert.equal(j.written, false);
    assert.deepEqual(j.uuids.map((u: { key: string; artifact: string }) => `${u.key} ${u.artifact}`).sort(), ['artifact_uuid agent:release-notes.md', 'uuid command:review', 'uuid composite:kit']);
  });

  it('link --group appends a member; a second identical link changes nothing and says so', async () => {
    const r = await run('link', '--group', 'Writing kit', '--child', 'command:review', '.');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /added command:review to group "Writing kit"/);
    assert.ok(fs.readFileSync(dir.path(C), 'utf8').includes('members = ["skill:pdf-tools", "agent:release-notes", "command:review"]'));
    const before = fs.readFileSync(dir.path(C), 'utf8');
    const again = await run('link', '--group', 'Writing kit', '--child', 'command:review', '.');
    assert.equal(again.code, 0);
    assert.match(again.out, /^already linked: command:review is already a member/);
    assert.equal(fs.readFileSync(dir.path(C), 'utf8'), before);
    assert.deepEqual(recheck(), []);
  });

  it('link --relation enables on a non-composite parent writes linked_artifacts', async () => {
    const r = await run('link', '--parent', 'skill:pdf-tools', '--child', 'command:review', '--relation', 'enables', '.');
    assert.equal(r.code, 0, r.err);
    const text = fs.readFileSync(dir.path(C), 'utf8');
    assert.ok(text.includes('[[artifacts.metadata.linked_artifacts]]\nartifact_id = "command:review"\nartifact_name = "review"\nartifact_type = "command"\nlink_type = "enables"'));
    assert.deepEqual(recheck(), []);
    const again = await run('link', '--parent', 'skill:pdf-tools', '--child', 'command:review', '--relation', 'enables', '.');
    assert.match(again.out, /already linked/);
  });

  it('link on a composite parent makes a cache membership with pin and position, idempotently', async () => {
    const r = await run('link', '--parent', 'composite:kit', '--child', 'agent:release-notes', '--relation', 'requires', '--pin', 'abc123', '--position', '2', '.', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.status, 'linked');
    assert.equal(fs.readFileSync(dir.path(C), 'utf8'), COLLECTION, 'composite memberships live only in the cache');
    const again = JSON.parse((await run('link', '--parent', 'composite:kit', '--child', 'agent:release-notes', '--relation', 'requires', '--pin', 'abc123', '--position', '2', '.', '--format', 'json')).out);
    assert.equal(again.status, 'already-linked');
    const changed = JSON.parse((await run('link', '--parent', 'composite:kit', '--child', 'agent:release-notes', '--relation', 'requires', '--pin', 'def456', '.', '--format', 'json')).out);
    assert.equal(changed.status, 'updated');
  });

  it('link refuses what SkillMeat would not accept, with reasons', async () => {
    const cases: [string[], RegExp][] = [
      [['--parent', 'composite:kit', '--child', 'composite:kit', '--relation', 'contains'], /can only contain skill, command, agent, hook, mcp, workflow/],
      [['--parent', 'composite:kit', '--child', 'skill:pdf-tools', '--relation', 'enables'], /contains, requires or extends/],
      [['--parent', 'skill:pdf-tools', '--child', 'command:review', '--relation', 'contains'], /requires, enables or related/],
      [['--group', 'Nope', '--child', 'command:review'], /has no group "Nope" \(groups: Writing kit\)/],
      [['--parent', 'skill:pdf-tools', '--child', 'skill:nope', '--relation', 'requires'], /skill:nope is not an artifact of collection "main"/],
      [['--parent', 'composite:kit', '--child', 'skill:pdf-tools', '--relation', 'contains', '--expect-generation', '999'], /the cache changed since it was read/],
    ];
    for (const [argv, re] of cases) {
      const r = await run('link', ...argv, '.');
      assert.equal(r.code, 1, argv.join(' '));
      assert.match(r.err, re);
    }
    const usage = await run('link', '--child', 'skill:x');
    assert.equal(usage.code, 2);
  });

  it('prune deletes missing artifacts and their join rows, keeping present ones', async () => {
    await run('link', '--parent', 'composite:kit', '--child', 'command:review', '--relation', 'requires', '.');
    fs.writeFileSync(dir.path(C), COLLECTION.replace('[[artifacts]]\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "github"\nadded = "2026-02-12T10:00:00"\n', ''));
    fs.rmSync(dir.path('collections/main/plugins/kit/commands'), { recursive: true });
    await run('uuids', '.');
    const dry = await run('prune', '--dry-run');
    assert.match(dry.out, /would delete command:review \([0-9a-f]{32}\), missing since/);
    const r = await run('prune');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /deleted command:review/);
    assert.match(r.out, /rows removed with them: 1 composite_memberships/);
    assert.match((await run('prune')).out, /no missing artifacts to prune/);
    void DEPLOYED;
  });
});
