// Builds the server and the CLI the way esbuild.mjs does (same options), into bench/.tools/dist,
// so a concurrent `node esbuild.mjs` elsewhere cannot swap the bundle under a measurement.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { BENCH } from './corpora.mjs';
import { TOOLS_DIR } from './tools.mjs';

const ROOT = join(BENCH, '..');
const require = createRequire(import.meta.url);

/** { dir, serverJs, cliJs, built, note }; falls back to the repository's dist/ when the build fails. */
export async function buildBundles({ useDist, log = () => {} } = {}) {
  const repoDist = join(ROOT, 'dist');
  const pick = (dir, built, note) => ({
    dir,
    serverJs: existsSync(join(dir, 'server.js')) ? join(dir, 'server.js') : undefined,
    cliJs: existsSync(join(dir, 'cli.js')) ? join(dir, 'cli.js') : undefined,
    built,
    note,
  });
  if (useDist) return pick(useDist, false, `given bundle folder ${useDist}`);
  const out = join(TOOLS_DIR, 'dist');
  mkdirSync(out, { recursive: true });
  try {
    const esbuild = await import('esbuild');
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const entries = [
      ['server/src/lsp/main.ts', 'server.js'],
      ['server/src/cli/main.ts', 'cli.js'],
      // The cache runs in this worker beside server.js; without it the server falls back to an
      // in-process cache, which is not what users run.
      ['server/src/engine/cache/worker.ts', 'cacheWorker.js'],
    ].filter(([e]) => existsSync(join(ROOT, e)));
    await Promise.all(
      entries.map(([entry, file]) =>
        esbuild.build({
          entryPoints: [join(ROOT, entry)],
          outfile: join(out, file),
          bundle: true,
          platform: 'node',
          target: 'node20',
          format: 'cjs',
          sourcemap: true,
          minify: false,
          logLevel: 'error',
          define: { __VERSION__: JSON.stringify(version) },
        }),
      ),
    );
    copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(out, 'sql-wasm.wasm'));
    return pick(out, true, `built from the working tree into bench/.tools/dist`);
  } catch (e) {
    log(`build failed (${String(e.message).split('\n')[0]}); using ${repoDist}`);
    return pick(repoDist, false, `build failed, using dist/: ${String(e.message).split('\n')[0]}`);
  }
}
