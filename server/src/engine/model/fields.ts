import type { TomlEntry, TomlTable, TomlValue } from '../toml/ast';
import type { Span } from '../text/lineIndex';
import type { DiagnosticSink } from '../diagnostics/sink';

/** A scalar read from a manifest, with where its key and value are. */
export interface Field<T> {
  value: T;
  span: Span;
  keySpan: Span;
}

/**
 * A Field held as numbers: models live as long as their file, and two span objects per field
 * were most of the objects a 50k workspace keeps (each one copied by every young-generation GC
 * while the workspace loads). Spans are made when asked for, which is rare outside reporting.
 */
export class PackedField<T> implements Field<T> {
  private s: number;
  private e: number;
  private ks: number;
  private ke: number;

  constructor(
    readonly value: T,
    span: Span,
    keySpan: Span,
  ) {
    this.s = span.start;
    this.e = span.end;
    this.ks = keySpan.start;
    this.ke = keySpan.end;
  }

  get span(): Span {
    return { start: this.s, end: this.e };
  }

  get keySpan(): Span {
    return { start: this.ks, end: this.ke };
  }

  /**
   * Moves every offset at or past `at` by `delta`: an edit before it in an open document, whose
   * fields past the edit are carried into the next version instead of being read again.
   */
  shift(at: number, delta: number): void {
    if (this.s >= at) this.s += delta;
    if (this.e >= at) this.e += delta;
    if (this.ks >= at) this.ks += delta;
    if (this.ke >= at) this.ke += delta;
  }

  /** Plain data when serialised (JSON and logs see what a literal Field shows). */
  toJSON(): { value: T; span: Span; keySpan: Span } {
    return { value: this.value, span: this.span, keySpan: this.keySpan };
  }
}

/** A Field of a value at `span` under the key at `keySpan`. */
export function field<T>(value: T, span: Span, keySpan: Span): Field<T> {
  return new PackedField(value, span, keySpan);
}

/** A list of strings read from a manifest; items keep their own spans. */
export interface ListField {
  items: Field<string>[];
  span: Span;
  keySpan: Span;
}

const TYPE_NAMES: Record<TomlValue['kind'], string> = {
  string: 'a string',
  integer: 'an integer',
  float: 'a float',
  boolean: 'a boolean',
  datetime: 'a datetime',
  'datetime-local': 'a datetime',
  'date-local': 'a date',
  'time-local': 'a time',
  array: 'an array',
  table: 'a table',
};

/** How a TOML value's type reads in a message ("an integer"). */
export function describeType(v: TomlValue): string {
  return TYPE_NAMES[v.kind];
}

/** Span to report a missing key at: the table's header, or its first key, or the table. */
export function tableAnchor(t: TomlTable): Span {
  if (t.headerSpan) return t.headerSpan;
  if (t.origin === 'inline') return { start: t.span.start, end: Math.min(t.span.end, t.span.start + 1) };
  const first = t.entries.values().next().value as TomlEntry | undefined;
  return first ? first.keySpan : t.span;
}

/** Reports a missing required key on a table. */
export function reportMissing(t: TomlTable, key: string, where: string, sink: DiagnosticSink): void {
  sink.add('missing-key', tableAnchor(t), `${where} is missing the required key "${key}"`);
}

