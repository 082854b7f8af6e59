/**
 * Diagnostics out of the server: pushed per file, only for files whose findings (or, for open
 * documents, version) changed, never for a stale version; or pulled by clients that ask
 * (textDocument/diagnostic, workspace/diagnostic) with result ids. An edit in an open document
 * is published at once with every file whose findings it changed (the memoised rules compute
 * only those anyway); other changes (disk, settings, cache) after a short debounce.
 */
import { createHash } from 'node:crypto';
import { DiagnosticSeverity, type Connection, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { Diagnostic, Workspace } from '../engine';
import type { Clock } from './clock';
import type { OpenDocuments } from './documents';
import type { SeverityOverride } from './settings';
import { RULES_URL, toLspDiagnostic } from './convert';

/** What the publisher needs from the server. */
export interface PublisherDeps {
  connection: Connection;
  ws(): Workspace;
  docs: OpenDocuments;
  overrides(): Record<string, SeverityOverride>;
  clock: Clock;
  debounceMs: number;
  mode: 'push' | 'pull';
  /** Whether the client takes workspace/diagnostic/refresh. */
  refreshSupport: boolean;
  log(message: string): void;
}

interface Published {
  uri: string;
  key: string;
  version?: number;
  /** The engine's findings that were sent: while the engine hands back the same objects, nothing changed. */
  items?: readonly Diagnostic[];
}

const NONE: readonly Diagnostic[] = [];

/** The most diagnostics sent for one file (see convert). */
export const MAX_PER_FILE = 5000;

/**
 * Whether two lists hold the same finding objects in the same order (the rules hand back an
 * unchanged unit's objects). Findings with related places are never taken as unchanged: their
 * conversion names other files, whose URIs change when those are opened or closed.
 */
function sameItems(a: readonly Diagnostic[], b: readonly Diagnostic[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || a[i].related) return false;
  return true;
}

/** Pushes or refreshes diagnostics when the workspace changes. */
export class DiagnosticsPublisher {
  private timer: unknown;
  private pendingSince: number | undefined;
  private readonly published = new Map<string, Published>();
  /** Pull reports by file (see pullReport). */
  private readonly pulled = new Map<string, { list: readonly Diagnostic[]; items: LspDiagnostic[]; resultId: string }>();
  /** URIs of files not open in the editor (ours, computed once per path). */
  private readonly fileUris = new Map<string, string>();
  /** The workspace's diagnostics computation last published from (-1: none; visit every file). */
  private seenGeneration = -1;
  /** The workspace that generation counts in (the server replaces its workspace on a rebuild). */
  private seenWorkspace?: Workspace;
  /** Time from the first change of a batch to its diagnostics being sent, in ms. */
  readonly timing = { last: -1, max: 0, count: 0 };

  constructor(private readonly deps: PublisherDeps) {}

  /**
   * Validates again after the debounce (changes in quick succession share one run). When an
   * open document's text changed since it was last published (typing), it is published now,
   * without waiting, after the other files whose findings the edit changed: when the edited
   * version arrives, so has everything it changed elsewhere.
   */
  schedule(): void {
    const { clock } = this.deps;
    if (this.pendingSince === undefined) this.pendingSince = clock.now();
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.deps.debounceMs);
    const edited = this.editedDocuments();
    if (edited.length) this.publish(edited);
  }

  /** Stops the pending run. */
  dispose(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Makes the next flush send every file again (after a severity change). */
  forget(): void {
    this.seenGeneration = -1;
    for (const p of this.published.values()) {
      p.key = '';
      p.items = undefined;
    }
    this.pulled.clear();
  }

  /**
   * A file's LSP diagnostics and their result id for pull requests, remembered while the engine
   * hands back the same findings: a workspace pull after every refresh otherwise converted,
   * stringified and hashed the findings of every file of the workspace.
   */
  pullReport(file: string): { resultId: string; items: LspDiagnostic[] } {
    const ws = this.deps.ws();
    const list = ws.get(file) ? ws.diagnosticsOf(file) : NONE;
    const hit = this.pulled.get(file);
    if (hit && sameItems(hit.list, list)) return hit;
    const items = this.convert(list);
    const report = { list, items, resultId: DiagnosticsPublisher.resultId(items) };
    this.pulled.set(file, report);
    return report;
  }

  /** The LSP diagnostics of a file now. */
  diagnosticsOf(file: string): LspDiagnostic[] {
    return this.convert(this.deps.ws().diagnosticsOf(file));
  }

  /**
   * A file's findings as LSP diagnostics, at most MAX_PER_FILE of them: a 5 MB file of empty
   * tables has millions, which no editor can show, and whose JSON is past what a JS string holds
   * (the publisher threw and published nothing more). The last one kept says how many were left out.
   */
  private convert(list: readonly Diagnostic[]): LspDiagnostic[] {
    const uriOf = (f: string): string => this.uriOf(f);
    const overrides = this.deps.overrides();
    const out: LspDiagnostic[] = [];
    let left = 0;
    for (const d of list) {
      const l = toLspDiagnostic(d, uriOf, overrides);
      if (!l) continue;
      if (out.length < MAX_PER_FILE) out.push(l);
      else left++;
    }
    if (left > 0) {
      const last = out[out.length - 1];
      out.push({ range: last.range, severity: DiagnosticSeverity.Information, code: 'too-many-findings', codeDescription: { href: `${RULES_URL}#too-many-findings` }, source: 'skillmeat', message: `${left} more findings in this file are not shown (the first ${MAX_PER_FILE} are); fix these and the rest appear` });
    }
    return out;
  }

  /** The URI naming a file: the client's while open, else ours (remembered: encoding a path is not free). */
  uriOf(file: string): string {
    const { docs } = this.deps;
    if (docs.isOpen(file)) return docs.uriOf(file);
    let uri = this.fileUris.get(file);
    if (uri === undefined) this.fileUris.set(file, (uri = docs.uriOf(file)));
    return uri;
  }

  /** A stable id of a diagnostic list, for pull result ids. */
  static resultId(items: LspDiagnostic[]): string {
    return createHash('sha1').update(JSON.stringify(items)).digest('hex').slice(0, 16);
  }

  /**
   * Open documents being edited: published before at another version than the one held now.
   * (A document just opened waits for the debounced run with the rest: opening many at once
   * should cost one run, not one each.)
   */
  private editedDocuments(): string[] {
    if (this.deps.mode !== 'push') return [];
    const { docs } = this.deps;
    const ws = this.deps.ws();
    const out: string[] = [];
    for (const file of docs.openPaths()) {
      const prev = this.published.get(file);
      const held = ws.get(file);
      if (prev?.version !== undefined && held?.version !== undefined && held.version !== prev.version && docs.byPath(file)?.version === held.version) out.push(file);
    }
    return out;
  }

  /** Computes every file's diagnostics and sends those that changed. */
  flush(): void {
    if (this.timer !== undefined) {
      this.deps.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const changed = this.publish();
    if (this.deps.mode === 'pull' && changed && this.deps.refreshSupport) {
      this.deps.connection.languages.diagnostics.refresh().catch(() => undefined);
    }
    if (this.pendingSince !== undefined) {
      const ms = this.deps.clock.now() - this.pendingSince;
      this.timing.last = ms;
      this.timing.max = Math.max(this.timing.max, ms);
      this.timing.count++;
      this.pendingSince = undefined;
    }
  }

  /** Sends the diagnostics that changed, those of the `last` files after all others; whether any did. */
  private publish(last: string[] = []): boolean {
    const { docs, connection } = this.deps;
    const ws = this.deps.ws();
    let all: Map<string, Diagnostic[]>;
    try {
      all = ws.diagnostics();
    } catch (e) {
      this.deps.log(`diagnostics failed: ${(e as Error).stack ?? e}`);
      return false;
    }
    let changed = false;
    const visit = (file: string): void => {
      const held = ws.get(file);
      const list = (held && all.get(file)) || NONE;
      const doc = docs.byPath(file);
      const version = doc ? held?.version : undefined;
      // The document moved on since this text was analysed: its own flush will follow.
      if (doc && held && held.version !== undefined && doc.version !== held.version) return;
      const uri = this.uriOf(file);
      const prev = this.published.get(file);
      const same = prev !== undefined && prev.version === version && prev.uri === uri;
      if (same && prev.items && sameItems(prev.items, list)) return;
      if (!prev && list.length === 0 && !doc) return;
      const items = this.convert(list);
      if (!prev && items.length === 0 && !doc) return;
      const key = JSON.stringify(items);
      if (same && prev.key === key) {
        prev.items = list;
        return;
      }
      changed = true;
      if (this.deps.mode === 'push') {
        if (prev && prev.uri !== uri) void connection.sendDiagnostics({ uri: prev.uri, diagnostics: [] });
        void connection.sendDiagnostics({ uri, version, diagnostics: items });
      }
      if (!held && !doc) this.published.delete(file);
      else this.published.set(file, { uri, key, version, items: list });
    };
    const later = new Set(last);
    // After an edit only a few files' lists change: visit those, not the whole workspace.
    const dirty = this.seenGeneration < 0 || this.seenWorkspace !== ws ? undefined : ws.changedSince(this.seenGeneration);
    this.seenGeneration = ws.diagnosticsGeneration;
    this.seenWorkspace = ws;
    if (dirty) {
      for (const file of dirty) if (!later.has(file)) visit(file);
    } else {
      for (const file of all.keys()) if (!later.has(file)) visit(file);
      for (const file of [...this.published.keys()]) if (!all.has(file) && !later.has(file)) visit(file);
    }
    for (const file of later) visit(file);
    return changed;
  }
}
