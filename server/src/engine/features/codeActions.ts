/**
 * Quick fixes for the engine's findings (from their `data`), and the source actions "Write all
 * missing uuids" and "Sort group members". Every edit is minimal and keeps comments and layout.
 */
import { randomUUID } from 'node:crypto';
import type { Workspace } from '../workspace/workspace';
import type { SourceFile } from '../workspace/sourceFile';
import type { Span } from '../text/lineIndex';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { TomlTable } from '../toml/ast';
import { slugify } from '../model/identity';
import { editOf, eolOf, exactContent, fitsQuotes, lineEndOf, lineStartOf, nextLineStart, quoteOf, tomlString } from './text';
import { headerTables } from './tree';
import type { FileEdits, TextEditData } from './types';

/** The kinds of code action the engine makes. */
export const ACTION_KINDS = {
  quickFix: 'quickfix',
  writeMissingUuids: 'source.skillmeat.writeMissingUuids',
  sortMembers: 'source.skillmeat.sortMembers',
} as const;

/** One code action in plain data. */
export interface CodeActionData {
  title: string;
  kind: string;
  /** The engine findings this action fixes. */
  diagnostics?: Diagnostic[];
  edits: FileEdits[];
  isPreferred?: boolean;
}

/** Options of code actions: a uuid maker (tests pass a fixed one; the server the cache's remembered uuid). */
export interface CodeActionOptions {
  newUuid?: (type: string, name: string) => string;
}

/** A fresh ADR-007 uuid: 32 lower-case hex digits. */
export function newUuid(): string {
  return randomUUID().replace(/-/g, '');
}

/** Every code action for a span of a file: fixes for the findings it touches, then the source actions. */
export function codeActionsFor(ws: Workspace, file: string, span: Span, options: CodeActionOptions = {}): CodeActionData[] {
  const sf = ws.get(file);
  if (!sf) return [];
  const out: CodeActionData[] = [];
  for (const d of ws.diagnosticsOf(file)) {
    if (d.span.end < span.start || d.span.start > span.end) continue;
    out.push(...fixesFor(sf, d));
  }
  const uuids = writeMissingUuids(ws, file, options.newUuid);
  if (uuids.length) out.push({ title: 'Write all missing uuids', kind: ACTION_KINDS.writeMissingUuids, edits: uuids });
  const sorted = sortGroupMembers(ws, file);
  if (sorted.length) out.push({ title: 'Sort group members', kind: ACTION_KINDS.sortMembers, edits: sorted });
  return out;
}

function single(sf: SourceFile, edits: TextEditData[]): FileEdits[] {
  return [{ file: sf.file, version: sf.version, edits }];
}

/** The text a string literal should become to hold `value`, in the literal's own quotes when they fit. */
function literalFor(sf: SourceFile, span: Span, value: string): string {
  const q = quoteOf(sf.text, span);
  const isString = sf.text[span.start] === '"' || sf.text[span.start] === "'";
  if (!isString) return value;
  return fitsQuotes(value, q) ? `${q}${value}${q}` : tomlString(value);
}

/** A suggestion in the form the text uses: a bare name where the text has no type (deployed names). */
function suggestionFor(current: string | undefined, suggestion: string): string {
  if (current === undefined || current.includes(':')) return suggestion;
  const i = suggestion.indexOf(':');
  if (i < 0) return suggestion;
  return suggestion.startsWith('::', i) ? suggestion.slice(i + 2) : suggestion.slice(i + 1);
}

const REPLACEMENT_TITLES: Record<string, (r: string) => string> = {
  'native-datetime': () => 'Quote the datetime',
  'invalid-uuid': (r) => `Normalise the uuid to ${r}`,
  'wrong-container': (r) => `Use the path ${r}`,
  'collection-name-mismatch': (r) => `Rename the collection to ${r}`,
  'profile-root-mismatch': (r) => `Set profile_root_dir to ${r}`,
  'invalid-slug': (r) => `Use the slug ${r}`,
  'unresolved-uuid': (r) => `Use the artifact's uuid ${r}`,
  'uuid-conflict': (r) => `Use the cached uuid ${r}`,
  'discouraged-name': (r) => `Trim the name to ${r}`,
  'invalid-reference': (r) => `Write ${r}`,
};

