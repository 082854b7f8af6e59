import type { Host } from '../../host';
import type { CollectionInfo } from '../../workspace/index';
import type { Field } from '../../model/fields';
import type { DiagnosticData, Severity } from '../diagnostic';
import type { RuleContext } from './context';
import { DirCache, checkArtifactPathsOf } from './paths';

/** A path finding without its place: which path (by index) it is on, and what it says. */
interface Recorded {
  at: number;
  code: string;
  message: string;
  severity: Severity;
  data?: DiagnosticData;
}

interface Remembered {
  signature: string;
  findings: Recorded[];
}

/** What the path rules read of one artifact: its path, and its type when valid. */
function pathsOf(c: CollectionInfo): { paths: Field<string>[]; signature: string } {
  const paths: Field<string>[] = [];
  const parts: string[] = [c.model.dir];
  for (const a of c.model.artifacts) {
    if (!a.path) continue;
    paths.push(a.path);
    parts.push(a.typeValid && a.type ? a.type.value : '', a.path.value);
  }
  return { paths, signature: parts.join('\u0000') };
}

/**
 * The path rules of collections, remembered while the disk facts stand. Path findings depend on
 * the collection folder, each artifact's path and type, and the disk; typing anywhere else in a
 * thousand-artifact collection.toml (a description, say) leaves all of them as they were, only
 * moved with the text. So when a collection is checked again with the same paths, its findings
 * are re-anchored on the paths' new spans instead of resolving a thousand paths again.
 *
 * Only collections checked more than once are remembered (the ones being edited), so a first
 * check of a large workspace keeps nothing extra.
 */
export class PathMemo {
  private host?: Host;
  private generation = -1;
  private dirs?: DirCache;
  private readonly seen = new Set<string>();
  private readonly remembered = new Map<string, Remembered>();

  /** Reports the path findings of a collection into `ctx`, from memory when its paths and the disk are unchanged. */
  check(ctx: RuleContext, c: CollectionInfo, host: Host, generation: number): void {
    if (host !== this.host || generation !== this.generation) {
      // The disk changed (or another host): nothing remembered holds.
      this.host = host;
      this.generation = generation;
      this.dirs = new DirCache(host);
      this.seen.clear();
      this.remembered.clear();
    }
    const dir = c.model.dir;
    if (!this.seen.has(dir)) {
      this.seen.add(dir);
      checkArtifactPathsOf(ctx, c, this.dirs!);
      return;
    }
    const { paths, signature } = pathsOf(c);
    const sink = ctx.sink(c.source);
    const known = this.remembered.get(dir);
    if (known?.signature === signature) {
      for (const f of known.findings) sink.add(f.code, paths[f.at].span, f.message, { severity: f.severity, data: f.data });
      return;
    }
    const before = sink.items.length;
    checkArtifactPathsOf(ctx, c, this.dirs!);
    const findings: Recorded[] = [];
    const index = new Map(paths.map((p, i) => [p.span.start, i]));
    for (const d of sink.items.slice(before)) {
      const at = index.get(d.span.start);
      // A finding not on a path's span cannot be moved with it: do not remember this collection.
      if (at === undefined || paths[at].span.end !== d.span.end || d.related) {
        this.remembered.delete(dir);
        return;
      }
      findings.push({ at, code: d.code, message: d.message, severity: d.severity, data: d.data });
    }
    this.remembered.set(dir, { signature, findings });
  }
}
