import type { Host } from '../../host';
import type { WorkspaceIndex } from '../../workspace/index';
import type { SourceFile } from '../../workspace/sourceFile';
import { DiagnosticSink } from '../sink';

/** What the cache can tell rules (absent in a plain `check`). */
export interface RuleOptions {
  /** The uuid the cache remembers for a `type:name` in a collection, if any. */
  cachedUuid?: (collection: string, type: string, name: string) => string | undefined;
}

/** What every cross-file rule gets: the index, the host for disk checks, and a sink per file. */
export class RuleContext {
  private readonly sinks = new Map<string, DiagnosticSink>();

  constructor(readonly index: WorkspaceIndex, readonly host: Host, readonly options: RuleOptions) {}

  /** The sink collecting findings for a file. */
  sink(source: SourceFile): DiagnosticSink {
    let s = this.sinks.get(source.file);
    if (!s) {
      s = new DiagnosticSink(source.file, source.lines);
      this.sinks.set(source.file, s);
    }
    return s;
  }

  /** Every finding reported so far. */
  all(): DiagnosticSink['items'] {
    const out: DiagnosticSink['items'] = [];
    // One by one: spreading a sink of hundreds of thousands of findings overflows the call stack.
    for (const s of this.sinks.values()) for (const d of s.items) out.push(d);
    return out;
  }
}
