/** Walks over a file's TOML value tree: what key or value is at an offset, and which tables have headers. */
import type { TomlEntry, TomlTable, TomlValue } from '../toml/ast';
import type { Span } from '../text/lineIndex';
import { touches } from './text';

/** The innermost key or value under an offset, with the path of the table holding it. */
export interface TreeHit {
  /** Keys from the root to the holding table (array-of-tables elements are not indexed). */
  path: string[];
  table: TomlTable;
  entry: TomlEntry;
  part: 'key' | 'value' | 'item';
  /** The value (or the array item) under the offset, for `value` and `item`. */
  value?: TomlValue;
  span: Span;
}

/** The key, scalar value or string-list item under `offset`, if any. */
export function hitTest(root: TomlTable, offset: number): TreeHit | undefined {
  const walk = (t: TomlTable, path: string[]): TreeHit | undefined => {
    for (const e of t.entries.values()) {
      const v = e.value;
      if (v.kind === 'table') {
        const r = walk(v, [...path, e.key]);
        if (r) return r;
      } else if (v.kind === 'array' && v.items.some((i) => i.kind === 'table')) {
        for (const it of v.items) {
          if (it.kind !== 'table') continue;
          const r = walk(it, [...path, e.key]);
          if (r) return r;
        }
      }
      // Header-made tables name their key in a header; an offset there is a key hit too.
      if (touches(e.keySpan, offset)) return { path, table: t, entry: e, part: 'key', span: e.keySpan };
      if (v.kind === 'array' && !v.items.some((i) => i.kind === 'table')) {
        for (const it of v.items) if (touches(it.span, offset) && it.kind !== 'array') return { path, table: t, entry: e, part: 'item', value: it, span: it.span };
        continue;
      }
      if (v.kind !== 'table' && v.kind !== 'array' && touches(v.span, offset)) return { path, table: t, entry: e, part: 'value', value: v, span: v.span };
    }
    return undefined;
  };
  return walk(root, []);
}

/** A table that has its own `[x]` / `[[x]]` header, with its path. */
export interface HeaderTable {
  path: string[];
  table: TomlTable;
  headerSpan: Span;
}

/** Every header-made table of a document, in text order. */
export function headerTables(root: TomlTable): HeaderTable[] {
  const out: HeaderTable[] = [];
  const walk = (t: TomlTable, path: string[]): void => {
    if (t.origin === 'header' && t.headerSpan) out.push({ path, table: t, headerSpan: t.headerSpan });
    for (const e of t.entries.values()) {
      const v = e.value;
      if (v.kind === 'table') walk(v, [...path, e.key]);
      else if (v.kind === 'array') for (const it of v.items) if (it.kind === 'table') walk(it, [...path, e.key]);
    }
  };
  walk(root, []);
  return out.sort((a, b) => a.headerSpan.start - b.headerSpan.start);
}

/** Every value of a tree that spans several lines and can fold: multi-line arrays and inline tables. */
export function multiLineValues(root: TomlTable): TomlValue[] {
  const out: TomlValue[] = [];
  const walk = (v: TomlValue): void => {
    if (v.kind === 'table') {
      if (v.origin === 'inline') out.push(v);
      for (const e of v.entries.values()) walk(e.value);
    } else if (v.kind === 'array') {
      if (!v.ofTables) out.push(v);
      for (const it of v.items) walk(it);
    }
  };
  walk(root);
  return out;
}
