import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { artifactDocumentation, collectionDocumentation, completionsAt, type CompletionData } from '../../server/src/engine/features';
import { Fixture, C, D, L, S } from './helpers';

describe('features: completion', () => {
  let fx: Fixture;
  beforeEach(() => (fx = new Fixture()));
  afterEach(() => fx.dispose());

  /** Completions with `|` marking the cursor in a replacement of `find` in the file. */
  function complete(rel: string, find: string, replaceWithCursor: string, nth = 0): { items: CompletionData[]; text: string; offset: number } {
    const t = fs.readFileSync(fx.file(rel), 'utf8');
    let at = -1;
    for (let i = 0; i <= nth; i++) at = t.indexOf(find, at + 1);
    assert.ok(at >= 0, `"${find}" not in ${rel}`);
    const edited = t.slice(0, at) + replaceWithCursor.replace('|', '') + t.slice(at + find.length);
    const offset = at + replaceWithCursor.indexOf('|');
    fx.ws.setText(fx.file(rel), edited, 2);
    return { items: completionsAt(fx.ws, fx.file(rel), offset), text: edited, offset };
  }
  const labels = (items: CompletionData[]) => items.map((i) => i.label);

  it('offers types, then names of that type, in group members', () => {
    const r = complete(C, 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tools", "|"]');
    assert.deepEqual(labels(r.items).slice(0, 3), ['skill:', 'command:', 'agent:']);
    assert.ok(labels(r.items).includes('composite:kit'));
    const t = r.items.find((i) => i.label === 'skill:')!;
    assert.equal(t.retrigger, true);
    assert.deepEqual(t.replace, { start: r.offset, end: r.offset });
    const n = complete(C, 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tools", "agent:rel|"]');
    assert.deepEqual(labels(n.items), ['release-notes']);
    const item = n.items[0];
    assert.equal(item.insertText, 'agent:release-notes');
    assert.equal(item.filterText, 'agent:release-notes');
    assert.deepEqual(item.replace, { start: n.offset - 'agent:rel'.length, end: n.offset });
    assert.equal(item.documentation, undefined, 'made on resolve');
    assert.deepEqual(item.artifact, { collectionDir: fx.file('collections/main'), type: 'agent', name: 'release-notes' });
    assert.match(artifactDocumentation(fx.ws, item.artifact!)!, /^\*\*agent\*\* `release-notes` · collection `main`/);
    assert.equal(artifactDocumentation(fx.ws, { ...item.artifact!, name: 'gone' }), undefined);
  });

  it('replaces the whole string content when the cursor is inside a reference', () => {
    const r = complete(C, '"agent:release-notes"]', '"agent:re|lease-notes"]');
    assert.deepEqual(r.items[0].replace, { start: r.offset - 'agent:re'.length, end: r.offset + 'lease-notes'.length });
  });

  it('keeps the type::name form of artifact_id', () => {
    const r = complete(C, 'artifact_id = "skill::pdf-tools"', 'artifact_id = "skill::|"');
    assert.deepEqual(r.items.map((i) => i.insertText), ['skill::pdf-tools']);
  });

  it('completes members of a multi-line list', () => {
    const r = complete(C, 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = [\n  "skill:pdf-tools",\n  "command:|"\n]');
    assert.deepEqual(labels(r.items), ['review']);
  });

  it('offers tag names, enum values and quoted values outside strings', () => {
    assert.deepEqual(labels(complete(C, 'tags = ["Documents", "python"]', 'tags = ["Documents", "|"]').items), ['Documents', 'Python']);
    assert.deepEqual(labels(complete(C, 'type = "command"', 'type = "|"').items).slice(0, 3), ['skill', 'command', 'agent']);
    const bare = complete(C, 'origin = "github"', 'origin = |');
    assert.deepEqual(bare.items.map((i) => i.insertText), ['"local"', '"github"', '"marketplace"']);
    assert.deepEqual(complete(C, 'link_type = "requires"', 'link_type = "|"').items.map((i) => [i.label, i.documentation]), [
      ['requires', 'This artifact needs the linked one.'],
      ['enables', 'This artifact enables the linked one.'],
      ['related', 'The artifacts are related.'],
    ]);
    const platforms = complete(C, 'target_platforms = ["claude_code", "codex"]', 'target_platforms = ["claude_code", |]');
    assert.equal(platforms.items[0].insertText, '"claude_code"');
    const listOutside = complete(C, 'tools = ["Read", "Bash"]', 'tools = |');
    assert.equal(listOutside.items[0].insertText, '["Read"]');
    assert.deepEqual(labels(complete(C, 'status = "installed"', 'status = "|"').items), ['installed', 'not_installed', 'error', 'updating']);
  });

  it('offers the keys of the table that are not written yet, required first', () => {
    const r = complete(C, 'added = "2026-02-12T10:00:00"\n', 'added = "2026-02-12T10:00:00"\n|\n');
    const l = labels(r.items);
    assert.ok(!l.includes('name') && !l.includes('added'));
    assert.deepEqual(l.slice(0, 4), ['upstream', 'version_spec', 'resolved_sha', 'resolved_version']);
    assert.ok(!l.includes('metadata'), 'tables are not offered as keys');
    const up = r.items[0];
    assert.equal(up.insertText, 'upstream = "$1"');
    assert.equal(up.snippet, true);
    const typeKey = complete(C, 'type = "command"\n', '|\n');
    assert.equal(typeKey.items.find((i) => i.label === 'type')!.insertText, 'type = "${1|skill,command,agent,hook,mcp,workflow,composite,project_config,spec_file,rule_file,context_file,progress_template|}"');
    const partial = complete(C, 'added = "2026-02-12T10:00:00"\n', 'added = "2026-02-12T10:00:00"\nver|\n');
    assert.deepEqual(partial.items[0].replace, { start: partial.offset - 3, end: partial.offset });
    const deployed = complete(D, 'collection_sha = "7b9d', 'local_mod|\ncollection_sha = "7b9d');
    assert.ok(labels(deployed.items).includes('local_modifications'));
    assert.equal(deployed.items.find((i) => i.label === 'local_modifications')!.insertText, 'local_modifications = ${1|false,true|}');
    assert.ok(!labels(deployed.items).includes('artifact_name'));
    const lock = complete(L, 'fetched = "2026-01-04T18:30:01.220331"\n', 'fetched = "2026-01-04T18:30:01.220331"\n|');
    assert.deepEqual(labels(lock.items), ['upstream', 'resolved_sha', 'resolved_version']);
    const groups = complete(C, 'position = 0\n', '|\n');
    assert.deepEqual(labels(groups.items), ['description', 'position']);
  });

  it('completes deployed names from their collection and type, collections, and skip keys', () => {
    assert.deepEqual(labels(complete(D, 'artifact_name = "release-notes.md"', 'artifact_name = "|"').items), ['release-notes']);
    assert.deepEqual(labels(complete(D, 'artifact_name = "pdf-tools"', 'artifact_name = "p|"').items), ['pdf-tools', 'kit'].filter((x) => x === 'pdf-tools'));
    const cols = complete(D, 'from_collection = "main"', 'from_collection = "|"').items;
    assert.deepEqual(labels(cols), ['main']);
    assert.equal(cols[0].documentation, undefined, 'made on resolve');
    assert.equal(collectionDocumentation(fx.ws, cols[0].collection!), `\`${fx.file('collections/main')}\``);
    assert.equal(collectionDocumentation(fx.ws, 'gone'), undefined);
    assert.deepEqual(labels(complete(D, 'profile_root_dir = ".claude"', 'profile_root_dir = "|"').items), ['.claude']);
    const skip = labels(complete(S, 'artifact_key = "agent:release-notes"', 'artifact_key = "|"').items);
    assert.deepEqual(skip.slice(0, 5), ['skill:', 'command:', 'agent:', 'hook:', 'mcp:']);
    assert.ok(!skip.includes('composite:kit') && !skip.includes('composite:'));
  });

  it('offers nothing in free text, comments-only positions, plugin.json or unknown files', () => {
    assert.deepEqual(complete(C, 'description = "Extract PDF pages"', 'description = "Ex|tract PDF pages"').items, []);
    assert.deepEqual(completionsAt(fx.ws, fx.file('collections/main/plugins/kit/plugin.json'), 3), []);
    assert.deepEqual(completionsAt(fx.ws, fx.file('nope.toml'), 0), []);
    assert.deepEqual(completionsAt(fx.ws, fx.file(C), -5), []);
  });
});
