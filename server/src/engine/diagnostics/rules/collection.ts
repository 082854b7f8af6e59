import * as path from 'node:path';
import type { RuleContext } from './context';
import type { CollectionInfo } from '../../workspace/index';
import type { DiagnosticSink } from '../sink';
import type { Field } from '../../model/fields';
import { stripExtension, slugify } from '../../model/identity';
import { GROUP_COLORS, ORIGIN_SOURCES, TOOLS } from '../../model/vocabulary';
import { closestNames } from '../../workspace/suggest';

/** Rules local to one collection.toml that need more than one entry: names, duplicates, vocabularies. */
export function checkCollection(ctx: RuleContext, c: CollectionInfo): void {
  const sink = ctx.sink(c.source);
  checkHeader(c, sink);
  checkArtifacts(c, sink);
  checkMcpServers(c, sink);
  checkTagDefinitions(c, sink);
  checkGroupFields(c, sink);
}

function checkHeader(c: CollectionInfo, sink: DiagnosticSink): void {
  const name = c.model.name;
  if (!name) return;
  const folder = path.basename(c.model.dir);
  if (name.value !== folder) {
    sink.add('collection-name-mismatch', name.span, `collection name "${name.value}" differs from its folder "${folder}"; SkillMeat saves it to a folder named "${name.value}"`, {
      data: { replacement: JSON.stringify(folder) },
    });
  }
}

/** The artifact-name rules of Artifact.__post_init__ (errors) and the CLI/API validators (warnings). */
export function checkArtifactName(name: Field<string>, sink: DiagnosticSink): void {
  const n = name.value;
  if (n.length === 0) sink.add('invalid-name', name.span, 'artifact name must not be empty');
  else if (n.includes('/') || n.includes('\\')) sink.add('invalid-name', name.span, `artifact name "${n}" must not contain / or \\ (it becomes a file name)`);
  else if (n.includes('..')) sink.add('invalid-name', name.span, `artifact name "${n}" must not contain ".."`);
  else if (n.startsWith('.')) sink.add('invalid-name', name.span, `artifact name "${n}" must not start with a dot`);
  else if (n.length > 100) sink.add('discouraged-name', name.span, `artifact name is ${n.length} characters; the SkillMeat CLI and API reject names over 100`);
  else if (n.trim() !== n) sink.add('discouraged-name', name.span, `artifact name "${n}" has leading or trailing whitespace; the SkillMeat CLI and API reject it`, { data: { replacement: JSON.stringify(n.trim()) } });
  else if (/[<>:"|?*]/.test(n)) sink.add('discouraged-name', name.span, `artifact name "${n}" contains one of < > : " | ? *, which the SkillMeat CLI and API reject`);
}

function checkArtifacts(c: CollectionInfo, sink: DiagnosticSink): void {
  const seen = new Map<string, Field<string>>();
  const byStripped = new Map<string, { type: string; name: Field<string> }[]>();
  for (const a of c.model.artifacts) {
    if (a.name) checkArtifactName(a.name, sink);
    if (a.originSource) {
      if (a.origin?.value !== 'marketplace') {
        sink.add('origin-source-misuse', a.originSource.span, `origin_source is only allowed with origin "marketplace" (this artifact's origin is "${a.origin?.value ?? 'missing'}")`);
      } else if (!(ORIGIN_SOURCES as readonly string[]).includes(a.originSource.value)) {
        sink.add('origin-source-misuse', a.originSource.span, `"${a.originSource.value}" is not a valid origin_source; expected one of: ${ORIGIN_SOURCES.join(', ')}`);
      }
    }
    if (a.tools) {
      for (const t of a.tools.items) {
        if (!(TOOLS as readonly string[]).includes(t.value)) {
          const s = closestNames(t.value, TOOLS);
          sink.add('unknown-tool', t.span, `"${t.value}" is not a Claude Code tool; SkillMeat drops it${s.length ? ` (did you mean ${s.map((x) => `"${x}"`).join(' or ')}?)` : ''}`, { data: { suggestions: s } });
        }
      }
    }
    if (!a.name || !a.type) continue;
    const key = `${a.type.value}:${a.name.value}`;
    const first = seen.get(key);
    if (first) {
      sink.add('duplicate-artifact', a.name.span, `duplicate artifact: ${a.type.value} "${a.name.value}" is already defined at line ${c.source.lines.positionAt(first.span.start).line + 1}`, {
        related: [{ file: c.source.file, range: c.source.lines.rangeOf(first.span), message: 'first definition' }],
      });
      continue;
    }
    seen.set(key, a.name);
    const stripped = stripExtension(a.name.value).toLowerCase();
    const list = byStripped.get(stripped) ?? [];
    for (const other of list) {
      const why = other.type !== a.type.value ? `a ${other.type} is also named "${other.name.value}"` : `"${other.name.value}" is the same name once the extension is stripped`;
      sink.add('ambiguous-name', a.name.span, `artifact "${a.name.value}" is ambiguous: ${why} (line ${c.source.lines.positionAt(other.name.span.start).line + 1}); lookups by name may pick either`);
    }
    list.push({ type: a.type.value, name: a.name });
    byStripped.set(stripped, list);
  }
}

