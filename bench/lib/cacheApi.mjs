// The cache engineer's API (server/src/engine/cache), bundled on demand into bench/.tools so
// the bench can fill a legacy database and, when the CLI has no `migrate` command yet, migrate
// through the same CacheFile methods the CLI and the server use.
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { BENCH } from './corpora.mjs';
import { TOOLS_DIR } from './tools.mjs';

const ROOT = join(BENCH, '..');
const OUT = join(TOOLS_DIR, 'cache-api.cjs');
const require = createRequire(import.meta.url);

function newestMtime(dir) {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const f = join(dir, e.name);
    if (e.isDirectory()) m = Math.max(m, newestMtime(f));
    else if (e.name.endsWith('.ts')) m = Math.max(m, statSync(f).mtimeMs);
  }
  return m;
}

export async function loadCacheApi() {
  const src = Math.max(newestMtime(join(ROOT, 'server/src/engine/cache')), newestMtime(join(ROOT, 'migrations')));
  if (!existsSync(OUT) || statSync(OUT).mtimeMs < src) {
    const esbuild = await import('esbuild');
    mkdirSync(TOOLS_DIR, { recursive: true });
    await esbuild.build({
      stdin: {
        contents: [
          "export { openCache } from './server/src/engine/cache/db';",
          "export { migrateUp, migrateDown, migrationStatus } from './server/src/engine/cache/migrate';",
          "export { loadSqlJs, newDatabase } from './server/src/engine/cache/sqljs';",
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
        sourcefile: 'bench-cache-api.ts',
      },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: OUT,
      logLevel: 'error',
    });
  }
  delete require.cache[OUT];
  return { api: require(OUT), bundle: OUT };
}
