import type { LineIndex, Span } from '../text/lineIndex';
import { severityOf } from './codes';
import type { Diagnostic, DiagnosticData, Severity } from './diagnostic';

/** Collects diagnostics for one file, turning spans into ranges with the file's line index. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  constructor(readonly file: string, readonly lines: LineIndex) {}

  /** Records a finding with the rule's default severity unless one is given. */
  add(code: string, span: Span, message: string, extra: { data?: DiagnosticData; severity?: Severity; related?: Diagnostic['related'] } = {}): Diagnostic {
    const d: Diagnostic = {
      file: this.file,
      range: this.lines.rangeOf(span),
      span,
      severity: extra.severity ?? severityOf(code),
      code,
      message,
    };
    if (extra.data) d.data = extra.data;
    if (extra.related) d.related = extra.related;
    this.items.push(d);
    return d;
  }
}
