/**
 * What a sync may link: group members, lock entries and plugin children resolve within their own
 * collection (so no sync order or cache history changes them).
 */
import { strict as assert } from 'node:assert';
import type { Database } from 'sql.js';
import { openCache, type OpenedCache } from '../../server/src/engine/cache/db';
import { syncWorkspace } from '../../server/src/engine/cache/sync';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir } from '../helpers/tempWorkspace';

const NOW = '2026-11-23T12:00:00';
const HASH = 'ab'.repeat(32);

function rows(db: Database, sql: string, params: (string | number)[] = []): unknown[][] {
  return db.exec(sql, params)[0]?.values ?? [];
}

function collection(name: string, artifacts: string[], members: string[]): string {
  return (
    `[collection]\nname = "${name}"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n` +
    artifacts.map((a) => `[[artifacts]]\nname = "${a}"\ntype = "skill"\npath = "skills/${a}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n`).join('\n') +
    `\n[[groups]]\nname = "kit"\nmembers = [${members.map((m) => JSON.stringify(m)).join(', ')}]\n`
  );
}

function lock(names: string[]): string {
  return `[lock]\nversion = "1.0.0"\n\n${names.map((n) => `[lock.entries."${n}::skill"]\ncontent_hash = "${HASH}"\nfetched = "2026-01-01T00:00:00"\n`).join('\n')}`;
}


describe('sync: what a collection links to', () => {
  let dir: TempDir;
  let opened: OpenedCache;

  beforeEach(async () => {
    dir = new TempDir();
    const r = await openCache(dir.path('cache.db'));
    assert.ok(r.ok);
    opened = r.value;
  });
  afterEach(() => {
    opened.cache.close();
    dir.dispose();
  });

  function scan(...roots: string[]): Workspace {
    const ws = new Workspace(nodeHost);
    for (const r of roots) ws.scan(dir.path(r));
    return ws;
  }

  function sync(ws: Workspace) {
    const r = syncWorkspace(opened.cache.db, ws.index(), { now: NOW });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  }

  describe('references resolve within their collection', () => {
    const links = (db: Database, col: string) =>
      rows(
        db,
        "SELECT 'lock', l.artifact_name, (SELECT id FROM artifacts WHERE uuid = l.artifact_uuid) FROM lock_entries l JOIN collections c ON c.id = l.collection_id WHERE c.name = ? " +
          "UNION ALL SELECT 'group', a.id, NULL FROM group_artifacts ga JOIN groups g ON g.id = ga.group_id JOIN collections c ON c.id = g.collection_id JOIN artifacts a ON a.uuid = ga.artifact_uuid WHERE c.name = ? ORDER BY 1, 2",
        [col, col],
      );

    it('a member or lock entry naming an artifact only another collection declares links to nothing, whichever collection is synced first', () => {
      // omega (declaring docx) is synced before alpha, zeta (declaring it too) after.
      dir.write({
        'a/alpha/collection.toml': collection('alpha', ['pdf'], ['skill:pdf', 'skill:docx']),
        'a/alpha/collection.lock': lock(['pdf', 'docx']),
        'a/zeta/collection.toml': collection('zeta', ['docx'], []),
        'b/omega/collection.toml': collection('omega', ['docx'], []),
      });
      sync(scan('b', 'a'));
      const want = [
        ['group', 'skill:pdf', null],
        ['lock', 'docx', null],
        ['lock', 'pdf', 'skill:pdf'],
      ];
      assert.deepEqual(links(opened.cache.db, 'alpha'), want);
    });

    it('a collection that stops declaring an artifact loses its links to it, though another collection still declares it', () => {
      dir.write({
        'c/alpha/collection.toml': collection('alpha', ['pdf', 'docx'], ['skill:docx']),
        'c/alpha/collection.lock': lock(['docx']),
        'c/gamma/collection.toml': collection('gamma', ['docx'], []),
      });
      sync(scan('c'));
      assert.deepEqual(links(opened.cache.db, 'alpha'), [
        ['group', 'skill:docx', null],
        ['lock', 'docx', 'skill:docx'],
      ]);
      dir.write({ 'c/alpha/collection.toml': collection('alpha', ['pdf'], ['skill:docx']) });
      sync(scan('c'));
      assert.deepEqual(links(opened.cache.db, 'alpha'), [['lock', 'docx', null]]);
    });

    it('a lock entry matches its artifact by the extension-stripped name, as the lock-orphan rule does', () => {
      dir.write({
        'c/alpha/collection.toml': collection('alpha', ['notes'], []),
        'c/alpha/collection.lock': lock(['notes.md']),
      });
      sync(scan('c'));
      assert.deepEqual(links(opened.cache.db, 'alpha'), [['lock', 'notes.md', 'skill:notes']]);
    });
  });

});