const DUPLICATE_TABLES: Record<string, string> = {
  'duplicate-artifact': 'artifacts',
  'duplicate-group': 'groups',
  'duplicate-tag-definition': 'tag_definitions',
  'duplicate-mcp-server': 'mcp_servers',
  'duplicate-deployment': 'deployed',
};

/** The quick fixes of one finding. */
export function fixesFor(sf: SourceFile, d: Diagnostic): CodeActionData[] {
  const out: CodeActionData[] = [];
  const seen = new Set<string>();
  const add = (title: string, edits: TextEditData[], preferred = false): void => {
    const key = edits.map((e) => `${e.span.start}:${e.span.end}:${e.newText}`).join('|');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ title, kind: ACTION_KINDS.quickFix, diagnostics: [d], edits: single(sf, edits), isPreferred: preferred || undefined });
  };
  const literal = sf.text.slice(d.span.start, d.span.end);
  const content = exactContent(sf.text, d.span, literal.slice(1, -1)) ? literal.slice(1, -1) : undefined;
  (d.data?.suggestions ?? []).slice(0, 3).forEach((s, i) => {
    const v = suggestionFor(content, s);
    add(`Change to "${v}"`, [editOf(sf, d.span, literalFor(sf, d.span, v))], i === 0);
  });
  if (d.data?.replacement !== undefined) {
    const r = d.data.replacement;
    add((REPLACEMENT_TITLES[d.code] ?? ((x: string) => `Replace with ${x}`))(r), [editOf(sf, d.span, r)], out.length === 0);
  }
  if (d.code === 'undefined-tag' && d.data?.tag) {
    const e = tagDefinitionEdit(sf, d.data.tag);
    if (e) add(`Add a [[tag_definitions]] entry for "${d.data.tag}"`, [e], true);
  }
  if (d.code === 'duplicate-member') add('Remove the repeated member', [editOf(sf, removeListItem(sf.text, d.span), '')], true);
  const tableKey = DUPLICATE_TABLES[d.code];
  if (tableKey && sf.root) {
    const t = headerTables(sf.root).find((h) => h.path.length === 1 && h.path[0] === tableKey && h.table.span.start <= d.span.start && d.span.end <= h.table.span.end);
    if (t) add(`Remove this duplicate [[${tableKey}]] entry`, [editOf(sf, removeTableBlock(sf.text, t.table), '')]);
  }
  return out;
}

/** The span removing one item of a `[a, b, c]` list with its separator (a whole line in one-per-line lists). */
export function removeListItem(text: string, item: Span): Span {
  let i = item.end;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] === ',') {
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
    // The line start is looked for only when the item ends its line: on a long one-line list,
    // scanning back from every item made a fix for each of its items quadratic.
    if (text[i] === '\n' || text[i] === '\r' || i >= text.length) {
      const ls = lineStartOf(text, item.start);
      if (text.slice(ls, item.start).trim() === '') return { start: ls, end: nextLineStart(text, i) };
    }
    return { start: item.start, end: i };
  }
  // The last item: take the comma before it instead.
  let j = item.start;
  while (j > 0 && /\s/.test(text[j - 1])) j--;
  if (text[j - 1] === ',') return { start: j - 1, end: item.end };
  return item;
}

/** The span of a header table's whole block, with its trailing blank lines. */
export function removeTableBlock(text: string, t: TomlTable): Span {
  const start = lineStartOf(text, t.headerSpan?.start ?? t.span.start);
  let end = nextLineStart(text, t.span.end);
  for (;;) {
    const le = lineEndOf(text, end);
    if (end >= text.length || text.slice(end, le).trim() !== '') break;
    end = nextLineStart(text, end);
  }
  return { start, end };
}

