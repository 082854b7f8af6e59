// Starting the real server the way an editor does, with a private SKILLMEAT_HOME per session
// (so "no cache" means no cache, and nothing of the user's home is read).
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LspSession } from './lsp.mjs';

/** A fresh, empty SKILLMEAT_HOME under the run's scratch folder. */
export function freshHome(ctx, label = 'home') {
  mkdirSync(ctx.tmp, { recursive: true });
  return mkdtempSync(join(ctx.tmp, `${label}-`));
}

/** Settings an editor would send: the cache file and collections root inside the private home. */
export function settingsFor(home) {
  return { skillmeat: { cacheFile: join(home, 'vscode-cache.db'), collectionsRoot: join(home, 'collections') } };
}

/** Starts a session over `folders` with `home`; push diagnostics, the server's own defaults otherwise. */
export function startServer(ctx, { folders, home, initExtra = {}, nodeArgs = [] }) {
  if (!ctx.bundles.serverJs) throw new Error(`no server bundle (${ctx.bundles.note}): server/src/lsp/main.ts missing?`);
  const settings = settingsFor(home);
  return LspSession.start({
    serverJs: ctx.bundles.serverJs,
    folders,
    home,
    settings,
    initOptions: { settings: settings.skillmeat, collectionsRoot: settings.skillmeat.collectionsRoot, ...initExtra },
    nodeArgs,
  });
}

/** Every file under `dir` with size and mtime (to see whether the server wrote a cache). */
export function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    let entries = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile()) {
        const s = statSync(f);
        out.push({ file: f, size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  };
  walk(dir);
  return out;
}

/** Files in the home that look like a cache database (what a warm start would read). */
export const cacheFilesIn = (home) => filesUnder(home).filter((f) => /\.(db|sqlite3?)$/.test(f.file) && f.size > 0);
