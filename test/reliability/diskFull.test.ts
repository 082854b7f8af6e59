/**
 * A cache that cannot be written: a full disk, a read-only folder, a folder that cannot exist.
 * Every case uses a failure the kernel really returns, also when the tests run as root (which
 * ignores permission bits): RLIMIT_FSIZE (`ulimit -f`, writes fail with EFBIG), the immutable
 * attribute (`chattr +i`, EPERM) or permissions for a normal user, a cache path under a regular
 * file (ENOTDIR), a cache path that is a folder (EISDIR), and a full tmpfs (ENOSPC) where mounting
 * one is allowed. Each must give a clear error, leave the previous cache byte for byte, leave no
 * temp file, and — in the server — leave the editor features working.
 *
 * In-process versions with an injected file system (ENOSPC, EROFS) are in test/cache/db.test.ts.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionList, Hover } from 'vscode-languageserver-protocol';
import { positionOf } from '../lsp/helpers/client';
import { CHILD_ENV, Scratch, TestClient, ensureBuilt, makeUnwritable, runCli, sleep, uri } from './helpers';

const HEADER = '[collection]\nname = "main"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n';

/** A collection of `n` skills plus a plugin composite; returns its folder. */
function writeCollection(s: Scratch, n = 400): string {
  let t = HEADER;
  for (let i = 0; i < n; i++) t += `[[artifacts]]\nname = "s${i}"\ntype = "skill"\npath = "skills/s${i}"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n\n`;
  t += '[[groups]]\nname = "kit"\nmembers = ["skill:s0", "skill:missing"]\n';
  s.write('ws/collections/main/collection.toml', t);
  for (let i = 0; i < 3; i++) s.write(`ws/collections/main/skills/s${i}/SKILL.md`, `# s${i}\n`);
  s.write('ws/collections/main/plugins/kit/plugin.json', '{"name": "kit"}\n');
  return s.path('ws');
}

function linkArgs(cache: string, s: Scratch, child: string): string[] {
  return ['link', '--parent', 'composite:kit', '--child', child, '--relation', 'contains', '--cache', cache, '--collections-root', s.path('ws/collections'), s.path('ws')];
}

function leftovers(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.includes('.tmp-') || n.includes('.lock')) : [];
}

