/**
 * What a sync may link and what it may take out: group members, lock entries and plugin children
 * never link to an artifact another collection declares (so neither the order of a sync nor the
 * cache's history changes what they link to among live artifacts; one that left its collection is
 * kept as missing), and the records of a deployed file go when the file is neither in the index
 * nor on disk (an index may be partial: the CLI indexes only its PATHs).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { Database } from 'sql.js';
import { openCache, type OpenedCache } from '../../server/src/engine/cache/db';
import { syncSource, syncWorkspace } from '../../server/src/engine/cache/sync';
import { sourceOf } from '../../server/src/engine/cache/source';
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

function deployed(name: string): string {
  return `[[deployed]]\nartifact_name = "${name}"\nartifact_type = "skill"\nfrom_collection = "alpha"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/${name}"\ncontent_hash = "${HASH}"\n`;
}

describe('sync: what a collection links to, and deployed files that are gone', () => {
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

    it('an artifact that leaves its collection, declared by no other, stays linked and is kept as missing (decision 0005)', () => {
      dir.write({
        'c/alpha/collection.toml': collection('alpha', ['pdf', 'docx'], ['skill:docx']),
        'c/alpha/collection.lock': lock(['docx']),
      });
      sync(scan('c'));
      dir.write({ 'c/alpha/collection.toml': collection('alpha', ['pdf'], ['skill:docx']) });
      const s = sync(scan('c'));
      assert.equal(s.markedMissing, 1);
      assert.deepEqual(links(opened.cache.db, 'alpha'), [
        ['group', 'skill:docx', null],
        ['lock', 'docx', 'skill:docx'],
      ]);
    });

    it('a link of an unchanged collection to a missing artifact goes when another collection declares it', () => {
      dir.write({
        'c/alpha/collection.toml': collection('alpha', ['pdf', 'docx'], ['skill:docx']),
        'c/alpha/collection.lock': lock(['docx']),
      });
      sync(scan('c'));
      dir.write({ 'c/alpha/collection.toml': collection('alpha', ['pdf'], ['skill:docx']) });
      sync(scan('c'));
      dir.write({ 'c/gamma/collection.toml': collection('gamma', ['docx'], []) });
      const s = sync(scan('c'));
      assert.equal(s.collectionsSynced, 1, 'alpha is unchanged');
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

  describe('deployed files that are gone', () => {
    const D1 = 'projects/p1/.claude/.skillmeat-deployed.toml';
    const D2 = 'projects/p2/.claude/.skillmeat-deployed.toml';
    const roots = (db: Database) => rows(db, 'SELECT DISTINCT profile_root FROM deployments ORDER BY 1').map((r) => String(r[0]));

    beforeEach(() => {
      dir.write({
        'cols/alpha/collection.toml': collection('alpha', ['pdf'], []),
        [D1]: deployed('pdf'),
        [D2]: deployed('pdf'),
      });
    });

    it('a deleted deployed file takes its records and its sync state out; the same text written again is synced again', () => {
      sync(scan('cols', 'projects'));
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p1/.claude'), dir.path('projects/p2/.claude')]);
      fs.rmSync(dir.path(D1));
      const s = sync(scan('cols', 'projects'));
      assert.equal(s.deployedFilesRemoved, 1);
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p2/.claude')]);
      assert.deepEqual(rows(opened.cache.db, 'SELECT count(*) FROM sync_state WHERE manifest_path = ?', [dir.path(D1)]), [[0]]);
      dir.write({ [D1]: deployed('pdf') });
      const again = sync(scan('cols', 'projects'));
      assert.equal(again.deployedFilesSynced, 1);
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p1/.claude'), dir.path('projects/p2/.claude')]);
    });

    it('a partial index (the CLI given one project) keeps the records of deployed files it did not index that still exist', () => {
      sync(scan('cols', 'projects'));
      const s = sync(scan('cols', 'projects/p1'));
      assert.equal(s.deployedFilesRemoved, 0);
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p1/.claude'), dir.path('projects/p2/.claude')]);
      // ...and takes out those of a deleted one outside its PATHs too: nothing describes them any more.
      fs.rmSync(dir.path(D2));
      sync(scan('cols', 'projects/p1'));
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p1/.claude')]);
    });

    it('a deleted file still in the source (an editor holding the document open) keeps its records', () => {
      const ws = scan('cols', 'projects');
      sync(ws);
      fs.rmSync(dir.path(D1));
      // The workspace still holds the file's text, as the server does for an open document.
      sync(ws);
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p1/.claude'), dir.path('projects/p2/.claude')]);
    });

    it('asks the given exists() rather than the disk', () => {
      const ws = scan('cols', 'projects');
      sync(ws);
      const r = syncSource(opened.cache.db, { ...sourceOf(ws.index()), deployments: [] }, { now: NOW, exists: (f) => f === dir.path(D2) });
      assert.ok(r.ok);
      assert.equal(r.value.deployedFilesRemoved, 1);
      assert.deepEqual(roots(opened.cache.db), [dir.path('projects/p2/.claude')]);
    });
  });
});
