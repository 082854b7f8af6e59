/** textDocument/documentSymbol and workspace/symbol. */
import type { CancellationToken, DocumentSymbol, DocumentSymbolParams, WorkspaceSymbol, WorkspaceSymbolParams } from 'vscode-languageserver/node';
import { documentSymbols, workspaceSymbols, type SymbolData } from '../../engine/features';
import { artifactSymbolKind, toSymbolKind } from '../convert';
import { type Session, fileOf } from '../session';

function toDocumentSymbol(s: SymbolData): DocumentSymbol {
  return {
    name: s.name || '(unnamed)',
    detail: s.detail,
    kind: toSymbolKind(s.kind, s.artifactType),
    range: s.range,
    selectionRange: s.selectionRange,
    children: s.children?.map(toDocumentSymbol),
  };
}

/** The outline of a manifest. */
export function documentSymbol(session: Session, params: DocumentSymbolParams): DocumentSymbol[] {
  const file = fileOf(session, params.textDocument.uri);
  return file ? documentSymbols(session.ws, file).map(toDocumentSymbol) : [];
}

/** Artifacts of every collection by fuzzy name. */
export function workspaceSymbol(session: Session, params: WorkspaceSymbolParams, token: CancellationToken): WorkspaceSymbol[] {
  return workspaceSymbols(session.ws, params.query ?? '', token).map((s) => ({
    name: s.name,
    kind: artifactSymbolKind(s.artifactType),
    containerName: s.containerName,
    location: { uri: session.docs.uriOf(s.file), range: s.range },
  }));
}
