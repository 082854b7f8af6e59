import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectImage, openCache } from '../../server/src/engine/cache/db';
import { lockPathFor, readLockOwner } from '../../server/src/engine/cache/lock';
import { loadSqlJs } from '../../server/src/engine/cache/sqljs';
import { tempDir } from './helpers';

const CHILD = path.join(__dirname, 'child.ts');

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the child's output once it prints `line`. */
function waitFor(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes(`${line}\n`)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${line}": ${err}`)));
  });
}

function finish(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
}

describe('cache file shared by real processes', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let file: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'vscode-cache.db');
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exited(c);
      }
    }
    cleanup();
  });

  it('a save waits for another process’s lock, names it, and takes the lock over once that process dies', async () => {
    const opened = await openCache(file, { lock: { timeoutMs: 200, retryMs: 20 } });
    assert.ok(opened.ok);
    const cache = opened.value.cache;
    const holder = start(['hold-lock', file]);
    children.push(holder);
    await waitFor(holder, 'locked');
    assert.equal(readLockOwner(lockPathFor(file))?.pid, holder.pid);
    const busy = cache.save();
    assert.equal(busy.ok, false);
    if (!busy.ok) {
      assert.equal(busy.error.code, 'LOCKED');
      assert.ok(busy.error.message.includes(`process ${holder.pid}`), busy.error.message);
      assert.ok(busy.error.message.includes('test holder'));
    }
    holder.kill('SIGKILL');
    await exited(holder);
    const after = cache.save();
    assert.equal(after.ok, true, after.ok ? '' : after.error.message);
    cache.close();
  });

  it('two processes writing the same file concurrently lose nothing (conflict → reload → retry)', async () => {
    const init = await openCache(file);
    assert.ok(init.ok);
    init.value.cache.close();
    const at = String(Date.now() + 2500);
    const a = start(['writer', file, 'a', '25', at]);
    const b = start(['writer', file, 'b', '25', at]);
    children.push(a, b);
    const [ra, rb] = await Promise.all([finish(a), finish(b)]);
    assert.equal(ra.code, 0, ra.err);
    assert.equal(rb.code, 0, rb.err);
    const check = await openCache(file);
    assert.ok(check.ok);
    const rows = check.value.cache.db.exec('SELECT name, count(*) FROM collections GROUP BY name ORDER BY name')[0].values;
    assert.deepEqual(rows, [
      ['a', 25],
      ['b', 25],
    ]);
    check.value.cache.close();
  });

  it('killing a process in the middle of saving never leaves a torn file', async () => {
    const init = await openCache(file);
    assert.ok(init.ok);
    init.value.cache.close();
    const SQL = await loadSqlJs();
    const seen = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const child = start(['save-loop', file]);
      children.push(child);
      await waitFor(child, 'ready');
      await new Promise((r) => setTimeout(r, 80 + round * 70));
      child.kill('SIGKILL');
      await exited(child);
      const img = inspectImage(SQL, fs.readFileSync(file));
      assert.ok('db' in img, `round ${round}: ${'reason' in img ? img.reason : ''}`);
      if (!('db' in img)) continue;
      const hasMarker = img.db.exec("SELECT 1 FROM sqlite_master WHERE name = 'marker'").length > 0;
      const marker = hasMarker ? img.db.exec('SELECT tag, length(payload) FROM marker') : [];
      if (marker.length) {
        const [tag, len] = marker[0].values[0];
        assert.equal(len, tag === 'A' ? 1_000_000 : 3_000_000);
        seen.add(String(tag));
      } else {
        seen.add('initial');
      }
      img.db.close();
      // Whatever temp file the kill left behind is cleaned up by the next open.
      const reopened = await openCache(file);
      assert.ok(reopened.ok);
      reopened.value.cache.close();
      assert.deepEqual(
        fs.readdirSync(dir).filter((n) => n !== 'vscode-cache.db' && n !== 'vscode-cache.db.lock'),
        [],
      );
    }
    assert.ok(seen.size >= 1);
  });
});
