/** textDocument/completion. */
import { MarkupKind, type CompletionItem, type CompletionList, type CompletionParams } from 'vscode-languageserver/node';
import { artifactDocumentation, completionsAt, type ArtifactKey } from '../../engine/features';
import { toCompletionItem } from '../convert';
import { type Session, offsetIn } from '../session';

/** Keys, values and references that fit the position. */
export function completion(session: Session, params: CompletionParams, snippetSupport: boolean): CompletionList {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return { isIncomplete: false, items: [] };
  return { isIncomplete: false, items: completionsAt(session.ws, at.file, at.offset).map((c) => toCompletionItem(c, snippetSupport)) };
}

/** Fills in an artifact item's documentation (the hover of that artifact). */
export function resolveCompletion(session: Session, item: CompletionItem): CompletionItem {
  const key = (item.data as { artifact?: ArtifactKey } | undefined)?.artifact;
  if (!key || item.documentation) return item;
  try {
    const doc = artifactDocumentation(session.ws, key);
    return doc ? { ...item, documentation: { kind: MarkupKind.Markdown, value: doc } } : item;
  } catch (e) {
    session.log(`completionItem/resolve failed: ${(e as Error)?.stack ?? e}`);
    return item;
  }
}
