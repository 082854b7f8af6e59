import * as fs from 'node:fs';
import type { Host, HostStat } from '../engine/host';

function kindOf(s: fs.Stats | fs.Dirent): HostStat['kind'] {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  return 'other';
}

/** The Host over the real file system (synchronous: manifests are small and many). */
export const nodeHost: Host = {
  readFile(p) {
    try {
      return fs.readFileSync(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return new Error(err.code === 'EISDIR' ? 'it is a folder, not a file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'no such file' : err.message);
    }
  },
  stat(p) {
    try {
      // A missing path is common (optional files, lower-case variants): no exception for it.
      const s = fs.lstatSync(p, { throwIfNoEntry: false });
      return s && { kind: kindOf(s), size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  },
  readDir(p) {
    try {
      return fs.readdirSync(p, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }));
    } catch {
      return [];
    }
  },
  async readDirAsync(p) {
    try {
      return (await fs.promises.readdir(p, { withFileTypes: true })).map((d) => ({ name: d.name, kind: kindOf(d) }));
    } catch {
      return [];
    }
  },
  realPath(p) {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  },
};
