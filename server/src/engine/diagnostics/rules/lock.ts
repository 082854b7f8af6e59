import type { RuleContext } from './context';
import { closestNames } from '../../workspace/suggest';
import type { CollectionInfo } from '../../workspace/index';

/** Lock entries must match an artifact of their collection. */
export function checkLock(ctx: RuleContext, c: CollectionInfo): void {
  if (!c.lock) return;
  const sink = ctx.sink(c.lock.source);
  for (const e of c.lock.model.entries) {
    if (!e.name || !e.type) continue;
    if (!ctx.index.resolve(c, e.type, e.name)) {
      const s = closestNames(e.name, ctx.index.namesOfType(c, e.type)).map((n) => `${n}::${e.type}`);
      sink.add('lock-orphan', e.key.span, `lock entry "${e.key.value}" matches no ${e.type} in collection.toml${s.length ? ` (did you mean "${s[0]}"?)` : ''}`, { data: { suggestions: s } });
    }
  }
}
