/** Inlay hints: the uuid a deployed record resolves to, and the type a bare linked artifact name is read as. */
import type { Workspace } from '../workspace/workspace';
import type { Position } from '../text/lineIndex';
import { lookupKey } from '../model/identity';
import { collectionNamed, linkedType } from './relations';

/** One hint after a value. */
export interface InlayHintData {
  offset: number;
  position: Position;
  label: string;
  tooltip?: string;
}

/** The hints of a file whose positions fall in [start, end]. */
export function inlayHints(ws: Workspace, file: string, start = 0, end = Number.MAX_SAFE_INTEGER): InlayHintData[] {
  const sf = ws.get(file);
  const m = sf?.model;
  if (!sf || !m) return [];
  const index = ws.index();
  const out: InlayHintData[] = [];
  const add = (offset: number, label: string, tooltip?: string): void => {
    if (offset >= start && offset <= end) out.push({ offset, position: sf.lines.positionAt(offset), label, tooltip });
  };
  if (m.kind === 'deployed') {
    for (const r of m.records) {
      if (!r.name || !r.type || r.uuid) continue;
      const c = collectionNamed(index, r.fromCollection?.value);
      const site = c?.byKey.get(lookupKey(r.type.value, r.name.value))?.[0];
      const uuid = site?.entry.uuid?.value;
      if (uuid) add(r.name.span.end, `uuid ${uuid.slice(0, 8)}…`, `${site!.type}:${site!.name} in collection "${c!.name}" has uuid ${uuid}`);
    }
  } else if (m.kind === 'collection') {
    for (const a of m.artifacts) {
      for (const l of a.linked) {
        if (l.name && !l.type) add(l.name.span.end, `: ${linkedType(l)}`, 'No artifact_type: SkillMeat reads this link as a skill');
      }
    }
  }
  return out;
}
