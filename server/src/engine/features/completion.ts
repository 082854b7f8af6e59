/**
 * Completion inside manifests, read from the text (the tree may be broken while typing): keys
 * of the current table, enum values, `type:` then names in references, tag and collection names.
 */
import * as path from 'node:path';
import type { Workspace } from '../workspace/workspace';
import type { CollectionInfo, WorkspaceIndex } from '../workspace/index';
import type { Range, Span } from '../text/lineIndex';
import type { FileKind } from '../model/fileKind';
import { ARTIFACT_TYPES, SKIPPABLE_TYPES, isOneOf } from '../model/vocabulary';
import { slugify } from '../model/identity';
import { type KeySpec, VALUE_DOCS, keysOf, keySpec } from './schema';
import { code, md } from './markdown';
import { artifactMarkdown } from './hover';
import { collectionNamed } from './relations';

/** What a completion item is, for the editor's icon. */
export type CompletionKind = 'property' | 'enum' | 'type' | 'reference' | 'tag' | 'collection' | 'value';

/** One completion item, in plain data. */
export interface CompletionData {
  label: string;
  kind: CompletionKind;
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** The text replacing `replace`; a snippet when `snippet` is set. */
  insertText: string;
  snippet?: boolean;
  replace: Span;
  range: Range;
  filterText?: string;
  sortText?: string;
  /** Ask the editor to complete again after inserting (after `skill:`). */
  retrigger?: boolean;
  /** For artifact items: which artifact, so its documentation can be made when the editor asks (resolve). */
  artifact?: ArtifactKey;
  /** For collection items: the collection's name, for the same reason (a workspace may hold a thousand). */
  collection?: string;
}

/** Names an artifact across requests: its collection folder, type and name. */
export interface ArtifactKey {
  collectionDir: string;
  type: string;
  name: string;
}

/** The documentation of an artifact completion item, made on demand (hover's Markdown). */
export function artifactDocumentation(ws: Workspace, key: ArtifactKey): string | undefined {
  const c = ws.index().byDir.get(key.collectionDir);
  const site = c?.artifacts.find((a) => a.type === key.type && a.name === key.name);
  return site ? artifactMarkdown(ws, site) : undefined;
}

/** The documentation of a collection completion item (the first collection of that name), made on demand. */
export function collectionDocumentation(ws: Workspace, name: string): string | undefined {
  const c = ws.index().byName.get(name)?.[0];
  return c ? code(c.model.dir) : undefined;
}

/** Where the cursor is, read from the text of the current table block. */
interface TextContext {
  /** The table path of the nearest header above (`''` at the top). */
  table: string;
  /** Keys already written in the current table block. */
  present: Set<string>;
  /** The key whose value the cursor is in, if any. */
  key?: string;
  /** In a string: where its content starts and what is typed up to the cursor. */
  string?: { start: number; typed: string; quote: string };
  /** In a value position but not in a string (after `=` or inside `[...]`). */
  bareValue?: { start: number; inArray: boolean };
  /** At a key position: the partial key typed. */
  keyPrefix?: { start: number; typed: string };
}

