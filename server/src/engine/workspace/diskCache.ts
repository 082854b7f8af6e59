import type { Host, HostStat } from '../host';

/**
 * Disk facts (directory listings, lstat, real paths) remembered until `clear`. The rules ask
 * about tens of thousands of artifact paths on every re-check; the answers only change when
 * the file system does, which the language server's watcher reports (Workspace.invalidate).
 * File contents are never cached here.
 */
export class DiskCache implements Host {
  private listings = new Map<string, { name: string; kind: HostStat['kind'] }[]>();
  private stats = new Map<string, HostStat | undefined>();
  private reals = new Map<string, string | undefined>();
  private gen = 0;

  constructor(readonly host: Host) {}

  /** A counter bumped by every clear, so memoised results can tell they are stale. */
  get generation(): number {
    return this.gen;
  }

  /** Forgets everything (the disk changed). */
  clear(): void {
    this.listings = new Map();
    this.stats = new Map();
    this.reals = new Map();
    this.gen++;
  }

  /** Reads through to the host: contents are not cached. */
  readFile(path: string): Uint8Array | Error {
    return this.host.readFile(path);
  }

  /** The host's lstat, remembered. */
  stat(path: string): HostStat | undefined {
    if (this.stats.has(path)) return this.stats.get(path);
    const s = this.host.stat(path);
    this.stats.set(path, s);
    return s;
  }

  /** The host's directory listing, remembered. */
  readDir(path: string): { name: string; kind: HostStat['kind'] }[] {
    let l = this.listings.get(path);
    if (!l) {
      l = this.host.readDir(path);
      this.listings.set(path, l);
    }
    return l;
  }

  /**
   * Reads listings ahead on the host's threads while the caller parses: a cold check of a large
   * workspace lists thousands of artifact containers, each a blocking readdir on the main thread
   * otherwise. `children` names the sub-folders of a listing to read ahead too. Results that
   * arrive after a clear are dropped (the disk changed under them).
   */
  async prefetch(dirs: string[], children: (dir: string, entries: { name: string; kind: HostStat['kind'] }[]) => string[] = () => [], parallel = 16): Promise<void> {
    const read = this.host.readDirAsync?.bind(this.host);
    if (!read) return;
    const gen = this.gen;
    const queue = [...dirs];
    const worker = async (): Promise<void> => {
      for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
        if (this.gen !== gen) return;
        let l = this.listings.get(dir);
        if (!l) {
          l = await read(dir);
          if (this.gen !== gen) return;
          if (!this.listings.has(dir)) this.listings.set(dir, l);
        }
        queue.push(...children(dir, l));
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  /** The host's real path, remembered. */
  realPath(path: string): string | undefined {
    if (this.reals.has(path)) return this.reals.get(path);
    const r = this.host.realPath(path);
    this.reals.set(path, r);
    return r;
  }
}
