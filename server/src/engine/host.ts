/** The engine's only window on the outside world; the faces pass a real or a test implementation. */

/** What the engine needs to know of a directory entry or path, without following symlinks. */
export interface HostStat {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
}

export interface Host {
  /** The bytes of a file, or an Error saying why it can't be read (a folder, permissions, gone). */
  readFile(path: string): Uint8Array | Error;
  /** lstat: undefined when the path does not exist. */
  stat(path: string): HostStat | undefined;
  /** Entries of a directory with their kinds (symlinks not followed); [] when unreadable. */
  readDir(path: string): { name: string; kind: HostStat['kind'] }[];
  /** The real path (symlinks resolved), or undefined when it does not resolve. */
  realPath(path: string): string | undefined;
  /** readDir off the calling thread (optional: read-ahead only; [] when unreadable). */
  readDirAsync?(path: string): Promise<{ name: string; kind: HostStat['kind'] }[]>;
}
