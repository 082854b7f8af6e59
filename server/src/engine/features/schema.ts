/**
 * The keys SkillMeat reads in each table of each file, with a line of documentation and the
 * closed vocabularies of their values: what completion offers and hover explains.
 */
import type { FileKind } from '../model/fileKind';
import {
  ARTIFACT_TYPES, GROUP_COLORS, LINK_TYPES, MCP_STATUSES, ORIGIN_SOURCES, ORIGINS, PLATFORMS, TOOLS,
} from '../model/vocabulary';

/** The TOML shape a key's value takes. */
export type ValueShape = 'string' | 'string[]' | 'time' | 'boolean' | 'integer' | 'table' | 'table[]';

/** One key of a table. */
export interface KeySpec {
  key: string;
  shape: ValueShape;
  required?: boolean;
  doc: string;
  /** A closed vocabulary for the value (or for the items of a list). */
  values?: readonly string[];
  /** The values are suggestions, not the only ones allowed (group colours also take hex). */
  open?: boolean;
}

const k = (key: string, shape: ValueShape, doc: string, extra: Partial<KeySpec> = {}): KeySpec => ({ key, shape, doc, ...extra });
const req = { required: true };

/** Keys by file kind and table path (`*` stands for a lock key; `''` is the document root). */
const TABLES: Record<string, KeySpec[]> = {
  'collection:': [
    k('collection', 'table', 'The collection header: name, version, created, updated.', req),
    k('artifacts', 'table[]', 'The artifacts of the collection, one `[[artifacts]]` each.'),
    k('mcp_servers', 'table[]', 'MCP servers installed in the collection.'),
    k('tag_definitions', 'table[]', 'Tags with their slug and colour (rewritten from the database by SkillMeat).'),
    k('groups', 'table[]', 'Named, ordered groups of artifacts (`members` are `type:name`).'),
  ],
  'collection:collection': [
    k('name', 'string', 'The collection name; SkillMeat saves the collection to the folder of that name.', req),
    k('version', 'string', 'The collection format version, `"1.0.0"`.', req),
    k('created', 'time', 'When the collection was created (quoted ISO-8601, naive UTC).', req),
    k('updated', 'time', 'When the collection was last saved (reset on every save).', req),
  ],
  'collection:artifacts': [
    k('name', 'string', 'The artifact name: no `/`, `\\`, `..` or leading dot; at most 100 characters.', req),
    k('type', 'string', 'The artifact type.', { ...req, values: ARTIFACT_TYPES }),
    k('path', 'string', 'Path relative to the collection folder: `skills/<name>`, `commands/<name>.md`, `agents/<name>.md`…', req),
    k('origin', 'string', 'Where the artifact came from.', { ...req, values: ORIGINS }),
    k('added', 'time', 'When the artifact was added (quoted ISO-8601).', req),
    k('upstream', 'string', 'The upstream URL the artifact tracks.'),
    k('version_spec', 'string', '`latest`, a tag or a branch.'),
    k('resolved_sha', 'string', 'The upstream commit last resolved.'),
    k('resolved_version', 'string', 'The upstream version last resolved.'),
    k('import_id', 'string', 'The import batch that added the artifact.'),
    k('last_updated', 'time', 'When the artifact was last updated (quoted ISO-8601).'),
    k('discovered_at', 'time', 'When the artifact was discovered (quoted ISO-8601).'),
    k('tags', 'string[]', 'Tag names; each matches the `[[tag_definitions]]` entry with its slug.'),
    k('origin_source', 'string', 'Only with `origin = "marketplace"`: the marketplace host.', { values: ORIGIN_SOURCES }),
    k('target_platforms', 'string[]', 'Platforms the artifact targets; omit for all (an empty list is invalid).', { values: PLATFORMS }),
    k('uuid', 'string', 'The stable identity (ADR-007): 32 lower-case hex digits, no dashes.'),
    k('metadata', 'table', 'Title, description, author, tools, linked artifacts…'),
  ],
  'collection:artifacts.metadata': [
    k('title', 'string', 'A display title.'),
    k('description', 'string', 'What the artifact does.'),
    k('author', 'string', 'Who wrote it.'),
    k('license', 'string', 'Its licence.'),
    k('version', 'string', 'The artifact’s own version.'),
    k('dependencies', 'string[]', 'Names of what it depends on.'),
    k('tools', 'string[]', 'Claude Code tools it uses; unknown ones are dropped.', { values: TOOLS }),
    k('tags', 'string[]', 'More tags; merged into the artifact’s `tags` on load.'),
    k('extra', 'table', 'Free-form data (e.g. `extra.frontmatter`).'),
    k('unlinked_references', 'string[]', 'References found in the artifact that name no artifact.'),
    k('linked_artifacts', 'table[]', 'Artifacts this one requires, enables or relates to.'),
  ],
  'collection:artifacts.metadata.linked_artifacts': [
    k('artifact_name', 'string', 'The linked artifact’s name.', req),
    k('artifact_type', 'string', 'The linked artifact’s type; an unknown type is silently read as `skill`.', { values: ARTIFACT_TYPES }),
    k('artifact_id', 'string', 'The linked artifact as `type:name` (or `type::name` when auto-linked).'),
    k('source_name', 'string', 'Where the link was found.'),
    k('link_type', 'string', 'How the artifacts relate (default `requires`).', { values: LINK_TYPES }),
    k('created_at', 'time', 'When the link was made (timezone-aware ISO-8601).'),
  ],
  'collection:mcp_servers': [
    k('name', 'string', 'The server name: letters, digits, `_` and `-`; unique.', req),
    k('repo', 'string', 'A GitHub URL or `owner/repo[/path]`.', req),
    k('version', 'string', 'The version to install (default `latest`).'),
    k('env_vars', 'table', 'Environment variables, string to string.'),
    k('description', 'string', 'What the server does.'),
    k('installed_at', 'time', 'When it was installed.'),
    k('status', 'string', 'Installation status (omitted when not installed).', { values: MCP_STATUSES }),
    k('resolved_sha', 'string', 'The commit installed.'),
    k('resolved_version', 'string', 'The version installed.'),
    k('last_updated', 'time', 'When it was last updated.'),
  ],
  'collection:tag_definitions': [
    k('name', 'string', 'The tag’s display name.', req),
    k('slug', 'string', 'Lower-case words joined by hyphens; artifact tags match it after slugifying.', req),
    k('color', 'string', 'A `#RRGGBB` colour (others become no colour).'),
    k('description', 'string', 'A description (SkillMeat writes `""`).'),
  ],
  'collection:groups': [
    k('name', 'string', 'The group name, unique in the collection, at most 255 characters.', req),
    k('description', 'string', 'What the group is for.'),
    k('color', 'string', 'slate, blue, green, amber, rose or a hex colour.', { values: GROUP_COLORS, open: true }),
    k('icon', 'string', 'An icon name of 1 to 32 characters (default `layers`).'),
    k('position', 'integer', 'The order of the group among groups (0 or more).'),
    k('members', 'string[]', 'The artifacts of the group as `type:name`, in order.'),
  ],
  'lock:': [k('lock', 'table', 'The lock header and its entries.', req)],
  'lock:lock': [
    k('version', 'string', 'The lock format version, `"1.0.0"`.'),
    k('entries', 'table', 'One table per artifact, keyed `"name::type"`.'),
  ],
  'lock:lock.entries.*': [
    k('content_hash', 'string', 'SHA-256 of the artifact’s content when fetched.', req),
    k('fetched', 'time', 'When the content was fetched.', req),
    k('upstream', 'string', 'The upstream it was fetched from.'),
    k('resolved_sha', 'string', 'The upstream commit.'),
    k('resolved_version', 'string', 'The upstream version.'),
  ],
  'deployed:': [k('deployed', 'table[]', 'One `[[deployed]]` record per deployed artifact.')],
  'deployed:deployed': [
    k('artifact_name', 'string', 'The deployed artifact’s name (compared without its extension).', req),
    k('artifact_type', 'string', 'The deployed artifact’s type.', { ...req, values: ARTIFACT_TYPES }),
    k('from_collection', 'string', 'The collection it was deployed from (or `enterprise`).', req),
    k('deployed_at', 'time', 'When it was deployed (naive local time).', req),
    k('artifact_path', 'string', 'Where it was deployed, relative to the profile root (must stay inside it).', req),
    k('content_hash', 'string', 'SHA-256 of the deployed content.', req),
    k('local_modifications', 'boolean', 'Whether the deployed copy was changed locally.'),
    k('parent_hash', 'string', 'The hash this version was derived from.'),
    k('merge_base_snapshot', 'string', 'The merge base of the last update.'),
    k('version_lineage', 'string[]', 'Hashes of the versions, newest first.'),
    k('last_modified_check', 'time', 'When local modifications were last checked.'),
    k('modification_detected_at', 'time', 'When a local modification was detected.'),
    k('deployment_profile_id', 'string', 'The deployment profile (absent means `claude_code`).'),
    k('platform', 'string', 'The platform; an unknown value makes SkillMeat reject the whole file.', { values: PLATFORMS }),
    k('profile_root_dir', 'string', 'The profile root folder, e.g. `.claude`.'),
    k('artifact_uuid', 'string', 'The artifact’s uuid when the cache knew it (ADR-007).'),
    k('collection_sha', 'string', 'Deprecated; always rewritten to `content_hash`.'),
    k('enterprise_version', 'string', 'Enterprise deployments: the version.'),
    k('enterprise_files', 'string[]', 'Enterprise deployments: the files.'),
  ],
  'project:': [k('project', 'table', 'The project record.', req)],
  'project:project': [
    k('path', 'string', 'The project’s absolute path.', req),
    k('name', 'string', 'The project name.', req),
    k('created_at', 'time', 'When the project was registered.', req),
    k('description', 'string', 'A description.'),
    k('updated_at', 'time', 'When it was last updated.'),
  ],
  'skip-prefs:': [
    k('metadata', 'table', 'Version and last update of the preferences.'),
    k('skips', 'table[]', 'Artifacts not to offer for deployment.'),
  ],
  'skip-prefs:metadata': [
    k('version', 'string', 'The format version, `"1.0.0"`.'),
    k('last_updated', 'time', 'When the preferences were last changed.'),
  ],
  'skip-prefs:skips': [
    k('artifact_key', 'string', 'The skipped artifact as `type:name` (skill, command, agent, hook or mcp).', req),
    k('skip_reason', 'string', 'Why it is skipped (not empty).', req),
    k('added_date', 'time', 'When the skip was added.'),
  ],
};

