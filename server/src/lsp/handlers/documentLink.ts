/** textDocument/documentLink. */
import type { DocumentLink, DocumentLinkParams } from 'vscode-languageserver/node';
import { documentLinks } from '../../engine/features';
import { pathToUri } from '../uri';
import { type Session, fileOf } from '../session';

/** Artifact paths as links to their primary files. */
export function documentLink(session: Session, params: DocumentLinkParams): DocumentLink[] {
  const file = fileOf(session, params.textDocument.uri);
  if (!file) return [];
  return documentLinks(session.ws, file).map((l) => ({ range: l.range, target: pathToUri(l.target), tooltip: l.tooltip }));
}
