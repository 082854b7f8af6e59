/** The editor's open documents, by URI and by path. */
import { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { pathToUri, uriToPath } from './uri';

/** Open documents with their text, kept in sync by the LSP text-document notifications. */
export class OpenDocuments {
  readonly manager = new TextDocuments(TextDocument);
  private readonly uriByPath = new Map<string, string>();

  /** Records the URI the client uses for a path (it may encode it differently from us). */
  opened(uri: string): string | undefined {
    const p = uriToPath(uri);
    if (p) this.uriByPath.set(p, uri);
    return p;
  }

  /** Forgets a closed document. */
  closed(uri: string): string | undefined {
    const p = uriToPath(uri);
    if (p && this.uriByPath.get(p) === uri) this.uriByPath.delete(p);
    return p;
  }

  /** The URI to name a path with: the client's for open documents, ours otherwise. */
  uriOf(file: string): string {
    return this.uriByPath.get(file) ?? pathToUri(file);
  }

  /** The path of a URI (file: URIs only). */
  pathOf(uri: string): string | undefined {
    return uriToPath(uri);
  }

  /** The open document of a path, if open. */
  byPath(file: string): TextDocument | undefined {
    const uri = this.uriByPath.get(file);
    return uri ? this.manager.get(uri) : undefined;
  }

  /** Whether a path is open in the editor. */
  isOpen(file: string): boolean {
    return this.uriByPath.has(file);
  }

  /** Every open document's path. */
  openPaths(): string[] {
    return [...this.uriByPath.keys()];
  }
}
