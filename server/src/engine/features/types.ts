/** Plain-data results shared by the feature functions: places, edits and a cancellation probe. */
import type { Range, Span } from '../text/lineIndex';

/** A place in a file, as offsets and as a line/character range. */
export interface FileSpan {
  file: string;
  span: Span;
  range: Range;
}

/** Replace the text of `span` with `newText` (an insertion when the span is empty). */
export interface TextEditData {
  span: Span;
  range: Range;
  newText: string;
}

/** Edits of one file, with the editor version they were computed on (undefined for files read from disk). */
export interface FileEdits {
  file: string;
  version?: number;
  edits: TextEditData[];
}

/** What a caller can pass to stop a long computation early (an LSP CancellationToken fits). */
export interface Cancel {
  readonly isCancellationRequested: boolean;
}

/** A token that is never cancelled. */
export const NEVER_CANCELLED: Cancel = { isCancellationRequested: false };
