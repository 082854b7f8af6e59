import { strict as assert } from 'node:assert';
import type { Database } from 'sql.js';
import { CREATED_TABLE, ORIGINALS_TABLE, POSITIONED_TABLE } from '../../migrations/0007_tags_json_to_junction';
import { migrateDown, migrateUp } from '../../server/src/engine/cache/migrate';
import { dbAt, realisticDataset, snapshotTables, type LegacyDataset } from './fixtures';

const clock = () => new Date('2026-11-23T12:00:00.000Z');

/** The realistic dataset with pdf-tools' two arrays replaced. */
function withArrays(first: string, second: string): LegacyDataset {
  const data = realisticDataset();
  data.collectionArtifacts[0].tags_json = first;
  data.collectionArtifacts[1].tags_json = second;
  return data;
}

/** pdf-tools' list-born tag names in position order. */
function pdfTags(db: Database): string[] {
  const r = db.exec(
    `SELECT t.name FROM artifact_tags at JOIN tags t ON t.id = at.tag_id JOIN artifacts a ON a.uuid = at.artifact_uuid
     WHERE a.id = 'skill:pdf-tools' AND at.position IS NOT NULL ORDER BY at.position`,
  );
  return r.length ? r[0].values.map((v) => String(v[0])) : [];
}

function tables(db: Database): string[] {
  return db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0].values.map((v) => String(v[0]));
}

describe('0007 tags_json → artifact_tags', () => {
  it('reads arrays with escapes exactly like the same arrays written plainly, and gives the escaped text back', async () => {
    const escaped = await dbAt('0006', withArrays('["\\u00fcn\\u00efcode", "Py", "a\\/b"]', '["pdf", "\\ud83d\\ude00 smile"]'));
    const plain = await dbAt('0006', withArrays('["ünïcode", "Py", "a/b"]', '["pdf", "😀 smile"]'));
    const before = snapshotTables(escaped);
    for (const db of [escaped, plain]) assert.equal(migrateUp(db, { steps: 1, now: clock }).ok, true);
    assert.deepEqual(pdfTags(escaped), ['ünïcode', 'Py', 'a/b', 'pdf', '😀 smile']);
    assert.deepEqual(pdfTags(escaped), pdfTags(plain));
    assert.equal(migrateDown(escaped, { steps: 1 }).ok, true);
    assert.deepEqual(snapshotTables(escaped), before);
  });

  it('resolves a slug from the first entry read: an exact tag name found, or a new tag named like that entry', async () => {
    // Tag "Py" has slug "python"; an entry "Py" (slug "py") finds it by name, an entry "py" does not.
    const nameFirst = await dbAt('0006', withArrays('["Py"]', '["py"]'));
    assert.equal(migrateUp(nameFirst, { steps: 1, now: clock }).ok, true);
    assert.deepEqual(pdfTags(nameFirst), ['Py']);
    const newFirst = await dbAt('0006', withArrays('["py"]', '["Py"]'));
    assert.equal(migrateUp(newFirst, { steps: 1, now: clock }).ok, true);
    assert.deepEqual(pdfTags(newFirst), ['py']);
    assert.equal(newFirst.exec("SELECT count(*) FROM tags WHERE slug = 'py' AND color IS NULL")[0].values[0][0], 1);
  });

  it('skips an over-long entry until an entry with the same slug has decided the tag, then links it too', async () => {
    const long = `x${'!'.repeat(100)}y`;
    const db = await dbAt('0006', withArrays(JSON.stringify([long, 'x y']), JSON.stringify([long, 'documents'])));
    const before = snapshotTables(db);
    const up = migrateUp(db, { steps: 1, now: clock });
    assert.equal(up.ok, true, up.error?.message);
    // First array: the long entry cannot name a tag (skipped), "x y" creates "x-y"; the second
    // array's long entry then finds "x-y" by slug.
    assert.deepEqual(pdfTags(db), ['x y', 'Documents']);
    const notTags = up.warnings.find((w) => w.includes('not tags'));
    // The release-notes array has 4 non-tags; pdf-tools adds the one skipped long entry.
    assert.match(notTags ?? '', /: 5 entr\(y\/ies\) were not tags/);
    assert.equal(migrateDown(db, { steps: 1 }).ok, true);
    assert.deepEqual(snapshotTables(db), before);
  });

  it('keeps what down needs in copy tables that down removes, and nothing in the log', async () => {
    const db = await dbAt('0006');
    assert.equal(migrateUp(db, { steps: 1, now: clock }).ok, true);
    for (const t of [ORIGINALS_TABLE, POSITIONED_TABLE, CREATED_TABLE]) assert.ok(tables(db).includes(t), t);
    assert.equal(db.exec("SELECT count(*) FROM _migration_log WHERE migration = '0007_tags_json_to_junction'")[0].values[0][0], 0);
    // The only pre-existing link that a list orders is pdf-tools → Documents.
    assert.deepEqual(db.exec(`SELECT count(*) FROM ${POSITIONED_TABLE}`)[0].values[0][0], 1);
    assert.equal(db.exec(`SELECT count(*) FROM ${CREATED_TABLE}`)[0].values[0][0], 5);
    // No temporary work tables outlive the step.
    assert.deepEqual(db.exec("SELECT name FROM sqlite_temp_master WHERE type = 'table'"), []);
    assert.equal(migrateDown(db, { steps: 1 }).ok, true);
    for (const t of [ORIGINALS_TABLE, POSITIONED_TABLE, CREATED_TABLE]) assert.ok(!tables(db).includes(t), t);
  });

  it('goes back to the exact arrays after a full chain up and down on a dataset where every array is compact JSON', async () => {
    const data = realisticDataset();
    for (const m of data.collectionArtifacts) m.tags_json = JSON.stringify(JSON.parse(m.tags_json));
    const db = await dbAt('0001', data);
    const before = snapshotTables(db);
    assert.equal(migrateUp(db, { now: clock }).ok, true);
    assert.equal(migrateDown(db, { to: '0001' }).ok, true);
    assert.deepEqual(snapshotTables(db), before);
  });
});
