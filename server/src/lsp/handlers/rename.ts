/** textDocument/prepareRename and textDocument/rename of artifacts. */
import { ResponseError, ErrorCodes, type PrepareRenameParams, type Range, type RenameParams, type WorkspaceEdit } from 'vscode-languageserver/node';
import { prepareRenameAt, renameArtifact } from '../../engine/features';
import { toChangesEdit, toWorkspaceEdit } from '../convert';
import { type Session, offsetIn } from '../session';

/** The name's range and text, or an error saying why it cannot be renamed. */
export function prepareRename(session: Session, params: PrepareRenameParams): { range: Range; placeholder: string } | ResponseError<void> | null {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return null;
  const r = prepareRenameAt(session.ws, at.file, at.offset);
  if (!r) return null;
  if (!r.ok) return new ResponseError(ErrorCodes.InvalidRequest, r.reason);
  return { range: r.range, placeholder: r.placeholder };
}

/** One WorkspaceEdit renaming the artifact in every manifest, or an error with the reason it is refused. */
export function rename(session: Session, params: RenameParams, documentChanges: boolean): WorkspaceEdit | ResponseError<void> | null {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return null;
  const r = renameArtifact(session.ws, at.file, at.offset, params.newName);
  if (!r.ok) return new ResponseError(ErrorCodes.InvalidRequest, r.reason);
  const uriOf = (f: string): string => session.docs.uriOf(f);
  return documentChanges ? toWorkspaceEdit(r.edits, uriOf) : toChangesEdit(r.edits, uriOf);
}
