import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { locateSqlWasm } from '../../server/src/engine/cache/sqljs';
import { tempDir } from './helpers';

describe('sql.js loading', function () {
  this.timeout(30_000);

  it('from source, finds the wasm in node_modules', () => {
    const p = locateSqlWasm();
    assert.ok(p.endsWith(path.join('sql.js', 'dist', 'sql-wasm.wasm')), p);
    assert.ok(fs.existsSync(p));
  });

  it('bundled, finds the wasm beside the bundle and opens a cache there', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const entry = path.join(dir, 'entry.ts');
      const db = path.resolve(__dirname, '../../server/src/engine/cache/db.ts').replace(/\\/g, '/');
      const sqljs = path.resolve(__dirname, '../../server/src/engine/cache/sqljs.ts').replace(/\\/g, '/');
      fs.writeFileSync(
        entry,
        `import { openCache } from '${db}';\nimport { locateSqlWasm } from '${sqljs}';\n` +
          `openCache(process.argv[2]).then((r) => { console.log(JSON.stringify({ wasm: locateSqlWasm(), ok: r.ok, rev: r.ok && r.value.cache.status().current })); });\n`,
      );
      const out = path.join(dir, 'dist', 'bundle.js');
      await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'silent' });
      fs.copyFileSync(locateSqlWasm(), path.join(dir, 'dist', 'sql-wasm.wasm'));
      // Run from a folder with no node_modules anywhere above, as an installed extension would.
      const r = JSON.parse(execFileSync(process.execPath, [out, path.join(dir, 'cache.db')], { cwd: dir, encoding: 'utf8' }));
      assert.equal(r.wasm, path.join(dir, 'dist', 'sql-wasm.wasm'));
      assert.equal(r.ok, true);
      assert.match(r.rev, /^\d{4}_/);
    } finally {
      cleanup();
    }
  });
});
