import * as path from 'node:path';
import type { Host } from '../host';
import { type FileKind, fileKindOf, isManifestName } from '../model/fileKind';
import { typeOfContainer } from '../model/vocabulary';
import { decodeToml } from '../toml/decode';
import { type SourceFile, analyzeText } from './sourceFile';
import { WorkspaceIndex } from './index';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { runRuleUnits, RuleMemo, type RuleOptions } from '../diagnostics/rules';
import { DiskCache } from './diskCache';
import { reanalyzeCollectionEdit } from './incremental';

/** Options of a workspace. */
export interface WorkspaceOptions {
  /** Files larger than this are not parsed (a `file-too-large` diagnostic instead). */
  maxFileBytes?: number;
  /** Folder names never entered while scanning. */
  excludeFolders?: string[];
  rules?: RuleOptions;
}

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
const DEFAULT_EXCLUDES = ['node_modules', '.git', '.hg', '.svn'];

/** A file over the size limit: not parsed (not even as JSON), one `file-too-large` finding. */
function tooLarge(file: string, kind: FileKind, size: number, max: number, version?: number): SourceFile {
  const mb = (n: number) => String(Math.round((n / 1048576) * 100) / 100);
  const sf = analyzeText(file, 'toml', '', version, (sink) =>
    sink.add('file-too-large', { start: 0, end: 0 }, `${path.basename(file)} is ${(size / 1048576).toFixed(1)} MB, over the ${mb(max)} MB limit; it was not checked`),
  );
  sf.kind = kind;
  return sf;
}

/** The diagnostics of one revision, with what they were computed from. */
interface DiagnosticsState {
  revision: number;
  byFile: Map<string, Diagnostic[]>;
  /** The rule units' findings (see runRuleUnits). */
  units: readonly Diagnostic[][];
}

/**
 * The set of SkillMeat files being checked, and the analyses over them. Files come from disk
 * (scan, load) or from an editor (setText); every change bumps the revision, and the index and
 * diagnostics are recomputed on demand for the latest revision only.
 */
export class Workspace {
  private readonly files = new Map<string, SourceFile>();
  private revision = 0;
  private indexCache?: { revision: number; index: WorkspaceIndex };
  private diagCache?: DiagnosticsState;
  /** Counts the diagnostics computations; see changedSince. */
  private diagGeneration = 0;
  /** The files each recent computation changed (undefined: it rebuilt every list). */
  private readonly changeLog: { generation: number; files: ReadonlySet<string> | undefined }[] = [];
  /** Files loaded, set or removed since the diagnostics were last computed. */
  private touched = new Set<string>();

  /** Disk facts for the rules and composite discovery, kept until the disk changes (invalidate). */
  private readonly disk: DiskCache;
  private readonly memo = new RuleMemo();

  constructor(readonly host: Host, readonly options: WorkspaceOptions = {}) {
    this.disk = new DiskCache(host);
  }

  /**
   * The uuids the cache remembers changed for these `type:name` keys (each with the uuid it had
   * before; undefined: maybe any key). Only the collections where that changes a finding are
   * checked again: the uuid-conflict rule reads the cache for artifacts that declare a uuid, and
   * speaks only when the cache's differs. The first load of a cache that agrees with the
   * manifests (50,000 keys at once) thus re-checks nothing.
   */
  cachedUuidsChanged(changes: ReadonlyMap<string, string | undefined> | undefined): void {
    if (changes === undefined) this.memo.cacheChanged();
    else if (changes.size > 0) {
      const now = this.options.rules?.cachedUuid;
      const dirs: string[] = [];
      for (const c of this.index().collections) {
        for (const a of c.model.artifacts) {
          if (!a.type || !a.name || !a.uuid) continue;
          const key = `${a.type.value}:${a.name.value}`;
          if (!changes.has(key)) continue;
          const own = a.uuid.value;
          const conflict = (v: string | undefined) => (v && v !== own ? v : undefined);
          if (conflict(changes.get(key)) !== conflict(now?.(c.name, a.type.value, a.name.value))) {
            dirs.push(c.model.dir);
            break;
          }
        }
      }
      if (dirs.length === 0) return;
      this.memo.cacheChanged(dirs);
    } else return;
    this.revision++;
  }

  /** A counter bumped by every change. */
  get currentRevision(): number {
    return this.revision;
  }

  /** Every file held. */
  allFiles(): IterableIterator<SourceFile> {
    return this.files.values();
  }

