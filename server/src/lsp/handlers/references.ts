/** textDocument/references and textDocument/documentHighlight. */
import type { CancellationToken, DocumentHighlight, DocumentHighlightParams, Location, ReferenceParams } from 'vscode-languageserver/node';
import { documentHighlights, referencesAt } from '../../engine/features';
import { toHighlightKind, toLocations } from '../convert';
import { type Session, offsetIn } from '../session';

/** Every place naming the artifact (or tag) under the position, across all manifests. */
export function references(session: Session, params: ReferenceParams, token: CancellationToken): Location[] {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return [];
  return toLocations(referencesAt(session.ws, at.file, at.offset, params.context?.includeDeclaration ?? true, token), (f) => session.docs.uriOf(f));
}

/** The same places, in this document only. */
export function highlights(session: Session, params: DocumentHighlightParams): DocumentHighlight[] {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return [];
  return documentHighlights(session.ws, at.file, at.offset).map((h) => ({ range: h.range, kind: toHighlightKind(h.kind) }));
}
