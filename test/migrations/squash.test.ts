// The squashed 0001 ↔ head paths (decision 0007) against the chain they stand in for: the same
// schema text, the same rows in every table, the same bookkeeping, notes and counts, the same
// failures; partial runs still go step by step.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { MIGRATIONS } from '../../migrations';
import { SQUASHED_CHAIN } from '../../migrations/squash';
import { openCache } from '../../server/src/engine/cache/db';
import { migrateDown, migrateUp, migrationChecksum, migrationStatus, type MigrateOptions, type MigrateResult } from '../../server/src/engine/cache/migrate';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { tempDir } from '../cache/helpers';
import { realisticDataset, seedLegacy, snapshotTables, type LegacyDataset } from './fixtures';
import { randomDataset } from './randomLegacy';

const HEAD = MIGRATIONS[MIGRATIONS.length - 1].id;
const BASE = MIGRATIONS[0].id;
const clock = () => new Date('2026-11-23T12:00:00.000Z');

let SQL: SqlJsStatic;

/**
 * A connection whose randomblob() is a counter, so uuids and new tag ids come out the same in
 * two runs that ask for them in the same order (the chain's 0002 and the squashed load both
 * copy artifacts in id order).
 */
function deterministic(db: Database): Database {
  let n = 0;
  db.create_function('randomblob', (size: SqlValue) => {
    const b = new Uint8Array(Number(size));
    for (let i = 0, x = ++n; i < 4 && i < b.length; i++, x >>>= 8) b[b.length - 1 - i] = x & 0xff;
    return b;
  });
  return db;
}

function legacyDb(data: LegacyDataset): Database {
  const db = deterministic(newDatabase(SQL));
  seedLegacy(db, data);
  return db;
}

function copyOf(db: Database): Database {
  return deterministic(newDatabase(SQL, db.export()));
}

/**
 * Everything the two paths must agree on: the exact schema text of every object and every row of
 * every table, except the columns that hold the wall clock or a duration.
 */
function dump(db: Database): { schema: SqlValue[][]; rows: Record<string, string[]> } {
  const schema = db.exec("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")[0]?.values ?? [];
  const rows = snapshotTables(db);
  const clean = (table: string, re: RegExp) => {
    if (rows[table]) rows[table] = rows[table].map((r) => r.replace(re, '$1<time>')).sort();
  };
  clean('_migrations', /(duration_ms=)int:\d+/);
  clean('_migrations', /(applied_at=)text:"[^"]*"(?= \| duration)/);
  clean('_migration_log', /(logged_at=)text:"[^"]*"/);
  return { schema, rows };
}

/**
 * `dump` with generated ids named by what they identify (an artifact's uuid by its type:name, a
 * created tag's id by its slug), for runs that drew a different number of random values, such
 * as a squashed attempt rolled back before the chain ran.
 */
function dumpByName(db: Database): ReturnType<typeof dump> {
  const names = new Map<string, string>();
  const pairs = (sql: string) => (db.exec(sql)[0]?.values ?? []) as string[][];
  if (pairs("SELECT 1 FROM pragma_table_info('artifacts') WHERE name = 'uuid'").length) {
    for (const [id, uuid] of pairs('SELECT id, uuid FROM artifacts')) names.set(uuid, `<uuid of ${id}>`);
  }
  for (const [id, slug] of pairs('SELECT id, slug FROM tags')) if (/^[0-9a-f]{32}$/.test(id)) names.set(id, `<tag ${slug}>`);
  const text = JSON.stringify(dump(db)).replace(/[0-9a-f]{32}/g, (x) => names.get(x) ?? x);
  const out = JSON.parse(text) as ReturnType<typeof dump>;
  for (const t of Object.keys(out.rows)) out.rows[t].sort();
  return out;
}

/** What a result says apart from timings. */
function outcome(r: MigrateResult) {
  return {
    ok: r.ok,
    from: r.from,
    to: r.to,
    applied: r.applied.map((a) => [a.id, a.direction, a.checksum]),
    orphansRemoved: r.orphansRemoved,
    orphansRestored: r.orphansRestored,
    warnings: r.warnings,
    error: r.error,
  };
}

