import type { Span } from '../text/lineIndex';

/**
 * The value tree of one TOML document, every node carrying the UTF-16 span of its source text.
 * It is a value tree, not a syntax tree: comments and whitespace are not kept, which keeps a
 * parsed workspace small (see docs/decisions/0001-toml-parser.md).
 */
export type TomlValue = TomlString | TomlInteger | TomlFloat | TomlBoolean | TomlDateTime | TomlArray | TomlTable;

export interface TomlString {
  kind: 'string';
  value: string;
  /** The whole literal including its quotes. */
  span: Span;
  style: 'basic' | 'literal' | 'ml-basic' | 'ml-literal';
}

export interface TomlInteger {
  kind: 'integer';
  /** Exact value: TOML integers are 64-bit, beyond what a JS number holds exactly. */
  value: bigint;
  span: Span;
}

export interface TomlFloat {
  kind: 'float';
  value: number;
  span: Span;
}

export interface TomlBoolean {
  kind: 'boolean';
  value: boolean;
  span: Span;
}

/** Offset date-times, local date-times, local dates and local times, kept as written. */
export interface TomlDateTime {
  kind: 'datetime' | 'datetime-local' | 'date-local' | 'time-local';
  /** The source text, e.g. `1979-05-27T07:32:00Z`. */
  text: string;
  span: Span;
}

export interface TomlArray {
  kind: 'array';
  items: TomlValue[];
  /**
   * For a static array `[...]`: from `[` to `]`.
   * For an array of tables `[[x]]`: from the first header to the end of the last element.
   */
  span: Span;
  /** True when the array was built from `[[x]]` headers (and so may still grow). */
  ofTables: boolean;
}

export interface TomlEntry {
  /** The key's last segment, unquoted (for `a.b.c = 1` inside table a.b: `c`). */
  key: string;
  /** Span of the key text that names this entry: the last dotted segment or header segment. */
  keySpan: Span;
  value: TomlValue;
}

export interface TomlTable {
  kind: 'table';
  /** Insertion-ordered entries by key. */
  entries: Map<string, TomlEntry>;
  /**
   * How the table came to exist:
   * - `root` the document;
   * - `header` a `[x]` header, or one element of `[[x]]`;
   * - `implicit` created as a parent of a header or of a dotted key;
   * - `dotted` created by a dotted key `a.b = 1`;
   * - `inline` an inline table `{...}`.
   */
  origin: 'root' | 'header' | 'implicit' | 'dotted' | 'inline';
  /**
   * For `header`: from the `[` of the header to the end of the table's last entry (or the
   * header's `]` when empty). For `inline`: from `{` to `}`. For `root`: the whole text.
   * For `implicit`/`dotted`: the span of the first key or header that created it.
   */
  span: Span;
  /** For `header` tables: the span of the header itself, `[a.b]` or `[[a.b]]`. */
  headerSpan?: Span;
}

/** A TOML syntax or semantic error (the parse still returns what it could read). */
export interface TomlError {
  code: 'toml-syntax';
  message: string;
  span: Span;
}

/** The outcome of parsing: never throws, always a (possibly partial) root table. */
export interface TomlParseResult {
  root: TomlTable;
  errors: TomlError[];
}
