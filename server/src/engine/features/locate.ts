/**
 * What is under an offset of a file, in the terms of the models: an artifact entry, a reference
 * to an artifact (group member, linked artifact, skip key, lock key, deployed record), a uuid,
 * a tag, a group, a path, a collection name, or else a plain key or value.
 */
import type { Workspace } from '../workspace/workspace';
import type { ArtifactSite, CollectionInfo, WorkspaceIndex } from '../workspace/index';
import type { SourceFile } from '../workspace/sourceFile';
import type { Span } from '../text/lineIndex';
import type { Field } from '../model/fields';
import type { ArtifactEntry, GroupEntry, LinkedArtifact, TagDefinition } from '../model/collection';
import type { DeployedRecord } from '../model/deployed';
import type { LockEntry } from '../model/lock';
import { lookupKey, parseRef, slugify, stripExtension } from '../model/identity';
import { ARTIFACT_TYPES, isOneOf } from '../model/vocabulary';
import { collectionNamed, linkedType } from './relations';
import { subSpan, touches } from './text';
import { hitTest } from './tree';
import { schemaPath } from './schema';

/** How a reference is written. */
export type RefVia = 'member' | 'linked-id' | 'linked-name' | 'skip' | 'lock' | 'deployed';

/** A string (or lock key) naming an artifact. */
export interface RefTarget {
  kind: 'reference';
  source: SourceFile;
  via: RefVia;
  field: Field<string>;
  /** The literal (or header) under the offset. */
  span: Span;
  /** The name part, for rename; the whole literal when the text has escapes. */
  nameSpan: Span;
  type: string;
  name: string;
  /** Whether the type is one SkillMeat knows (a reference with an unknown type resolves to nothing). */
  typeKnown: boolean;
  /** The collection it is resolved in; undefined for skip keys, which resolve in any collection. */
  collection?: CollectionInfo;
  sites: ArtifactSite[];
  record?: DeployedRecord;
  lockEntry?: LockEntry;
  group?: GroupEntry;
  linked?: LinkedArtifact;
  owner?: ArtifactEntry;
}

/** An `[[artifacts]]` entry: its name, or its header. */
export interface ArtifactTarget {
  kind: 'artifact';
  source: SourceFile;
  span: Span;
  site: ArtifactSite;
  role: 'name' | 'header';
}

/** A uuid value, in an artifact entry or a deployed record. */
export interface UuidTarget {
  kind: 'uuid';
  source: SourceFile;
  span: Span;
  value: string;
  sites: ArtifactSite[];
  role: 'artifact' | 'deployed';
}

/** A tag used by an artifact, or a tag definition's name or slug. */
export interface TagTarget {
  kind: 'tag';
  source: SourceFile;
  span: Span;
  tag: string;
  slug: string;
  collection: CollectionInfo;
  definition?: TagDefinition;
  role: 'use' | 'definition';
}

/** A group's name or header. */
export interface GroupTarget {
  kind: 'group';
  source: SourceFile;
  span: Span;
  group: GroupEntry;
  collection: CollectionInfo;
}

/** An artifact path (collection-relative) or a deployed artifact_path (profile-root-relative). */
export interface PathTarget {
  kind: 'path';
  source: SourceFile;
  span: Span;
  value: string;
  root: string;
  type?: string;
}

/** A collection's own name or a deployed record's from_collection. */
export interface CollectionTarget {
  kind: 'collection';
  source: SourceFile;
  span: Span;
  name: string;
  collections: CollectionInfo[];
}

/** Any other key, or value, with the schema path of its table. */
export interface KeyTarget {
  kind: 'key' | 'value';
  source: SourceFile;
  span: Span;
  key: string;
  table: string;
  /** The value's text for strings (for enum documentation). */
  value?: string;
}

/** Anything `locate` can find. */
export type Target = RefTarget | ArtifactTarget | UuidTarget | TagTarget | GroupTarget | PathTarget | CollectionTarget | KeyTarget;

/** The site of an entry of a collection, if the entry has a name and type. */
export function siteOf(c: CollectionInfo, entry: ArtifactEntry): ArtifactSite | undefined {
  return c.artifacts.find((s) => s.entry === entry);
}

