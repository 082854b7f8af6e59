/** textDocument/foldingRange. */
import { FoldingRangeKind, type FoldingRange, type FoldingRangeParams } from 'vscode-languageserver/node';
import { foldingRanges } from '../../engine/features';
import { type Session, fileOf } from '../session';

/** Tables, multi-line values and comment blocks. */
export function foldingRange(session: Session, params: FoldingRangeParams): FoldingRange[] {
  const file = fileOf(session, params.textDocument.uri);
  if (!file) return [];
  return foldingRanges(session.ws, file).map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : undefined }));
}
