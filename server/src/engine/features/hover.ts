/** Hover: what an artifact, reference, uuid, tag, group, path, collection or key is, as Markdown. */
import * as path from 'node:path';
import type { Workspace } from '../workspace/workspace';
import type { ArtifactSite, CollectionInfo, WorkspaceIndex } from '../workspace/index';
import type { Range, Span } from '../text/lineIndex';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { parseRef, slugify } from '../model/identity';
import { resolveInside } from '../diagnostics/rules/paths';
import { type Target, type RefTarget, locate } from './locate';
import { compositeOf, deploymentsOf, groupsOf, lockEntryOf, parentsOf, primaryFileAt, primaryFileOf } from './relations';
import { VALUE_DOCS, keySpec } from './schema';
import { code, fileLink, md, plural, shortHash } from './markdown';

/** A hover's Markdown and the span it is about. */
export interface HoverResult {
  markdown: string;
  span: Span;
  range: Range;
}

/** The hover at an offset of a file, or undefined when there is nothing to say. */
export function hoverAt(ws: Workspace, file: string, offset: number): HoverResult | undefined {
  const t = locate(ws, file, offset);
  if (!t) return undefined;
  const markdown = hoverMarkdown(ws, t);
  if (!markdown) return undefined;
  return { markdown, span: t.span, range: t.source.lines.rangeOf(t.span) };
}

function hoverMarkdown(ws: Workspace, t: Target): string | undefined {
  const index = ws.index();
  switch (t.kind) {
    case 'artifact':
      return artifactMarkdown(ws, t.site);
    case 'reference':
      return referenceMarkdown(ws, t);
    case 'uuid': {
      if (t.sites.length === 0) return `**uuid** ${code(t.value)}\n\nNo artifact in the workspace has this uuid.${problems(ws, t.source.file, t.span)}`;
      const head = t.sites.length > 1 ? `**uuid** ${code(t.value)} is shared by ${plural(t.sites.length, 'artifact')}\n\n---\n\n` : '';
      return head + t.sites.map((s) => artifactMarkdown(ws, s)).join('\n\n---\n\n');
    }
    case 'tag':
      return tagMarkdown(t.collection, t.role === 'definition' ? t.slug : slugify(t.tag), t.tag);
    case 'group': {
      const g = t.group;
      const members = g.members?.items ?? [];
      const lines = [`**group** ${code(g.name?.value ?? '(unnamed)')} · ${plural(members.length, 'member')}`];
      if (g.description?.value) lines.push('', md(g.description.value));
      const facts: string[] = [];
      if (g.color) facts.push(`colour ${code(g.color.value)}`);
      if (g.icon) facts.push(`icon ${code(g.icon.value)}`);
      if (g.position) facts.push(`position ${g.position.value}`);
      if (facts.length) lines.push('', facts.join(' · '));
      if (members.length) lines.push('', members.map((m) => `- ${code(m.value)}${resolves(index, t.collection, m.value) ? '' : ' (unknown)'}`).join('\n'));
      return lines.join('\n');
    }
    case 'path': {
      const v = resolveInside(t.root, t.value, ws.host);
      if (!v.ok) return `**path** ${code(t.value)} ${md(v.why)}; it is never followed.`;
      const primary = primaryFileAt(ws.host, t.root, t.value, t.type);
      const exists = ws.host.stat(v.full) !== undefined;
      return `**path** ${code(t.value)}\n\n${exists ? (primary ? fileLink(path.relative(t.root, primary), primary) : code(v.full)) : `${code(v.full)} does not exist`}`;
    }
    case 'collection': {
      if (t.collections.length === 0) return `**collection** ${code(t.name)}\n\nNo collection of this name is known.${problems(ws, t.source.file, t.span)}`;
      return t.collections.map((c) => collectionMarkdown(c)).join('\n\n---\n\n');
    }
    case 'key': {
      const spec = keySpec(t.source.kind, t.table, t.key);
      if (!spec) return undefined;
      const lines = [`${code(t.key)} (${spec.shape}${spec.required ? ', required' : ''})`, '', spec.doc];
      if (spec.values) lines.push('', `Values: ${spec.values.map(code).join(', ')}`);
      return lines.join('\n');
    }
    case 'value': {
      const spec = keySpec(t.source.kind, t.table, t.key);
      if (!spec?.values || t.value === undefined) return undefined;
      const doc = VALUE_DOCS[t.value];
      if (!spec.values.includes(t.value)) return spec.open ? undefined : `${code(t.value)} is not a valid ${md(t.key)}; expected one of ${spec.values.map(code).join(', ')}.`;
      return doc ? `${code(t.value)} — ${doc}` : undefined;
    }
  }
}

