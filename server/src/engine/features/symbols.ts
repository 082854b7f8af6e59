/** Document outline and workspace-wide artifact search. */
import type { Workspace } from '../workspace/workspace';
import type { SourceFile } from '../workspace/sourceFile';
import type { Range, Span } from '../text/lineIndex';
import type { Field } from '../model/fields';
import type { TomlTable } from '../toml/ast';
import type { Cancel } from './types';

/** What a symbol is, for the editor's icon. */
export type SymbolKind = 'collection' | 'namespace' | 'artifact' | 'group' | 'tag' | 'server' | 'lock' | 'deployed' | 'project' | 'skip' | 'composite';

/** One outline entry. */
export interface SymbolData {
  name: string;
  detail?: string;
  kind: SymbolKind;
  /** For artifacts: their type (the editor may pick an icon by it). */
  artifactType?: string;
  span: Span;
  range: Range;
  selectionSpan: Span;
  selectionRange: Range;
  children?: SymbolData[];
}

function sym(sf: SourceFile, name: string, kind: SymbolKind, span: Span, sel: Span, extra: Partial<SymbolData> = {}): SymbolData {
  // The selection must lie inside the range; a table's span holds its keys, but be safe.
  const range = { start: Math.min(span.start, sel.start), end: Math.max(span.end, sel.end) };
  return { name, kind, span: range, range: sf.lines.rangeOf(range), selectionSpan: sel, selectionRange: sf.lines.rangeOf(sel), ...extra };
}

function tableSpan(t: TomlTable): Span {
  return t.headerSpan ? { start: t.headerSpan.start, end: Math.max(t.span.end, t.headerSpan.end) } : t.span;
}

function nameSel(t: TomlTable, f: Field<string> | undefined): Span {
  return f?.span ?? t.headerSpan ?? t.span;
}

/** A folder symbol around children (range: all of them; selection: the first one's). */
function folder(sf: SourceFile, name: string, children: SymbolData[], detail?: string): SymbolData | undefined {
  if (children.length === 0) return undefined;
  const span = { start: Math.min(...children.map((c) => c.span.start)), end: Math.max(...children.map((c) => c.span.end)) };
  return sym(sf, name, 'namespace', span, children[0].selectionSpan, { children, detail });
}

function defined<T>(xs: (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

/** The outline of a file: collection → artifacts by type, groups, tags, MCP servers; lock entries; deployed records; skips. */
export function documentSymbols(ws: Workspace, file: string): SymbolData[] {
  const sf = ws.get(file);
  const m = sf?.model;
  if (!sf || !m) return [];
  switch (m.kind) {
    case 'collection': {
      const byType = new Map<string, SymbolData[]>();
      for (const a of m.artifacts) {
        const type = a.type?.value ?? 'unknown';
        const list = byType.get(type) ?? [];
        list.push(sym(sf, a.name?.value ?? '(unnamed)', 'artifact', tableSpan(a.table), nameSel(a.table, a.name), { detail: type, artifactType: type }));
        byType.set(type, list);
      }
      // Type folders in the order their first artifact appears, like everything else in the outline.
      const artifacts = folder(sf, 'artifacts', [...byType].map(([t, list]) => folder(sf, t, list, `${list.length}`)!), `${m.artifacts.length}`);
      const groups = folder(sf, 'groups', m.groups.map((g) => sym(sf, g.name?.value ?? '(unnamed)', 'group', tableSpan(g.table), nameSel(g.table, g.name), { detail: `${g.members?.items.length ?? 0} members` })));
      const tags = folder(sf, 'tag_definitions', m.tagDefinitions.map((t) => sym(sf, t.name?.value ?? '(unnamed)', 'tag', tableSpan(t.table), nameSel(t.table, t.name), { detail: t.slug?.value })));
      const servers = folder(sf, 'mcp_servers', m.mcpServers.map((s) => sym(sf, s.name?.value ?? '(unnamed)', 'server', tableSpan(s.table), nameSel(s.table, s.name), { detail: s.repo?.value })));
      const children = defined([artifacts, groups, tags, servers]).sort((a, b) => a.span.start - b.span.start);
      const headerSel = m.name?.span ?? m.header?.headerSpan ?? { start: 0, end: 0 };
      return [sym(sf, `collection ${m.name?.value ?? ''}`.trim(), 'collection', { start: 0, end: sf.text.length }, headerSel, { children })];
    }
    case 'lock':
      return m.entries.map((e) => sym(sf, e.key.value, 'lock', tableSpan(e.table), e.key.span, { detail: e.contentHash ? e.contentHash.value.slice(0, 12) : undefined }));
    case 'deployed':
      return m.records.map((r) => sym(sf, r.name?.value ?? '(unnamed)', 'deployed', tableSpan(r.table), nameSel(r.table, r.name), { detail: `${r.type?.value ?? '?'} · ${r.fromCollection?.value ?? '?'}` }));
    case 'skip-prefs':
      return m.skips.map((s) => sym(sf, s.key?.value ?? '(no key)', 'skip', tableSpan(s.table), nameSel(s.table, s.key), { detail: s.reason?.value }));
    case 'project':
      return m.name ? [sym(sf, m.name.value, 'project', { start: 0, end: sf.text.length }, m.name.span, { detail: m.path?.value })] : [];
    case 'plugin':
      return m.name ? [sym(sf, m.name.value, 'composite', { start: 0, end: sf.text.length }, m.name.span, { detail: m.version?.value })] : [];
  }
}

/** One workspace symbol: an artifact and where it is defined. */
export interface WorkspaceSymbolData {
  name: string;
  artifactType: string;
  containerName: string;
  file: string;
  span: Span;
  range: Range;
}

/** A fuzzy match score (higher is better), or -1 when the query's letters are not all in order in the name. */
export function fuzzyScore(query: string, name: string): number {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  if (q === '') return 1;
  if (n === q) return 1000;
  if (n.startsWith(q)) return 800 - n.length;
  const at = n.indexOf(q);
  if (at >= 0) return 600 - at - n.length;
  let score = 0;
  let j = 0;
  let prev = -2;
  for (const ch of q) {
    const k = n.indexOf(ch, j);
    if (k < 0) return -1;
    score += k === prev + 1 ? 5 : k === 0 || /[-_:. ]/.test(n[k - 1]) ? 3 : 1;
    prev = k;
    j = k + 1;
  }
  return score;
}

/** Artifacts of every collection matching a query fuzzily (by name or `type:name`), best first. */
export function workspaceSymbols(ws: Workspace, query: string, cancel?: Cancel, limit = 500): WorkspaceSymbolData[] {
  const scored: { s: WorkspaceSymbolData; score: number }[] = [];
  for (const c of ws.index().collections) {
    if (cancel?.isCancellationRequested) break;
    for (const a of c.artifacts) {
      const score = Math.max(fuzzyScore(query, a.name), fuzzyScore(query, `${a.type}:${a.name}`) - 1);
      if (score < 0 || !a.entry.name) continue;
      const span = a.entry.name.span;
      scored.push({ s: { name: a.name, artifactType: a.type, containerName: `${a.type} · ${c.name}`, file: c.source.file, span, range: c.source.lines.rangeOf(span) }, score });
    }
  }
  scored.sort((x, y) => y.score - x.score || x.s.name.localeCompare(y.s.name));
  return scored.slice(0, limit).map((x) => x.s);
}
