import * as path from 'node:path';
import type { TomlTable } from '../toml/ast';
import type { DiagnosticSink } from '../diagnostics/sink';
import {
  type Field, type ListField, checkEnum, readInteger, readString, readStringList, readTable, readTableArray, readTimestamp,
} from './fields';
import { LINK_TYPES, MCP_STATUSES, ORIGINS, PLATFORMS, ARTIFACT_TYPES, TYPE_ALIASES } from './vocabulary';

/** One `[artifacts.metadata.linked_artifacts]` entry. */
export interface LinkedArtifact {
  table: TomlTable;
  name?: Field<string>;
  type?: Field<string>;
  id?: Field<string>;
  linkType?: Field<string>;
}

/** One `[[artifacts]]` entry. */
export interface ArtifactEntry {
  table: TomlTable;
  name?: Field<string>;
  type?: Field<string>;
  /** True when `type` is one of ArtifactType's values. */
  typeValid: boolean;
  path?: Field<string>;
  origin?: Field<string>;
  originSource?: Field<string>;
  added?: Field<string>;
  upstream?: Field<string>;
  versionSpec?: Field<string>;
  uuid?: Field<string>;
  tags?: ListField;
  targetPlatforms?: ListField;
  title?: Field<string>;
  description?: Field<string>;
  version?: Field<string>;
  tools?: ListField;
  linked: LinkedArtifact[];
}

/** One `[[mcp_servers]]` entry. */
export interface McpServerEntry {
  table: TomlTable;
  name?: Field<string>;
  repo?: Field<string>;
  status?: Field<string>;
  description?: Field<string>;
}

/** One `[[tag_definitions]]` entry. */
export interface TagDefinition {
  table: TomlTable;
  name?: Field<string>;
  slug?: Field<string>;
  color?: Field<string>;
}

/** One `[[groups]]` entry. */
export interface GroupEntry {
  table: TomlTable;
  name?: Field<string>;
  description?: Field<string>;
  color?: Field<string>;
  icon?: Field<string>;
  position?: Field<number>;
  members?: ListField;
}

/** A collection.toml, lowered. */
export interface CollectionModel {
  kind: 'collection';
  file: string;
  /** The collection folder (where paths are relative to). */
  dir: string;
  header?: TomlTable;
  name?: Field<string>;
  version?: Field<string>;
  created?: Field<string>;
  updated?: Field<string>;
  artifacts: ArtifactEntry[];
  mcpServers: McpServerEntry[];
  tagDefinitions: TagDefinition[];
  groups: GroupEntry[];
}

/** Lowers a parsed collection.toml into its model, reporting shape errors (missing keys, types, vocabularies). */
export function lowerCollection(file: string, root: TomlTable, sink: DiagnosticSink): CollectionModel {
  const model: CollectionModel = { kind: 'collection', file, dir: path.dirname(file), artifacts: [], mcpServers: [], tagDefinitions: [], groups: [] };
  const header = readTable(root, 'collection', 'collection.toml', sink);
  if (!header) {
    if (!root.entries.has('collection')) {
      sink.add('missing-key', { start: 0, end: 0 }, 'collection.toml has no [collection] table (it needs name, version, created and updated)');
    }
  } else {
    model.header = header;
    model.name = readString(header, 'name', '[collection]', sink, true);
    model.version = readString(header, 'version', '[collection]', sink, true);
    model.created = readTimestamp(header, 'created', '[collection]', sink, true);
    model.updated = readTimestamp(header, 'updated', '[collection]', sink, true);
  }
  for (const t of readTableArray(root, 'artifacts', 'collection.toml', sink)) model.artifacts.push(lowerArtifact(t, sink));
  for (const t of readTableArray(root, 'mcp_servers', 'collection.toml', sink)) {
    const where = 'an [[mcp_servers]] entry';
    const status = readString(t, 'status', where, sink);
    checkEnum(status, MCP_STATUSES, 'MCP server status', sink);
    readString(t, 'version', where, sink);
    readTimestamp(t, 'installed_at', where, sink);
    readTimestamp(t, 'last_updated', where, sink);
    const env = readTable(t, 'env_vars', where, sink);
    if (env) {
      for (const e of env.entries.values()) {
        if (e.value.kind !== 'string') sink.add('wrong-type', e.value.span, `environment variable "${e.key}" must be a string`);
      }
    }
    model.mcpServers.push({ table: t, name: readString(t, 'name', where, sink, true), repo: readString(t, 'repo', where, sink, true), status, description: readString(t, 'description', where, sink) });
  }
  for (const t of readTableArray(root, 'tag_definitions', 'collection.toml', sink)) {
    const where = 'a [[tag_definitions]] entry';
    readString(t, 'description', where, sink);
    model.tagDefinitions.push({ table: t, name: readString(t, 'name', where, sink, true), slug: readString(t, 'slug', where, sink, true), color: readString(t, 'color', where, sink) });
  }
  for (const t of readTableArray(root, 'groups', 'collection.toml', sink)) {
    const where = 'a [[groups]] entry';
    model.groups.push({
      table: t,
      name: readString(t, 'name', where, sink, true),
      description: readString(t, 'description', where, sink),
      color: readString(t, 'color', where, sink),
      icon: readString(t, 'icon', where, sink),
      position: readInteger(t, 'position', where, sink),
      members: readStringList(t, 'members', where, sink, false, 'invalid-reference'),
    });
  }
  return model;
}