/** The artifacts a type and name designate in a collection (every duplicate). */
function sitesIn(c: CollectionInfo | undefined, type: string, name: string): ArtifactSite[] {
  return c ? [...(c.byKey.get(lookupKey(type, name)) ?? [])] : [];
}

/** A reference written `type:name` (or `type::name`). */
function typedTarget(source: SourceFile, via: RefVia, field: Field<string>, collection: CollectionInfo | undefined, index: WorkspaceIndex, extra: Partial<RefTarget>): RefTarget | undefined {
  const r = parseRef(field.value);
  if (!r) return undefined;
  const typeKnown = isOneOf(ARTIFACT_TYPES, r.type);
  const sites = !typeKnown ? [] : via === 'skip' ? index.resolveAnywhere(r.type, r.name) : sitesIn(collection, r.type, r.name);
  const s = subSpan(source, field, r.nameOffset, r.nameOffset + r.name.length);
  return { kind: 'reference', source, via, field, span: field.span, nameSpan: s.span, type: r.type, name: r.name, typeKnown, collection, sites, ...extra };
}

/** A reference by bare name (deployed record, linked artifact_name); the name part excludes the extension. */
function bareTarget(source: SourceFile, via: RefVia, field: Field<string>, type: string, collection: CollectionInfo | undefined, extra: Partial<RefTarget>): RefTarget {
  const s = subSpan(source, field, 0, stripExtension(field.value).length);
  return { kind: 'reference', source, via, field, span: field.span, nameSpan: s.span, type, name: field.value, typeKnown: isOneOf(ARTIFACT_TYPES, type), collection, sites: sitesIn(collection, type, field.value), ...extra };
}

function uuidTarget(source: SourceFile, field: Field<string>, index: WorkspaceIndex, role: UuidTarget['role']): UuidTarget {
  return { kind: 'uuid', source, span: field.span, value: field.value, sites: [...(index.byUuid.get(field.value) ?? [])], role };
}

function tagTarget(source: SourceFile, field: Field<string>, c: CollectionInfo, role: TagTarget['role'], definition?: TagDefinition): TagTarget {
  const slug = role === 'definition' && definition?.slug ? definition.slug.value : slugify(field.value);
  return { kind: 'tag', source, span: field.span, tag: field.value, slug, collection: c, definition: definition ?? c.tagsBySlug.get(slug), role };
}

function locateInCollection(index: WorkspaceIndex, sf: SourceFile, c: CollectionInfo, offset: number): Target | undefined {
  const m = c.model;
  for (const a of m.artifacts) {
    if (!touches(a.table.span, offset) && !a.linked.some((l) => touches(l.table.span, offset))) continue;
    const site = siteOf(c, a);
    if (a.name && touches(a.name.span, offset) && site) return { kind: 'artifact', source: sf, span: a.name.span, site, role: 'name' };
    if (a.table.headerSpan && touches(a.table.headerSpan, offset) && site) return { kind: 'artifact', source: sf, span: a.table.headerSpan, site, role: 'header' };
    if (a.uuid && touches(a.uuid.span, offset)) return uuidTarget(sf, a.uuid, index, 'artifact');
    if (a.path && touches(a.path.span, offset)) return { kind: 'path', source: sf, span: a.path.span, value: a.path.value, root: m.dir, type: a.type?.value };
    for (const t of a.tags?.items ?? []) if (touches(t.span, offset)) return tagTarget(sf, t, c, 'use');
    for (const l of a.linked) {
      if (l.id && touches(l.id.span, offset)) {
        const t = typedTarget(sf, 'linked-id', l.id, c, index, { linked: l, owner: a });
        if (t) return t;
      }
      if (l.name && touches(l.name.span, offset)) return bareTarget(sf, 'linked-name', l.name, linkedType(l), c, { linked: l, owner: a });
    }
  }
  for (const g of m.groups) {
    if (g.name && touches(g.name.span, offset)) return { kind: 'group', source: sf, span: g.name.span, group: g, collection: c };
    if (g.table.headerSpan && touches(g.table.headerSpan, offset)) return { kind: 'group', source: sf, span: g.table.headerSpan, group: g, collection: c };
    for (const mem of g.members?.items ?? []) {
      if (touches(mem.span, offset)) {
        const t = typedTarget(sf, 'member', mem, c, index, { group: g });
        if (t) return t;
      }
    }
  }
  for (const t of m.tagDefinitions) {
    for (const f of [t.name, t.slug]) if (f && touches(f.span, offset)) return tagTarget(sf, f, c, 'definition', t);
  }
  if (m.name && touches(m.name.span, offset)) return { kind: 'collection', source: sf, span: m.name.span, name: m.name.value, collections: index.byName.get(m.name.value) ?? [c] };
  return undefined;
}

