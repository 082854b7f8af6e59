/** Engine data ↔ LSP types: diagnostics, edits, places, completion and symbol kinds. */
import {
  CompletionItemKind, DiagnosticSeverity, DocumentHighlightKind, InsertTextFormat, MarkupKind, SymbolKind,
  type CompletionItem, type Diagnostic as LspDiagnostic, type Location, type TextDocumentEdit, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { Diagnostic, Severity } from '../engine';
import type { CompletionData, CompletionKind, FileEdits, FileSpan, Highlight, SymbolKind as EngineSymbolKind } from '../engine/features';
import type { SeverityOverride } from './settings';

/** Where the rules are documented (README anchors by code). */
export const RULES_URL = 'https://github.com/skillmeat/skillmeat-manifests';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What the `data` of our diagnostics carries for code actions. */
export interface DiagnosticPayload {
  code: string;
  span: { start: number; end: number };
  suggestions?: string[];
  replacement?: string;
  tag?: string;
}

/** An engine finding as an LSP diagnostic; undefined when its code is switched off. */
export function toLspDiagnostic(d: Diagnostic, uriOf: (file: string) => string, overrides: Record<string, SeverityOverride>): LspDiagnostic | undefined {
  const level = overrides[d.code] ?? d.severity;
  if (level === 'off') return undefined;
  const data: DiagnosticPayload = { code: d.code, span: d.span, ...d.data };
  const out: LspDiagnostic = {
    range: d.range,
    severity: SEVERITY[level],
    code: d.code,
    codeDescription: { href: `${RULES_URL}#${d.code}` },
    source: 'skillmeat',
    message: d.message,
    data,
  };
  if (d.related?.length) out.relatedInformation = d.related.map((r) => ({ location: { uri: uriOf(r.file), range: r.range }, message: r.message }));
  return out;
}

/** Engine places as LSP locations. */
export function toLocations(places: FileSpan[], uriOf: (file: string) => string): Location[] {
  return places.map((p) => ({ uri: uriOf(p.file), range: p.range }));
}

/** Engine edits as a WorkspaceEdit: versioned document edits (null version for files not open). */
export function toWorkspaceEdit(edits: FileEdits[], uriOf: (file: string) => string): WorkspaceEdit {
  const documentChanges: TextDocumentEdit[] = edits.map((fe) => ({
    textDocument: { uri: uriOf(fe.file), version: fe.version ?? null },
    edits: fe.edits.map((e): TextEdit => ({ range: e.range, newText: e.newText })),
  }));
  return { documentChanges };
}

/** The same edits as a plain `changes` map, for clients without documentChanges support. */
export function toChangesEdit(edits: FileEdits[], uriOf: (file: string) => string): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const fe of edits) changes[uriOf(fe.file)] = fe.edits.map((e) => ({ range: e.range, newText: e.newText }));
  return { changes };
}

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  property: CompletionItemKind.Property,
  enum: CompletionItemKind.EnumMember,
  type: CompletionItemKind.TypeParameter,
  reference: CompletionItemKind.Reference,
  tag: CompletionItemKind.Constant,
  collection: CompletionItemKind.Module,
  value: CompletionItemKind.Value,
};

/** A completion item, its text edit replacing the typed part. */
export function toCompletionItem(c: CompletionData, snippetSupport: boolean): CompletionItem {
  const snippet = c.snippet && snippetSupport;
  const text = c.snippet && !snippetSupport ? c.insertText.replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1').replace(/\$\{\d+:?([^}]*)\}/g, '$1').replace(/\$\d+/g, '') : c.insertText;
  const item: CompletionItem = {
    label: c.label,
    kind: COMPLETION_KIND[c.kind],
    detail: c.detail,
    textEdit: { range: c.range, newText: text },
    insertTextFormat: snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
  if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  if (c.filterText) item.filterText = c.filterText;
  if (c.sortText) item.sortText = c.sortText;
  if (c.retrigger) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
  // Artifact documentation is made on completionItem/resolve: a collection may offer thousands.
  if (c.artifact) item.data = { artifact: c.artifact };
  return item;
}

const SYMBOL_KIND: Record<EngineSymbolKind, SymbolKind> = {
  collection: SymbolKind.Module,
  namespace: SymbolKind.Namespace,
  artifact: SymbolKind.Class,
  group: SymbolKind.Array,
  tag: SymbolKind.Constant,
  server: SymbolKind.Interface,
  lock: SymbolKind.Key,
  deployed: SymbolKind.Object,
  project: SymbolKind.Package,
  skip: SymbolKind.Event,
  composite: SymbolKind.Package,
};

/** The LSP symbol kind of an outline entry; artifacts by their type. */
export function toSymbolKind(kind: EngineSymbolKind, artifactType?: string): SymbolKind {
  if (kind === 'artifact' && artifactType) return artifactSymbolKind(artifactType);
  return SYMBOL_KIND[kind];
}

/** An icon per artifact type. */
export function artifactSymbolKind(type: string): SymbolKind {
  switch (type) {
    case 'skill':
      return SymbolKind.Function;
    case 'command':
      return SymbolKind.Method;
    case 'agent':
      return SymbolKind.Class;
    case 'hook':
      return SymbolKind.Event;
    case 'mcp':
      return SymbolKind.Interface;
    case 'workflow':
      return SymbolKind.Struct;
    case 'composite':
      return SymbolKind.Package;
    default:
      return SymbolKind.File;
  }
}

/** A highlight's kind. */
export function toHighlightKind(k: Highlight['kind']): DocumentHighlightKind {
  return k === 'write' ? DocumentHighlightKind.Write : DocumentHighlightKind.Read;
}
