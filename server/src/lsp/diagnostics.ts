/**
 * Diagnostics out of the server: pushed per file after a short debounce, only for files whose
 * findings (or, for open documents, version) changed, never for a stale version; or pulled by
 * clients that ask (textDocument/diagnostic, workspace/diagnostic) with result ids.
 */
import { createHash } from 'node:crypto';
import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { Workspace } from '../engine';
import type { Clock } from './clock';
import type { OpenDocuments } from './documents';
import type { SeverityOverride } from './settings';
import { toLspDiagnostic } from './convert';

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
}

/** Pushes or refreshes diagnostics when the workspace changes. */
export class DiagnosticsPublisher {
  private timer: unknown;
  private pendingSince: number | undefined;
  private readonly published = new Map<string, Published>();
  /** Time from the first change of a batch to its diagnostics being sent, in ms. */
  readonly timing = { last: -1, max: 0, count: 0 };

  constructor(private readonly deps: PublisherDeps) {}

  /** Validates again after the debounce (edits in quick succession share one run). */
  schedule(): void {
    const { clock } = this.deps;
    if (this.pendingSince === undefined) this.pendingSince = clock.now();
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.deps.debounceMs);
  }

  /** Stops the pending run. */
  dispose(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Makes the next flush send every file again (after a severity change). */
  forget(): void {
    for (const p of this.published.values()) p.key = '';
  }

  /** The LSP diagnostics of a file now. */
  diagnosticsOf(file: string): LspDiagnostic[] {
    const uriOf = (f: string): string => this.deps.docs.uriOf(f);
    const overrides = this.deps.overrides();
    const out: LspDiagnostic[] = [];
    for (const d of this.deps.ws().diagnosticsOf(file)) {
      const l = toLspDiagnostic(d, uriOf, overrides);
      if (l) out.push(l);
    }
    return out;
  }

  /** A stable id of a diagnostic list, for pull result ids. */
  static resultId(items: LspDiagnostic[]): string {
    return createHash('sha1').update(JSON.stringify(items)).digest('hex').slice(0, 16);
  }

  /** Computes every file's diagnostics and sends those that changed. */
  flush(): void {
    if (this.timer !== undefined) {
      this.deps.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { docs, connection } = this.deps;
    const ws = this.deps.ws();
    let all: Map<string, unknown>;
    try {
      all = ws.diagnostics();
    } catch (e) {
      this.deps.log(`diagnostics failed: ${(e as Error).stack ?? e}`);
      return;
    }
    const files = new Set<string>([...all.keys(), ...this.published.keys()]);
    let changed = false;
    for (const file of files) {
      const held = ws.get(file);
      const items = held ? this.diagnosticsOf(file) : [];
      const uri = docs.uriOf(file);
      const doc = docs.byPath(file);
      const version = doc ? held?.version : undefined;
      // The document moved on since this text was analysed: its own flush will follow.
      if (doc && held && held.version !== undefined && doc.version !== held.version) continue;
      const key = JSON.stringify(items);
      const prev = this.published.get(file);
      if (prev && prev.key === key && prev.version === version && prev.uri === uri) continue;
      if (!prev && items.length === 0 && !doc) continue;
      changed = true;
      if (this.deps.mode === 'push') {
        if (prev && prev.uri !== uri) void connection.sendDiagnostics({ uri: prev.uri, diagnostics: [] });
        void connection.sendDiagnostics({ uri, version, diagnostics: items });
      }
      if (!held && !doc) this.published.delete(file);
      else this.published.set(file, { uri, key, version });
    }
    if (this.deps.mode === 'pull' && changed && this.deps.refreshSupport) {
      connection.languages.diagnostics.refresh().catch(() => undefined);
    }
    if (this.pendingSince !== undefined) {
      const ms = this.deps.clock.now() - this.pendingSince;
      this.timing.last = ms;
      this.timing.max = Math.max(this.timing.max, ms);
      this.timing.count++;
      this.pendingSince = undefined;
    }
  }
}