function locateInLock(index: WorkspaceIndex, sf: SourceFile, offset: number): Target | undefined {
  if (sf.model?.kind !== 'lock') return undefined;
  const c = index.byDir.get(sf.model.dir);
  for (const e of sf.model.entries) {
    if (!touches(e.key.span, offset) || e.name === undefined || e.type === undefined) continue;
    const s = subSpan(sf, e.key, 0, e.name.length);
    return { kind: 'reference', source: sf, via: 'lock', field: e.key, span: e.key.span, nameSpan: s.span, type: e.type, name: e.name, typeKnown: isOneOf(ARTIFACT_TYPES, e.type), collection: c, sites: sitesIn(c, e.type, e.name), lockEntry: e };
  }
  return undefined;
}

function locateInDeployed(index: WorkspaceIndex, sf: SourceFile, offset: number): Target | undefined {
  if (sf.model?.kind !== 'deployed') return undefined;
  const model = sf.model;
  for (const r of model.records) {
    if (!touches(r.table.span, offset)) continue;
    const c = collectionNamed(index, r.fromCollection?.value);
    const onHeader = r.table.headerSpan && touches(r.table.headerSpan, offset);
    if (r.name && r.type && (touches(r.name.span, offset) || onHeader)) {
      const t = bareTarget(sf, 'deployed', r.name, r.type.value, c, { record: r });
      if (t.sites.length === 0 && r.uuid) t.sites = [...(index.byUuid.get(r.uuid.value) ?? [])];
      if (onHeader) t.span = r.table.headerSpan!;
      return t;
    }
    if (r.uuid && touches(r.uuid.span, offset)) return uuidTarget(sf, r.uuid, index, 'deployed');
    if (r.artifactPath && touches(r.artifactPath.span, offset)) return { kind: 'path', source: sf, span: r.artifactPath.span, value: r.artifactPath.value, root: model.profileRoot, type: r.type?.value };
    if (r.fromCollection && touches(r.fromCollection.span, offset)) return { kind: 'collection', source: sf, span: r.fromCollection.span, name: r.fromCollection.value, collections: index.byName.get(r.fromCollection.value) ?? [] };
  }
  return undefined;
}

function locateInSkips(index: WorkspaceIndex, sf: SourceFile, offset: number): Target | undefined {
  if (sf.model?.kind !== 'skip-prefs') return undefined;
  for (const s of sf.model.skips) if (s.key && touches(s.key.span, offset)) return typedTarget(sf, 'skip', s.key, undefined, index, {});
  return undefined;
}

/** What is under `offset` in `file`; undefined for unknown files and offsets outside the text or on nothing. */
export function locate(ws: Workspace, file: string, offset: number): Target | undefined {
  const sf = ws.get(file);
  if (!sf || offset < 0 || offset > sf.text.length) return undefined;
  const index = ws.index();
  let t: Target | undefined;
  if (sf.model?.kind === 'collection') {
    const c = index.byDir.get(sf.model.dir);
    if (c && c.source === sf) t = locateInCollection(index, sf, c, offset);
  } else if (sf.model?.kind === 'lock') t = locateInLock(index, sf, offset);
  else if (sf.model?.kind === 'deployed') t = locateInDeployed(index, sf, offset);
  else if (sf.model?.kind === 'skip-prefs') t = locateInSkips(index, sf, offset);
  if (t || !sf.root) return t;
  const hit = hitTest(sf.root, offset);
  if (!hit) return undefined;
  const table = schemaPath(sf.kind, hit.path);
  if (hit.part === 'key') return { kind: 'key', source: sf, span: hit.span, key: hit.entry.key, table };
  const v = hit.value;
  return { kind: 'value', source: sf, span: hit.span, key: hit.entry.key, table, value: v?.kind === 'string' ? v.value : undefined };
}
