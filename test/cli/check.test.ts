import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { TempDir } from '../helpers/tempWorkspace';
import { baseline, variant } from '../engine/baseline';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');

/** Runs the CLI in-process with captured output. */
async function run(argv: string[], opts: { cwd?: string; tty?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTty: Boolean(opts.tty),
    cwd: opts.cwd ?? ROOT,
    env: { HOME: '/nonexistent-home' },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('skillmeat-ls check', () => {
  it('prints the seeded mistakes of examples/ at their lines and exits 1', async () => {
    const r = await run(['check', 'examples']);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.deepEqual(lines.slice(0, -1).map((l) => l.split('  ').slice(0, 3).join(' | ')), [
      'examples/collections/default/collection.toml:40:9 | information | undefined-tag',
      'examples/collections/default/collection.toml:113:12 | warning | unknown-reference',
      'examples/collections/team/collection.toml:30:9 | error | native-datetime',
      'examples/project/.claude/.skillmeat-deployed.toml:44:17 | warning | unknown-reference',
    ]);
    assert.match(lines[1], /member "skill:pdf-tool" of group "Writing kit" names no skill in collection "default" \(did you mean "skill:pdf-tools"\?\)/);
    assert.equal(lines.at(-1), '1 error, 2 warnings, 1 info in 8 files (10 artifacts checked)');
    assert.doesNotMatch(r.out, /\x1b\[/, 'no colour when not a terminal');
  });

  it('colours severities on a terminal', async () => {
    const r = await run(['check', 'examples'], { tty: true });
    assert.match(r.out, /\x1b\[31merror\x1b\[0m/);
  });

  it('json output has 0-based LSP ranges and the documented shape', async () => {
    const r = await run(['check', 'examples', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out);
    assert.equal(j.files, 8);
    assert.equal(j.artifacts, 10);
    const d = j.diagnostics.find((x: { code: string }) => x.code === 'native-datetime');
    assert.deepEqual(d, {
      file: path.join('examples', 'collections', 'team', 'collection.toml'),
      range: { start: { line: 29, character: 8 }, end: { line: 29, character: 27 } },
      severity: 'error',
      code: 'native-datetime',
      message: '"added" in artifact "code-reviewer" is a native TOML datetime; SkillMeat only reads quoted ISO-8601 strings (write "2026-02-03T09:30:00")',
    });
  });

  it('sarif output is SARIF 2.1.0 with rules and 1-based regions', async () => {
    const r = await run(['check', 'examples', '--format=sarif']);
    const s = JSON.parse(r.out);
    assert.equal(s.version, '2.1.0');
    const run0 = s.runs[0];
    assert.equal(run0.tool.driver.name, 'skillmeat-ls');
    assert.ok(run0.tool.driver.rules.some((x: { id: string }) => x.id === 'native-datetime'));
    const res = run0.results.find((x: { ruleId: string }) => x.ruleId === 'native-datetime');
    assert.equal(res.level, 'error');
    assert.deepEqual(res.locations[0].physicalLocation.region, { startLine: 30, startColumn: 9, endLine: 30, endColumn: 28 });
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'examples/collections/team/collection.toml');
    assert.equal(run0.results.find((x: { ruleId: string }) => x.ruleId === 'undefined-tag').level, 'note');
  });

  it('exits 0 on a clean workspace', async () => {
    const dir = new TempDir();
    try {
      dir.write(baseline());
      const r = await run(['check', dir.root]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^0 errors, 0 warnings, 0 info in 6 files \(4 artifacts checked\)\n$/);
    } finally {
      dir.dispose();
    }
  });

  it('exits 0 when there are only warnings', async () => {
    const dir = new TempDir();
    try {
      dir.write(variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tool"]'));
      const r = await run(['check', dir.root]);
      assert.equal(r.code, 0);
      assert.match(r.out, /0 errors, 1 warning/);
    } finally {
      dir.dispose();
    }
  });

  it('checks a single file as the kind its name says, and any other .toml for syntax only', async () => {
    const dir = new TempDir();
    try {
      dir.write({ 'x/other.toml': 'a = 1\na = 2\n', 'y/collection.toml': '[collection]\nname = "y"\n' });
      const other = await run(['check', dir.path('x/other.toml'), '--format', 'json']);
      const j = JSON.parse(other.out);
      assert.deepEqual(j.diagnostics.map((d: { code: string; range: unknown }) => [d.code, d.range]), [['toml-syntax', { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }]]);
      assert.equal(other.code, 1);
      const col = await run(['check', dir.path('y/collection.toml'), '--format', 'json']);
      const codes = JSON.parse(col.out).diagnostics.map((d: { code: string; message: string }) => d.message);
      assert.deepEqual(codes, [
        '[collection] is missing the required key "version"',
        '[collection] is missing the required key "created"',
        '[collection] is missing the required key "updated"',
      ]);
    } finally {
      dir.dispose();
    }
  });

  it('resolves a project against the collections root without reporting the root', async () => {
    const dir = new TempDir();
    try {
      dir.write(baseline());
      const project = dir.path('project');
      const r = await run(['check', project, '--collections-root', dir.path('collections'), '--format', 'json']);
      const j = JSON.parse(r.out);
      assert.equal(j.files, 3);
      assert.deepEqual(j.diagnostics, []);
      dir.write({ 'project/.claude/.skillmeat-deployed.toml': variant('deployed', 'artifact_name = "pdf-tools"', 'artifact_name = "pdf-tool"')['project/.claude/.skillmeat-deployed.toml'] });
      const r2 = await run(['check', project, '--collections-root', dir.path('collections'), '--format', 'json']);
      assert.deepEqual(JSON.parse(r2.out).diagnostics.map((d: { code: string }) => d.code), ['unknown-reference']);
    } finally {
      dir.dispose();
    }
  });

  it('bad usage exits 2 with a one-line reason', async () => {
    for (const argv of [['check', '--format', 'xml'], ['check', '--bogus'], ['check', '/no/such/path'], ['frobnicate'], ['check', '--max-file-size', 'x']]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1);
      assert.match(r.err, /^skillmeat-ls/);
    }
  });

  it('--help describes the command and the tool', async () => {
    const h = await run(['check', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /--format text\|json\|sarif/);
    const top = await run(['--help']);
    assert.match(top.out, /check\s+check SkillMeat files/);
    assert.match(top.out, /--stdio/);
  });

  it('the built bin/skillmeat-ls runs check as a real process', function () {
    this.timeout(60000);
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const r = spawnSync(path.join(ROOT, 'bin', 'skillmeat-ls'), ['check', EXAMPLES, '--format', 'json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent-home' } });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).diagnostics.length, 4);
  });
});
