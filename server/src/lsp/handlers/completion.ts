/** textDocument/completion. */
import { InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type CompletionParams } from 'vscode-languageserver/node';
import { artifactDocumentation, collectionDocumentation, completionsAt, type ArtifactKey, type CompletionData } from '../../engine/features';
import { toCompletionItem } from '../convert';
import { type Session, offsetIn } from '../session';

/** What a completion item carries for completionItem/resolve. */
interface ItemData {
  artifact?: ArtifactKey;
  collection?: string;
}

/** Keys, values and references that fit the position. */
export function completion(session: Session, params: CompletionParams, snippetSupport: boolean): CompletionList {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return { isIncomplete: false, items: [] };
  return { isIncomplete: false, items: completionsAt(session.ws, at.file, at.offset).map((c) => lean(toCompletionItem(c, snippetSupport), c)) };
}

/**
 * An item with nothing the client would assume anyway: a list can hold a thousand collections
 * or artifacts, and every byte of each is encoded, sent and decoded on each request.
 */
function lean(item: CompletionItem, c: CompletionData): CompletionItem {
  // Plain text is the protocol's default format.
  if (item.insertTextFormat === InsertTextFormat.PlainText) delete item.insertTextFormat;
  if (c.collection !== undefined) item.data = { ...(item.data as ItemData | undefined), collection: c.collection } satisfies ItemData;
  return item;
}

/** Fills in an artifact's or a collection's item documentation (the hover of that artifact, the collection's folder). */
export function resolveCompletion(session: Session, item: CompletionItem): CompletionItem {
  const data = item.data as ItemData | undefined;
  if (item.documentation || (!data?.artifact && data?.collection === undefined)) return item;
  try {
    const doc = data.artifact ? artifactDocumentation(session.ws, data.artifact) : collectionDocumentation(session.ws, data.collection!);
    return doc ? { ...item, documentation: { kind: MarkupKind.Markdown, value: doc } } : item;
  } catch (e) {
    session.log(`completionItem/resolve failed: ${(e as Error)?.stack ?? e}`);
    return item;
  }
}
