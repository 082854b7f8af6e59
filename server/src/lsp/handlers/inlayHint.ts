/** textDocument/inlayHint. */
import type { InlayHint, InlayHintParams } from 'vscode-languageserver/node';
import { inlayHints } from '../../engine/features';
import { type Session, fileOf } from '../session';

/** Resolved uuids after deployed names, the implied type after bare linked names. */
export function inlayHint(session: Session, params: InlayHintParams): InlayHint[] {
  const file = fileOf(session, params.textDocument.uri);
  if (!file) return [];
  const sf = session.ws.get(file)!;
  const start = sf.lines.offsetAt(params.range.start);
  const end = sf.lines.offsetAt(params.range.end);
  return inlayHints(session.ws, file, start, end).map((h) => ({ position: h.position, label: h.label, tooltip: h.tooltip, paddingLeft: true }));
}
