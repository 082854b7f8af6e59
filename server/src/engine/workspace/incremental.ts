/**
 * Re-analysis of an edited open collection by the one `[[artifacts]]` element the edit falls in
 * (decision 0006, "the third pass"). A keystroke in a 1,000-artifact collection.toml used to
 * parse and lower all of its 360 KB again; here only the edited element's text is parsed and
 * lowered, and what lies after it is carried over with its offsets moved by the edit's length.
 *
 * The result must be exactly what `analyzeText` gives for the new text (a property test holds
 * the two together); whenever that cannot be shown cheaply — the old text had syntax errors,
 * the edit touches a header or leaves the element, the element's text does not parse on its own
 * into one element — it answers undefined and the caller analyses the whole file.
 *
 * The previous version's tree and model are reused, and what lies past the edit is shifted in
 * place: an open document's previous SourceFile is dead once replaced (every cache keyed on it
 * is keyed by identity and sees a new SourceFile), so nothing reads its offsets again.
 */
import { LineIndex, type Span } from '../text/lineIndex';
import { parseToml } from '../toml/parse';
import type { TomlArray, TomlEntry, TomlTable, TomlValue } from '../toml/ast';
import { DiagnosticSink } from '../diagnostics/sink';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { type CollectionModel, lowerArtifact } from '../model/collection';
import { PackedField } from '../model/fields';
import type { SourceFile } from './sourceFile';

/** The changed stretch of two texts: old [start, oldEnd) became new [start, oldEnd + delta). */
interface Change {
  start: number;
  oldEnd: number;
  delta: number;
}

/**
 * Where two texts differ, found from both ends by halving: each step compares a stretch of both
 * texts as strings (a memory compare) rather than 360 KB character by character per keystroke.
 */
function changeOf(prev: string, next: string): Change {
  const min = Math.min(prev.length, next.length);
  let lo = 0;
  let hi = min;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (prev.slice(lo, mid) === next.slice(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  const p = lo;
  // The common suffix, no longer than what the prefix leaves of the shorter text.
  const pl = prev.length;
  const nl = next.length;
  lo = 0;
  hi = min - p;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (prev.slice(pl - mid, pl - lo) === next.slice(nl - mid, nl - lo)) lo = mid;
    else hi = mid - 1;
  }
  return { start: p, oldEnd: pl - lo, delta: nl - pl };
}

/** The header starts inside a table: its sub-tables' and arrays of tables' headers, at any depth. */
function headerStarts(t: TomlTable, out: number[]): number[] {
  for (const e of t.entries.values()) headerStartsOf(e.value, out);
  return out;
}

function headerStartsOf(v: TomlValue, out: number[]): void {
  if (v.kind === 'table') {
    if (v.origin === 'header' && v.headerSpan) out.push(v.headerSpan.start);
    if (v.origin !== 'inline') headerStarts(v, out);
  } else if (v.kind === 'array' && v.ofTables) {
    for (const item of v.items) headerStartsOf(item, out);
  }
}

/** A span moved by `delta` where it lies at or past `at` (a new object: span objects may be shared). */
function moved(s: Span, at: number, delta: number): Span {
  return s.start >= at || s.end >= at ? { start: s.start >= at ? s.start + delta : s.start, end: s.end >= at ? s.end + delta : s.end } : s;
}

/** Moves every offset at or past `at` in a value subtree, in place. */
function shiftValue(v: TomlValue, at: number, delta: number): void {
  v.span = moved(v.span, at, delta);
  if (v.kind === 'table') {
    if (v.headerSpan) v.headerSpan = moved(v.headerSpan, at, delta);
    for (const e of v.entries.values()) shiftEntry(e, at, delta);
  } else if (v.kind === 'array') {
    for (const item of v.items) shiftValue(item, at, delta);
  }
}

function shiftEntry(e: TomlEntry, at: number, delta: number): void {
  e.keySpan = moved(e.keySpan, at, delta);
  shiftValue(e.value, at, delta);
}

function isSpan(x: unknown): x is Span {
  return typeof x === 'object' && x !== null && typeof (x as Span).start === 'number' && typeof (x as Span).end === 'number';
}

/**
 * Moves the offsets of a model part in place: fields, lists of fields, their spans. Tree tables
 * the model points at are left alone (the tree is shifted on its own).
 */
function shiftModel(x: unknown, at: number, delta: number): void {
  if (x instanceof PackedField) {
    x.shift(at, delta);
    return;
  }
  if (Array.isArray(x)) {
    for (const item of x) shiftModel(item, at, delta);
    return;
  }
  if (typeof x !== 'object' || x === null) return;
  const o = x as Record<string, unknown>;
  if (o.kind === 'table' && o.entries instanceof Map) return;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if ((k === 'span' || k === 'keySpan') && isSpan(v)) o[k] = moved(v, at, delta);
    else if (typeof v === 'object' && v !== null) shiftModel(v, at, delta);
  }
}

