import type { RuleContext } from './context';
import type { CollectionInfo, WorkspaceIndex } from '../../workspace/index';
import type { DiagnosticSink } from '../sink';
import type { Field } from '../../model/fields';
import type { ArtifactEntry } from '../../model/collection';
import { parseRef, slugify, stripExtension } from '../../model/identity';
import { ARTIFACT_TYPES, isOneOf } from '../../model/vocabulary';
import { closestNames } from '../../workspace/suggest';

/** Rules on references inside a collection: group members, linked artifacts, tags. */
export function checkCollectionReferences(ctx: RuleContext, c: CollectionInfo): void {
  const sink = ctx.sink(c.source);
  for (const g of c.model.groups) {
    if (!g.members) continue;
    const seen = new Map<string, Field<string>>();
    const gname = g.name ? `group "${g.name.value}"` : 'a group';
    for (const m of g.members.items) {
      const ref = parseRef(m.value);
      if (!ref || ref.form !== 'type:name' || !isOneOf(ARTIFACT_TYPES, ref.type)) {
        const why = !ref ? 'is not of the form type:name' : ref.form !== 'type:name' ? 'uses "::"; group members are written type:name' : `has the unknown type "${ref.type}" (types: ${ARTIFACT_TYPES.join(', ')})`;
        const fix = ref && isOneOf(ARTIFACT_TYPES, ref.type) ? `${ref.type}:${ref.name}` : undefined;
        sink.add('invalid-reference', m.span, `member "${m.value}" of ${gname} ${why}`, fix ? { data: { replacement: JSON.stringify(fix) } } : {});
        continue;
      }
      const key = `${ref.type}:${stripExtension(ref.name)}`;
      const first = seen.get(key);
      if (first) {
        sink.add('duplicate-member', m.span, `${gname} lists "${m.value}" twice (first at line ${c.source.lines.positionAt(first.span.start).line + 1})`);
        continue;
      }
      seen.set(key, m);
      if (!ctx.index.resolve(c, ref.type, ref.name)) reportUnknown(ctx.index, c, sink, m, ref.type, ref.name, `member "${m.value}" of ${gname}`, 'type:name');
    }
  }
  // Thousands of tags are written with a handful of names: slug each name once.
  const slugs = new Map<string, string>();
  for (const a of c.model.artifacts) {
    for (const l of a.linked) {
      if (l.type && !isOneOf(ARTIFACT_TYPES, l.type.value)) {
        sink.add('unknown-linked-type', l.type.span, `linked artifact type "${l.type.value}" is unknown; SkillMeat reads it as "skill"`, {
          data: { suggestions: closestNames(l.type.value, ARTIFACT_TYPES) },
        });
      }
      const type = l.type && isOneOf(ARTIFACT_TYPES, l.type.value) ? l.type.value : 'skill';
      if (l.id) {
        const ref = parseRef(l.id.value);
        if (!ref || !isOneOf(ARTIFACT_TYPES, ref.type)) {
          sink.add('unresolved-link', l.id.span, `artifact_id "${l.id.value}" of a link of ${ownerName(a)} is not of the form type:name or type::name`);
        } else if (!ctx.index.resolve(c, ref.type, ref.name)) {
          reportUnknown(ctx.index, c, sink, l.id, ref.type, ref.name, `artifact_id "${l.id.value}" of a link of ${ownerName(a)}`, ref.form, 'unresolved-link');
        }
      } else if (l.name && !ctx.index.resolve(c, type, l.name.value)) {
        const names = ctx.index.namesOfType(c, type);
        const s = closestNames(l.name.value, names);
        sink.add('unresolved-link', l.name.span, `${ownerName(a)} links to ${type} "${l.name.value}", which is not in collection "${c.name}"${didYouMean(s)}`, { data: { suggestions: s } });
      }
    }
    if (a.tags) {
      for (const t of a.tags.items) {
        if (t.value.trim() === '') {
          sink.add('invalid-tag', t.span, `a tag of ${ownerName(a)} is blank`);
          continue;
        }
        let slug = slugs.get(t.value);
        if (slug === undefined) slugs.set(t.value, (slug = slugify(t.value)));
        if (!slug) {
          sink.add('empty-tag-slug', t.span, `tag "${t.value}" has no letters or digits, so SkillMeat skips it`);
          continue;
        }
        if (!c.tagsBySlug.has(slug)) {
          sink.add('undefined-tag', t.span, `tag "${t.value}" has no [[tag_definitions]] entry with slug "${slug}"; SkillMeat will create it without a colour`, {
            data: { tag: t.value },
          });
        }
      }
    }
  }
}

/** How a finding names the artifact it is in (made only when reported: most artifacts have nothing to report). */
function ownerName(a: ArtifactEntry): string {
  return a.name ? `artifact "${a.name.value}"` : 'an artifact';
}

function didYouMean(s: string[]): string {
  return s.length ? ` (did you mean ${s.map((x) => `"${x}"`).join(' or ')}?)` : '';
}

/** Did-you-mean lists per collection core (one per collection SourceFile) and reference. */
const SUGGESTIONS = new WeakMap<CollectionInfo, Map<string, string[]>>();

/**
 * The closest ids of a collection to a missing `type` + `name`, in the text's own form. Remembered
 * per collection core: after a rename, the hundred deployed files naming the old name all ask
 * the same question, and each answer is an edit distance against every artifact.
 */
function suggestionsFor(index: WorkspaceIndex, c: CollectionInfo, type: string, name: string, sep: string): string[] {
  let byRef = SUGGESTIONS.get(c);
  if (!byRef) SUGGESTIONS.set(c, (byRef = new Map()));
  const key = `${type}\u0000${name}\u0000${sep}`;
  let s = byRef.get(key);
  if (!s) {
    const sameType = closestNames(name, index.namesOfType(c, type)).map((n) => `${type}${sep}${n}`);
    s = sameType.length ? sameType : closestNames(`${type}:${name}`, index.allIds(c)).map((id) => id.replace(':', sep));
    byRef.set(key, s);
  }
  return s;
}

/** Reports a reference to a missing artifact with the closest ids of the collection, in the text's own form. */
export function reportUnknown(index: WorkspaceIndex, c: CollectionInfo, sink: DiagnosticSink, at: Field<string>, type: string, name: string, what: string, form: 'type:name' | 'type::name', code = 'unknown-reference'): void {
  const suggestions = [...suggestionsFor(index, c, type, name, form === 'type::name' ? '::' : ':')];
  sink.add(code, at.span, `${what} names no ${type} in collection "${c.name}"${didYouMean(suggestions)}`, { data: { suggestions } });
}
