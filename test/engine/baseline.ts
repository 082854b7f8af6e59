import type { FileTree } from '../helpers/tempWorkspace';

/** A valid workspace touching every construct the rules look at: no rule may fire on it. */
export const COLLECTION = `[collection]
name = "main"
version = "1.0.0"
created = "2026-01-04T18:22:10.511203"
updated = "2026-03-02T08:15:44"

[[artifacts]]
name = "pdf-tools"
type = "skill"
path = "skills/pdf-tools"
origin = "marketplace"
origin_source = "github"
added = "2026-01-04T18:30:01.120004"
tags = ["Documents", "python"]
target_platforms = ["claude_code", "codex"]
uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"

[artifacts.metadata]
description = "Extract PDF pages"
tools = ["Read", "Bash"]

[[artifacts]]
name = "release-notes"
type = "agent"
path = "agents/release-notes.md"
origin = "local"
added = "2026-02-11T10:02:33.900001"
uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"

[[artifacts.metadata.linked_artifacts]]
artifact_id = "skill::pdf-tools"
artifact_name = "pdf-tools"
artifact_type = "skill"
link_type = "requires"
created_at = "2026-02-11T10:02:34.000120+00:00"

[[artifacts]]
name = "review"
type = "command"
path = "commands/review.md"
origin = "github"
added = "2026-02-12T10:00:00"

[[artifacts]]
name = "kit"
type = "composite"
path = "plugins/kit"
origin = "local"
added = "2026-02-12T10:00:00"

[[mcp_servers]]
name = "filesystem"
repo = "modelcontextprotocol/servers/filesystem"
status = "installed"
env_vars = { ROOT_PATH = "/home/me" }

[[tag_definitions]]
name = "Documents"
slug = "documents"
color = "#3b82f6"
description = ""

[[tag_definitions]]
name = "Python"
slug = "python"
color = "#facc15"

[[groups]]
name = "Writing kit"
color = "blue"
icon = "layers"
position = 0
members = ["skill:pdf-tools", "agent:release-notes"]
`;

export const LOCK = `[lock]
version = "1.0.0"

[lock.entries."pdf-tools::skill"]
content_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"
fetched = "2026-01-04T18:30:01.220331"
`;

export const DEPLOYED = `[[deployed]]
artifact_name = "pdf-tools"
artifact_type = "skill"
from_collection = "main"
deployed_at = "2026-03-02T09:41:07.318822"
artifact_path = "skills/pdf-tools"
content_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"
local_modifications = false
version_lineage = ["0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"]
deployment_profile_id = "claude_code"
platform = "claude_code"
profile_root_dir = ".claude"
artifact_uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"
collection_sha = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"

[[deployed]]
artifact_name = "release-notes.md"
artifact_type = "agent"
from_collection = "main"
deployed_at = "2026-03-02T09:41:08"
artifact_path = "agents/team/release-notes.md"
collection_sha = "7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d"
`;

export const SKIPS = `[metadata]
version = "1.0.0"
last_updated = "2026-03-02T09:45:00"

[[skips]]
artifact_key = "agent:release-notes"
skip_reason = "not needed here"
added_date = "2026-03-02T09:45:00"
`;

export const PROJECT = `[project]
path = "/home/me/project"
name = "project"
created_at = "2025-12-31T13:55:58.481856"
`;

export const PLUGIN = `{
  "name": "kit",
  "version": "1.0.0",
  "description": "A kit"
}
`;

/** The baseline tree, with an optional replacement of whole files. */
export function baseline(over: FileTree = {}): FileTree {
  return {
    'collections/main/collection.toml': COLLECTION,
    'collections/main/collection.lock': LOCK,
    'collections/main/skills/pdf-tools/SKILL.md': '# PDF tools\n',
    'collections/main/agents/release-notes.md': '# Release notes\n',
    'collections/main/commands/review.md': '# Review\n',
    'collections/main/plugins/kit/plugin.json': PLUGIN,
    'collections/main/plugins/kit/skills/pdf-tools/SKILL.md': '# PDF tools\n',
    'collections/main/plugins/kit/commands/review.md': '# Review\n',
    'project/.claude/.skillmeat-deployed.toml': DEPLOYED,
    'project/.claude/.skillmeat_skip_prefs.toml': SKIPS,
    'project/.claude/.skillmeat-project.toml': PROJECT,
    ...over,
  };
}

/** The baseline with one text replacement in one file (the replacement may carry «» marks). */
export function variant(file: 'collection' | 'lock' | 'deployed' | 'skips' | 'project' | 'plugin', find: string, replace: string): FileTree {
  const files = {
    collection: ['collections/main/collection.toml', COLLECTION],
    lock: ['collections/main/collection.lock', LOCK],
    deployed: ['project/.claude/.skillmeat-deployed.toml', DEPLOYED],
    skips: ['project/.claude/.skillmeat_skip_prefs.toml', SKIPS],
    project: ['project/.claude/.skillmeat-project.toml', PROJECT],
    plugin: ['collections/main/plugins/kit/plugin.json', PLUGIN],
  } as const;
  const [rel, text] = files[file];
  if (!text.includes(find)) throw new Error(`variant: "${find}" not in ${file}`);
  return baseline({ [rel]: text.replace(find, replace) });
}