/** A finding carried past the edit: same finding, offsets moved, range read again. */
function movedDiagnostic(d: Diagnostic, at: number, delta: number, lines: LineIndex): Diagnostic {
  const span = moved(d.span, at, delta);
  return { ...d, span, range: lines.rangeOf(span) };
}

/**
 * The analysis of `text`, the next version of the open collection `prev`, computed from `prev`
 * by re-reading only the artifact element the edit falls in; undefined when that cannot be done
 * exactly (then the caller analyses the whole text).
 */
export function reanalyzeCollectionEdit(prev: SourceFile, text: string, version: number | undefined): SourceFile | undefined {
  const model = prev.model;
  if (version === undefined || prev.kind !== 'collection' || prev.version === undefined || model?.kind !== 'collection') return undefined;
  // An open document keeps its tree as a plain property; a detached one would be parsed again.
  const desc = Object.getOwnPropertyDescriptor(prev, 'root');
  const root = desc && 'value' in desc ? (desc.value as TomlTable | undefined) : undefined;
  if (!root) return undefined;
  for (const d of prev.local) if (d.code === 'toml-syntax' || d.related) return undefined;
  const arrEntry = root.entries.get('artifacts');
  const arr = arrEntry?.value;
  if (!arrEntry || arr?.kind !== 'array' || !arr.ofTables || arr.items.length !== model.artifacts.length) return undefined;

  const { start, oldEnd, delta } = changeOf(prev.text, text);
  // Which element: the last whose header starts before the edit.
  let k = -1;
  for (let lo = 0, hi = arr.items.length - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    const h = (arr.items[mid] as TomlTable).headerSpan;
    if (h && h.start < start) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (k < 0) return undefined;
  const element = arr.items[k] as TomlTable;
  const header = element.headerSpan;
  if (element.kind !== 'table' || !header || start < header.end) return undefined;
  if (model.artifacts[k].table !== element) return undefined;
  // The element's text runs to the next header that is not its own: the next element's, or one
  // of the other top-level tables' (a header belongs to the last element before it, so none in
  // between is another element's). Its own headers must all lie inside that stretch, or its
  // text would not parse into it alone.
  let end = k + 1 < arr.items.length ? ((arr.items[k + 1] as TomlTable).headerSpan?.start ?? -1) : prev.text.length;
  if (end < 0) return undefined;
  const others: number[] = [];
  for (const e of root.entries.values()) if (e !== arrEntry) headerStartsOf(e.value, others);
  for (const h of others) if (h > header.start && h < end) end = h;
  for (const h of headerStarts(element, [])) if (h >= end) return undefined;
  if (oldEnd > end) return undefined;

  const fragment = text.slice(header.start, end + delta);
  const parsed = parseToml(fragment);
  if (parsed.errors.length) return undefined;
  const fe = parsed.root.entries;
  const farr = fe.get('artifacts')?.value;
  if (fe.size !== 1 || farr?.kind !== 'array' || !farr.ofTables || farr.items.length !== 1 || farr.items[0].kind !== 'table') return undefined;
  const fresh = farr.items[0];
  shiftValue(fresh, 0, header.start);

  // Past the element, everything moves by delta: the other elements and the other top-level entries.
  const at = end;
  if (delta !== 0) {
    for (let i = k + 1; i < arr.items.length; i++) shiftValue(arr.items[i], at, delta);
    for (const e of root.entries.values()) if (e !== arrEntry) shiftEntry(e, at, delta);
  }
  const items = arr.items.slice();
  items[k] = fresh;
  const last = k === arr.items.length - 1;
  const newArr: TomlArray = {
    ...arr,
    items,
    span: { start: arr.span.start, end: last ? farr.span.end + header.start : arr.span.end >= at ? arr.span.end + delta : arr.span.end },
  };
  const entries = new Map(root.entries);
  entries.set('artifacts', { key: arrEntry.key, keySpan: arrEntry.keySpan, value: newArr });
  const newRoot: TomlTable = { ...root, entries, span: { start: 0, end: text.length } };

  const lines = new LineIndex(text);
  const sink = new DiagnosticSink(prev.file, lines);
  const local: Diagnostic[] = [];
  for (const d of prev.local) {
    if (d.span.start >= header.start && d.span.end <= end && d.span.start < end) continue;
    local.push(d.span.start >= at || d.span.end >= at ? movedDiagnostic(d, at, delta, lines) : d);
  }
  const artifacts = model.artifacts.slice();
  artifacts[k] = lowerArtifact(fresh, sink);
  for (const d of sink.items) local.push(d);
  if (delta !== 0) {
    for (let i = k + 1; i < artifacts.length; i++) shiftModel(artifacts[i], at, delta);
    for (const part of [model.name, model.version, model.created, model.updated, model.mcpServers, model.tagDefinitions, model.groups]) shiftModel(part, at, delta);
  }
  const next: CollectionModel = { ...model, artifacts };
  return { file: prev.file, kind: prev.kind, text, version, lines, root: newRoot, model: next, local };
}
