import type { RuleContext } from './context';
import { closestNames } from '../../workspace/suggest';

/** Lock entries must match an artifact of their collection. */
export function checkLocks(ctx: RuleContext): void {
  for (const c of ctx.index.collections) {
    if (!c.lock) continue;
    const sink = ctx.sink(c.lock.source);
    for (const e of c.lock.model.entries) {
      if (!e.name || !e.type) continue;
      if (!ctx.index.resolve(c, e.type, e.name)) {
        const s = closestNames(e.name, ctx.index.namesOfType(c, e.type)).map((n) => `${n}::${e.type}`);
        sink.add('lock-orphan', e.key.span, `lock entry "${e.key.value}" matches no ${e.type} in collection.toml${s.length ? ` (did you mean "${s[0]}"?)` : ''}`, { data: { suggestions: s } });
      }
    }
  }
}