function checkMcpServers(c: CollectionInfo, sink: DiagnosticSink): void {
  const seen = new Map<string, number>();
  for (const m of c.model.mcpServers) {
    if (m.name) {
      if (!/^[a-zA-Z0-9_-]+$/.test(m.name.value)) sink.add('invalid-mcp-name', m.name.span, `MCP server name "${m.name.value}" may only contain letters, digits, _ and -`);
      const line = seen.get(m.name.value);
      if (line !== undefined) sink.add('duplicate-mcp-server', m.name.span, `MCP server "${m.name.value}" is already defined at line ${line + 1}`);
      else seen.set(m.name.value, c.source.lines.positionAt(m.name.span.start).line);
    }
    if (m.repo && !isGithubRepo(m.repo.value)) {
      sink.add('invalid-mcp-repo', m.repo.span, `MCP server repo "${m.repo.value}" must be a GitHub URL or owner/repo[/path]`);
    }
  }
}

/** GitHub URL or `owner/repo[/sub…]`, as MCPServerMetadata accepts. */
export function isGithubRepo(s: string): boolean {
  if (/^https?:\/\/(www\.)?github\.com\/[\w.-]+\/[\w.-]+(\/.*)?$/.test(s)) return true;
  return /^[\w.-]+\/[\w.-]+(\/[\w.\-/]+)?$/.test(s) && !s.includes('..');
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function checkTagDefinitions(c: CollectionInfo, sink: DiagnosticSink): void {
  const names = new Map<string, number>();
  const slugs = new Map<string, number>();
  for (const t of c.model.tagDefinitions) {
    if (t.name) {
      const line = names.get(t.name.value);
      if (line !== undefined) sink.add('duplicate-tag-definition', t.name.span, `tag "${t.name.value}" is already defined at line ${line + 1}`);
      else names.set(t.name.value, c.source.lines.positionAt(t.name.span.start).line);
    }
    if (t.slug) {
      const line = slugs.get(t.slug.value);
      if (line !== undefined) sink.add('duplicate-tag-definition', t.slug.span, `tag slug "${t.slug.value}" is already used at line ${line + 1}`);
      else slugs.set(t.slug.value, c.source.lines.positionAt(t.slug.span.start).line);
      if (!SLUG.test(t.slug.value) || t.slug.value.length > 100) {
        const fix = slugify(t.slug.value);
        sink.add('invalid-slug', t.slug.span, `tag slug "${t.slug.value}" should be lower-case words joined by single hyphens${fix ? ` (e.g. "${fix}")` : ''}, at most 100 characters`, fix ? { data: { replacement: JSON.stringify(fix) } } : {});
      }
    }
    if (t.color && !HEX_COLOR.test(t.color.value)) {
      sink.add('invalid-color', t.color.span, `tag colour "${t.color.value}" is not #RRGGBB; SkillMeat drops it`);
    }
  }
}

function checkGroupFields(c: CollectionInfo, sink: DiagnosticSink): void {
  const names = new Map<string, number>();
  for (const g of c.model.groups) {
    if (g.name) {
      const line = names.get(g.name.value);
      if (line !== undefined) sink.add('duplicate-group', g.name.span, `group "${g.name.value}" is already defined at line ${line + 1}`);
      else names.set(g.name.value, c.source.lines.positionAt(g.name.span.start).line);
      if (g.name.value.length > 255) sink.add('invalid-group', g.name.span, `group name is ${g.name.value.length} characters; at most 255 are allowed`);
      if (g.name.value.trim() === '') sink.add('invalid-group', g.name.span, 'group name must not be empty');
    }
    if (g.position && g.position.value < 0) sink.add('invalid-group', g.position.span, `group position must be 0 or more, not ${g.position.value}`);
    if (g.color && !(GROUP_COLORS as readonly string[]).includes(g.color.value) && !/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(g.color.value)) {
      sink.add('invalid-color', g.color.span, `group colour "${g.color.value}" is not one of ${GROUP_COLORS.join(', ')} or a hex colour (#rgb, #rrggbb, #rrggbbaa)`);
    }
    if (g.icon && (g.icon.value.length === 0 || g.icon.value.length > 32)) {
      sink.add('invalid-icon', g.icon.span, g.icon.value.length === 0 ? 'group icon must not be empty' : `group icon is ${g.icon.value.length} characters; at most 32 are allowed`);
    }
  }
}
