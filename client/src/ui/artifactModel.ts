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

/** Builds the view model of one collection from its document symbols. */
export function collectionFromSymbols<R>(name: string, symbols: readonly SymbolLike<R>[]): CollectionItem<R> {
  const col: CollectionItem<R> = { kind: 'collection', name, groups: [], composites: [], artifacts: [] };
  const seen = new Set<string>();
  const visit = (syms: readonly SymbolLike<R>[], parentName: string | undefined, inside: boolean) => {
    for (const s of syms) {
      const a = artifactOf(s);
      if (a) {
        if (a.type === 'composite') {
          col.composites.push({ kind: 'composite', name: a.name, uuid: a.uuid, range: a.range, members: membersOf(s) });
        } else if (!inside) {
          const key = `${a.type}:${a.name}`;
          if (!seen.has(key)) {
            seen.add(key);
            col.artifacts.push(a);
          }
        }
        continue;
      }
      if (isGroupish(s, parentName)) {
        col.groups.push({ kind: 'group', name: s.name, range: s.selectionRange, members: membersOf(s) });
        continue;
      }
      // Some symbol trees nest everything under the collection or section headers.
      visit(s.children ?? [], s.name, inside || /linked_artifacts|members/.test(s.name));
    }
  };
  visit(symbols, undefined, false);
  col.artifacts.sort((x, y) => x.type.localeCompare(y.type) || x.name.localeCompare(y.name));
  return col;
}

/** Artifacts counted once per collection and type:name. */
export function countArtifacts<R>(cols: readonly CollectionItem<R>[]): number {
  return cols.reduce((n, c) => n + c.artifacts.length + c.composites.length, 0);
}
