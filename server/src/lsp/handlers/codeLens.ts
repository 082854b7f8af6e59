/** textDocument/codeLens. */
import type { CodeLens, CodeLensParams } from 'vscode-languageserver/node';
import { codeLensesOf } from '../../engine/features';
import { type Session, fileOf } from '../session';

/** The client command a lens runs: `skillmeat.showReferences(uri, position)`, which the client implements. */
export const SHOW_REFERENCES = 'skillmeat.showReferences';

/** Lenses over artifact entries and composites, with their command resolved already. */
export function codeLenses(session: Session, params: CodeLensParams): CodeLens[] {
  const file = fileOf(session, params.textDocument.uri);
  if (!file) return [];
  const sf = session.ws.get(file)!;
  return codeLensesOf(session.ws, file).map((l) => ({
    range: l.range,
    command: { title: l.title, command: l.nameSpan ? SHOW_REFERENCES : '', arguments: l.nameSpan ? [params.textDocument.uri, sf.lines.positionAt(l.nameSpan.start + 1)] : undefined },
  }));
}
