import type { RuleContext } from './context';
import { isUuid } from '../../model/identity';

/** ADR-007 uuid rules: the shape, uniqueness across every collection, agreement with the cache. */
export function checkUuids(ctx: RuleContext): void {
  for (const c of ctx.index.collections) {
    const sink = ctx.sink(c.source);
    for (const a of c.model.artifacts) {
      const u = a.uuid;
      if (!u) continue;
      if (!isUuid(u.value)) {
        const fixed = u.value.toLowerCase().replace(/-/g, '');
        sink.add('invalid-uuid', u.span, `uuid "${u.value}" must be 32 lower-case hex digits without dashes`, isUuid(fixed) ? { data: { replacement: JSON.stringify(fixed) } } : {});
        continue;
      }
      const sites = ctx.index.byUuid.get(u.value) ?? [];
      if (sites.length > 1) {
        const others = sites.filter((s) => s.entry !== a);
        sink.add('duplicate-uuid', u.span, `uuid ${u.value} is also used by ${others.map((s) => `${s.type} "${s.name}" in collection "${s.collection.name}"`).join(', ')}; every artifact needs its own`, {
          related: others.map((s) => ({ file: s.collection.source.file, range: s.collection.source.lines.rangeOf(s.entry.uuid!.span), message: `also ${s.type}:${s.name}` })),
        });
      }
      if (a.name && a.type && ctx.options.cachedUuid) {
        const cached = ctx.options.cachedUuid(c.name, a.type.value, a.name.value);
        if (cached && cached !== u.value) {
          sink.add('uuid-conflict', u.span, `the cache knows ${a.type.value}:${a.name.value} as ${cached}; this manifest says ${u.value}`, { data: { replacement: JSON.stringify(cached) } });
        }
      }
    }
  }
}