describe('reliability: a cache that cannot be written', function () {
  this.timeout(120_000);
  let s: Scratch;
  let cache: string;
  let original: Buffer;

  before(async () => {
    ensureBuilt();
    s = new Scratch();
    writeCollection(s);
    cache = s.path('home/vscode-cache.db');
    const r = await runCli(linkArgs(cache, s, 'skill:s0'), { cwd: s.root });
    assert.equal(r.code, 0, r.err);
    original = fs.readFileSync(cache);
    assert.ok(original.length > 64 * 1024, `a cache of ${original.length} bytes`);
  });
  after(() => s.dispose());

  afterEach(() => {
    // Every case leaves the previous cache exactly as it was, with nothing beside it.
    assert.deepEqual(fs.readFileSync(cache), original, 'the previous cache is unchanged');
    assert.deepEqual(leftovers(path.dirname(cache)), []);
  });

  it('disk full (RLIMIT_FSIZE: every write past 32 KiB fails with EFBIG): link refuses clearly, the cache is intact', async () => {
    const r = await runCli(linkArgs(cache, s, 'skill:s1'), { cwd: s.root, shellPrefix: 'ulimit -f 64;' });
    assert.equal(r.code, 1, `${r.out}\n${r.err}`);
    assert.match(r.err, /the cache was not saved: could not save .*vscode-cache\.db: .*(EFBIG|file too large).*; the previous file is unchanged/i);
    assert.equal(r.err.trim().split('\n').length, 1, 'one line');
    // With no room at all even the lock file cannot be written; its half-made temp is not left
    // behind (it used to be: engine/cache/lock.ts wrote it outside the try that removes it).
    const none = await runCli(linkArgs(cache, s, 'skill:s1'), { cwd: s.root, shellPrefix: 'ulimit -f 0;' });
    assert.equal(none.code, 1, none.out + none.err);
    assert.match(none.err, /could not create the lock file .*(EFBIG|file too large).*nothing was written/i);
    assert.deepEqual(leftovers(path.dirname(cache)), []);
    // Once there is room again, the same command works (and is then undone for the next case).
    const ok = await runCli(linkArgs(`${cache}.copy`, s, 'skill:s1'), { cwd: s.root });
    assert.equal(ok.code, 0, ok.err);
    fs.rmSync(`${cache}.copy`);
    for (const n of fs.readdirSync(path.dirname(cache))) if (n.startsWith('vscode-cache.db.copy')) fs.rmSync(path.join(path.dirname(cache), n));
  });

  it('disk full during a migration: the backup cannot be written, nothing is migrated', async () => {
    // A file one migration behind head, so `migrate up` has a backup and a save to make.
    const old = s.path('home/old.db');
    fs.copyFileSync(cache, old);
    const down = await runCli(['migrate', 'down', '--cache', old], { cwd: s.root });
    assert.equal(down.code, 0, down.err);
    for (const n of fs.readdirSync(path.dirname(old))) if (n.startsWith('old.db.backup-')) fs.rmSync(path.join(path.dirname(old), n));
    const behind = fs.readFileSync(old);
    const r = await runCli(['migrate', 'up', '--cache', old], { cwd: s.root, shellPrefix: 'ulimit -f 64;' });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /could not write the backup .*(EFBIG|file too large)/i);
    assert.deepEqual(fs.readFileSync(old), behind, 'still the old revision, byte for byte');
    assert.deepEqual(fs.readdirSync(path.dirname(old)).filter((n) => n.startsWith('old.db') && n !== 'old.db'), []);
    const status = await runCli(['migrate', 'status', '--cache', old], { cwd: s.root });
    assert.match(status.out, /pending:\n {2}0011_sync_state/);
    fs.rmSync(old);
  });

  it('a read-only cache folder (chmod, or chattr +i as root): a clear refusal, the cache intact', async function () {
    const dir = path.dirname(cache);
    const ro = makeUnwritable(dir);
    if (!ro) this.skip(); // neither permissions nor the immutable attribute can stop writes here
    try {
      const r = await runCli(linkArgs(cache, s, 'skill:s2'), { cwd: s.root });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /could not (save|create the lock file)[^\n]*(no permission|read-only|EACCES|EPERM|not permitted)/i, `${ro!.how}: ${r.err}`);
    } finally {
      ro!.undo();
    }
  });

  it('a cache path under a regular file (ENOTDIR) or that is a folder (EISDIR): a clear refusal, nothing created', async () => {
    s.write('blocker', 'a regular file where a folder should be\n');
    for (const [bad, why] of [[s.path('blocker/sub/vscode-cache.db'), /ENOTDIR|not a directory/i], [s.path('home'), /EISDIR|is a directory|folder/i]] as const) {
      for (const args of [linkArgs(bad, s, 'skill:s2'), ['uuids', '--write', '--cache', bad, '--collections-root', s.path('ws/collections'), s.path('ws')]]) {
        const text = fs.readFileSync(s.path('ws/collections/main/collection.toml'));
        const r = await runCli(args, { cwd: s.root });
        assert.equal(r.code, 1, `${args[0]} ${bad}: ${r.out}${r.err}`);
        assert.match(r.err, why, r.err);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        assert.deepEqual(fs.readFileSync(s.path('ws/collections/main/collection.toml')), text, 'no manifest was written');
      }
    }
    assert.equal(fs.readFileSync(s.path('blocker'), 'utf8'), 'a regular file where a folder should be\n');
  });

  it('a really full disk (a 1 MiB tmpfs, where mounting is allowed): ENOSPC, the cache intact', async function () {
    const mnt = s.path('tmpfs');
    fs.mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      this.skip(); // no permission to mount here
    }
    try {
      const file = path.join(mnt, 'vscode-cache.db');
      fs.copyFileSync(cache, file);
      // Fill the rest of the file system.
      try {
        fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(2 * 1024 * 1024));
      } catch {
        // ENOSPC: full, as wanted.
      }
      const bytes = fs.readFileSync(file);
      const r = await runCli(linkArgs(file, s, 'skill:s2'), { cwd: s.root });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /(the disk is full \(ENOSPC\); the previous file is unchanged|could not create the lock file)/, r.err);
      assert.deepEqual(fs.readFileSync(file), bytes);
      assert.deepEqual(leftovers(mnt), []);
    } finally {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    }
  });

  describe('the server keeps every editor feature working', () => {
    async function features(client: TestClient, file: string): Promise<void> {
      const text = fs.readFileSync(file, 'utf8');
      const p = await client.waitDiagnostics(file, (ds) => ds.some((d) => d.code === 'unknown-reference'));
      assert.ok(p.diagnostics.some((d) => d.code === 'path-missing'));
      const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position: positionOf(text, '"skill:missing"', 3) });
      assert.match(JSON.stringify(hover?.contents), /missing/);
      const comp = await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: uri(file) }, position: positionOf(text, '"skill:s0"', 7) });
      assert.ok(comp.items.length > 0);
      // Edits are still checked.
      await client.open(file, text, 1);
      await client.change(file, text.replace('"skill:missing"', '"skill:s1"'), 2);
      const after = await client.waitDiagnostics(file, (_d, q) => q.version === 2);
      assert.ok(!after.diagnostics.some((d) => d.code === 'unknown-reference'));
      await client.change(file, text, 3);
      await client.waitDiagnostics(file, (_d, q) => q.version === 3);
    }

    it('with its cache under a regular file: the cache is unavailable with one reason; diagnostics, hover, completion work', async () => {
      const home = s.path('blocker/home');
      const client = new TestClient({ ...CHILD_ENV, HOME: s.root, SKILLMEAT_HOME: home });
      try {
        await client.start({ folders: [s.path('ws')], collectionsRoot: s.path('ws/collections'), init: { cacheSaveDelayMs: 20 } });
        await features(client, s.path('ws/collections/main/collection.toml'));
        const status = await client.request<{ state: string; error?: string }>('skillmeat/cacheStatus', {});
        assert.equal(status.state, 'unavailable', JSON.stringify(status));
        assert.match(status.error ?? '', /ENOTDIR|not a directory/i);
        const shown = client.notifications.filter((n) => n.method === 'window/showMessage');
        assert.equal(shown.length, 1, JSON.stringify(shown));
      } finally {
        assert.equal(await client.stop(), 0);
      }
    });

    it('with its cache folder made read-only while it runs: saves fail with a reason, the file stays, features work', async function () {
      const home = s.path('server-home');
      fs.mkdirSync(home, { recursive: true });
      fs.copyFileSync(cache, path.join(home, 'vscode-cache.db'));
      const bytes = fs.readFileSync(path.join(home, 'vscode-cache.db'));
      const client = new TestClient({ ...CHILD_ENV, HOME: s.root, SKILLMEAT_HOME: home });
      let ro: ReturnType<typeof makeUnwritable>;
      try {
        await client.start({ folders: [s.path('ws')], collectionsRoot: s.path('ws/collections'), init: { cacheSaveDelayMs: 20 } });
        await client.waitNotification<{ state: string; unsaved: boolean }>('skillmeat/cacheChanged', (h) => h.state === 'ready' && !h.unsaved, 15_000, true);
        await client.waitNotification('skillmeat/watching', () => true, 15_000, true);
        const saved = fs.readFileSync(path.join(home, 'vscode-cache.db'));
        ro = makeUnwritable(home);
        if (!ro) this.skip();
        // A change the cache has to save: a new artifact in the manifest, on disk.
        const col = s.path('ws/collections/main/collection.toml');
        fs.appendFileSync(col, '\n[[artifacts]]\nname = "fresh"\ntype = "skill"\npath = "skills/s0"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n');
        const t0 = Date.now();
        let status: { lastSave?: { ok: boolean; error?: string }; state: string } = { state: '' };
        while (Date.now() - t0 < 15_000) {
          status = await client.request('skillmeat/cacheStatus', {});
          if (status.lastSave && !status.lastSave.ok) break;
          await sleep(100);
        }
        assert.equal(status.lastSave?.ok, false, JSON.stringify(status));
        assert.match(status.lastSave?.error ?? '', /no permission|read-only|EACCES|EPERM|not permitted/i);
        assert.deepEqual(fs.readFileSync(path.join(home, 'vscode-cache.db')), saved, 'the file on disk is the last good save');
        void bytes;
        await features(client, col);
        ro!.undo();
        ro = undefined;
        fs.writeFileSync(col, fs.readFileSync(col, 'utf8').replace(/\n\[\[artifacts\]\]\nname = "fresh"[^[]*$/, '\n'));
      } finally {
        ro?.undo();
        assert.equal(await client.stop(), 0);
      }
    });
  });
});
