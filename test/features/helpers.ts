/** Helpers of the feature tests: a temp workspace with named files, offsets by needle, edits applied to text. */
import { Workspace, type Position } from '../../server/src/engine';
import type { FileEdits, TextEditData } from '../../server/src/engine/features';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir, type FileTree } from '../helpers/tempWorkspace';
import { baseline } from '../engine/baseline';

export const C = 'collections/main/collection.toml';
export const L = 'collections/main/collection.lock';
export const D = 'project/.claude/.skillmeat-deployed.toml';
export const S = 'project/.claude/.skillmeat_skip_prefs.toml';
export const P = 'collections/main/plugins/kit/plugin.json';

/** A scanned temp workspace and ways to point into it. */
export class Fixture {
  readonly dir = new TempDir('skillmeat-features-');
  readonly ws = new Workspace(nodeHost);

  constructor(tree: FileTree = baseline()) {
    this.dir.write(tree);
    this.ws.scan(this.dir.root);
  }

  /** Absolute path of a relative one. */
  file(rel: string): string {
    return this.dir.path(rel);
  }

  text(rel: string): string {
    return this.ws.get(this.file(rel))!.text;
  }

  /** Offset of the n-th occurrence of a needle in a held file, plus delta. */
  at(rel: string, needle: string, delta = 0, nth = 0): number {
    const t = this.text(rel);
    let i = -1;
    for (let k = 0; k <= nth; k++) {
      i = t.indexOf(needle, i + 1);
      if (i < 0) throw new Error(`"${needle}" not in ${rel}`);
    }
    return i + delta;
  }

  /** The position of an offset in a file. */
  pos(rel: string, offset: number): Position {
    return this.ws.get(this.file(rel))!.lines.positionAt(offset);
  }

  /** The span of the n-th occurrence of a needle. */
  span(rel: string, needle: string, nth = 0): { start: number; end: number } {
    const start = this.at(rel, needle, 0, nth);
    return { start, end: start + needle.length };
  }

  dispose(): void {
    this.dir.dispose();
  }
}

/** A file's text with edits applied (edits must not overlap). */
export function applyEdits(text: string, edits: TextEditData[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}

/** The edits of one file out of a multi-file edit. */
export function editsOf(all: FileEdits[], file: string): TextEditData[] {
  return all.find((f) => f.file === file)?.edits ?? [];
}
