import type { RuleContext } from './context';
import { isUuid } from '../../model/identity';
import type { ArtifactSite, CollectionInfo } from '../../workspace/index';

/** ADR-007 uuid rules of one collection: the shape, and agreement with the uuid the cache remembers. */
export function checkUuidsOf(ctx: RuleContext, c: CollectionInfo): void {
  const sink = ctx.sink(c.source);
  for (const a of c.model.artifacts) {
    const u = a.uuid;
    if (!u) continue;
    if (!isUuid(u.value)) {
      const fixed = u.value.toLowerCase().replace(/-/g, '');
      sink.add('invalid-uuid', u.span, `uuid "${u.value}" must be 32 lower-case hex digits without dashes`, isUuid(fixed) ? { data: { replacement: JSON.stringify(fixed) } } : {});
      continue;
    }
    if (a.name && a.type && ctx.options.cachedUuid) {
      const cached = ctx.options.cachedUuid(c.name, a.type.value, a.name.value);
      if (cached && cached !== u.value) {
        sink.add('uuid-conflict', u.span, `the cache knows ${a.type.value}:${a.name.value} as ${cached}; this manifest says ${u.value}`, { data: { replacement: JSON.stringify(cached) } });
      }
    }
  }
}

/** Uniqueness of uuids across every collection: each holder of a shared uuid is told who else has it. */
export function checkDuplicateUuids(ctx: RuleContext, shared: Map<string, ArtifactSite[]>): void {
  for (const [uuid, sites] of shared) {
    if (sites.length < 2 || !isUuid(uuid)) continue;
    for (const site of sites) {
      const u = site.entry.uuid!;
      const others = sites.filter((s) => s.entry !== site.entry);
      ctx.sink(site.collection.source).add('duplicate-uuid', u.span, `uuid ${uuid} is also used by ${others.map((s) => `${s.type} "${s.name}" in collection "${s.collection.name}"`).join(', ')}; every artifact needs its own`, {
        related: others.map((s) => ({ file: s.collection.source.file, range: s.collection.source.lines.rangeOf(s.entry.uuid!.span), message: `also ${s.type}:${s.name}` })),
      });
    }
  }
}