/** Lowers one `[[artifacts]]` table (findings about it go to `sink`). */
export function lowerArtifact(t: TomlTable, sink: DiagnosticSink): ArtifactEntry {
  const nameField = readString(t, 'name', 'an [[artifacts]] entry', sink, true);
  const where = nameField ? `artifact "${nameField.value}"` : 'an [[artifacts]] entry';
  const type = readString(t, 'type', where, sink, true);
  let typeValid = false;
  if (type) {
    if (type.value in TYPE_ALIASES) {
      sink.add('invalid-value', type.span, `"${type.value}" is not accepted in collection.toml; write "${TYPE_ALIASES[type.value]}"`, {
        data: { suggestions: [TYPE_ALIASES[type.value]], replacement: JSON.stringify(TYPE_ALIASES[type.value]) },
      });
    } else {
      typeValid = checkEnum(type, ARTIFACT_TYPES, 'artifact type', sink);
    }
  }
  const origin = readString(t, 'origin', where, sink, true);
  checkEnum(origin, ORIGINS, 'origin', sink);
  const entry: ArtifactEntry = {
    table: t,
    name: nameField,
    type,
    typeValid,
    path: readString(t, 'path', where, sink, true),
    origin,
    originSource: readString(t, 'origin_source', where, sink),
    added: readTimestamp(t, 'added', where, sink, true),
    upstream: readString(t, 'upstream', where, sink),
    versionSpec: readString(t, 'version_spec', where, sink),
    uuid: readString(t, 'uuid', where, sink),
    tags: readStringList(t, 'tags', where, sink, false, 'invalid-tag'),
    targetPlatforms: readStringList(t, 'target_platforms', where, sink),
    linked: [],
  };
  for (const k of ['resolved_sha', 'resolved_version', 'import_id']) readString(t, k, where, sink);
  for (const k of ['last_updated', 'discovered_at']) readTimestamp(t, k, where, sink);
  if (entry.targetPlatforms) {
    if (entry.targetPlatforms.items.length === 0 && entry.targetPlatforms.span) {
      sink.add('empty-target-platforms', entry.targetPlatforms.span, `target_platforms of ${where} is empty; omit the key to allow every platform`);
    }
    for (const p of entry.targetPlatforms.items) checkEnum(p, PLATFORMS, 'platform', sink);
  }
  const meta = readTable(t, 'metadata', where, sink);
  if (meta) {
    const mw = `the metadata of ${where}`;
    entry.title = readString(meta, 'title', mw, sink);
    entry.description = readString(meta, 'description', mw, sink);
    entry.version = readString(meta, 'version', mw, sink);
    readString(meta, 'author', mw, sink);
    readString(meta, 'license', mw, sink);
    readStringList(meta, 'dependencies', mw, sink);
    readStringList(meta, 'unlinked_references', mw, sink);
    readTable(meta, 'extra', mw, sink);
    entry.tools = readStringList(meta, 'tools', mw, sink);
    const metaTags = readStringList(meta, 'tags', mw, sink, false, 'invalid-tag');
    if (metaTags) {
      // SkillMeat merges metadata.tags into tags on load; so do we.
      entry.tags = entry.tags ? { ...entry.tags, items: [...entry.tags.items, ...metaTags.items] } : metaTags;
    }
    for (const lt of readTableArray(meta, 'linked_artifacts', mw, sink)) {
      const lw = `a linked artifact of ${where}`;
      const linkType = readString(lt, 'link_type', lw, sink);
      checkEnum(linkType, LINK_TYPES, 'link_type', sink);
      readString(lt, 'source_name', lw, sink);
      readTimestamp(lt, 'created_at', lw, sink);
      entry.linked.push({ table: lt, name: readString(lt, 'artifact_name', lw, sink, true), type: readString(lt, 'artifact_type', lw, sink), id: readString(lt, 'artifact_id', lw, sink), linkType });
    }
  }
  return entry;
}

