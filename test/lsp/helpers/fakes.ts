/** In-memory stand-ins for the tests of the watcher logic: a clock that only moves when told, and a file system. */
import * as path from 'node:path';
import type { Host, HostStat } from '../../../server/src/engine';
import type { Clock } from '../../../server/src/lsp/clock';

/** A clock whose timers fire only from `advance`. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }

  /** Moves time forward, firing due timers in order (timers they set fire too when due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

/** A file system in memory: files by absolute path; folders are implied by the files under them. */
export class MemoryHost implements Host {
  readonly files = new Map<string, { text: string; mtimeMs: number }>();
  readonly dirs = new Set<string>();
  reads = 0;

  write(file: string, text: string): void {
    this.files.set(file, { text, mtimeMs: Date.now() });
    for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) this.dirs.add(d);
  }

  delete(file: string): void {
    this.files.delete(file);
  }

  readFile(p: string): Uint8Array | Error {
    this.reads++;
    const f = this.files.get(p);
    return f ? Buffer.from(f.text) : new Error('no such file');
  }

  stat(p: string): HostStat | undefined {
    const f = this.files.get(p);
    if (f) return { kind: 'file', size: Buffer.byteLength(f.text), mtimeMs: f.mtimeMs };
    return this.dirs.has(p) && [...this.files.keys()].some((k) => k.startsWith(p + path.sep)) ? { kind: 'directory', size: 0, mtimeMs: 0 } : undefined;
  }

  readDir(p: string): { name: string; kind: HostStat['kind'] }[] {
    const out = new Map<string, HostStat['kind']>();
    for (const k of this.files.keys()) {
      if (!k.startsWith(p + path.sep)) continue;
      const rest = k.slice(p.length + 1).split(path.sep);
      out.set(rest[0], rest.length === 1 ? 'file' : 'directory');
    }
    return [...out].map(([name, kind]) => ({ name, kind }));
  }

  realPath(p: string): string | undefined {
    return this.stat(p) ? p : undefined;
  }
}
