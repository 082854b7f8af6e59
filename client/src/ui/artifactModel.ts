// Turns the language server's document symbols for a collection.toml into the Artifacts view's
// model. Pure (no vscode import) so it can be checked without an editor. The server names an
// artifact either `type:name` or `name` with the type as the symbol's detail; both are read, so
// the view keeps working while the server's symbol wording evolves.

/** The artifact types SkillMeat knows (spec §0), including context types. */
export const ARTIFACT_TYPES = new Set([
  'skill',
  'command',
  'agent',
  'hook',
  'mcp',
  'workflow',
  'composite',
  'project_config',
  'spec_file',
  'rule_file',
  'context_file',
  'progress_template',
]);

/** The minimum of a DocumentSymbol this module reads. */
export interface SymbolLike<R> {
  name: string;
  detail?: string;
  range: R;
  selectionRange: R;
  children?: SymbolLike<R>[];
}

/** An artifact (or a reference to one, inside a group or composite). */
export interface ArtifactItem<R> {
  kind: 'artifact';
  type: string;
  name: string;
  uuid?: string;
  range: R;
}

/** A group or a composite with its members. */
export interface ContainerItem<R> {
  kind: 'group' | 'composite';
  name: string;
  uuid?: string;
  range: R;
  members: ArtifactItem<R>[];
}

/** One collection.toml's worth of the view. */
export interface CollectionItem<R> {
  kind: 'collection';
  name: string;
  groups: ContainerItem<R>[];
  composites: ContainerItem<R>[];
  artifacts: ArtifactItem<R>[];
}

const UUID = /\b[0-9a-f]{32}\b/;
const REF = /^([a-z_]+)\s*[:]{1,2}\s*(.+)$/;

/** `type:name` (or the auto-link form `type::name`) when the type is a known one. */
export function parseTypedName(s: string): { type: string; name: string } | undefined {
  const m = REF.exec(s.trim());
  if (!m || !ARTIFACT_TYPES.has(m[1])) return undefined;
  return { type: m[1], name: m[2].trim() };
}

function artifactOf<R>(sym: SymbolLike<R>): ArtifactItem<R> | undefined {
  const detail = sym.detail ?? '';
  const uuid = UUID.exec(detail)?.[0] ?? findUuidChild(sym);
  const typed = parseTypedName(sym.name);
  if (typed) return { kind: 'artifact', ...typed, uuid, range: sym.selectionRange };
  const firstWord = /^[a-z_]+/.exec(detail.trim())?.[0];
  if (firstWord && ARTIFACT_TYPES.has(firstWord)) return { kind: 'artifact', type: firstWord, name: sym.name, uuid, range: sym.selectionRange };
  return undefined;
}

/** A `uuid = "…"` key under the artifact, when the server lists keys as children. */
function findUuidChild<R>(sym: SymbolLike<R>): string | undefined {
  for (const c of sym.children ?? []) {
    if (c.name === 'uuid') return UUID.exec(c.detail ?? '')?.[0];
  }
  return undefined;
}

function isGroupish<R>(sym: SymbolLike<R>, parentName: string | undefined): boolean {
  return /\bgroup\b/i.test(sym.detail ?? '') || parentName === 'groups';
}

function membersOf<R>(sym: SymbolLike<R>): ArtifactItem<R>[] {
  const out: ArtifactItem<R>[] = [];
  const visit = (s: SymbolLike<R>) => {
    for (const c of s.children ?? []) {
      const a = artifactOf(c);
      if (a) out.push(a);
      else visit(c);
    }
  };
  visit(sym);
  return out;
}

/** Sections of a collection outline that hold no artifacts (a tag slug may look like a type). */
const NOT_ARTIFACTS = new Set(['tag_definitions', 'mcp_servers']);

/** The `uuid = "…"` of an artifact table's own text. */
export function uuidInText(text: string): string | undefined {
  return /^[ \t]*uuid[ \t]*=[ \t]*["']([0-9a-f]{32})["']/m.exec(text)?.[1];
}

/** The `members = [...]` strings of a group table's text, in order. */
export function membersInText(text: string): string[] {
  const m = /(?:^|[\s{,])members[ \t]*=[ \t]*\[([\s\S]*?)\]/.exec(text);
  if (!m) return [];
  const body = m[1].replace(/#[^\n]*/g, '');
  return [...body.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((x) => x[1] ?? x[2]);
}

/** The `type:name` items of a composite hover's "contains" line (the server lists discovered members there). */
export function containsInHover(markdown: string): { type: string; name: string }[] {
  const line = /contains\s+(.+)$/m.exec(markdown)?.[1] ?? '';
  return [...line.matchAll(/`([^`]+)`/g)].map((x) => parseTypedName(x[1])).filter((x): x is { type: string; name: string } => !!x);
}

/**
 * Builds the view model of one collection from its document symbols. `textOf` gives the text a
 * symbol's range covers, from which the uuid and group members are read (the outline names
 * artifacts and groups but does not list those).
 */
export function collectionFromSymbols<R>(name: string, symbols: readonly SymbolLike<R>[], textOf: (range: R) => string = () => ''): CollectionItem<R> {
  const col: CollectionItem<R> = { kind: 'collection', name, groups: [], composites: [], artifacts: [] };
  const seen = new Set<string>();
  const withText = (a: ArtifactItem<R>, sym: SymbolLike<R>): ArtifactItem<R> => (a.uuid ? a : { ...a, uuid: uuidInText(textOf(sym.range)) });
  const visit = (syms: readonly SymbolLike<R>[], parentName: string | undefined) => {
    for (const s of syms) {
      if (NOT_ARTIFACTS.has(s.name)) continue;
      if (parentName === undefined && /^collection\s+\S/.test(s.name)) col.name = s.name.replace(/^collection\s+/, '');
      const found = artifactOf(s);
      if (found) {
        const a = withText(found, s);
        if (a.type === 'composite') {
          col.composites.push({ kind: 'composite', name: a.name, uuid: a.uuid, range: a.range, members: membersOf(s) });
        } else {
          const key = `${a.type}:${a.name}`;
          if (!seen.has(key)) {
            seen.add(key);
            col.artifacts.push(a);
          }
        }
        continue;
      }
      if (isGroupish(s, parentName)) {
        const fromOutline = membersOf(s);
        const members = fromOutline.length
          ? fromOutline
          : membersInText(textOf(s.range))
              .map((m) => parseTypedName(m))
              .filter((m): m is { type: string; name: string } => !!m)
              .map((m) => ({ kind: 'artifact' as const, ...m, range: s.selectionRange }));
        col.groups.push({ kind: 'group', name: s.name, range: s.selectionRange, members });
        continue;
      }
      // Outlines nest artifacts under the collection, an "artifacts" section and one folder per type.
      visit(s.children ?? [], s.name);
    }
  };
  visit(symbols, undefined);
  col.artifacts.sort((x, y) => x.type.localeCompare(y.type) || x.name.localeCompare(y.name));
  return col;
}

/** Artifacts counted once per collection and type:name. */
export function countArtifacts<R>(cols: readonly CollectionItem<R>[]): number {
  return cols.reduce((n, c) => n + c.artifacts.length + c.composites.length, 0);
}
