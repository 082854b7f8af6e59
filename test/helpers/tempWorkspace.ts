import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace, type Diagnostic, type WorkspaceOptions } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';

/** Files of a workspace, by relative path; `«` and `»` mark an expected span and are removed. */
export type FileTree = Record<string, string>;

/** A real folder in the OS temp dir, removed by `dispose`. */
export class TempDir {
  readonly root: string;

  constructor(prefix = 'skillmeat-test-') {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  /** Absolute path of a relative one. */
  path(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Writes files (creating folders); returns the marked spans by file. */
  write(tree: FileTree): Map<string, { start: number; end: number }[]> {
    const marks = new Map<string, { start: number; end: number }[]>();
    for (const [rel, raw] of Object.entries(tree)) {
      const { text, spans } = stripMarks(raw);
      const full = this.path(rel);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
      if (spans.length) marks.set(full, spans);
    }
    return marks;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Removes «» markers, returning the text and the spans they enclosed (UTF-16 offsets). */
export function stripMarks(raw: string): { text: string; spans: { start: number; end: number }[] } {
  const spans: { start: number; end: number }[] = [];
  let text = '';
  let open = -1;
  for (const ch of raw) {
    if (ch === '«') open = text.length;
    else if (ch === '»') {
      spans.push({ start: open, end: text.length });
      open = -1;
    } else text += ch;
  }
  return { text, spans };
}

/** Writes a tree to a temp dir, scans it, and returns the workspace and its diagnostics. */
export function checkTree(tree: FileTree, options: WorkspaceOptions = {}): { dir: TempDir; ws: Workspace; diagnostics: Diagnostic[]; marks: Map<string, { start: number; end: number }[]> } {
  const dir = new TempDir();
  const marks = dir.write(tree);
  const ws = new Workspace(nodeHost, options);
  ws.scan(dir.root);
  const diagnostics = [...ws.diagnostics().values()].flat();
  return { dir, ws, diagnostics, marks };
}