/** A table path as the schema names it: lock keys become `*`. */
export function schemaPath(kind: FileKind, segments: readonly string[]): string {
  if (kind === 'lock' && segments[0] === 'lock' && segments[1] === 'entries' && segments.length >= 3) {
    return ['lock', 'entries', '*', ...segments.slice(3)].join('.');
  }
  return segments.join('.');
}

/** The keys of a table, or undefined for tables whose keys are free (env_vars, extra) or unknown. */
export function keysOf(kind: FileKind, tablePath: string): readonly KeySpec[] | undefined {
  return TABLES[`${kind}:${tablePath}`];
}

/** One key's spec. */
export function keySpec(kind: FileKind, tablePath: string, key: string): KeySpec | undefined {
  return keysOf(kind, tablePath)?.find((s) => s.key === key);
}

/** One-line documentation of the values of a closed vocabulary. */
export const VALUE_DOCS: Record<string, string> = {
  skill: 'A folder with a SKILL.md (`skills/<name>`).',
  command: 'A slash command, one Markdown file (`commands/<name>.md`).',
  agent: 'A sub-agent, one Markdown file (`agents/<name>.md`).',
  hook: 'A hook configuration (`settings.json`).',
  mcp: 'An MCP server (`mcp/<name>` with `.mcp.json`).',
  workflow: 'A workflow (`workflows/<name>` with WORKFLOW.yaml).',
  composite: 'A plugin bundling other artifacts (`plugins/<name>` with plugin.json).',
  project_config: 'A project configuration file (context; not deployable).',
  spec_file: 'A specification file (context; not deployable).',
  rule_file: 'A rule file (context; not deployable).',
  context_file: 'A context file (not deployable).',
  progress_template: 'A progress template (context; not deployable).',
  local: 'Made locally.',
  github: 'Imported from GitHub.',
  marketplace: 'Installed from a marketplace (set `origin_source`).',
  gitlab: 'A GitLab marketplace source.',
  bitbucket: 'A Bitbucket marketplace source.',
  requires: 'This artifact needs the linked one.',
  enables: 'This artifact enables the linked one.',
  related: 'The artifacts are related.',
  claude_code: 'Claude Code.',
  codex: 'OpenAI Codex.',
  gemini: 'Gemini CLI.',
  cursor: 'Cursor.',
  remote_git: 'A remote Git target.',
  other: 'Another platform.',
  installed: 'Installed.',
  not_installed: 'Not installed (SkillMeat omits the key then).',
  error: 'Installation failed.',
  updating: 'Being updated.',
};
