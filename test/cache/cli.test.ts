import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { runMigrate } from '../../server/src/cli/commands/migrate';
import type { CliIo } from '../../server/src/cli/io';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { dbAt } from '../migrations/fixtures';
import { ls, tempDir } from './helpers';

const HEAD = MIGRATIONS[MIGRATIONS.length - 1].id;

function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTty: false,
    cwd,
    env,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

describe('skillmeat-ls migrate', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'cache.db');
  });
  afterEach(() => cleanup());

  async function run(...argv: string[]) {
    const io = captureIo(dir, { SKILLMEAT_HOME: path.join(dir, 'home') });
    const code = await runMigrate(argv, io);
    return { code, out: io.stdout, err: io.stderr };
  }

  it('status of a missing cache lists everything as pending and creates nothing', async () => {
    const r = await run('status', '--cache', 'cache.db');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /cache: .*cache\.db \(no file yet/);
    assert.match(r.out, /revision: base \(empty\)/);
    for (const m of MIGRATIONS) assert.ok(r.out.includes(`  ${m.id}\n`), m.id);
    assert.deepEqual(ls(dir), []);
  });

  it('defaults to $SKILLMEAT_HOME/vscode-cache.db', async () => {
    const r = await run('up');
    assert.equal(r.code, 0, r.err);
    assert.ok(fs.existsSync(path.join(dir, 'home', 'vscode-cache.db')));
  });

  it('up, status, dry-run down, down --to, json: end to end on a legacy file', async () => {
    const db = await dbAt('0001');
    fs.writeFileSync(file, db.export());
    db.close();

    const dry = await run('up', '--cache', file, '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /would apply 0002_artifact_uuid/);
    assert.match(dry.out, /nothing was changed/);
    assert.match(dry.out, /-- SQL\n/);
    assert.match(dry.out, /CREATE TABLE artifacts__new/);
    assert.deepEqual(ls(dir), ['cache.db']);

    const up = await run('up', '--cache', file);
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /backup: .*cache\.db\.backup-\d{8}T\d{9}Z-0001_legacy_schema\n/);
    assert.match(up.out, new RegExp(`applied ${HEAD}  sha256:[0-9a-f]{12}  \\(\\d+ ms\\)`));
    assert.match(up.out, /orphan rows set aside: collection_artifacts 2, group_artifacts 2, artifact_tags 2/);
    assert.match(up.out, new RegExp(`now at ${HEAD}`));

    const status = await run('status', '--cache', file);
    assert.equal(status.code, 0);
    assert.match(status.out, new RegExp(`revision: ${HEAD} \\(newest\\)`));
    assert.match(status.out, /0001_legacy_schema\s+\d{4}-\d\d-\d\dT[\d:.]+\s+sha256:[0-9a-f]{12}/);
    assert.match(status.out, /pending: none/);

    const json = JSON.parse((await run('status', '--cache', file, '--format', 'json')).out);
    assert.equal(json.current, HEAD);
    assert.equal(json.applied.length, MIGRATIONS.length);
    assert.deepEqual(json.pending, []);

    const before = fs.readFileSync(file);
    const dryDown = await run('down', '--cache', file, '--to', 'base', '--dry-run', '--format', 'json');
    assert.equal(dryDown.code, 0);
    const dd = JSON.parse(dryDown.out);
    assert.equal(dd.ok, true);
    assert.equal(dd.dryRun, true);
    assert.equal(dd.applied.length, MIGRATIONS.length);
    assert.ok(dd.sql.some((s: string) => s.includes('DROP TABLE artifacts')));
    assert.deepEqual(fs.readFileSync(file), before);

    const down = await run('down', '--cache', file, '--to', '0001');
    assert.equal(down.code, 0, down.err);
    assert.match(down.out, /backup: /);
    assert.match(down.out, /reverted 0004_collection_artifacts_uuid/);
    assert.match(down.out, /orphan rows restored: artifact_tags 2, group_artifacts 2, collection_artifacts 2/);
    assert.match(down.out, /now at 0001_legacy_schema/);

    const step = JSON.parse((await run('up', '--cache', file, '--steps', '2', '--format', 'json')).out);
    assert.equal(step.ok, true);
    assert.equal(step.to, '0003_composites');
    assert.match(step.backup, /backup-/);
    assert.equal(ls(dir).filter((n) => n.includes('.backup-')).length, 3);
  });

  it('reports drift in status with exit 1 and refuses to revert drifted migrations without --force', async () => {
    await run('up', '--cache', file);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    db.run("UPDATE _migrations SET checksum = '00' WHERE id = ?", [HEAD]);
    fs.writeFileSync(file, db.export());
    db.close();
    const s = await run('status', '--cache', file);
    assert.equal(s.code, 1);
    assert.match(s.out, /DRIFT \(this build: [0-9a-f]{12}\)/);
    const d = await run('down', '--cache', file);
    assert.equal(d.code, 1);
    assert.ok(d.err.includes(`refusing to revert ${HEAD}`), d.err);
    const forced = await run('down', '--cache', file, '--force');
    assert.equal(forced.code, 0, forced.err);
  });

  it('refuses a newer cache and a damaged one without touching them (exit 1)', async () => {
    await run('up', '--cache', file);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(file));
    db.run("INSERT INTO _migrations (seq, id, checksum, applied_at, duration_ms) VALUES (9999, '9999_next', 'x', 't', 0)");
    fs.writeFileSync(file, db.export());
    db.close();
    const bytes = fs.readFileSync(file);
    for (const sub of ['status', 'up', 'down']) {
      const r = await run(sub, '--cache', file);
      assert.equal(r.code, 1, sub);
      assert.match(r.err, /newer version .*9999_next/);
    }
    const j = JSON.parse((await run('up', '--cache', file, '--format', 'json')).out);
    assert.equal(j.ok, false);
    assert.equal(j.error.code, 'UNKNOWN_REVISION');
    assert.deepEqual(fs.readFileSync(file), bytes);
    fs.writeFileSync(file, 'not a database at all, just text that is long enough to have a header '.repeat(3));
    const c = await run('status', '--cache', file);
    assert.equal(c.code, 1);
    assert.match(c.err, /damaged: it is not an SQLite database; it was left untouched/);
    assert.deepEqual(ls(dir).filter((n) => n.startsWith('cache.db')), ['cache.db']);
  });

  it('bad usage exits 2 with one line', async () => {
    for (const argv of [[], ['sideways'], ['up', '--steps', 'x'], ['up', '--to', '3', '--steps', '1'], ['status', '--to', '1'], ['up', '--format', 'xml'], ['up', '--bogus'], ['up', 'extra']]) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /^skillmeat-ls migrate: [^\n]+\n$/);
    }
    const bad = await run('down', '--cache', file, '--to', 'nope');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown revision "nope"/);
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: skillmeat-ls migrate status\|up\|down/);
  });
});
