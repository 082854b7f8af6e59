/**
 * Manifest writes of the CLI: compared and written under a short lock beside the file (the race of
 * two real processes is test/reliability/races.test.ts).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock } from '../../server/src/engine/cache/lock';
import { manifestLockPath, writeManifest } from '../../server/src/cli/fileWrite';
import { TempDir } from '../helpers/tempWorkspace';

describe('cli: manifest writes under a lock', () => {
  let dir: TempDir;
  let file: string;

  beforeEach(() => {
    dir = new TempDir();
    file = dir.path('cols/main/collection.toml');
    dir.write({ 'cols/main/collection.toml': 'old\n' });
  });
  afterEach(() => dir.dispose());

  it('the lock is a hidden file beside the manifest, gone after the write', () => {
    assert.equal(manifestLockPath(file), path.join(path.dirname(file), '.collection.toml.lock'));
    assert.equal(writeManifest(file, 'old\n', 'new\n'), undefined);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['collection.toml']);
  });

  it('a text changed since it was read is refused as "changed", the file left as it is and the lock released', () => {
    const r = writeManifest(file, 'seen\n', 'new\n');
    assert.equal(r?.reason, 'changed');
    assert.match(r!.message, /collection.toml changed since it was read; nothing was written/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
    assert.ok(!fs.existsSync(manifestLockPath(file)));
  });

  it('a lock held by another writer makes the write wait, then refuse naming the holder; nothing is written', () => {
    // Held by this process: a live owner (a dead one would be taken over).
    const held = acquireLock(path.join(path.dirname(file), '.collection.toml'), { purpose: 'writing collection.toml' });
    assert.ok(held.ok);
    try {
      const t0 = Date.now();
      const r = writeManifest(file, 'old\n', 'new\n', { timeoutMs: 150, retryMs: 10 });
      assert.ok(Date.now() - t0 >= 140, 'it waited');
      assert.equal(r?.reason, 'locked');
      assert.match(r!.message, new RegExp(`collection.toml is locked by process ${process.pid} .*writing collection.toml.*nothing was written.*delete .*\\.collection\\.toml\\.lock`));
      assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
    } finally {
      held.value.release();
    }
    assert.equal(writeManifest(file, 'old\n', 'new\n'), undefined);
  });

  it('a lock left by a dead process is taken over', () => {
    fs.writeFileSync(manifestLockPath(file), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), token: 'x'.repeat(32), acquiredAt: new Date().toISOString(), purpose: 'writing collection.toml' }));
    assert.equal(writeManifest(file, 'old\n', 'new\n', { isAlive: () => false }), undefined);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.ok(!fs.existsSync(manifestLockPath(file)));
  });

  it('keeps the permission bits', () => {
    fs.chmodSync(file, 0o640);
    assert.equal(writeManifest(file, 'old\n', 'new\n'), undefined);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
  });
});