  /** The file at a path, if held. */
  get(file: string): SourceFile | undefined {
    return this.files.get(file);
  }

  /** Reads a file from disk (as the kind its name says, unless told) and holds it; never throws. */
  load(file: string, kind: FileKind | undefined = fileKindOf(file)): SourceFile {
    const k = kind ?? 'toml';
    const max = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const st = this.host.stat(file);
    let sf: SourceFile;
    if (st && st.kind === 'file' && st.size > max) {
      sf = tooLarge(file, k, st.size, max);
    } else {
      const bytes = st?.kind === 'directory' ? new Error('it is a folder, not a file') : this.host.readFile(file);
      if (bytes instanceof Error) {
        sf = analyzeText(file, 'toml', '', undefined, (sink) => sink.add('unreadable-file', { start: 0, end: 0 }, `${path.basename(file)} cannot be read: ${bytes.message}`));
        sf.kind = k;
      } else {
        const decoded = decodeToml(bytes);
        sf = analyzeText(file, k, decoded.text, undefined, (sink) => {
          for (const e of decoded.errors) sink.add(k === 'plugin' ? 'json-syntax' : 'toml-syntax', e.span, e.message);
        });
      }
    }
    this.files.set(file, sf);
    this.touched.add(file);
    this.revision++;
    return sf;
  }

  /** Holds an editor's unsaved text for a file (it wins over the disk until `close`). */
  setText(file: string, text: string, version?: number): SourceFile {
    // The size limit holds for an editor's text too (UTF-8 bytes are never fewer than UTF-16 units).
    const max = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const bytes = text.length > max ? text.length : text.length * 3 > max ? Buffer.byteLength(text, 'utf8') : 0;
    const prev = this.files.get(file);
    // Typing in a big open collection re-reads only the artifact element it is in (incremental.ts).
    const sf =
      bytes > max
        ? tooLarge(file, fileKindOf(file) ?? 'toml', bytes, max, version)
        : ((prev && reanalyzeCollectionEdit(prev, text, version)) ?? analyzeText(file, fileKindOf(file) ?? 'toml', text, version));
    this.files.set(file, sf);
    this.touched.add(file);
    this.revision++;
    return sf;
  }

  /** Forgets a file (deleted, or closed and no longer a manifest). */
  remove(file: string): boolean {
    const had = this.files.delete(file);
    if (had) {
      this.touched.add(file);
      this.revision++;
    }
    return had;
  }

  /** Finds every SkillMeat file under a folder (no symlinks followed, excluded folders skipped) and loads it. */
  scan(root: string): string[] {
    const found = this.listManifests(root);
    for (const f of found) this.load(f);
    return found;
  }

