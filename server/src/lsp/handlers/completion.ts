/** textDocument/completion. */
import type { CompletionList, CompletionParams } from 'vscode-languageserver/node';
import { completionsAt } from '../../engine/features';
import { toCompletionItem } from '../convert';
import { type Session, offsetIn } from '../session';

/** Keys, values and references that fit the position. */
export function completion(session: Session, params: CompletionParams, snippetSupport: boolean): CompletionList {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return { isIncomplete: false, items: [] };
  return { isIncomplete: false, items: completionsAt(session.ws, at.file, at.offset).map((c) => toCompletionItem(c, snippetSupport)) };
}
