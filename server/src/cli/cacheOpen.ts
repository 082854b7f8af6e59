import * as path from 'node:path';
import { defaultCachePath, openCache, type OpenedCache } from '../engine/cache/db';
import type { CliIo } from './io';

/**
 * Opens the cache a command works on: a new file is created at head; an existing one must be
 * at head already (migrations only run when asked: `skillmeat-ls migrate up`).
 */
export async function openCliCache(cacheArg: string | undefined, io: CliIo): Promise<{ ok: true; opened: OpenedCache } | { ok: false; message: string }> {
  const file = cacheArg ? path.resolve(io.cwd, cacheArg) : defaultCachePath(io.env);
  const r = await openCache(file, { migrate: false });
  if (!r.ok) return { ok: false, message: r.error.message };
  const opened = r.value;
  for (const w of opened.warnings) io.err(`warning: ${w}\n`);
  const status = opened.cache.status();
  if (!status.ok) {
    opened.cache.close();
    return { ok: false, message: status.error?.message ?? 'the cache cannot be read' };
  }
  if (status.pending.length) {
    if (opened.created) {
      const m = opened.cache.migrateUp();
      if (!m.ok) {
        opened.cache.close();
        return { ok: false, message: m.error?.message ?? 'could not create the cache schema' };
      }
    } else {
      opened.cache.close();
      return { ok: false, message: `the cache ${file} is at revision ${status.current ?? 'base'}, behind this build (${status.head}); run "skillmeat-ls migrate up" first` };
    }
  }
  return { ok: true, opened };
}
