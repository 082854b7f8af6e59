/** Small text helpers for features: spans inside string literals, lines, edits that keep the file's style. */
import type { Span } from '../text/lineIndex';
import type { SourceFile } from '../workspace/sourceFile';
import type { Field } from '../model/fields';
import type { FileSpan, TextEditData } from './types';

/** Whether an offset is inside a span, both ends included (a cursor right after a token still touches it). */
export function touches(span: Span | undefined, offset: number): boolean {
  return span !== undefined && span.start <= offset && offset <= span.end;
}

/**
 * The span of a string literal's content when its source text spells the value exactly
 * (single-line quotes, no escapes); undefined otherwise, so callers fall back to the whole literal.
 */
export function exactContent(text: string, span: Span, value: string): Span | undefined {
  const q = text[span.start];
  if (q !== '"' && q !== "'") return undefined;
  if (text.startsWith(q.repeat(3), span.start)) return undefined;
  const start = span.start + 1;
  const end = span.end - 1;
  if (end < start || text[end] !== q) return undefined;
  return text.slice(start, end) === value ? { start, end } : undefined;
}

/** The span of `value.slice(from, to)` inside a string field, or the whole literal when the text has escapes. */
export function subSpan(sf: SourceFile, field: Field<string>, from: number, to: number): { span: Span; exact: boolean } {
  const c = exactContent(sf.text, field.span, field.value);
  if (!c) return { span: field.span, exact: false };
  return { span: { start: c.start + from, end: c.start + to }, exact: true };
}

/** The quote character of a string literal (`"` unless it is a literal string). */
export function quoteOf(text: string, span: Span): '"' | "'" {
  return text[span.start] === "'" ? "'" : '"';
}

/** A TOML basic string for a value (JSON's escapes are all valid TOML escapes). */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** Whether `s` can be written between the given quotes without escaping. */
export function fitsQuotes(s: string, quote: '"' | "'"): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return false;
  return quote === "'" ? !s.includes("'") : !s.includes('"') && !s.includes('\\');
}

/** The line ending a file uses (CRLF when its first line break is one). */
export function eolOf(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/** Offset of the start of the line holding `offset`. */
export function lineStartOf(text: string, offset: number): number {
  let i = Math.min(offset, text.length);
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** Offset of the end of the line holding `offset` (before its line break). */
export function lineEndOf(text: string, offset: number): number {
  let i = Math.max(0, offset);
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** Offset just after the line break ending the line that holds `offset` (or the text's end). */
export function nextLineStart(text: string, offset: number): number {
  let i = lineEndOf(text, offset);
  if (text[i] === '\r') i++;
  if (text[i] === '\n') i++;
  return i;
}

/** An edit of a file's text with its range. */
export function editOf(sf: SourceFile, span: Span, newText: string): TextEditData {
  return { span, range: sf.lines.rangeOf(span), newText };
}

/** A place in a file with its range. */
export function placeOf(sf: SourceFile, span: Span): FileSpan {
  return { file: sf.file, span, range: sf.lines.rangeOf(span) };
}
