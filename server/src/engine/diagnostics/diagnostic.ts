import type { Range, Span } from '../text/lineIndex';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A finding about one place in one file; the engine's only error currency. */
export interface Diagnostic {
  /** Absolute path of the file. */
  file: string;
  range: Range;
  /** The same place as UTF-16 offsets, for computing edits. */
  span: Span;
  severity: Severity;
  /** Stable rule code, documented in the README (e.g. `unknown-reference`). */
  code: string;
  message: string;
  /** Other places that explain this one (the first definition of a duplicate, say). */
  related?: { file: string; range: Range; message: string }[];
  /** Machine-readable details for quick fixes: suggestions, the fix's replacement text. */
  data?: DiagnosticData;
}

/** What quick fixes need to know about a diagnostic. */
export interface DiagnosticData {
  /** Closest known names for an unknown reference, best first, in the form the text used. */
  suggestions?: string[];
  /** A replacement for the diagnostic's span that fixes it. */
  replacement?: string;
  /** For an undefined tag: the tag name. */
  tag?: string;
}
