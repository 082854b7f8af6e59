/** Folding ranges: tables with their sub-tables, multi-line arrays and inline tables, comment blocks. */
import type { Workspace } from '../workspace/workspace';
import { headerTables, multiLineValues } from './tree';

/** One fold, by lines. */
export interface FoldData {
  startLine: number;
  endLine: number;
  kind?: 'comment';
}

/** The folds of a file, by start line. */
export function foldingRanges(ws: Workspace, file: string): FoldData[] {
  const sf = ws.get(file);
  if (!sf) return [];
  const out: FoldData[] = [];
  const lineOf = (o: number): number => sf.lines.positionAt(o).line;
  if (sf.root) {
    for (const h of headerTables(sf.root)) {
      const start = lineOf(h.headerSpan.start);
      const end = lineOf(h.table.span.end);
      if (end > start) out.push({ startLine: start, endLine: end });
    }
    for (const v of multiLineValues(sf.root)) {
      const start = lineOf(v.span.start);
      const end = lineOf(v.span.end);
      if (end > start) out.push({ startLine: start, endLine: end });
    }
  }
  const lines = sf.text.split(/\r?\n|\r/);
  let run = -1;
  for (let i = 0; i <= lines.length; i++) {
    const isComment = i < lines.length && /^[ \t]*#/.test(lines[i]);
    if (isComment && run < 0) run = i;
    if (!isComment && run >= 0) {
      if (i - 1 > run) out.push({ startLine: run, endLine: i - 1, kind: 'comment' });
      run = -1;
    }
  }
  return out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}