/** An insertion adding a tag definition for a tag, in the style of the file (`[[…]]` or an inline array). */
function tagDefinitionEdit(sf: SourceFile, tag: string): TextEditData | undefined {
  const slug = slugify(tag);
  if (!slug) return undefined;
  const eol = eolOf(sf.text);
  const existing = sf.root?.entries.get('tag_definitions')?.value;
  if (existing?.kind === 'array' && !existing.ofTables) {
    const close = existing.span.end - 1;
    let j = close;
    while (j > existing.span.start + 1 && /\s/.test(sf.text[j - 1])) j--;
    const needsComma = sf.text[j - 1] !== ',' && sf.text[j - 1] !== '[';
    const multiLine = sf.text.slice(existing.span.start, existing.span.end).includes('\n');
    const entry = `{ name = ${tomlString(tag)}, slug = ${tomlString(slug)}, description = "" }`;
    return editOf(sf, { start: j, end: j }, multiLine ? `${needsComma ? ',' : ''}${eol}    ${entry},` : `${needsComma ? ', ' : ''}${entry}`);
  }
  const t = sf.text;
  // Leave exactly one blank line between the last table and the new one.
  const lead = t.length === 0 ? '' : !t.endsWith('\n') ? eol + eol : /\n[ \t]*\r?\n$/.test(t) ? '' : eol;
  return editOf(sf, { start: t.length, end: t.length }, `${lead}[[tag_definitions]]${eol}name = ${tomlString(tag)}${eol}slug = ${tomlString(slug)}${eol}description = ""${eol}`);
}

/**
 * Edits adding `uuid = "<32 hex>"` after the name of every artifact without one, in one collection.toml or all.
 * `make` gets the artifact's type and name, so a caller with a cache can hand out the uuid it remembers.
 */
export function writeMissingUuids(ws: Workspace, file: string | undefined, make: (type: string, name: string) => string = newUuid): FileEdits[] {
  const out: FileEdits[] = [];
  for (const c of ws.index().collections) {
    const sf = c.source;
    if (file !== undefined && sf.file !== file) continue;
    const eol = eolOf(sf.text);
    const edits: TextEditData[] = [];
    for (const a of c.model.artifacts) {
      if (a.uuid || a.table.entries.has('uuid') || !a.name) continue;
      if (a.table.origin === 'inline') {
        edits.push(editOf(sf, { start: a.name.span.end, end: a.name.span.end }, `, uuid = "${make(a.type?.value ?? '', a.name.value)}"`));
        continue;
      }
      const ls = lineStartOf(sf.text, a.name.span.start);
      const indent = /^[ \t]*/.exec(sf.text.slice(ls))![0];
      const at = lineEndOf(sf.text, a.name.span.end);
      edits.push(editOf(sf, { start: at, end: at }, `${eol}${indent}uuid = "${make(a.type?.value ?? '', a.name.value)}"`));
    }
    if (edits.length) out.push({ file: sf.file, version: sf.version, edits });
  }
  return out;
}

/** Edits putting every group's members in alphabetical order, moving only the items that change place. */
export function sortGroupMembers(ws: Workspace, file: string): FileEdits[] {
  const c = ws.index().collections.find((x) => x.source.file === file);
  if (!c) return [];
  const sf = c.source;
  const edits: TextEditData[] = [];
  for (const g of c.model.groups) {
    const items = g.members?.items ?? [];
    const sorted = [...items].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    items.forEach((it, i) => {
      if (sorted[i] !== it) edits.push(editOf(sf, it.span, sf.text.slice(sorted[i].span.start, sorted[i].span.end)));
    });
  }
  return edits.length ? single(sf, edits) : [];
}
