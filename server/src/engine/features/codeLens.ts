/** Code lenses over artifact entries and composites: members, parents, deployments. */
import type { Workspace } from '../workspace/workspace';
import type { ArtifactSite } from '../workspace/index';
import type { Range, Span } from '../text/lineIndex';
import { compositeOf, deploymentsOf, parentsOf } from './relations';
import { plural } from './markdown';

/** One lens: its title and the artifact it is about. */
export interface CodeLensData {
  span: Span;
  range: Range;
  title: string;
  /** Where the artifact's name is, for a "show references" command. */
  nameSpan?: Span;
}

/** The lens line of an artifact ("3 members · 2 parents · deployed in 4 projects"). */
export function lensTitle(ws: Workspace, site: ArtifactSite): string {
  const parts: string[] = [];
  const comp = compositeOf(site);
  if (site.type === 'composite') parts.push(comp ? plural(comp.children.length, 'member') : 'no members found on disk');
  const parents = parentsOf(site);
  if (parents.length) parts.push(plural(parents.length, 'parent'));
  const projects = new Set(deploymentsOf(ws.index(), site).map((d) => d.model.projectDir)).size;
  parts.push(projects ? `deployed in ${plural(projects, 'project')}` : 'not deployed');
  return parts.join(' · ');
}

/** Lenses of a file: one per `[[artifacts]]` entry of a collection.toml, one atop a composite's plugin.json. */
export function codeLensesOf(ws: Workspace, file: string): CodeLensData[] {
  const sf = ws.get(file);
  if (!sf) return [];
  const index = ws.index();
  const out: CodeLensData[] = [];
  if (sf.model?.kind === 'collection') {
    const c = index.byDir.get(sf.model.dir);
    if (!c || c.source !== sf) return [];
    for (const site of c.artifacts) {
      const span = site.entry.table.headerSpan ?? site.entry.name?.span ?? site.entry.table.span;
      out.push({ span, range: sf.lines.rangeOf(span), title: lensTitle(ws, site), nameSpan: site.entry.name?.span });
    }
  } else if (sf.model?.kind === 'plugin') {
    for (const c of index.collections) {
      const comp = c.composites.find((k) => k.pluginFile === file);
      if (!comp) continue;
      const site = index.resolve(c, 'composite', comp.name);
      const span = { start: 0, end: 0 };
      out.push({ span, range: sf.lines.rangeOf(span), title: site ? `composite:${comp.name} · ${lensTitle(ws, site)}` : `composite:${comp.name} · ${plural(comp.children.length, 'member')} · no [[artifacts]] entry in collection "${c.name}"` });
    }
  }
  return out;
}
