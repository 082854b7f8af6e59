import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir, checkTree } from '../helpers/tempWorkspace';
import { baseline } from './baseline';

describe('bad input never throws and the rest is still checked', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => dir.dispose());

  function scanWith(extra: (d: TempDir) => void) {
    dir.write(baseline());
    extra(dir);
    const ws = new Workspace(nodeHost, { maxFileBytes: 1024 * 1024 });
    ws.scan(dir.root);
    return ws;
  }

  it('invalid UTF-8 gives a toml-syntax error at the bad byte', () => {
    const ws = scanWith((d) => (fs.mkdirSync(d.path('other')), fs.writeFileSync(d.path('other/collection.toml'), Buffer.from([0x5b, 0x63, 0x5d, 0x0a, 0x61, 0x20, 0x3d, 0x20, 0x22, 0xff, 0x22, 0x0a]))));
    const ds = ws.diagnosticsOf(dir.path('other/collection.toml'));
    const utf = ds.find((d) => d.code === 'toml-syntax' && /UTF-8/.test(d.message));
    assert.ok(utf, JSON.stringify(ds));
    assert.deepEqual(utf.range.start, { line: 1, character: 5 });
    assert.deepEqual(ws.diagnosticsOf(dir.path('collections/main/collection.toml')), []);
  });

  it('binary junk is reported, not thrown', () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    const ws = scanWith((d) => {
      fs.mkdirSync(d.path('junk'), { recursive: true });
      fs.writeFileSync(d.path('junk/collection.lock'), junk);
    });
    const ds = ws.diagnosticsOf(dir.path('junk/collection.lock'));
    assert.ok(ds.some((d) => d.code === 'toml-syntax' && d.severity === 'error'));
    const sf = ws.get(dir.path('junk/collection.lock'))!;
    for (const d of ds) assert.ok(d.span.start >= 0 && d.span.end <= sf.text.length);
  });

  it('a file over the size limit is skipped with file-too-large', () => {
    const ws = scanWith((d) => {
      fs.mkdirSync(d.path('big'), { recursive: true });
      fs.writeFileSync(d.path('big/collection.toml'), '# ' + 'x'.repeat(2 * 1024 * 1024) + '\n');
    });
    const ds = ws.diagnosticsOf(dir.path('big/collection.toml'));
    assert.equal(ds.length, 1);
    assert.equal(ds[0].code, 'file-too-large');
    assert.match(ds[0].message, /2\.0 MB, over the 1 MB limit/);
  });

  it('a 50 MB manifest with the default limit is skipped quickly, not parsed', () => {
    dir.write({ 'huge/collection.toml': '' });
    fs.writeFileSync(dir.path('huge/collection.toml'), Buffer.alloc(50 * 1024 * 1024, 0x61));
    const ws = new Workspace(nodeHost);
    ws.scan(dir.root);
    assert.equal(ws.diagnosticsOf(dir.path('huge/collection.toml'))[0].code, 'file-too-large');
  });

  it('deeply nested arrays are a diagnostic or a value, never a stack overflow', () => {
    const ws = scanWith((d) => {
      fs.mkdirSync(d.path('deep'), { recursive: true });
      fs.writeFileSync(d.path('deep/collection.lock'), 'a = ' + '['.repeat(100000) + ']'.repeat(100000) + '\n');
    });
    const ds = ws.diagnosticsOf(dir.path('deep/collection.lock'));
    assert.ok(Array.isArray(ds));
  });

  it('a manifest that is a folder gives unreadable-file', () => {
    const ws = scanWith((d) => fs.mkdirSync(d.path('weird/collection.toml'), { recursive: true }));
    const ds = ws.diagnosticsOf(dir.path('weird/collection.toml'));
    assert.equal(ds[0]?.code, 'unreadable-file');
    assert.match(ds[0].message, /is a folder, not a file/);
  });

  it('a composite cycle is reported as membership-cycle', () => {
    const r = checkTree(
      baseline({
        'collections/main/plugins/a/plugin.json': '{"name": "a"}',
        'collections/main/plugins/a/composites/b/plugin.json': '{"name": "b"}',
        'collections/main/plugins/b/plugin.json': '{"name": "b"}',
        'collections/main/plugins/b/composites/a/plugin.json': '{"name": "a"}',
      }),
    );
    try {
      const d = r.diagnostics.find((x) => x.code === 'membership-cycle');
      assert.ok(d, JSON.stringify(r.diagnostics.map((x) => x.code)));
      assert.match(d.message, /composite:a → composite:b → composite:a|composite:b → composite:a → composite:b/);
      assert.equal(d.severity, 'error');
    } finally {
      r.dir.dispose();
    }
  });

  it('uuid-conflict fires when the cache remembers another uuid for the artifact', () => {
    const r = checkTree(baseline(), { rules: { cachedUuid: (c, t, n) => (c === 'main' && t === 'skill' && n === 'pdf-tools' ? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' : undefined) } });
    try {
      const d = r.diagnostics.find((x) => x.code === 'uuid-conflict');
      assert.ok(d);
      assert.equal(d.severity, 'warning');
      assert.match(d.message, /the cache knows skill:pdf-tools as aaaaaaaa/);
    } finally {
      r.dir.dispose();
    }
  });

  it('symlink loops are not followed while scanning', () => {
    dir.write(baseline());
    fs.symlinkSync(dir.root, dir.path('collections/main/loop'));
    const ws = new Workspace(nodeHost);
    const found = ws.scan(dir.root);
    assert.equal(found.filter((f) => f.endsWith('collection.toml')).length, 1);
  });

  it('an artifact path through a symlink that leaves the collection is flagged, never followed', () => {
    dir.write(baseline());
    fs.rmSync(dir.path('collections/main/skills/pdf-tools'), { recursive: true });
    fs.mkdirSync(dir.path('outside/secret'), { recursive: true });
    fs.writeFileSync(dir.path('outside/secret/SKILL.md'), '# not yours\n');
    fs.symlinkSync(dir.path('outside/secret'), dir.path('collections/main/skills/pdf-tools'));
    const ws = new Workspace(nodeHost);
    ws.scan(dir.path('collections'));
    const ds = ws.diagnosticsOf(dir.path('collections/main/collection.toml'));
    assert.deepEqual(ds.map((d) => [d.code, d.message]), [['path-escapes-root', 'path "skills/pdf-tools" goes through a symlink that points outside its root; artifact paths are relative to the collection folder and stay inside it']]);
  });

  it('a symlink that stays inside the collection is fine', () => {
    dir.write(baseline());
    fs.renameSync(dir.path('collections/main/skills/pdf-tools'), dir.path('collections/main/skills/real-pdf'));
    fs.symlinkSync(dir.path('collections/main/skills/real-pdf'), dir.path('collections/main/skills/pdf-tools'));
    const ws = new Workspace(nodeHost);
    ws.scan(dir.path('collections'));
    assert.deepEqual(ws.diagnosticsOf(dir.path('collections/main/collection.toml')), []);
  });

  it('node_modules and .git are skipped', () => {
    dir.write({ ...baseline(), 'node_modules/x/collection.toml': 'bad = ', '.git/collection.toml': 'bad =' });
    const ws = new Workspace(nodeHost);
    const found = ws.scan(dir.root);
    assert.ok(!found.some((f) => f.includes('node_modules') || f.includes('.git')));
  });
});