/** Reads a string key; reports a missing required key or a value of another type. */
export function readString(t: TomlTable, key: string, where: string, sink: DiagnosticSink, required = false): Field<string> | undefined {
  const e = t.entries.get(key);
  if (!e) {
    if (required) reportMissing(t, key, where, sink);
    return undefined;
  }
  if (e.value.kind !== 'string') {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be a string, not ${describeType(e.value)}`);
    return undefined;
  }
  return field(e.value.value, e.value.span, e.keySpan);
}

// Python's datetime.fromisoformat (3.11+) reading of the extended ISO-8601 forms SkillMeat writes.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether a string is an ISO-8601 date or date-time that datetime.fromisoformat accepts. */
export function isIsoTimestamp(s: string): boolean {
  const m = ISO_RE.exec(s);
  if (!m) return false;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const dim = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (day > dim) return false;
  if (m[4] !== undefined && +m[4] > 23) return false;
  if (m[5] !== undefined && +m[5] > 59) return false;
  if (m[6] !== undefined && +m[6] > 59) return false;
  return true;
}

/**
 * Reads a time key, which SkillMeat wants as a quoted ISO string. A native TOML datetime is
 * the classic mistake (it crashes SkillMeat's readers): the diagnostic carries the quoted form
 * as its fix.
 */
export function readTimestamp(t: TomlTable, key: string, where: string, sink: DiagnosticSink, required = false): Field<string> | undefined {
  const e = t.entries.get(key);
  if (!e) {
    if (required) reportMissing(t, key, where, sink);
    return undefined;
  }
  const v = e.value;
  if (v.kind === 'datetime' || v.kind === 'datetime-local' || v.kind === 'date-local' || v.kind === 'time-local') {
    sink.add('native-datetime', v.span, `"${key}" in ${where} is a native TOML ${v.kind === 'time-local' ? 'time' : 'datetime'}; SkillMeat only reads quoted ISO-8601 strings (write "${v.text}")`, {
      data: { replacement: JSON.stringify(v.text) },
    });
    return field(v.text, v.span, e.keySpan);
  }
  if (v.kind !== 'string') {
    sink.add('wrong-type', v.span, `"${key}" in ${where} must be a quoted ISO-8601 time string, not ${describeType(v)}`);
    return undefined;
  }
  if (!isIsoTimestamp(v.value)) {
    sink.add('invalid-timestamp', v.span, `"${key}" in ${where} is not an ISO-8601 time (expected e.g. "2026-03-01T09:00:00")`);
  }
  return field(v.value, v.span, e.keySpan);
}

/** Reads a list of strings; reports a non-array or non-string items (which are skipped). */
export function readStringList(t: TomlTable, key: string, where: string, sink: DiagnosticSink, required = false, itemCode = 'wrong-type'): ListField | undefined {
  const e = t.entries.get(key);
  if (!e) {
    if (required) reportMissing(t, key, where, sink);
    return undefined;
  }
  if (e.value.kind !== 'array' || e.value.ofTables) {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be an array of strings, not ${describeType(e.value)}`);
    return undefined;
  }
  const items: Field<string>[] = [];
  for (const item of e.value.items) {
    if (item.kind !== 'string') {
      sink.add(itemCode, item.span, `items of "${key}" in ${where} must be strings, not ${describeType(item)}`);
      continue;
    }
    items.push(field(item.value, item.span, e.keySpan));
  }
  return { items, span: e.value.span, keySpan: e.keySpan };
}

/** Reads an integer key as a number (clamped to the safe range). */
export function readInteger(t: TomlTable, key: string, where: string, sink: DiagnosticSink): Field<number> | undefined {
  const e = t.entries.get(key);
  if (!e) return undefined;
  if (e.value.kind !== 'integer') {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be an integer, not ${describeType(e.value)}`);
    return undefined;
  }
  const big = e.value.value;
  const n = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(big);
  return field(n, e.value.span, e.keySpan);
}

/** Reads a boolean key. */
export function readBoolean(t: TomlTable, key: string, where: string, sink: DiagnosticSink): Field<boolean> | undefined {
  const e = t.entries.get(key);
  if (!e) return undefined;
  if (e.value.kind !== 'boolean') {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be true or false, not ${describeType(e.value)}`);
    return undefined;
  }
  return field(e.value.value, e.value.span, e.keySpan);
}

/** Reads a sub-table (header, dotted or inline). */
export function readTable(t: TomlTable, key: string, where: string, sink: DiagnosticSink, required = false): TomlTable | undefined {
  const e = t.entries.get(key);
  if (!e) {
    if (required) reportMissing(t, key, where, sink);
    return undefined;
  }
  if (e.value.kind !== 'table') {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be a table, not ${describeType(e.value)}`);
    return undefined;
  }
  return e.value;
}

/**
 * Reads an array of tables written either as `[[key]]` or inline (`key = [ {…}, ]`, `key = []`),
 * both of which SkillMeat's writer produces.
 */
export function readTableArray(t: TomlTable, key: string, where: string, sink: DiagnosticSink): TomlTable[] {
  const e = t.entries.get(key);
  if (!e) return [];
  if (e.value.kind !== 'array') {
    sink.add('wrong-type', e.value.span, `"${key}" in ${where} must be an array of tables, not ${describeType(e.value)}`);
    return [];
  }
  const out: TomlTable[] = [];
  for (const item of e.value.items) {
    if (item.kind === 'table') out.push(item);
    else sink.add('wrong-type', item.span, `items of "${key}" in ${where} must be tables, not ${describeType(item)}`);
  }
  return out;
}

/** Reports a value outside a closed vocabulary, naming the allowed ones. */
export function checkEnum(f: Field<string> | undefined, allowed: readonly string[], what: string, sink: DiagnosticSink, code = 'invalid-value'): boolean {
  if (!f) return false;
  if (allowed.includes(f.value)) return true;
  sink.add(code, f.span, `"${f.value}" is not a valid ${what}; expected one of: ${allowed.join(', ')}`, {
    data: { suggestions: closestNames(f.value, allowed) },
  });
  return false;
}

import { closestNames } from '../workspace/suggest';
