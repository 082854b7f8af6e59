/** textDocument/definition. */
import type { DefinitionParams, Location } from 'vscode-languageserver/node';
import { definitionAt } from '../../engine/features';
import { toLocations } from '../convert';
import { type Session, offsetIn } from '../session';

/** Where what is under the position is defined (artifact entry, primary file, tag definition…). */
export function definition(session: Session, params: DefinitionParams): Location[] | null {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return null;
  const places = definitionAt(session.ws, at.file, at.offset);
  return places.length ? toLocations(places, (f) => session.docs.uriOf(f)) : null;
}
