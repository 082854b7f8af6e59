/** Positions as LSP counts them: 0-based line, UTF-16 code unit column. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open range between two positions. */
export interface Range {
  start: Position;
  end: Position;
}

/** A half-open span of UTF-16 offsets into a document's text. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Maps UTF-16 offsets to line/character positions and back. Built once per text;
 * line starts are found lazily so a file that is only parsed never pays for it.
 */
export class LineIndex {
  private starts: Uint32Array | undefined;

  constructor(readonly text: string) {}

  private lineStarts(): Uint32Array {
    if (this.starts) return this.starts;
    const text = this.text;
    const out: number[] = [0];
    if (text.indexOf('\r') < 0) {
      // indexOf runs natively; a character loop costs ~10× more on a cold start.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        // TOML only knows LF and CRLF; a lone CR does not start a line there, but editors do
        // count it, so follow the editor so ranges land where the user sees them.
        if (c === 10) out.push(i + 1);
        else if (c === 13 && text.charCodeAt(i + 1) !== 10) out.push(i + 1);
      }
    }
    this.starts = Uint32Array.from(out);
    return this.starts;
  }

  /** Number of lines in the text (an empty text has one line). */
  get lineCount(): number {
    return this.lineStarts().length;
  }

  /** The position of a UTF-16 offset, clamped into the text. */
  positionAt(offset: number): Position {
    const starts = this.lineStarts();
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - starts[lo] };
  }

  /** The UTF-16 offset of a position, clamped into its line and the text. */
  offsetAt(pos: Position): number {
    const starts = this.lineStarts();
    if (pos.line < 0) return 0;
    if (pos.line >= starts.length) return this.text.length;
    const lineStart = starts[pos.line];
    const next = pos.line + 1 < starts.length ? starts[pos.line + 1] : this.text.length;
    let lineEnd = next;
    if (pos.line + 1 < starts.length) {
      lineEnd = next - 1;
      if (lineEnd > lineStart && this.text.charCodeAt(lineEnd - 1) === 13 && this.text.charCodeAt(lineEnd) === 10) lineEnd--;
    }
    return Math.max(lineStart, Math.min(lineStart + Math.max(0, pos.character), lineEnd));
  }

  /** The range covered by a span of offsets. */
  rangeOf(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }
}
