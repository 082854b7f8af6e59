/**
 * Minimal text edits to manifests that add what SkillMeat can read back: a key in a table, a
 * member in a group, a linked artifact. Each edit touches only the inserted text, so comments,
 * order and formatting stay; each refuses (with a reason) where an addition would need the
 * file restructured, e.g. an inline table TOML forbids extending.
 */
import type { TomlTable } from '../toml/ast';
import type { SourceFile } from '../workspace/sourceFile';
import type { ArtifactEntry, GroupEntry } from '../model/collection';
import type { TextEditData } from '../features/types';
import { editOf, eolOf, lineEndOf, lineStartOf, tomlString } from '../features/text';

/** An edit, or why none can be made. */
export type EditResult = { ok: true; edit: TextEditData } | { ok: false; reason: string };

/** The end offset of a table's own key/value lines (sub-tables defined by headers excluded). */
function ownContentEnd(table: TomlTable): number | undefined {
  let end: number | undefined;
  for (const e of table.entries.values()) {
    const v = e.value;
    // Sub-tables with their own header, and arrays of tables, live after the table's own lines.
    if (v.kind === 'table' && v.origin === 'header') continue;
    if (v.kind === 'array' && v.ofTables) continue;
    const stop = v.kind === 'table' && v.origin === 'implicit' ? e.keySpan.end : v.span.end;
    end = end === undefined ? stop : Math.max(end, stop);
  }
  return end;
}

/**
 * Adds `key = value` (value already TOML) to a table: after its last own line for a header
 * table, before `}` for an inline one. Refuses when the key is there already.
 */
export function insertKeyEdit(sf: SourceFile, table: TomlTable, key: string, valueToml: string): EditResult {
  if (table.entries.has(key)) return { ok: false, reason: `"${key}" is already set` };
  const eol = eolOf(sf.text);
  if (table.origin === 'inline') {
    const close = table.span.end - 1;
    if (sf.text[close] !== '}') return { ok: false, reason: 'the inline table is not closed' };
    const empty = table.entries.size === 0;
    let at = close;
    while (at > table.span.start + 1 && /[ \t]/.test(sf.text[at - 1])) at--;
    return { ok: true, edit: editOf(sf, { start: at, end: at }, `${empty ? ' ' : ', '}${key} = ${valueToml}${empty ? ' ' : ''}`) };
  }
  if (table.origin !== 'header') return { ok: false, reason: `the table is written as ${table.origin === 'dotted' ? 'dotted keys' : 'part of another table'}` };
  const last = ownContentEnd(table) ?? table.headerSpan?.end;
  if (last === undefined) return { ok: false, reason: 'the table has no header' };
  const ls = lineStartOf(sf.text, last);
  const indent = /^[ \t]*/.exec(sf.text.slice(ls))![0];
  const at = lineEndOf(sf.text, last);
  return { ok: true, edit: editOf(sf, { start: at, end: at }, `${eol}${indent}${key} = ${valueToml}`) };
}

/** Adds a `type:name` member at the end of a group's `members` (creating the key when absent). */
export function addGroupMemberEdit(sf: SourceFile, group: GroupEntry, ref: string): EditResult {
  const m = group.members;
  if (!m) return insertKeyEdit(sf, group.table, 'members', `[${tomlString(ref)}]`);
  if (m.items.some((i) => i.value === ref)) return { ok: false, reason: `"${ref}" is already a member` };
  const lastItem = m.items[m.items.length - 1];
  if (lastItem) return { ok: true, edit: editOf(sf, { start: lastItem.span.end, end: lastItem.span.end }, `, ${tomlString(ref)}`) };
  const open = m.span.start;
  if (sf.text[open] !== '[') return { ok: false, reason: 'members is not an array' };
  return { ok: true, edit: editOf(sf, { start: open + 1, end: open + 1 }, tomlString(ref)) };
}

/** What a linked artifact entry records. */
export interface LinkSpec {
  type: string;
  name: string;
  linkType: 'requires' | 'enables' | 'related';
  createdAt: string;
}

/**
 * Appends a `[[artifacts.metadata.linked_artifacts]]` table after the artifact's last line
 * (its sub-tables included). Refuses when the artifact or its metadata is written inline,
 * which TOML does not let a later header extend.
 */
export function addLinkedArtifactEdit(sf: SourceFile, entry: ArtifactEntry, link: LinkSpec): EditResult {
  const t = entry.table;
  if (t.origin !== 'header') return { ok: false, reason: 'the artifact is written as an inline table; add the link by hand' };
  const meta = t.entries.get('metadata')?.value;
  if (meta && !(meta.kind === 'table' && (meta.origin === 'header' || meta.origin === 'implicit'))) {
    return { ok: false, reason: 'the artifact\'s metadata is written inline or with dotted keys; add the link by hand' };
  }
  const linked = meta && meta.kind === 'table' ? meta.entries.get('linked_artifacts')?.value : undefined;
  if (linked && !(linked.kind === 'array' && linked.ofTables)) return { ok: false, reason: 'linked_artifacts is written as an inline array; add the link by hand' };
  const eol = eolOf(sf.text);
  const at = lineEndOf(sf.text, Math.max(t.span.end - 1, t.span.start));
  const body = [
    '',
    '',
    '[[artifacts.metadata.linked_artifacts]]',
    `artifact_id = ${tomlString(`${link.type}:${link.name}`)}`,
    `artifact_name = ${tomlString(link.name)}`,
    `artifact_type = ${tomlString(link.type)}`,
    `link_type = ${tomlString(link.linkType)}`,
    `created_at = ${tomlString(link.createdAt)}`,
  ].join(eol);
  return { ok: true, edit: editOf(sf, { start: at, end: at }, body) };
}

/** Applies non-overlapping edits to a text (any order). */
export function applyEdits(text: string, edits: { span: { start: number; end: number }; newText: string }[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}