function resolves(index: WorkspaceIndex, c: CollectionInfo, ref: string): boolean {
  const r = parseRef(ref);
  return r !== undefined && index.resolve(c, r.type, r.name) !== undefined;
}

/** The findings the workspace reports on a span, as Markdown (for broken references). */
function problems(ws: Workspace, file: string, span: Span): string {
  const ds = ws.diagnosticsOf(file).filter((d) => d.span.start < span.end && span.start < d.span.end || (d.span.start === span.start && d.span.end === span.end));
  if (ds.length === 0) return '';
  return '\n\n' + ds.map((d) => problemLine(d)).join('\n\n');
}

function problemLine(d: Diagnostic): string {
  const s = d.data?.suggestions ?? [];
  return `⚠ ${md(d.message)} (${code(d.code)})${s.length ? `\n\nClosest: ${s.map(code).join(', ')}` : ''}`;
}

function referenceMarkdown(ws: Workspace, t: RefTarget): string {
  const written = t.via === 'lock' ? t.field.value : t.via === 'deployed' || t.via === 'linked-name' ? `${t.type}:${t.name}` : t.field.value;
  if (t.sites.length === 0) {
    const where = t.collection ? ` in collection ${code(t.collection.name)}` : t.via === 'skip' ? ' in any collection' : '';
    const why = !t.typeKnown ? `${code(t.type)} is not an artifact type.` : `No ${md(t.type)} named ${code(t.name)}${where}.`;
    return `**unknown artifact** ${code(written)}\n\n${why}${problems(ws, t.source.file, t.span)}`;
  }
  const parts = t.sites.map((s) => artifactMarkdown(ws, s));
  if (t.record) {
    const r = t.record;
    const site = t.sites[0];
    const lockHash = lockEntryOf(site)?.contentHash?.value;
    const hash = (r.contentHash ?? r.collectionSha)?.value;
    const facts = [`**deployed record** of ${code(`${site.type}:${site.name}`)} from ${code(r.fromCollection?.value ?? '?')}`];
    if (r.deployedAt) facts.push(`- deployed at ${code(r.deployedAt.value)}`);
    facts.push(`- profile ${code(r.profileId?.value ?? 'claude_code')} in ${code(path.basename(path.dirname(t.source.file)))}`);
    if (hash) facts.push(`- content ${code(shortHash(hash))}${lockHash ? (lockHash === hash ? ' — same as the lock' : ` — the lock is at ${code(shortHash(lockHash))} (version drift)`) : ''}`);
    parts.unshift(facts.join('\n'));
  }
  if (t.lockEntry) {
    const e = t.lockEntry;
    const facts = [`**lock entry** ${code(e.key.value)}`];
    if (e.contentHash) facts.push(`- content ${code(shortHash(e.contentHash.value))}`);
    if (e.fetched) facts.push(`- fetched ${code(e.fetched.value)}`);
    parts.unshift(facts.join('\n'));
  }
  return parts.join('\n\n---\n\n');
}

