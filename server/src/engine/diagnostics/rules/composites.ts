import * as path from 'node:path';
import type { RuleContext } from './context';
import type { CollectionInfo } from '../../workspace/index';
import type { DiscoveredComposite } from '../../workspace/composites';
import type { SourceFile } from '../../workspace/sourceFile';
import type { Span } from '../../text/lineIndex';
import { DEPLOYABLE_TYPES, isOneOf } from '../../model/vocabulary';

/** Where to report a composite's problem: its plugin.json, else its [[artifacts]] entry's path. */
function anchorOf(ctx: RuleContext, c: CollectionInfo, comp: DiscoveredComposite): { source: SourceFile; span: Span } | undefined {
  if (comp.pluginFile) {
    for (const sf of ctx.index.others) if (sf.file === comp.pluginFile) return { source: sf, span: { start: 0, end: Math.min(1, sf.text.length) } };
  }
  const site = ctx.index.resolve(c, 'composite', comp.name);
  if (site?.entry.path) return { source: c.source, span: site.entry.path.span };
  for (const a of c.model.artifacts) {
    if (a.path && path.resolve(c.model.dir, a.path.value) === comp.dir) return { source: c.source, span: a.path.span };
  }
  return undefined;
}

/** Composite rules: members must be deployable types, and composites must not contain each other in a cycle. */
export function checkCompositesOf(ctx: RuleContext, c: CollectionInfo): void {
  const byName = new Map(c.composites.map((k) => [k.name, k]));
  for (const comp of c.composites) {
    const anchor = anchorOf(ctx, c, comp);
    if (!anchor) continue;
    const sink = ctx.sink(anchor.source);
    for (const child of comp.children) {
      if (!isOneOf(DEPLOYABLE_TYPES, child.type)) {
        sink.add('non-deployable-member', anchor.span, `composite "${comp.name}" contains ${child.type} "${child.name}" (${path.relative(c.model.dir, child.path)}); only ${DEPLOYABLE_TYPES.join(', ')} can be members`);
      }
    }
    const cycle = findCycle(comp.name, byName);
    if (cycle) {
      sink.add('membership-cycle', anchor.span, `composite membership cycle: ${cycle.map((n) => `composite:${n}`).join(' → ')}`);
    }
  }
}

/** A path from `start` back to itself through composite children, if there is one. */
function findCycle(start: string, byName: Map<string, DiscoveredComposite>): string[] | undefined {
  const stack: string[] = [start];
  const visited = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    const comp = byName.get(name);
    if (!comp) return undefined;
    for (const child of comp.children) {
      if (child.type !== 'composite') continue;
      if (child.name === start) return [...stack, start];
      if (visited.has(child.name)) continue;
      visited.add(child.name);
      stack.push(child.name);
      const found = visit(child.name);
      if (found) return found;
      stack.pop();
    }
    return undefined;
  };
  return visit(start);
}
