/** textDocument/diagnostic and workspace/diagnostic (pull diagnostics). */
import {
  DocumentDiagnosticReportKind, type CancellationToken, type DocumentDiagnosticParams, type DocumentDiagnosticReport,
  type WorkspaceDiagnosticParams, type WorkspaceDiagnosticReport, type WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver/node';
import { DiagnosticsPublisher } from '../diagnostics';
import { type Session } from '../session';

/** One document's findings, or "unchanged" when the client already has them. */
export function documentDiagnostic(session: Session, params: DocumentDiagnosticParams): DocumentDiagnosticReport {
  const file = session.docs.pathOf(params.textDocument.uri);
  const { items, resultId } = file ? session.publisher.pullReport(file) : { items: [], resultId: DiagnosticsPublisher.resultId([]) };
  if (params.previousResultId === resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
  return { kind: DocumentDiagnosticReportKind.Full, resultId, items };
}

/** Every held file's findings (Problems for the whole workspace). */
export function workspaceDiagnostic(session: Session, params: WorkspaceDiagnosticParams, token: CancellationToken): WorkspaceDiagnosticReport {
  const previous = new Map((params.previousResultIds ?? []).map((p) => [p.uri, p.value]));
  const items: WorkspaceDocumentDiagnosticReport[] = [];
  session.ws.diagnostics();
  for (const sf of session.ws.allFiles()) {
    if (token.isCancellationRequested) break;
    const uri = session.publisher.uriOf(sf.file);
    const version = session.docs.isOpen(sf.file) ? sf.version ?? null : null;
    const { items: diags, resultId } = session.publisher.pullReport(sf.file);
    const prev = previous.get(uri);
    previous.delete(uri);
    if (prev === resultId) items.push({ kind: DocumentDiagnosticReportKind.Unchanged, uri, version, resultId });
    else items.push({ kind: DocumentDiagnosticReportKind.Full, uri, version, resultId, items: diags });
  }
  // Files the client has findings for that are gone (deleted, moved, now excluded): a client
  // keeps what a report does not mention, so each is cleared with an empty report.
  if (!token.isCancellationRequested) {
    const none = DiagnosticsPublisher.resultId([]);
    for (const uri of previous.keys()) items.push({ kind: DocumentDiagnosticReportKind.Full, uri, version: null, resultId: none, items: [] });
  }
  return { items };
}
