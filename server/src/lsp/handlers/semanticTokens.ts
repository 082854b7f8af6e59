/** textDocument/semanticTokens/full. */
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend, type SemanticTokensParams } from 'vscode-languageserver/node';
import { SEMANTIC_TOKEN_MODIFIERS, SEMANTIC_TOKEN_TYPES, semanticTokens } from '../../engine/features';
import { type Session, fileOf } from '../session';

/** The legend announced in the capabilities. */
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...SEMANTIC_TOKEN_TYPES], tokenModifiers: [...SEMANTIC_TOKEN_MODIFIERS] };

/** References, types, uuids and vocabulary values of a manifest. */
export function semanticTokensFull(session: Session, params: SemanticTokensParams): SemanticTokens {
  const file = fileOf(session, params.textDocument.uri);
  const b = new SemanticTokensBuilder();
  if (file) for (const t of semanticTokens(session.ws, file)) b.push(t.line, t.character, t.length, t.type, t.modifiers);
  return b.build();
}
