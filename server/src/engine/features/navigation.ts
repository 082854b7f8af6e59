/** Go to definition, find references and document highlights over artifacts, uuids and tags. */
import type { Workspace } from '../workspace/workspace';
import type { ArtifactSite } from '../workspace/index';
import type { Span } from '../text/lineIndex';
import { slugify } from '../model/identity';
import { type Target, locate } from './locate';
import { type ArtifactRef, primaryFileAt, primaryFileOf, referencesOf } from './relations';
import { placeOf } from './text';
import type { Cancel, FileSpan } from './types';

/** A place on disk that may not be a held file: its first character. */
function fileStart(file: string): FileSpan {
  return { file, span: { start: 0, end: 0 }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
}

/** Where each artifact is defined: its `[[artifacts]]` name. */
function entryPlaces(sites: ArtifactSite[]): FileSpan[] {
  return sites.filter((s) => s.entry.name).map((s) => placeOf(s.collection.source, s.entry.name!.span));
}

/** The targets of go-to-definition at an offset (empty when there is none). */
export function definitionAt(ws: Workspace, file: string, offset: number): FileSpan[] {
  const t = locate(ws, file, offset);
  if (!t) return [];
  switch (t.kind) {
    case 'reference':
    case 'uuid':
      return entryPlaces(t.sites);
    case 'artifact': {
      const f = primaryFileOf(ws.host, t.site);
      return f ? [fileStart(f)] : [];
    }
    case 'path': {
      const f = primaryFileAt(ws.host, t.root, t.value, t.type);
      return f ? [fileStart(f)] : [];
    }
    case 'tag': {
      const def = t.definition;
      if (t.role === 'definition' || !def) return [];
      const f = def.name ?? def.slug;
      return f ? [placeOf(t.collection.source, f.span)] : [];
    }
    case 'collection':
      return t.collections.map((c) => (c.model.name ? placeOf(c.source, c.model.name.span) : fileStart(c.source.file)));
    default:
      return [];
  }
}

/** The artifact a target designates, if any (first of duplicates). */
export function artifactOf(t: Target | undefined): ArtifactSite | undefined {
  if (!t) return undefined;
  if (t.kind === 'artifact') return t.site;
  if (t.kind === 'reference' || t.kind === 'uuid') return t.sites[0];
  return undefined;
}

/** A reference place, with whether it defines the artifact. */
export interface ReferencePlace extends FileSpan {
  role: ArtifactRef['role'] | 'tag' | 'tag-definition';
}

/** Uses of a tag slug in a collection, and its definition's name and slug. */
function tagPlaces(t: Extract<Target, { kind: 'tag' }>): ReferencePlace[] {
  const c = t.collection;
  const out: ReferencePlace[] = [];
  const def = c.tagsBySlug.get(t.slug);
  if (def) for (const f of [def.name, def.slug]) if (f) out.push({ ...placeOf(c.source, f.span), role: 'tag-definition' });
  for (const a of c.model.artifacts) for (const tag of a.tags?.items ?? []) if (slugify(tag.value) === t.slug) out.push({ ...placeOf(c.source, tag.span), role: 'tag' });
  return out;
}

/** Every place naming what is under the offset (an artifact across all manifests, or a tag), definition included unless told. */
export function referencesAt(ws: Workspace, file: string, offset: number, includeDeclaration = true, cancel?: Cancel): ReferencePlace[] {
  const t = locate(ws, file, offset);
  if (t?.kind === 'tag') return tagPlaces(t).filter((p) => includeDeclaration || p.role !== 'tag-definition');
  const site = artifactOf(t);
  if (!site) return [];
  return referencesOf(ws.index(), site, cancel)
    .filter((r) => includeDeclaration || r.role !== 'definition')
    .map((r) => ({ ...placeOf(r.source, r.nameSpan), role: r.role }));
}

/** A highlight in the current file. */
export interface Highlight {
  span: Span;
  range: FileSpan['range'];
  kind: 'write' | 'read';
}

/** The places in this file naming the same artifact or tag as the offset. */
export function documentHighlights(ws: Workspace, file: string, offset: number): Highlight[] {
  return referencesAt(ws, file, offset, true)
    .filter((p) => p.file === file)
    .map((p) => ({ span: p.span, range: p.range, kind: p.role === 'definition' || p.role === 'tag-definition' ? 'write' : 'read' }));
}
