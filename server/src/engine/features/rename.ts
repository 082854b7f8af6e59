/** Renaming an artifact: every manifest naming it changes in one edit, or a reason why not. */
import type { Workspace } from '../workspace/workspace';
import type { ArtifactSite } from '../workspace/index';
import type { Range, Span } from '../text/lineIndex';
import { lookupKey } from '../model/identity';
import { locate } from './locate';
import { artifactOf } from './navigation';
import { referencesOf } from './relations';
import { editOf, fitsQuotes, quoteOf, tomlString } from './text';
import type { FileEdits } from './types';

/** Why a name cannot be an artifact's, by the rules of `invalid-name`; undefined when it can. */
export function invalidNameReason(name: string): string | undefined {
  if (name.length === 0) return 'an artifact name must not be empty';
  if (name.includes('/') || name.includes('\\')) return `"${name}" must not contain / or \\ (it becomes a file name)`;
  if (name.includes('..')) return `"${name}" must not contain ".."`;
  if (name.startsWith('.')) return `"${name}" must not start with a dot`;
  return undefined;
}

/** What prepareRename answers: the name's place and text, or why renaming is refused there. */
export type PrepareRenameResult = { ok: true; span: Span; range: Range; placeholder: string } | { ok: false; reason: string };

/** Whether the offset is on a renamable artifact name; undefined when it is on nothing renamable at all. */
export function prepareRenameAt(ws: Workspace, file: string, offset: number): PrepareRenameResult | undefined {
  const t = locate(ws, file, offset);
  if (!t) return undefined;
  if (t.kind === 'artifact' && t.role === 'name' && t.site.entry.name) {
    const span = t.site.entry.name.span;
    const inner = span.end - span.start >= 2 ? { start: span.start + 1, end: span.end - 1 } : span;
    return { ok: true, span: inner, range: t.source.lines.rangeOf(inner), placeholder: t.site.name };
  }
  if (t.kind === 'reference') {
    if (t.sites.length === 0) return { ok: false, reason: `"${t.field.value}" names no artifact; fix the reference before renaming` };
    return { ok: true, span: t.nameSpan, range: t.source.lines.rangeOf(t.nameSpan), placeholder: t.sites[0].name };
  }
  if (t.kind === 'artifact') return { ok: false, reason: 'rename an artifact from its name' };
  return { ok: false, reason: 'only artifact names and references to them can be renamed' };
}

/** The outcome of a rename: one edit per file (with the editor version it was computed on), or why it was refused. */
export type RenameResult = { ok: true; site: ArtifactSite; edits: FileEdits[] } | { ok: false; reason: string };

/** Renames the artifact under the offset everywhere it is named: entry, group members, links, lock keys, deployed records, skip keys. */
export function renameArtifact(ws: Workspace, file: string, offset: number, newName: string): RenameResult {
  const t = locate(ws, file, offset);
  const site = artifactOf(t);
  if (!site) return { ok: false, reason: t?.kind === 'reference' ? `"${t.field.value}" names no artifact` : 'there is no artifact here to rename' };
  const bad = invalidNameReason(newName);
  if (bad) return { ok: false, reason: bad };
  const c = site.collection;
  const taken = c.byKey.get(lookupKey(site.type, newName))?.find((s) => lookupKey(s.type, s.name) !== lookupKey(site.type, site.name));
  if (taken) {
    const line = taken.entry.name ? c.source.lines.positionAt(taken.entry.name.span.start).line + 1 : 0;
    const article = /^[aeiou]/.test(site.type) ? 'an' : 'a';
    return { ok: false, reason: `collection "${c.name}" already has ${article} ${site.type} named "${taken.name}" (line ${line})` };
  }
  if (newName === site.name) return { ok: true, site, edits: [] };
  const byFile = new Map<string, FileEdits>();
  const seen = new Set<string>();
  for (const r of referencesOf(ws.index(), site)) {
    if (r.role === 'uuid') continue;
    const key = `${r.source.file}\u0000${r.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let fe = byFile.get(r.source.file);
    if (!fe) {
      fe = { file: r.source.file, version: r.source.version, edits: [] };
      byFile.set(r.source.file, fe);
    }
    if (r.exact && fitsQuotes(newName, quoteOf(r.source.text, r.span))) {
      fe.edits.push(editOf(r.source, r.nameSpan, newName));
    } else {
      // Escapes in the old text or the new name: rewrite the whole literal as a basic string.
      const v = r.field.value;
      fe.edits.push(editOf(r.source, r.span, tomlString(v.slice(0, r.nameOffset) + newName + v.slice(r.nameOffset + r.writtenName.length))));
    }
  }
  for (const fe of byFile.values()) fe.edits.sort((a, b) => a.span.start - b.span.start);
  return { ok: true, site, edits: [...byFile.values()] };
}
