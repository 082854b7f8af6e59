import type { RuleContext } from './context';
import type { SourceFile } from '../../workspace/sourceFile';
import { parseRef } from '../../model/identity';
import { SKIPPABLE_TYPES, isOneOf } from '../../model/vocabulary';

/** Skip preferences: keys `type:name` with a type they allow, and a reason. */
export function checkSkipPrefsFile(ctx: RuleContext, sf: SourceFile): void {
  if (sf.model?.kind !== 'skip-prefs') return;
  const sink = ctx.sink(sf);
  for (const s of sf.model.skips) {
    if (s.key) {
      const ref = parseRef(s.key.value);
      if (!ref || ref.form !== 'type:name' || !isOneOf(SKIPPABLE_TYPES, ref.type)) {
        sink.add('invalid-skip-key', s.key.span, `skip key "${s.key.value}" must be type:name with type one of ${SKIPPABLE_TYPES.join(', ')}`);
      }
    }
    if (s.reason && s.reason.value.trim() === '') sink.add('empty-skip-reason', s.reason.span, 'skip_reason must say why the artifact is skipped');
  }
}