/** Everything known about an artifact, as Markdown. */
export function artifactMarkdown(ws: Workspace, site: ArtifactSite): string {
  const index = ws.index();
  const e = site.entry;
  const lines: string[] = [`**${md(site.type)}** ${code(site.name)} · collection ${code(site.collection.name)}`];
  const title = e.title?.value;
  if (title) lines.push('', `*${md(title)}*`);
  if (e.description?.value) lines.push('', md(e.description.value));
  const facts: string[] = [];
  facts.push(e.uuid ? `- uuid ${code(e.uuid.value)}` : '- no uuid');
  if (e.path) {
    const primary = primaryFileOf(ws.host, site);
    facts.push(`- path ${primary ? fileLink(e.path.value, primary) : `${code(e.path.value)}${ws.host.stat(path.resolve(site.collection.model.dir, e.path.value)) ? '' : ' (missing)'}`}`);
  }
  if (e.origin) facts.push(`- origin ${code(e.origin.value)}${e.originSource ? ` (${code(e.originSource.value)})` : ''}${e.upstream ? ` · ${md(e.upstream.value)}` : ''}`);
  const tags = e.tags?.items.map((t) => t.value) ?? [];
  if (tags.length) facts.push(`- tags ${tags.map(code).join(', ')}`);
  const groups = groupsOf(site);
  if (groups.length) facts.push(`- groups ${groups.map((g) => code(g.name?.value ?? '?')).join(', ')}`);
  const parents = parentsOf(site);
  if (parents.length) facts.push(`- in composites ${parents.map((p) => code(`composite:${p.name}`)).join(', ')}`);
  const comp = compositeOf(site);
  if (comp) facts.push(`- contains ${comp.children.length ? comp.children.map((ch) => code(`${ch.type}:${ch.name}`)).join(', ') : 'nothing'}`);
  const lock = lockEntryOf(site);
  if (lock?.contentHash) facts.push(`- locked at ${code(shortHash(lock.contentHash.value))}${lock.fetched ? ` (fetched ${md(lock.fetched.value)})` : ''}`);
  const deps = deploymentsOf(index, site);
  if (deps.length === 0) facts.push('- not deployed in any project of the workspace');
  else {
    facts.push(`- deployed in ${plural(new Set(deps.map((d) => d.model.projectDir)).size, 'project')}:`);
    for (const d of deps) {
      const drift = d.drift === 'current' ? 'same as the lock' : d.drift === 'behind' ? `at ${code(shortHash(d.hash!))}, the lock is at ${code(shortHash(d.lockHash!))}` : 'no lock hash to compare';
      facts.push(`  - ${md(d.project)} · ${code(d.profileRoot)} · ${code(d.profile)} — ${drift}`);
    }
  }
  lines.push('', facts.join('\n'));
  return lines.join('\n');
}

function tagMarkdown(c: CollectionInfo, slug: string, written: string): string {
  const def = c.tagsBySlug.get(slug);
  const users = c.artifacts.filter((a) => a.entry.tags?.items.some((t) => slugify(t.value) === slug));
  const lines = [`**tag** ${code(def?.name?.value ?? written)} · slug ${code(slug)}`];
  if (def) {
    const facts: string[] = [];
    if (def.color) facts.push(`colour ${code(def.color.value)}`);
    const desc = def.table.entries.get('description')?.value;
    if (desc?.kind === 'string' && desc.value) facts.push(md(desc.value));
    if (facts.length) lines.push('', facts.join(' · '));
  } else {
    lines.push('', `No \`[[tag_definitions]]\` entry has this slug; SkillMeat creates the tag without a colour.`);
  }
  lines.push('', users.length ? `Used by ${users.map((a) => code(`${a.type}:${a.name}`)).join(', ')}` : 'Used by no artifact.');
  return lines.join('\n');
}

function collectionMarkdown(c: CollectionInfo): string {
  const lines = [`**collection** ${code(c.name)}`, '', `- folder ${code(c.model.dir)}`, `- ${plural(c.artifacts.length, 'artifact')}, ${plural(c.model.groups.length, 'group')}, ${plural(c.model.tagDefinitions.length, 'tag definition')}`];
  if (c.lock) lines.push(`- ${plural(c.lock.model.entries.length, 'lock entry', 'lock entries')}`);
  if (c.composites.length) lines.push(`- composites ${c.composites.map((k) => code(k.name)).join(', ')}`);
  return lines.join('\n');
}
