/** textDocument/hover. */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver/node';
import { hoverAt } from '../../engine/features';
import { type Session, offsetIn } from '../session';

/** The hover at a position, as Markdown. */
export function hover(session: Session, params: HoverParams): Hover | null {
  const at = offsetIn(session, params.textDocument.uri, params.position);
  if (!at) return null;
  const h = hoverAt(session.ws, at.file, at.offset);
  return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: h.range } : null;
}