  /**
   * The SkillMeat files under a folder, without loading them: the language server counts them
   * first so it can report indexing progress and load them in slices.
   */
  listManifests(root: string): string[] {
    const found: string[] = [];
    const excludes = new Set(this.options.excludeFolders ?? DEFAULT_EXCLUDES);
    const walk = (dir: string, depth: number): void => {
      if (depth > 64) return;
      const entries = this.host.readDir(dir);
      // Inside a collection, type containers hold artifacts (often thousands of folders), never
      // manifests; only composite containers hold plugin.json files worth finding.
      const isCollection = entries.some((e) => e.name === 'collection.toml' && e.kind === 'file');
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.kind === 'directory') {
          if (isManifestName(e.name)) {
            found.push(full);
            continue;
          }
          if (isCollection) {
            const type = typeOfContainer(e.name);
            if (type && type !== 'composite') continue;
          }
          if (!excludes.has(e.name)) walk(full, depth + 1);
        } else if (e.kind === 'file' && isManifestName(e.name)) {
          found.push(full);
        }
      }
    };
    walk(root, 0);
    return found;
  }

  /**
   * Reads ahead, off the main thread, the folder listings the path rules will ask for: each
   * collection folder (of these manifests) and its type containers. Callers start it before
   * loading and await it before the first check; without it the rules read them synchronously.
   */
  prefetchCollectionFolders(manifests: string[]): Promise<void> {
    const dirs = manifests.filter((f) => path.basename(f) === 'collection.toml').map((f) => path.dirname(f));
    const top = new Set(dirs);
    return this.disk.prefetch(dirs, (dir, entries) =>
      top.has(dir) ? entries.filter((e) => e.kind === 'directory' && typeOfContainer(e.name)).map((e) => path.join(dir, e.name)) : [],
    );
  }

  /**
   * Marks the analyses stale without changing any file: artifact folders, SKILL.md files and
   * composites live on disk outside the manifests, and their changes alter the findings.
   */
  invalidate(): void {
    this.disk.clear();
    this.revision++;
  }

  /** The cross-file index of the current revision. */
  index(): WorkspaceIndex {
    if (this.indexCache?.revision !== this.revision) {
      this.indexCache = { revision: this.revision, index: new WorkspaceIndex(this.files.values(), this.disk) };
    }
    return this.indexCache.index;
  }

  /**
   * Every file's diagnostics (local and cross-file), sorted by position. After an edit, only the
   * files whose own findings or whose rule units' findings changed get a new list; every other
   * file keeps its list (the same array), which is also what tells the publisher "unchanged".
   */
  diagnostics(): Map<string, Diagnostic[]> {
    if (this.diagCache?.revision === this.revision) return this.diagCache.byFile;
    const units = runRuleUnits(this.index(), this.disk, this.options.rules ?? {}, this.memo, this.disk.generation);
    const prev = this.diagCache;
    const dirty = prev ? this.dirtyFiles(prev, units) : undefined;
    this.touched = new Set();
    // The map is the workspace's own (callers read it within one call): an edit replaces a few
    // files' lists in place instead of copying 2,300 entries.
    const byFile = dirty ? prev!.byFile : new Map<string, Diagnostic[]>();
    const wanted = (file: string) => dirty === undefined || dirty.has(file);
    const touched: Diagnostic[][] = [];
    for (const file of dirty ?? this.files.keys()) {
      const sf = this.files.get(file);
      if (sf) byFile.set(file, [...sf.local]);
      else byFile.delete(file);
    }
    for (const unit of units) {
      for (const d of unit) {
        if (!wanted(d.file)) continue;
        const list = byFile.get(d.file);
        if (list) list.push(d);
        else byFile.set(d.file, [d]);
      }
    }
    for (const file of dirty ?? byFile.keys()) {
      const list = byFile.get(file);
      if (list && list.length > 1) touched.push(list);
    }
    for (const list of touched) list.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    this.diagCache = { revision: this.revision, byFile, units };
    this.diagGeneration++;
    this.changeLog.push({ generation: this.diagGeneration, files: dirty });
    if (this.changeLog.length > 16) this.changeLog.shift();
    return byFile;
  }

  /** Which computation of diagnostics() the current lists come from (see changedSince). */
  get diagnosticsGeneration(): number {
    return this.diagGeneration;
  }

  /**
   * The files whose diagnostic lists may have changed since computation `generation` (a
   * publisher that saw that one visits only these); undefined when any may have.
   */
  changedSince(generation: number): ReadonlySet<string> | undefined {
    if (generation === this.diagGeneration) return new Set();
    const first = this.changeLog[0];
    if (!first || first.generation > generation + 1 || generation > this.diagGeneration) return undefined;
    const out = new Set<string>();
    for (const entry of this.changeLog) {
      if (entry.generation <= generation) continue;
      if (!entry.files) return undefined;
      for (const f of entry.files) out.add(f);
    }
    return out;
  }

  /**
   * The files whose diagnostics may differ from `prev`'s: those loaded, set or removed since, and
   * those named by a rule unit that is new or gone (unchanged units hand back the same array).
   * Undefined when so much changed that building every list again is simpler.
   */
  private dirtyFiles(prev: DiagnosticsState, units: readonly Diagnostic[][]): Set<string> | undefined {
    const dirty = new Set<string>(this.touched);
    const mark = (unit: readonly Diagnostic[]) => {
      for (const d of unit) dirty.add(d.file);
    };
    if (units.length === prev.units.length) {
      // The usual case (no file added or removed): units in the same places.
      for (let i = 0; i < units.length; i++) {
        if (units[i] !== prev.units[i]) {
          mark(units[i]);
          mark(prev.units[i]);
        }
      }
    } else {
      const before = new Set(prev.units);
      const now = new Set(units);
      for (const unit of units) if (!before.has(unit)) mark(unit);
      for (const unit of prev.units) if (!now.has(unit)) mark(unit);
    }
    return dirty.size > this.files.size / 4 ? undefined : dirty;
  }

  /** The diagnostics of one file. */
  diagnosticsOf(file: string): Diagnostic[] {
    return this.diagnostics().get(file) ?? [];
  }
}