const HEADER_RE = /^[ \t]*\[\[?[ \t]*([^\]\r\n]*?)[ \t]*\]\]?[ \t]*(#.*)?$/;
const KEY_RE = /^[ \t]*([A-Za-z0-9_-]+|"[^"\r\n]*"|'[^'\r\n]*')(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|"[^"\r\n]*"|'[^'\r\n]*'))*[ \t]*=/;

/** Splits a header's dotted key into segments, unquoting quoted ones. */
function headerSegments(h: string): string[] {
  const out: string[] = [];
  const re = /[ \t]*("([^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)[ \t]*\.?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(h)) && m[0] !== '') {
    const s = m[1];
    out.push(s.startsWith('"') || s.startsWith("'") ? s.slice(1, -1) : s);
  }
  return out;
}

function lastKeySegment(k: string): string {
  const parts = headerSegments(k);
  return parts[parts.length - 1] ?? k;
}

/** The table block around an offset: its header's path and the text range from after the header to the next one. */
function blockAround(kind: FileKind, text: string, offset: number): { table: string; start: number; end: number } {
  let table = '';
  let start = 0;
  let lineEnd = text.lastIndexOf('\n', offset - 1);
  while (lineEnd >= 0) {
    const ls = lineEnd === 0 ? 0 : text.lastIndexOf('\n', lineEnd - 1) + 1;
    const line = text.slice(ls, lineEnd).replace(/\r$/, '');
    const m = HEADER_RE.exec(line);
    if (m && !line.split('#')[0].includes('=')) {
      let segs = headerSegments(m[1]);
      if (kind === 'lock' && segs[0] === 'lock' && segs[1] === 'entries' && segs.length >= 3) segs = ['lock', 'entries', '*', ...segs.slice(3)];
      table = segs.join('.');
      start = lineEnd + 1;
      break;
    }
    if (ls === 0) break;
    lineEnd = ls - 1;
  }
  const next = /\n[ \t]*\[/.exec(text.slice(offset));
  return { table, start, end: next ? offset + next.index : text.length };
}

/** Reads the table, key and string/array state at `offset` by scanning the block from its header. */
function textContext(kind: FileKind, text: string, offset: number): TextContext {
  const block = blockAround(kind, text, offset);
  const ctx: TextContext = { table: block.table, present: new Set() };
  for (const l of text.slice(block.start, block.end).split('\n')) {
    const m = KEY_RE.exec(l);
    if (m) ctx.present.add(lastKeySegment(m[0].replace(/=\s*$/, '').trim()));
  }
  let key: string | undefined;
  let afterEq = -1;
  let depth = 0;
  let inStr: { quote: string; start: number; multi: boolean } | undefined;
  let atLineStart = true;
  let i = block.start;
  while (i < offset) {
    const ch = text[i];
    if (inStr) {
      if (inStr.quote === '"' && ch === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(inStr.multi ? inStr.quote.repeat(3) : inStr.quote, i)) {
        i += inStr.multi ? 3 : 1;
        inStr = undefined;
      } else {
        if (ch === '\n' && !inStr.multi) inStr = undefined;
        i++;
      }
      continue;
    }
    if (ch === '\n') {
      atLineStart = true;
      i++;
      continue;
    }
    if (atLineStart) {
      atLineStart = false;
      if (depth === 0) {
        const eol = text.indexOf('\n', i);
        const m = KEY_RE.exec(text.slice(i, Math.min(offset, eol < 0 ? text.length : eol)));
        if (m) {
          key = lastKeySegment(m[0].replace(/=\s*$/, '').trim());
          i += m[0].length;
          afterEq = i;
          continue;
        }
        // A line at the top level that is not `key =` ends the previous value.
        key = undefined;
        afterEq = -1;
      }
    }
    if (ch === '#') {
      while (i < offset && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const multi = text.startsWith(ch.repeat(3), i);
      inStr = { quote: ch, start: i + (multi ? 3 : 1), multi };
      i += multi ? 3 : 1;
      continue;
    }
    if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    i++;
  }
  if (inStr) {
    if (!inStr.multi && key) ctx.string = { start: inStr.start, typed: text.slice(inStr.start, offset), quote: inStr.quote };
    ctx.key = key;
    return ctx;
  }
  const lineText = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
  if (depth === 0 && /^[ \t]*[A-Za-z0-9_-]*$/.test(lineText)) {
    const typed = trailingKeyChars(lineText);
    ctx.keyPrefix = { start: offset - typed.length, typed };
    return ctx;
  }
  if (key && afterEq >= 0) {
    const tail = trailingKeyChars(lineText);
    ctx.key = key;
    ctx.bareValue = { start: offset - tail.length, inArray: depth > 0 };
  }
  return ctx;
}

/** The bare-key characters that end `s`, scanned backwards: `/[A-Za-z0-9_-]*$/` is quadratic on a long line. */
function trailingKeyChars(s: string): string {
  let i = s.length;
  while (i > 0 && /[A-Za-z0-9_-]/.test(s[i - 1])) i--;
  return s.slice(i);
}

/** The end of the string content the cursor is in (up to the closing quote on the line), for replacing all of it. */
function stringEnd(text: string, offset: number, quote: string): number {
  let i = offset;
  while (i < text.length && text[i] !== quote && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** Completion items at an offset of a file; empty when nothing fits. */
export function completionsAt(ws: Workspace, file: string, offset: number): CompletionData[] {
  const sf = ws.get(file);
  if (!sf || offset < 0 || offset > sf.text.length || sf.kind === 'plugin') return [];
  const ctx = textContext(sf.kind, sf.text, offset);
  const index = ws.index();
  const lines = sf.lines;
  if (ctx.keyPrefix) {
    const specs = keysOf(sf.kind, ctx.table) ?? [];
    const replace = { start: ctx.keyPrefix.start, end: offset + (/^[A-Za-z0-9_-]*/.exec(sf.text.slice(offset))?.[0].length ?? 0) };
    const range = lines.rangeOf(replace);
    return specs
      .filter((s) => !ctx.present.has(s.key) || s.key === ctx.keyPrefix!.typed)
      .filter((s) => s.shape !== 'table' && s.shape !== 'table[]')
      .map((s, i) => ({
        label: s.key,
        kind: 'property',
        detail: `${s.shape}${s.required ? ' · required' : ''}`,
        documentation: keyDoc(s),
        insertText: keySnippet(s),
        snippet: true,
        replace,
        range,
        sortText: `${s.required ? 0 : 1}${String(i).padStart(3, '0')}`,
      }));
  }
  const key = ctx.key;
  if (!key) return [];
  const spec = keySpec(sf.kind, ctx.table, key);
  const values = valuesFor(index, sf.file, sf.kind, ctx.table, key, spec, sf.text, offset);
  if (!values) return [];
  // Every item of a request replaces the same span: one range for all (a list can hold thousands).
  if (ctx.string) {
    const s = ctx.string;
    const replace = { start: s.start, end: stringEnd(sf.text, offset, s.quote) };
    const range = lines.rangeOf(replace);
    return values(s.typed).map((v, i) => placed(v, v.insertText ?? v.label, v.filterText, replace, range, i));
  }
  if (ctx.bareValue) {
    const replace = { start: ctx.bareValue.start, end: offset };
    const range = lines.rangeOf(replace);
    const list = spec?.shape === 'string[]' && !ctx.bareValue.inArray ? (x: string) => `[${x}]` : (x: string) => x;
    return values('').filter((v) => !v.retrigger).map((v, i) => placed(v, list(JSON.stringify(v.insertText ?? v.label)), JSON.stringify(v.label), replace, range, i));
  }
  return [];
}

/** A value item placed at its replacement span (built field by field: spreading thousands of items showed in profiles). */
function placed(v: ValueItem, insertText: string, filterText: string | undefined, replace: Span, range: Range, i: number): CompletionData {
  const out: CompletionData = { label: v.label, kind: v.kind, insertText, replace, range, sortText: v.sortText ?? String(i).padStart(4, '0') };
  if (v.detail !== undefined) out.detail = v.detail;
  if (v.documentation !== undefined) out.documentation = v.documentation;
  if (filterText !== undefined) out.filterText = filterText;
  if (v.snippet) out.snippet = v.snippet;
  if (v.retrigger) out.retrigger = v.retrigger;
  if (v.artifact) out.artifact = v.artifact;
  if (v.collection !== undefined) out.collection = v.collection;
  return out;
}

type ValueItem = Omit<CompletionData, 'range' | 'replace' | 'insertText'> & { insertText?: string };

function keyDoc(s: KeySpec): string {
  return `${s.doc}${s.values ? `\n\nValues: ${s.values.map(code).join(', ')}` : ''}`;
}

function keySnippet(s: KeySpec): string {
  switch (s.shape) {
    case 'string':
    case 'time':
      return s.values ? `${s.key} = "\${1|${s.values.join(',')}|}"` : `${s.key} = "$1"`;
    case 'string[]':
      return `${s.key} = [$1]`;
    case 'boolean':
      return `${s.key} = \${1|false,true|}`;
    default:
      return `${s.key} = $1`;
  }
}

/** The values that fit a key, as a function of what is typed; undefined when the key takes free text. */
function valuesFor(index: WorkspaceIndex, file: string, kind: FileKind, table: string, key: string, spec: KeySpec | undefined, text: string, offset: number): ((typed: string) => ValueItem[]) | undefined {
  const collection = collectionOfFile(index, file);
  const refKeys = (kind === 'collection' && ((table === 'groups' && key === 'members') || (table === 'artifacts.metadata.linked_artifacts' && key === 'artifact_id'))) || (kind === 'skip-prefs' && table === 'skips' && key === 'artifact_key');
  if (refKeys) {
    const types = kind === 'skip-prefs' ? SKIPPABLE_TYPES : ARTIFACT_TYPES;
    const scope = kind === 'skip-prefs' ? index.collections : collection ? [collection] : [];
    return (typed) => referenceItems(scope, types, typed);
  }
  if (kind === 'collection' && (table === 'artifacts' || table === 'artifacts.metadata') && key === 'tags' && collection) {
    return () => tagItems(collection);
  }
  if ((kind === 'collection' && table === 'artifacts.metadata.linked_artifacts' && key === 'artifact_name') || (kind === 'deployed' && table === 'deployed' && key === 'artifact_name')) {
    const b = blockAround(kind, text, offset);
    const block = text.slice(b.start, b.end);
    const type = /^[ \t]*artifact_type[ \t]*=[ \t]*["']([^"'\r\n]*)["']/m.exec(block)?.[1] ?? (kind === 'collection' ? 'skill' : undefined);
    const from = kind === 'deployed' ? /^[ \t]*from_collection[ \t]*=[ \t]*["']([^"'\r\n]*)["']/m.exec(block)?.[1] : undefined;
    const cols = kind === 'deployed' ? (from && collectionNamed(index, from) ? [collectionNamed(index, from)!] : index.collections) : collection ? [collection] : [];
    return () => nameItems(cols, type);
  }
  if (kind === 'deployed' && key === 'from_collection') {
    return () => [...index.byName.entries()].map(([name, cs]) => ({ label: name, kind: 'collection' as const, detail: `${cs[0].artifacts.length} artifacts`, collection: name }));
  }
  if (kind === 'deployed' && key === 'profile_root_dir') {
    return () => [{ label: path.basename(path.dirname(file)), kind: 'value' as const, detail: 'the folder of this file' }];
  }
  if (spec?.values) {
    const enumKind: CompletionKind = key === 'type' || key === 'artifact_type' ? 'type' : 'enum';
    return () => spec.values!.map((v) => ({ label: v, kind: enumKind, detail: key, documentation: VALUE_DOCS[v] }));
  }
  return undefined;
}

/** The collection a collection.toml is (completion in other files has no collection of its own). */
function collectionOfFile(index: WorkspaceIndex, file: string): CollectionInfo | undefined {
  const c = index.collectionOf(file);
  return c?.source.file === file ? c : undefined;
}

function referenceItems(scope: CollectionInfo[], types: readonly string[], typed: string): ValueItem[] {
  const colon = typed.indexOf(':');
  const out: ValueItem[] = [];
  if (colon < 0) {
    types.forEach((t, i) => out.push({ label: `${t}:`, kind: 'type', detail: 'artifact type', documentation: VALUE_DOCS[t], retrigger: true, sortText: `0${String(i).padStart(3, '0')}` }));
  }
  const sep = typed.startsWith('::', colon) ? '::' : ':';
  const typeTyped = colon < 0 ? undefined : typed.slice(0, colon);
  for (const c of scope) {
    for (const a of c.artifacts) {
      if (!isOneOf(types, a.type) || (typeTyped !== undefined && a.type !== typeTyped)) continue;
      const id = `${a.type}${sep}${a.name}`;
      out.push({
        label: colon < 0 ? id : a.name,
        kind: 'reference',
        detail: `${a.type} · ${c.name}`,
        artifact: { collectionDir: c.model.dir, type: a.type, name: a.name },
        insertText: id,
        filterText: id,
        sortText: `1${id}`,
      });
    }
  }
  return dedupe(out);
}

function nameItems(scope: CollectionInfo[], type: string | undefined): ValueItem[] {
  const out: ValueItem[] = [];
  for (const c of scope) {
    for (const a of c.artifacts) {
      if (type !== undefined && a.type !== type) continue;
      out.push({ label: a.name, kind: 'reference', detail: `${a.type} · ${c.name}`, artifact: { collectionDir: c.model.dir, type: a.type, name: a.name } });
    }
  }
  return dedupe(out);
}

function tagItems(c: CollectionInfo): ValueItem[] {
  const out: ValueItem[] = [];
  for (const t of c.model.tagDefinitions) {
    if (!t.name) continue;
    const slug = t.slug?.value ?? slugify(t.name.value);
    const users = c.artifacts.filter((a) => a.entry.tags?.items.some((x) => slugify(x.value) === slug)).length;
    out.push({ label: t.name.value, kind: 'tag', detail: `slug ${slug}${t.color ? ` · ${t.color.value}` : ''}`, documentation: `Tag ${code(t.name.value)} (${md(slug)}), used by ${users} artifact${users === 1 ? '' : 's'}.`, filterText: `${t.name.value} ${slug}` });
  }
  return out;
}

function dedupe(items: ValueItem[]): ValueItem[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = `${i.label}\u0000${i.insertText ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
