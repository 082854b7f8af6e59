/** Semantic tokens for what plain TOML grammar cannot know: artifact references, their types, uuids and vocabulary values. */
import type { Workspace } from '../workspace/workspace';
import type { CollectionInfo, WorkspaceIndex } from '../workspace/index';
import type { SourceFile } from '../workspace/sourceFile';
import type { Span } from '../text/lineIndex';
import type { Field } from '../model/fields';
import { lookupKey, parseRef, stripExtension } from '../model/identity';
import { collectionNamed, linkedType } from './relations';
import { exactContent } from './text';

/** The token types, in legend order. */
export const SEMANTIC_TOKEN_TYPES = ['type', 'artifactReference', 'uuid', 'enumMember'] as const;
/** The token modifiers, in legend order (bit i = modifier i). */
export const SEMANTIC_TOKEN_MODIFIERS = ['declaration', 'unresolved'] as const;

type TokenType = (typeof SEMANTIC_TOKEN_TYPES)[number];
type TokenModifier = (typeof SEMANTIC_TOKEN_MODIFIERS)[number];

/** One token on one line. */
export interface TokenData {
  line: number;
  character: number;
  length: number;
  /** Index into SEMANTIC_TOKEN_TYPES. */
  type: number;
  /** Bit set over SEMANTIC_TOKEN_MODIFIERS. */
  modifiers: number;
}

class Tokens {
  readonly spans: { span: Span; type: TokenType; mods: TokenModifier[] }[] = [];

  constructor(private readonly sf: SourceFile) {}

  /** The content of a string field, or parts of it, when the text spells the value exactly. */
  field(f: Field<string> | undefined, type: TokenType, mods: TokenModifier[] = [], from = 0, to?: number): void {
    if (!f) return;
    const c = exactContent(this.sf.text, f.span, f.value);
    if (!c) return;
    const end = to === undefined ? c.end : c.start + to;
    if (end > c.start + from) this.spans.push({ span: { start: c.start + from, end }, type, mods });
  }

  /** A `type:name` string: the type part and the name part. */
  ref(f: Field<string> | undefined, resolved: (type: string, name: string) => boolean): void {
    if (!f) return;
    const r = parseRef(f.value);
    if (!r) return;
    this.field(f, 'type', [], 0, r.type.length);
    this.field(f, 'artifactReference', resolved(r.type, r.name) ? [] : ['unresolved'], r.nameOffset);
  }

  result(): TokenData[] {
    const out: TokenData[] = [];
    let lastEnd = -1;
    for (const t of this.spans.sort((a, b) => a.span.start - b.span.start)) {
      if (t.span.start < lastEnd) continue;
      const start = this.sf.lines.positionAt(t.span.start);
      const end = this.sf.lines.positionAt(t.span.end);
      if (start.line !== end.line) continue;
      lastEnd = t.span.end;
      out.push({
        line: start.line,
        character: start.character,
        length: t.span.end - t.span.start,
        type: SEMANTIC_TOKEN_TYPES.indexOf(t.type),
        modifiers: t.mods.reduce((bits, m) => bits | (1 << SEMANTIC_TOKEN_MODIFIERS.indexOf(m)), 0),
      });
    }
    return out;
  }
}

function resolvesIn(index: WorkspaceIndex, c: CollectionInfo | undefined): (type: string, name: string) => boolean {
  return (type, name) => (c ? c.byKey.has(lookupKey(type, name)) : index.resolveAnywhere(type, name).length > 0);
}

/** The semantic tokens of a file, in text order. */
export function semanticTokens(ws: Workspace, file: string): TokenData[] {
  const sf = ws.get(file);
  const m = sf?.model;
  if (!sf || !m) return [];
  const index = ws.index();
  const tk = new Tokens(sf);
  if (m.kind === 'collection') {
    const c = index.byDir.get(m.dir);
    const resolved = resolvesIn(index, c?.source === sf ? c : undefined);
    for (const a of m.artifacts) {
      tk.field(a.name, 'artifactReference', ['declaration']);
      tk.field(a.type, 'type');
      tk.field(a.uuid, 'uuid');
      tk.field(a.origin, 'enumMember');
      tk.field(a.originSource, 'enumMember');
      for (const p of a.targetPlatforms?.items ?? []) tk.field(p, 'enumMember');
      for (const l of a.linked) {
        tk.ref(l.id, resolved);
        if (l.name) tk.field(l.name, 'artifactReference', resolved(linkedType(l), l.name.value) ? [] : ['unresolved']);
        tk.field(l.type, 'type');
        tk.field(l.linkType, 'enumMember');
      }
    }
    for (const g of m.groups) for (const mem of g.members?.items ?? []) tk.ref(mem, resolved);
    for (const s of m.mcpServers) tk.field(s.status, 'enumMember');
  } else if (m.kind === 'lock') {
    const c = index.byDir.get(m.dir);
    for (const e of m.entries) {
      if (e.name === undefined || e.type === undefined) continue;
      const ok = c !== undefined && c.byKey.has(lookupKey(e.type, e.name));
      tk.field(e.key, 'artifactReference', ok ? [] : ['unresolved'], 0, e.name.length);
      tk.field(e.key, 'type', [], e.name.length + 2);
    }
  } else if (m.kind === 'deployed') {
    for (const r of m.records) {
      const c = collectionNamed(index, r.fromCollection?.value);
      if (r.name) {
        const ok = r.type !== undefined && c !== undefined && c.byKey.has(lookupKey(r.type.value, r.name.value));
        tk.field(r.name, 'artifactReference', ok || !c ? [] : ['unresolved'], 0, stripExtension(r.name.value).length);
      }
      tk.field(r.type, 'type');
      tk.field(r.uuid, 'uuid');
      tk.field(r.platform, 'enumMember');
    }
  } else if (m.kind === 'skip-prefs') {
    const resolved = resolvesIn(index, undefined);
    for (const s of m.skips) tk.ref(s.key, resolved);
  }
  return tk.result();
}