function healthy(db: Database, what: string): void {
  assert.deepEqual(db.exec('PRAGMA foreign_key_check'), [], `${what}: foreign keys`);
  assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok', `${what}: integrity`);
}

/** Runs `direction` on two copies, chain and squashed, and checks they end up the same. */
function compare(db: Database, direction: 'up' | 'down', opts: MigrateOptions = {}): { chain: Database; squashed: Database; result: MigrateResult } {
  const chain = copyOf(db);
  const squashed = copyOf(db);
  const run = direction === 'up' ? migrateUp : migrateDown;
  const c = run(chain, { now: clock, squash: false, ...opts });
  const s = run(squashed, { now: clock, ...opts });
  assert.equal(c.squash, undefined, 'squash: false runs the chain');
  assert.deepEqual(outcome(s), outcome(c));
  // A squashed attempt that fell back drew random ids before rolling back: compare ids by what they name.
  if (s.squash?.used === false) assert.deepEqual(dumpByName(squashed), dumpByName(chain));
  else assert.deepEqual(dump(squashed), dump(chain));
  return { chain, squashed, result: s };
}

function emptyDataset(): LegacyDataset {
  return { artifacts: [], collections: [], groups: [], tags: [], collectionArtifacts: [], groupArtifacts: [], artifactTags: [] };
}

/** Edge cases in one dataset: no tags, duplicates and odd spacing, escapes, composites, orphans everywhere. */
function edgeDataset(): LegacyDataset {
  const d = realisticDataset();
  const c1 = d.collections[0].id;
  const c2 = d.collections[1].id;
  const T = '2026-03-01T00:00:00.000000';
  d.artifacts.push(
    { type: 'skill', name: 'no-tags', path: 'skills/no-tags', origin: 'local', content_hash: null, created_at: T, updated_at: T },
    { type: 'composite', name: 'stack', path: 'composites/stack', origin: 'github', content_hash: 'ff', created_at: T, updated_at: T },
    { type: 'agent', name: 'escaped', path: 'agents/escaped.md', origin: 'marketplace', content_hash: 'ee', created_at: T, updated_at: T },
  );
  d.collectionArtifacts.push(
    { collection_id: c1, artifact_id: 'skill:no-tags', added_at: T, tags_json: '[]' },
    { collection_id: c2, artifact_id: 'skill:no-tags', added_at: T, tags_json: '[\n  ]' },
    { collection_id: c1, artifact_id: 'composite:stack', added_at: T, tags_json: '["writing","Writing", "writing" , "WRITING"]' },
    { collection_id: c2, artifact_id: 'composite:stack', added_at: T, tags_json: '["Documents", "documents", "Py"]' },
    { collection_id: c1, artifact_id: 'agent:escaped', added_at: T, tags_json: '["caf\\u00e9", "tab\\there", "  spaced  ", "x\\"y"]' },
  );
  d.groupArtifacts.push({ group_id: 'g02', artifact_id: 'composite:stack', position: 0, added_at: T });
  d.artifactTags.push(
    { artifact_id: 'composite:stack', tag_id: 't-documents', created_at: T },
    { artifact_id: 'composite:ghost', tag_id: 't-documents', created_at: T },
  );
  return d;
}

