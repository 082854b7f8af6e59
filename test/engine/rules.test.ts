import * as assert from 'node:assert/strict';
import { allRules, type Diagnostic } from '../../server/src/engine';
import { checkTree, type FileTree } from '../helpers/tempWorkspace';
import { baseline, variant, COLLECTION } from './baseline';

interface Case {
  code: string;
  tree: FileTree;
  /** A part of the message a person must read. */
  message: RegExp;
  severity?: Diagnostic['severity'];
  suggestions?: string[];
}

const C = 'collections/main/collection.toml';

const cases: Case[] = [
  { code: 'toml-syntax', tree: variant('collection', 'version = "1.0.0"', 'version = «"1.0.0»'), message: /unterminated|string/i },
  { code: 'json-syntax', tree: variant('plugin', '"version": "1.0.0",', '"version": "1.0.0",«}»'), message: /not valid JSON/ },
  { code: 'missing-key', tree: variant('collection', '[[artifacts]]\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "github"\nadded = "2026-02-12T10:00:00"\n', '«[[artifacts]]»\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "github"\n'), message: /artifact "review" is missing the required key "added"/ },
  { code: 'wrong-type', tree: variant('collection', 'position = 0', 'position = «"0"»'), message: /"position" in a \[\[groups\]\] entry must be an integer, not a string/ },
  { code: 'native-datetime', tree: variant('collection', 'added = "2026-02-12T10:00:00"', 'added = «2026-02-12T10:00:00»'), message: /native TOML datetime.*"2026-02-12T10:00:00"/ },
  { code: 'invalid-timestamp', tree: variant('collection', 'updated = "2026-03-02T08:15:44"', 'updated = «"2026-03-32T08:15:44"»'), message: /not an ISO-8601 time/ },
  { code: 'invalid-value', tree: variant('collection', 'type = "command"', 'type = «"comand"»'), message: /"comand" is not a valid artifact type; expected one of: skill, command/, suggestions: ['command'] },
  { code: 'collection-name-mismatch', tree: variant('collection', 'name = "main"', 'name = «"mainline"»'), message: /differs from its folder "main"/ },
  { code: 'invalid-name', tree: variant('collection', 'name = "review"', 'name = «"../review"»'), message: /must not contain \/ or \\/ },
  { code: 'discouraged-name', tree: variant('collection', 'name = "review"', 'name = «"review?"»'), message: /< > : " \| \? \*/ },
  { code: 'origin-source-misuse', tree: variant('collection', 'origin = "github"\nadded = "2026-02-12T10:00:00"', 'origin = "github"\norigin_source = «"github"»\nadded = "2026-02-12T10:00:00"'), message: /only allowed with origin "marketplace"/ },
  { code: 'empty-target-platforms', tree: variant('collection', 'target_platforms = ["claude_code", "codex"]', 'target_platforms = «[]»'), message: /is empty; omit the key/ },
  { code: 'duplicate-artifact', tree: baseline({ [C]: COLLECTION + '\n[[artifacts]]\nname = «"review"»\ntype = "command"\npath = "commands/review.md"\norigin = "local"\nadded = "2026-02-12T10:00:00"\n' }), message: /duplicate artifact: command "review" is already defined at line \d+/ },
  { code: 'ambiguous-name', tree: baseline({ [C]: COLLECTION + '\n[[artifacts]]\nname = «"review"»\ntype = "agent"\npath = "agents/release-notes.md"\norigin = "local"\nadded = "2026-02-12T10:00:00"\n' }), message: /a command is also named "review"/ },
  { code: 'path-missing', tree: variant('collection', 'path = "commands/review.md"', 'path = «"commands/reviews.md"»'), message: /does not exist/ },
  { code: 'path-escapes-root', tree: variant('collection', 'path = "commands/review.md"', 'path = «"commands/../../../etc/passwd.md"»'), message: /leaves its root/ },
  { code: 'wrong-container', tree: variant('collection', 'path = "commands/review.md"', 'path = «"agents/release-notes.md"»'), message: /a command belongs in commands\// },
  { code: 'missing-primary-file', tree: baseline({ 'collections/main/skills/pdf-tools/SKILL.md': '' }), message: /SKILL.md in "skills\/pdf-tools" is empty/ },
  { code: 'not-markdown', tree: baseline({ [C]: COLLECTION.replace('path = "commands/review.md"', 'path = «"commands/review.txt"»'), 'collections/main/commands/review.txt': 'x' }), message: /does not end in .md/ },
  { code: 'invalid-uuid', tree: variant('collection', 'uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"', 'uuid = «"C41D7E0A-2B9F-4E8D-8A6B-5C4D3E2F1A09"»'), message: /32 lower-case hex digits/ },
  { code: 'duplicate-uuid', tree: variant('collection', 'uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"', 'uuid = «"9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"»'), message: /also used by skill "pdf-tools"/ },
  { code: 'invalid-tag', tree: variant('collection', 'tags = ["Documents", "python"]', 'tags = ["Documents", «"  "»]'), message: /is blank/ },
  { code: 'empty-tag-slug', tree: variant('collection', 'tags = ["Documents", "python"]', 'tags = ["Documents", «"!!"»]'), message: /no letters or digits/ },
  { code: 'undefined-tag', tree: variant('collection', 'tags = ["Documents", "python"]', 'tags = ["Documents", «"Data Science"»]'), message: /no \[\[tag_definitions\]\] entry with slug "data-science"/, severity: 'information' },
  { code: 'unknown-tool', tree: variant('collection', 'tools = ["Read", "Bash"]', 'tools = ["Read", «"Bsh"»]'), message: /"Bsh" is not a Claude Code tool.*"Bash"/, suggestions: ['Bash'] },
  { code: 'unknown-linked-type', tree: variant('collection', 'artifact_type = "skill"', 'artifact_type = «"skil"»'), message: /reads it as "skill"/ },
  { code: 'unresolved-link', tree: variant('collection', 'artifact_id = "skill::pdf-tools"', 'artifact_id = «"skill::pdf-tool"»'), message: /names no skill in collection "main" \(did you mean "skill::pdf-tools"\?\)/, suggestions: ['skill::pdf-tools'] },
  { code: 'invalid-mcp-name', tree: variant('collection', 'name = "filesystem"', 'name = «"file system"»'), message: /may only contain letters, digits/ },
  { code: 'duplicate-mcp-server', tree: baseline({ [C]: COLLECTION + '\n[[mcp_servers]]\nname = «"filesystem"»\nrepo = "a/b"\n' }), message: /MCP server "filesystem" is already defined/ },
  { code: 'invalid-mcp-repo', tree: variant('collection', 'repo = "modelcontextprotocol/servers/filesystem"', 'repo = «"https://gitlab.com/x/y"»'), message: /GitHub URL or owner\/repo/ },
  { code: 'duplicate-tag-definition', tree: variant('collection', 'slug = "python"', 'slug = «"documents"»'), message: /slug "documents" is already used/ },
  { code: 'invalid-slug', tree: variant('collection', 'slug = "python"', 'slug = «"Python_3"»'), message: /lower-case words joined by single hyphens \(e.g. "python-3"\)/ },
  { code: 'invalid-color', tree: variant('collection', 'color = "blue"', 'color = «"navy"»'), message: /not one of slate, blue/ },
  { code: 'duplicate-group', tree: baseline({ [C]: COLLECTION + '\n[[groups]]\nname = «"Writing kit"»\n' }), message: /group "Writing kit" is already defined/ },
  { code: 'invalid-group', tree: variant('collection', 'position = 0', 'position = «-1»'), message: /position must be 0 or more/ },
  { code: 'invalid-icon', tree: variant('collection', 'icon = "layers"', 'icon = «""»'), message: /icon must not be empty/ },
  { code: 'invalid-reference', tree: variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tools", «"release-notes"»]'), message: /is not of the form type:name/ },
  { code: 'duplicate-member', tree: variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tools", «"skill:pdf-tools"»]'), message: /lists "skill:pdf-tools" twice/ },
  { code: 'unknown-reference', tree: variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = [«"skill:pdf-tool"», "agent:release-notes"]'), message: /member "skill:pdf-tool" of group "Writing kit" names no skill in collection "main" \(did you mean "skill:pdf-tools"\?\)/, suggestions: ['skill:pdf-tools'] },
  { code: 'invalid-lock-key', tree: variant('lock', '[lock.entries."pdf-tools::skill"]', '[lock.entries.«"pdf-tools:skill"»]'), message: /not of the form "name::type"/ },
  { code: 'lock-orphan', tree: variant('lock', '[lock.entries."pdf-tools::skill"]', '[lock.entries.«"pdf-tool::skill"»]'), message: /matches no skill in collection.toml \(did you mean "pdf-tools::skill"\?\)/ },
  { code: 'missing-content-hash', tree: variant('deployed', 'collection_sha = "7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d"\n', ''), message: /neither content_hash nor collection_sha/ },
  { code: 'invalid-hash', tree: variant('deployed', 'collection_sha = "7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d"', 'collection_sha = «"7b9d"»'), message: /not a SHA-256/ },
  { code: 'duplicate-deployment', tree: variant('deployed', 'artifact_name = "release-notes.md"\nartifact_type = "agent"', 'artifact_name = «"pdf-tools"»\nartifact_type = "skill"'), message: /deployed twice to profile "claude_code"/ },
  { code: 'profile-root-mismatch', tree: variant('deployed', 'profile_root_dir = ".claude"', 'profile_root_dir = «".codex"»'), message: /is "\.codex" but this file is in "\.claude"/ },
  { code: 'unknown-collection', tree: variant('deployed', 'from_collection = "main"', 'from_collection = «"mian"»'), message: /names no known collection \(did you mean "main"\?\)/ },
  { code: 'unresolved-uuid', tree: variant('deployed', 'artifact_uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"', 'artifact_uuid = «"00000000000000000000000000000000"»'), message: /is not the uuid of skill:pdf-tools/ },
  { code: 'hash-not-in-lock', tree: variant('deployed', 'content_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"', 'content_hash = «"1111111111111111111111111111111111111111111111111111111111111111"»'), message: /the deployment is behind or locally changed/, severity: 'information' },
  { code: 'invalid-skip-key', tree: variant('skips', 'artifact_key = "agent:release-notes"', 'artifact_key = «"workflow:release-notes"»'), message: /type one of skill, command, agent, hook, mcp/ },
  { code: 'empty-skip-reason', tree: variant('skips', 'skip_reason = "not needed here"', 'skip_reason = «""»'), message: /must say why/ },
  { code: 'non-deployable-member', tree: baseline({ 'collections/main/plugins/kit/composites/inner/plugin.json': '{"name":"inner"}' }), message: /contains composite "inner".*only skill, command, agent/ },
  { code: 'invalid-plugin', tree: variant('plugin', '"version": "1.0.0"', '"version": «1»'), message: /"version" in plugin.json must be a string/ },
];

function severityOfCode(code: string): Diagnostic['severity'] {
  return allRules().find((r) => r.code === code)!.severity;
}

describe('validation rules', () => {
  const base = checkTree(baseline());
  after(() => base.dir.dispose());

  it('the valid baseline workspace yields no diagnostics at all', () => {
    assert.deepEqual(base.diagnostics.map((d) => `${d.code}: ${d.message}`), []);
  });

  for (const c of cases) {
    describe(c.code, () => {
      it('is silent on valid input', () => {
        assert.equal(base.diagnostics.filter((d) => d.code === c.code).length, 0);
      });
      it('fires with its severity, the exact range and a clear message', () => {
        const r = checkTree(c.tree);
        try {
          const hits = r.diagnostics.filter((d) => d.code === c.code);
          assert.ok(hits.length > 0, `expected ${c.code}; got ${r.diagnostics.map((d) => `${d.code}: ${d.message}`).join(' | ') || 'nothing'}`);
          const [file, spans] = [...r.marks.entries()][0] ?? [];
          const d = spans ? hits.find((h) => h.file === file && h.span.start === spans[0].start && h.span.end === spans[0].end) : hits[0];
          assert.ok(d, `no ${c.code} at the marked span ${JSON.stringify(spans?.[0])}; got ${JSON.stringify(hits.map((h) => [h.file.slice(r.dir.root.length), h.span, h.message]))}`);
          assert.match(d.message, c.message);
          assert.equal(d.severity, c.severity ?? severityOfCode(c.code));
          if (c.suggestions) assert.deepEqual(d.data?.suggestions?.slice(0, c.suggestions.length), c.suggestions);
          const sf = r.ws.get(d.file)!;
          assert.deepEqual(d.range, sf.lines.rangeOf(d.span));
        } finally {
          r.dir.dispose();
        }
      });
    });
  }

  it('every rule code in the table has a test case (or is covered elsewhere)', () => {
    // too-many-findings is the publisher's (test/reliability/protocol.test.ts: 400,000 empty tables).
    const elsewhere = new Set(['unreadable-file', 'file-too-large', 'too-many-findings', 'uuid-conflict', 'membership-cycle']);
    const missing = allRules().map((r) => r.code).filter((code) => !elsewhere.has(code) && !cases.some((c) => c.code === code));
    assert.deepEqual(missing, []);
  });
});
