/** Document links from manifest paths to the files they name, never leaving their root. */
import type { Workspace } from '../workspace/workspace';
import type { Range, Span } from '../text/lineIndex';
import type { Field } from '../model/fields';
import type { SourceFile } from '../workspace/sourceFile';
import { primaryFileAt } from './relations';
import { exactContent } from './text';

/** One link: where it is and the file it opens. */
export interface LinkData {
  span: Span;
  range: Range;
  target: string;
  tooltip: string;
}

function link(ws: Workspace, sf: SourceFile, f: Field<string> | undefined, root: string, type: string | undefined): LinkData | undefined {
  if (!f) return undefined;
  const target = primaryFileAt(ws.host, root, f.value, type);
  if (!target) return undefined;
  const span = exactContent(sf.text, f.span, f.value) ?? f.span;
  return { span, range: sf.lines.rangeOf(span), target, tooltip: `Open ${target}` };
}

/** Links of a file: `[[artifacts]].path` into the collection folder, deployed `artifact_path` into the profile root. */
export function documentLinks(ws: Workspace, file: string): LinkData[] {
  const sf = ws.get(file);
  const m = sf?.model;
  if (!sf || !m) return [];
  const out: (LinkData | undefined)[] = [];
  if (m.kind === 'collection') for (const a of m.artifacts) out.push(link(ws, sf, a.path, m.dir, a.type?.value));
  else if (m.kind === 'deployed') for (const r of m.records) out.push(link(ws, sf, r.artifactPath, m.profileRoot, r.type?.value));
  return out.filter((l): l is LinkData => l !== undefined);
}
