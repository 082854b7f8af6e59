import type { Severity } from './diagnostic';

/** A rule: its stable code, default severity and one-line summary (also the README's table). */
export interface RuleInfo {
  code: string;
  severity: Severity;
  summary: string;
}

const rules: RuleInfo[] = [
  { code: 'toml-syntax', severity: 'error', summary: 'The file is not valid TOML 1.0 (or not valid UTF-8).' },
  { code: 'json-syntax', severity: 'error', summary: 'A plugin.json file is not valid JSON.' },
  { code: 'unreadable-file', severity: 'error', summary: 'The file could not be read (a folder with a manifest name, permissions).' },
  { code: 'file-too-large', severity: 'warning', summary: 'The file is over the size limit and was not parsed.' },
  { code: 'too-many-findings', severity: 'information', summary: 'The file has more findings than an editor is sent (5,000); this last one counts the rest.' },
  { code: 'missing-key', severity: 'error', summary: 'A key SkillMeat requires is absent.' },
  { code: 'wrong-type', severity: 'error', summary: 'A value has the wrong TOML type (a number where a string belongs, say).' },
  { code: 'native-datetime', severity: 'error', summary: 'A time is a native TOML datetime; SkillMeat reads only quoted ISO-8601 strings and crashes on these.' },
  { code: 'invalid-timestamp', severity: 'error', summary: 'A time string is not ISO-8601 as datetime.fromisoformat reads it.' },
  { code: 'invalid-value', severity: 'error', summary: 'A value is not one of those allowed (artifact type, origin, platform, link type, status…).' },
  { code: 'collection-name-mismatch', severity: 'warning', summary: "The collection's name differs from its folder; SkillMeat saves to the folder of that name." },
  { code: 'invalid-name', severity: 'error', summary: 'An artifact name is empty, contains / or \\ or .., or starts with a dot.' },
  { code: 'discouraged-name', severity: 'warning', summary: 'An artifact name the CLI and API reject: over 100 characters, edge whitespace, or < > : " | ? *.' },
  { code: 'origin-source-misuse', severity: 'error', summary: 'origin_source is set on a non-marketplace artifact, or has a bad value.' },
  { code: 'empty-target-platforms', severity: 'error', summary: 'target_platforms is an empty list (omit it to mean all platforms).' },
  { code: 'duplicate-artifact', severity: 'error', summary: 'Two artifacts share a name and type in one collection.' },
  { code: 'ambiguous-name', severity: 'warning', summary: 'Two artifacts share a name across types, or are equal once the extension is stripped.' },
  { code: 'path-missing', severity: 'warning', summary: "An artifact's path does not exist on disk." },
  { code: 'path-escapes-root', severity: 'warning', summary: 'A path is absolute or leaves its root (collection folder or profile root) through ..: never followed.' },
  { code: 'wrong-container', severity: 'warning', summary: "A path is not in its type's container folder (skills/, commands/, …)." },
  { code: 'missing-primary-file', severity: 'warning', summary: 'A skill folder lacks a non-empty SKILL.md.' },
  { code: 'not-markdown', severity: 'warning', summary: 'A command or agent path is not a .md file.' },
  { code: 'invalid-uuid', severity: 'error', summary: 'A uuid is not 32 lower-case hex digits without dashes.' },
  { code: 'duplicate-uuid', severity: 'error', summary: 'Two artifacts carry the same uuid (in any files).' },
  { code: 'uuid-conflict', severity: 'warning', summary: 'The uuid differs from the one the cache knows for that type:name.' },
  { code: 'invalid-tag', severity: 'error', summary: 'A tag is blank or not a string.' },
  { code: 'empty-tag-slug', severity: 'warning', summary: 'A tag slugifies to nothing, so SkillMeat skips it.' },
  { code: 'undefined-tag', severity: 'information', summary: 'A tag has no [[tag_definitions]] entry with its slug; SkillMeat creates it without colour.' },
  { code: 'unknown-tool', severity: 'warning', summary: 'A tool is not one of the 18 Claude Code tools; SkillMeat drops it.' },
  { code: 'unknown-linked-type', severity: 'warning', summary: 'A linked artifact type is unknown; SkillMeat silently reads it as skill.' },
  { code: 'unresolved-link', severity: 'warning', summary: 'A linked artifact names no artifact of the collection.' },
  { code: 'invalid-mcp-name', severity: 'error', summary: 'An MCP server name is not ^[a-zA-Z0-9_-]+$.' },
  { code: 'duplicate-mcp-server', severity: 'error', summary: 'Two [[mcp_servers]] share a name.' },
  { code: 'invalid-mcp-repo', severity: 'error', summary: 'An MCP server repo is neither a GitHub URL nor owner/repo[/path].' },
  { code: 'duplicate-tag-definition', severity: 'error', summary: 'Two tag definitions share a name or a slug.' },
  { code: 'invalid-slug', severity: 'warning', summary: 'A tag slug is not lower-case words joined by single hyphens, or is over 100 characters.' },
  { code: 'invalid-color', severity: 'warning', summary: 'A colour is not of the allowed forms.' },
  { code: 'duplicate-group', severity: 'error', summary: 'Two groups share a name in one collection.' },
  { code: 'invalid-group', severity: 'error', summary: 'A group name is over 255 characters, or its position is not an integer ≥ 0.' },
  { code: 'invalid-icon', severity: 'warning', summary: 'A group icon is empty or over 32 characters.' },
  { code: 'invalid-reference', severity: 'error', summary: 'A reference is not of the form type:name with a known type.' },
  { code: 'duplicate-member', severity: 'error', summary: 'A group lists the same member twice.' },
  { code: 'unknown-reference', severity: 'warning', summary: 'A reference names no known artifact (closest names are suggested).' },
  { code: 'invalid-lock-key', severity: 'error', summary: 'A lock entry key is not name::type.' },
  { code: 'lock-orphan', severity: 'warning', summary: 'A lock entry has no matching artifact in collection.toml.' },
  { code: 'missing-content-hash', severity: 'error', summary: 'A deployed record has neither content_hash nor collection_sha; SkillMeat rejects it.' },
  { code: 'invalid-hash', severity: 'warning', summary: 'A hash is not 64 hex digits, or content_hash and collection_sha disagree.' },
  { code: 'duplicate-deployment', severity: 'warning', summary: 'Two deployed records share name, type and profile.' },
  { code: 'profile-root-mismatch', severity: 'warning', summary: "profile_root_dir differs from the folder the file is in." },
  { code: 'unknown-collection', severity: 'warning', summary: 'from_collection names no known collection.' },
  { code: 'unresolved-uuid', severity: 'warning', summary: 'An artifact_uuid matches no artifact.' },
  { code: 'hash-not-in-lock', severity: 'information', summary: "A deployed content hash is not the collection lock's current hash (version drift)." },
  { code: 'invalid-skip-key', severity: 'error', summary: 'A skip key is not type:name with a type skip preferences allow.' },
  { code: 'empty-skip-reason', severity: 'error', summary: 'A skip has an empty reason.' },
  { code: 'membership-cycle', severity: 'error', summary: 'Composites contain each other in a cycle.' },
  { code: 'non-deployable-member', severity: 'error', summary: 'A composite contains a type that cannot be deployed (composite, context files).' },
  { code: 'invalid-plugin', severity: 'warning', summary: 'A plugin.json field has the wrong type.' },
];

/** Every rule by code. */
export const RULES: ReadonlyMap<string, RuleInfo> = new Map(rules.map((r) => [r.code, r]));

/** Every rule, in documentation order. */
export function allRules(): readonly RuleInfo[] {
  return rules;
}

/** The default severity of a code (error for an unknown one, so a typo in a rule shows). */
export function severityOf(code: string): Severity {
  return RULES.get(code)?.severity ?? 'error';
}
