/**
 * SkillMeat's closed vocabularies, as its own code defines them
 * (see ../shared/spec/skillmeat-formats.md §0 and §2).
 */

/** Types a collection.toml artifact may have (ArtifactType values). */
export const ARTIFACT_TYPES = [
  'skill', 'command', 'agent', 'hook', 'mcp', 'workflow', 'composite',
  'project_config', 'spec_file', 'rule_file', 'context_file', 'progress_template',
] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** Types that can be deployed into a project (and so be composite members). */
export const DEPLOYABLE_TYPES = ['skill', 'command', 'agent', 'hook', 'mcp', 'workflow'] as const;

/** Types skip preferences and core validation accept. */
export const SKIPPABLE_TYPES = ['skill', 'command', 'agent', 'hook', 'mcp'] as const;

/** Aliases SkillMeat normalises elsewhere but rejects in collection.toml. */
export const TYPE_ALIASES: Record<string, string> = { mcp_server: 'mcp', 'mcp-server': 'mcp' };

export const ORIGINS = ['local', 'github', 'marketplace'] as const;
export const ORIGIN_SOURCES = ['github', 'gitlab', 'bitbucket'] as const;
export const PLATFORMS = ['claude_code', 'codex', 'gemini', 'cursor', 'remote_git', 'other'] as const;
export const LINK_TYPES = ['requires', 'enables', 'related'] as const;
export const MCP_STATUSES = ['installed', 'not_installed', 'error', 'updating'] as const;
export const RELATIONSHIPS = ['contains', 'requires', 'extends'] as const;
export const GROUP_COLORS = ['slate', 'blue', 'green', 'amber', 'rose'] as const;

export const TOOLS = [
  'Read', 'Write', 'Edit', 'MultiEdit', 'Glob', 'Grep', 'NotebookEdit', 'Bash', 'KillShell',
  'AskUserQuestion', 'TodoWrite', 'WebFetch', 'WebSearch', 'Task', 'TaskOutput', 'Skill',
  'EnterPlanMode', 'ExitPlanMode',
] as const;

/** Container folder names per type, canonical first, compared case-insensitively. */
export const CONTAINERS: Record<string, readonly string[]> = {
  skill: ['skills', 'skill', 'claude-skills'],
  command: ['commands', 'command', 'claude-commands'],
  agent: ['agents', 'agent', 'subagents', 'claude-agents'],
  hook: ['hooks', 'hook', 'claude-hooks'],
  mcp: ['mcp', 'mcp-servers', 'servers', 'mcp_servers', 'claude-mcp'],
  workflow: ['workflows', 'workflow', 'claude-workflows'],
  composite: ['composites', 'composite', 'plugins', 'plugin', 'claude-composites'],
};

/** The type whose container a folder name is, if any. */
export function typeOfContainer(folder: string): string | undefined {
  const f = folder.toLowerCase();
  for (const [type, names] of Object.entries(CONTAINERS)) if (names.includes(f)) return type;
  return undefined;
}

/** Primary manifest file names per type, tried in order (lower-case variants accepted). */
export const PRIMARY_FILES: Record<string, readonly string[]> = {
  skill: ['SKILL.md'],
  command: ['COMMAND.md'],
  agent: ['AGENT.md'],
  hook: ['settings.json'],
  mcp: ['.mcp.json', 'mcp.json'],
  workflow: ['WORKFLOW.yaml', 'WORKFLOW.json'],
  composite: ['COMPOSITE.md', 'PLUGIN.md', 'plugin.json', '.claude-plugin/plugin.json'],
};

/** Whether a string is one of a vocabulary's values (a type guard). */
export function isOneOf<T extends string>(list: readonly T[], v: string): v is T {
  return (list as readonly string[]).includes(v);
}
