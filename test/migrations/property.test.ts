import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MIGRATIONS } from '../../migrations';
import { migrateDown, migrateUp } from '../../server/src/engine/cache/migrate';
import type { Database, SqlJsStatic } from 'sql.js';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { orphanCounts, schemaShape, seedLegacy, snapshotTables } from './fixtures';
import { randomDataset } from './randomLegacy';

describe('property: up then down to any revision restores the exact rows', function () {
  // ~5 s alone; generous because the machine is shared with other test suites.
  this.timeout(120_000);
  let SQL: SqlJsStatic;
  before(async () => {
    SQL = await loadSqlJs();
  });
  const newDb = () => {
    const db = new SQL.Database();
    db.exec('PRAGMA foreign_keys = ON');
    return db;
  };

  it('holds for random legacy datasets with orphans and odd tags (50 runs)', () => {
    fc.assert(
      fc.property(randomDataset, (data) => {
        const db = newDb();
        try {
          seedLegacy(db, data);
          const snapshots: { rows: Record<string, string[]>; shape: Record<string, unknown> }[] = [];
          snapshots.push({ rows: snapshotTables(db), shape: schemaShape(db) });
          for (let i = 1; i < MIGRATIONS.length; i++) {
            const up = migrateUp(db, { steps: 1 });
            assert.equal(up.ok, true, up.error?.message);
            if (i === 5) assert.deepEqual(orphansSoFar(db), orphanCounts(data));
            snapshots.push({ rows: snapshotTables(db), shape: schemaShape(db) });
          }
          for (let i = MIGRATIONS.length - 2; i >= 0; i--) {
            const down = migrateDown(db, { steps: 1 });
            assert.equal(down.ok, true, down.error?.message);
            assert.deepEqual(snapshotTables(db), snapshots[i].rows, `rows differ at ${MIGRATIONS[i].id}`);
            assert.deepEqual(schemaShape(db), snapshots[i].shape, `schema differs at ${MIGRATIONS[i].id}`);
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 50 },
    );
  });
});

function orphansSoFar(db: Database): Record<string, number> {
  const out: Record<string, number> = { collection_artifacts: 0, group_artifacts: 0, artifact_tags: 0 };
  for (const [t, n] of db.exec("SELECT table_name, count(*) FROM _migration_log WHERE kind = 'orphan' GROUP BY table_name")[0]?.values ?? []) {
    out[String(t)] = Number(n);
  }
  return out;
}