describe('squashed migrations (0001 ↔ head in one transaction)', function () {
  this.timeout(120_000);
  before(async () => {
    SQL = await loadSqlJs();
  });

  const datasets: [string, () => LegacyDataset][] = [
    ['the realistic dataset (orphans in every join table, odd tags)', realisticDataset],
    ['an empty database', emptyDataset],
    ['edge cases: no tags, duplicate and spaced tags, escapes, composites, orphans', edgeDataset],
  ];
  for (const [name, data] of datasets) {
    it(`up from 0001 equals the chain, then down to 0001 equals the chain: ${name}`, () => {
      const legacy = legacyDb(data());
      const up = compare(legacy, 'up');
      assert.deepEqual(up.result.squash, { used: true });
      assert.equal(migrationStatus(up.squashed).current, HEAD);
      healthy(up.squashed, 'after up');
      // Down from the same head state (the chain's), both ways.
      const down = compare(up.chain, 'down', { to: BASE });
      assert.deepEqual(down.result.squash, { used: true });
      healthy(down.squashed, 'after down');
      // And the round trip gives back the legacy rows.
      assert.deepEqual(snapshotTables(down.squashed, { exclude: ['_migrations'] }), snapshotTables(legacy, { exclude: ['_migrations'] }));
      for (const db of [legacy, up.chain, up.squashed, down.chain, down.squashed]) db.close();
    });
  }

  it('down equals the chain after the head cache was used: links edited, artifacts gone, head-only rows', () => {
    const head = copyOf(legacyDb(edgeDataset()));
    assert.ok(migrateUp(head, { now: clock, squash: false }).ok);
    head.exec(`
      -- an artifact deleted (cascades to its links and versions), another marked missing
      DELETE FROM artifacts WHERE id = 'command:deploy';
      UPDATE artifacts SET missing_since = '2026-11-01T00:00:00' WHERE id = 'skill:docx';
      -- tags edited after up: a list reordered, a link removed, one added, a new tag
      UPDATE artifact_tags SET position = 5 - position WHERE position IS NOT NULL AND artifact_uuid = (SELECT uuid FROM artifacts WHERE id = 'skill:pdf-tools');
      DELETE FROM artifact_tags WHERE artifact_uuid = (SELECT uuid FROM artifacts WHERE id = 'composite:stack') AND position = 0;
      INSERT INTO tags (id, name, slug, created_at) VALUES ('t-late', 'Late', 'late', '2026-11-02T00:00:00');
      INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at, position) SELECT uuid, 't-late', '2026-11-02T00:00:00', 9 FROM artifacts WHERE id = 'agent:escaped';
      INSERT INTO artifact_tags (artifact_uuid, tag_id, created_at, position) SELECT uuid, 't-unused', '2026-11-02T00:00:00', NULL FROM artifacts WHERE id = 'mcp:filesystem';
      -- head-only tables the product fills
      UPDATE collections SET manifest_path = '/ws/c1/collection.toml' WHERE name = 'default';
      INSERT INTO composite_artifacts (id, collection_id, created_at, updated_at) SELECT 'composite:stack', id, 't', 't' FROM collections WHERE name = 'default';
      INSERT INTO composite_memberships (collection_id, composite_id, child_artifact_uuid, created_at, source) SELECT c.id, 'composite:stack', a.uuid, 't', 'discovered' FROM collections c, artifacts a WHERE c.name = 'default' AND a.id = 'skill:pdf-tools';
      INSERT INTO deployments (project_path, profile_root, artifact_uuid, artifact_name, artifact_type, from_collection, artifact_path, content_hash, deployed_at, synced_at)
        SELECT '/p', '.claude', uuid, name, type, 'default', path, 'h', 't', 't' FROM artifacts WHERE id = 'skill:pdf-tools';
      INSERT INTO lock_entries (collection_id, artifact_type, artifact_name, content_hash, fetched) SELECT id, 'skill', 'x', 'h', 't' FROM collections;
      INSERT INTO sync_state (manifest_path, text_hash, synced_at) VALUES ('/ws/c1/collection.toml', 'h', 't');
      UPDATE cache_meta SET value = 42 WHERE key = 'generation';
    `);
    healthy(head, 'edited head');
    const down = compare(head, 'down', { to: '0001' });
    assert.deepEqual(down.result.squash, { used: true });
    assert.ok(down.result.warnings.length > 0, 'edits after up are reported as notes');
    healthy(down.squashed, 'after down');
  });

  it('holds for random legacy datasets, up and down (25 runs)', () => {
    fc.assert(
      fc.property(randomDataset, (data) => {
        const legacy = legacyDb(data);
        const up = compare(legacy, 'up');
        assert.equal(up.result.squash?.used, true, up.result.squash?.reason);
        const down = compare(up.chain, 'down', { to: BASE });
        assert.equal(down.result.squash?.used, true, down.result.squash?.reason);
        for (const db of [legacy, up.chain, up.squashed, down.chain, down.squashed]) db.close();
      }),
      { numRuns: 25 },
    );
  });

  it('a database that went down and up before (renamed table text) still squashes, to the same result', () => {
    const db = legacyDb(realisticDataset());
    assert.ok(migrateUp(db, { now: clock, squash: false }).ok);
    assert.ok(migrateDown(db, { to: BASE, now: clock, squash: false }).ok);
    const again = compare(db, 'up');
    assert.deepEqual(again.result.squash, { used: true });
  });

  it('partial targets go step by step: up --to 0005, up from 0005, down --to 0007, down to base', () => {
    const db = legacyDb(realisticDataset());
    const partial = migrateUp(db, { to: '0005', now: clock });
    assert.equal(partial.ok, true);
    assert.equal(partial.squash, undefined);
    assert.deepEqual(
      partial.applied.map((a) => a.id),
      MIGRATIONS.slice(1, 5).map((m) => m.id),
    );
    const rest = migrateUp(db, { now: clock });
    assert.equal(rest.squash, undefined, 'from 0005 is not from 0001');
    assert.equal(rest.applied.length, MIGRATIONS.length - 5);
    const back = migrateDown(db, { to: '0007', now: clock });
    assert.equal(back.squash, undefined);
    assert.deepEqual(
      back.applied.map((a) => a.id),
      MIGRATIONS.slice(7).map((m) => m.id).reverse(),
    );
    assert.ok(migrateUp(db, { now: clock }).ok);
    const toBase = migrateDown(db, { to: 'base', now: clock });
    assert.equal(toBase.ok, true);
    assert.equal(toBase.squash, undefined, 'base is past 0001');
    // Exactly 0001 → head by steps is the squashed range.
    const again = legacyDb(realisticDataset());
    const bySteps = migrateUp(again, { steps: MIGRATIONS.length - 1, now: clock });
    assert.deepEqual(bySteps.squash, { used: true });
    const dry = migrateDown(again, { to: BASE, dryRun: true, now: clock });
    assert.equal(dry.squash, undefined, 'a dry run lists the chain’s SQL');
    assert.ok(dry.sql?.length);
  });

  it('an injected chain is never squashed', () => {
    const db = legacyDb(realisticDataset());
    const r = migrateUp(db, { migrations: [...MIGRATIONS], now: clock });
    assert.equal(r.ok, true);
    assert.equal(r.squash, undefined);
  });

  it('input the chain rejects falls back to the chain, with its error: a membership of a missing collection', () => {
    const data = realisticDataset();
    const db = legacyDb(data);
    db.exec('PRAGMA foreign_keys = OFF');
    db.run("INSERT INTO collection_artifacts (collection_id, artifact_id, added_at, tags_json) VALUES ('no-such-collection', 'skill:pdf-tools', 't', '[]')");
    db.exec('PRAGMA foreign_keys = ON');
    const { chain, squashed, result } = compare(db, 'up');
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'FK_VIOLATION');
    assert.match(result.error!.message, /^0004_collection_artifacts_uuid up: 1 foreign key violation/);
    assert.equal(result.squash?.used, false);
    assert.match(result.squash!.reason!, /foreign key violation/);
    // The chain kept 0002 and 0003 (each its own transaction), exactly as without the squashed attempt.
    assert.equal(migrationStatus(squashed).current, '0003_composites');
    assert.equal(migrationStatus(chain).current, '0003_composites');
  });

  it('input the chain rejects falls back to the chain, with its error: a tags_json that breaks its CHECK', () => {
    const db = legacyDb(realisticDataset());
    db.exec('PRAGMA ignore_check_constraints = ON');
    db.run("UPDATE collection_artifacts SET tags_json = '{\"not\": \"a list\"}' WHERE artifact_id = 'command:deploy'");
    db.exec('PRAGMA ignore_check_constraints = OFF');
    const { result } = compare(db, 'up');
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'MIGRATION_FAILED');
    assert.match(result.error!.message, /^0004_collection_artifacts_uuid up failed at step 2 \(rebuild collection_artifacts\): CHECK constraint failed/);
    assert.match(result.squash!.reason!, /tags_json/);
  });

  it('a head link to a missing artifact falls back to the chain on the way down, with its error', () => {
    const db = legacyDb(realisticDataset());
    assert.ok(migrateUp(db, { now: clock, squash: false }).ok);
    db.exec('PRAGMA foreign_keys = OFF');
    db.run("INSERT INTO group_artifacts (group_id, artifact_uuid, position, added_at) VALUES ('g01', 'ffffffffffffffffffffffffffffffff', 9, 't')");
    db.exec('PRAGMA foreign_keys = ON');
    const { result } = compare(db, 'down', { to: BASE });
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'FK_VIOLATION');
    assert.match(result.squash!.reason!, /group_artifacts has foreign key violations/);
  });

  it('extra objects in the schema (not this build’s 0001) fall back to the chain', () => {
    const db = legacyDb(realisticDataset());
    db.exec('CREATE INDEX ix_user_extra ON collection_artifacts (added_at, artifact_id)');
    const { result } = compare(db, 'up');
    assert.equal(result.ok, false, 'the chain refuses to lose the index in its rebuild');
    assert.match(result.squash!.reason!, /ix_user_extra unexpected/);
  });

  it('a failure half way leaves the cache file byte-identical (squashed attempt, then the chain, both rolled back)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'vscode-cache.db');
      const db = legacyDb(realisticDataset());
      db.exec('PRAGMA foreign_keys = OFF');
      // Found only after every table was loaded: the squashed run's key check fails, then the chain's 0005.
      db.run("INSERT INTO group_artifacts (group_id, artifact_id, position, added_at) VALUES ('no-such-group', 'skill:pdf-tools', 0, 't')");
      fs.writeFileSync(file, db.export());
      db.close();
      const before = fs.readFileSync(file);
      const opened = await openCache(file, { migrate: false, now: clock });
      assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
      const cache = opened.value.cache;
      try {
        const r = cache.migrateUp({ now: clock });
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, 'FK_VIOLATION');
        assert.match(r.error!.message, /^0005_group_artifacts_uuid up/);
        assert.equal(r.squash?.used, false);
        assert.equal(r.saved, false);
        assert.deepEqual(fs.readFileSync(file), before, 'the file is untouched');
        assert.equal(migrationStatus(cache.db).current, BASE, 'memory is back to the file');
      } finally {
        cache.close();
      }
    } finally {
      cleanup();
    }
  });

  it('a successful squashed run through the cache file saves head, and down saves 0001', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'vscode-cache.db');
      const db = legacyDb(realisticDataset());
      fs.writeFileSync(file, db.export());
      db.close();
      const opened = await openCache(file, { migrate: false, now: clock });
      assert.ok(opened.ok);
      const cache = opened.value.cache;
      try {
        const up = cache.migrateUp({ now: clock });
        assert.equal(up.ok, true, up.error?.message);
        assert.deepEqual(up.squash, { used: true });
        assert.equal(up.saved, true);
        const down = cache.migrateDown({ to: BASE, now: clock });
        assert.deepEqual(down.squash, { used: true });
        assert.equal(down.saved, true);
      } finally {
        cache.close();
      }
      const saved = newDatabase(SQL, fs.readFileSync(file));
      assert.equal(migrationStatus(saved).current, BASE);
      saved.close();
    } finally {
      cleanup();
    }
  });
});

describe('squashed migrations: pinned to the chain they were composed from', () => {
  it('SQUASHED_CHAIN lists this build’s chain with its checksums (update squash.ts with any migration change)', () => {
    assert.deepEqual(
      SQUASHED_CHAIN.map(([id, sum]) => [id, sum]),
      MIGRATIONS.map((m) => [m.id, migrationChecksum(m)]),
    );
  });
});
