/** textDocument/codeAction: quick fixes from the findings, and the source actions. */
import type { CodeAction, CodeActionParams, Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import { codeActionsFor, newUuid } from '../../engine/features';
import { toChangesEdit, toWorkspaceEdit } from '../convert';
import { type Session, fileOf } from '../session';

function wanted(kind: string, only: string[] | undefined): boolean {
  return !only || only.length === 0 || only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

/** The code actions of a range, each edit carrying the document version it was computed on. */
export function codeActions(session: Session, params: CodeActionParams, documentChanges: boolean): CodeAction[] {
  const file = fileOf(session, params.textDocument.uri);
  if (!file) return [];
  const sf = session.ws.get(file)!;
  const span = { start: sf.lines.offsetAt(params.range.start), end: sf.lines.offsetAt(params.range.end) };
  const uriOf = (f: string): string => session.docs.uriOf(f);
  const only = params.context?.only;
  const out: CodeAction[] = [];
  // The cache's remembered uuids from its in-memory Map (no sync, no SQL: code actions are asked for on every cursor move).
  const live = session.cache?.live;
  const handedOut = new Set<string>();
  const make = (type: string, name: string): string => {
    const known = live?.state === 'ready' ? live.uuidOf(type, name) : undefined;
    if (!known || handedOut.has(known)) return newUuid();
    handedOut.add(known);
    return known;
  };
  for (const a of codeActionsFor(session.ws, file, span, { newUuid: make })) {
    if (!wanted(a.kind, only)) continue;
    const action: CodeAction = { title: a.title, kind: a.kind, edit: documentChanges ? toWorkspaceEdit(a.edits, uriOf) : toChangesEdit(a.edits, uriOf) };
    if (a.isPreferred) action.isPreferred = true;
    if (a.diagnostics?.length) {
      // Hand back the client's own diagnostic objects when they match, so the fix attaches to the marker.
      const mine = a.diagnostics.map((d) => (params.context?.diagnostics ?? []).find((c) => matches(c, d.code, d.range)) ?? undefined).filter((d): d is LspDiagnostic => d !== undefined);
      if (mine.length) action.diagnostics = mine;
    }
    out.push(action);
  }
  return out;
}

function matches(c: LspDiagnostic, code: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): boolean {
  return c.code === code && c.range.start.line === range.start.line && c.range.start.character === range.start.character && c.range.end.line === range.end.line && c.range.end.character === range.end.character;
}
