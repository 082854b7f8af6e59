/** Protocol tests: completion, code actions, commands, lenses, symbols, tokens, links, folding, inlay hints. */
import * as assert from 'node:assert/strict';
import type {
  CodeAction, CodeLens, CompletionItem, CompletionList, DocumentLink, DocumentSymbol, FoldingRange, InlayHint, SemanticTokens, TextDocumentEdit, TextEdit, WorkspaceEdit, WorkspaceSymbol,
} from 'vscode-languageserver-protocol';
import { ExampleCopy, TestClient, positionOf, uri } from './helpers/client';

const COL = 'collections/default/collection.toml';
const TEAM = 'collections/team/collection.toml';
const DEPLOYED = 'project/.claude/.skillmeat-deployed.toml';

/** Applies LSP text edits to a text (by line and character). */
function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

describe('lsp: completion, actions and presentation', () => {
  let ex: ExampleCopy;
  let client: TestClient;
  let col: string;
  let version = 1;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    client.answers.set('workspace/applyEdit', () => ({ applied: true }));
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections') });
    col = ex.read(COL);
    await client.open(ex.path(COL), col, version);
    await client.open(ex.path(TEAM), ex.read(TEAM), 1);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  const doc = (rel = COL) => ({ textDocument: { uri: uri(ex.path(rel)) } });
  const edit = async (text: string): Promise<void> => {
    col = text;
    await client.change(ex.path(COL), text, ++version);
  };

  it('completes types then names in members, with documentation and a text edit', async () => {
    await edit(col.replace('members = ["skill:pdf-tool",', 'members = ["skill:pdf-tool", "skill:c",'));
    const at = positionOf(col, '"skill:c"', 8);
    const list = await client.request<CompletionList>('textDocument/completion', { ...doc(), position: at });
    // Every skill: the client filters by what is typed (filterText is `skill:<name>`).
    assert.deepEqual(list.items.map((i) => i.label), ['pdf-tools', 'changelog-writer', 'commit-helper']);
    const item = list.items[1];
    assert.equal(item.filterText, 'skill:changelog-writer');
    assert.deepEqual(item.textEdit, { range: { start: { line: at.line, character: at.character - 7 }, end: at }, newText: 'skill:changelog-writer' });
    assert.equal(item.documentation, undefined);
    assert.equal(item.insertTextFormat, undefined, 'plain text, the default, is not sent');
    const resolved = await client.request<CompletionItem>('completionItem/resolve', item);
    assert.equal((resolved.documentation as { kind: string }).kind, 'markdown');
    assert.match((resolved.documentation as { value: string }).value, /^\*\*skill\*\* `changelog-writer` · collection `default`/);
    const types = await client.request<CompletionList>('textDocument/completion', { ...doc(), position: { line: at.line, character: at.character - 7 } });
    assert.equal(types.items[0].label, 'skill:');
    assert.deepEqual(types.items[0].command, { title: 'Suggest', command: 'editor.action.triggerSuggest' });
    await edit(col.replace('"skill:pdf-tool", "skill:c",', '"skill:pdf-tool",'));
  });

  it('completes collection names in a deployed file, with the folder on resolve', async () => {
    const text = ex.read(DEPLOYED);
    await client.open(ex.path(DEPLOYED), text, 1);
    const list = await client.request<CompletionList>('textDocument/completion', { ...doc(DEPLOYED), position: positionOf(text, 'from_collection = "default"', 19) });
    assert.deepEqual(list.items.map((i) => [i.label, i.detail]).sort(), [['default', '7 artifacts'], ['team', '3 artifacts']]);
    const item = list.items.find((i) => i.label === 'default')!;
    assert.equal(item.documentation, undefined);
    const resolved = await client.request<CompletionItem>('completionItem/resolve', item);
    assert.deepEqual(resolved.documentation, { kind: 'markdown', value: `\`${ex.path('collections/default')}\`` });
  });

  it('completes keys as snippets and enum values', async () => {
    await edit(col.replace('origin = "github"\nadded = "2026-02-20T11:00:01"', 'origin = "github"\nadded = "2026-02-20T11:00:01"\nta'));
    const at = positionOf(col, 'added = "2026-02-20T11:00:01"\nta', 32);
    const list = await client.request<CompletionList>('textDocument/completion', { ...doc(), position: at });
    const tags = list.items.find((i) => i.label === 'tags')!;
    assert.equal(tags.insertTextFormat, 2);
    assert.deepEqual(tags.textEdit, { range: { start: { line: at.line, character: 0 }, end: at }, newText: 'tags = [$1]' });
    const origin = await client.request<CompletionList>('textDocument/completion', { ...doc(), position: positionOf(col, 'origin = "github"\nadded = "2026-02-20T11:00:01"', 10) });
    assert.deepEqual(origin.items.map((i) => i.label), ['local', 'github', 'marketplace']);
    await edit(col.replace('added = "2026-02-20T11:00:01"\nta', 'added = "2026-02-20T11:00:01"'));
  });

  it('offers quick fixes from the diagnostics, each with the document version', async () => {
    const member = positionOf(col, '["skill:pdf-tool"', 4);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { ...doc(), range: { start: member, end: member }, context: { diagnostics: [] } });
    const fix = actions.find((a) => a.title === 'Change to "skill:pdf-tools"')!;
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const change = (fix.edit!.documentChanges as TextDocumentEdit[])[0];
    assert.equal(change.textDocument.version, version);
    await edit(apply(col, change.edits as TextEdit[]));
    const p = await client.waitDiagnostics(ex.path(COL), (_ds, q) => q.version === version);
    assert.ok(!p.diagnostics.some((d) => d.code === 'unknown-reference'));
    const team = ex.read(TEAM);
    const dt = positionOf(team, '2026-02-03T09:30:00', 2);
    const teamActions = await client.request<CodeAction[]>('textDocument/codeAction', { ...doc(TEAM), range: { start: dt, end: dt }, context: { diagnostics: [], only: ['quickfix'] } });
    assert.deepEqual(teamActions.map((a) => a.title), ['Quote the datetime']);
    assert.deepEqual((teamActions[0].edit!.documentChanges as TextDocumentEdit[])[0].edits, [{ range: { start: { line: 29, character: 8 }, end: { line: 29, character: 27 } }, newText: '"2026-02-03T09:30:00"' }]);
    const tag = positionOf(col, '["review"]', 2);
    const tagFix = await client.request<CodeAction[]>('textDocument/codeAction', { ...doc(), range: { start: tag, end: tag }, context: { diagnostics: [], only: ['quickfix'] } });
    assert.deepEqual(tagFix.map((a) => a.title), ['Add a [[tag_definitions]] entry for "review"']);
  });

  it('runs the source actions and the writeMissingUuids command through workspace/applyEdit', async () => {
    const all = await client.request<CodeAction[]>('textDocument/codeAction', { ...doc(), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source'] } });
    assert.deepEqual(all.map((a) => [a.title, a.kind]), [['Write all missing uuids', 'source.skillmeat.writeMissingUuids'], ['Sort group members', 'source.skillmeat.sortMembers']]);
    const sorted = apply(col, (all[1].edit!.documentChanges as TextDocumentEdit[])[0].edits as TextEdit[]);
    assert.match(sorted, /members = \["agent:release-notes", "skill:changelog-writer", "skill:pdf-tools"\]/);
    const before = client.requests.length;
    const r = await client.request<{ applied: boolean; files: number; uuids: number; edit: WorkspaceEdit }>('workspace/executeCommand', { command: 'skillmeat.writeMissingUuids', arguments: [uri(ex.path(COL))] });
    assert.deepEqual([r.applied, r.files, r.uuids], [true, 1, 4]);
    const sent = client.requests.slice(before).find((q) => q.method === 'workspace/applyEdit')!.params as { label: string; edit: WorkspaceEdit };
    assert.equal(sent.label, 'Write missing uuids');
    const edits = (sent.edit.documentChanges as TextDocumentEdit[])[0];
    assert.equal(edits.textDocument.version, version);
    const withUuids = apply(col, edits.edits as TextEdit[]);
    assert.match(withUuids, /name = "review-pr"\nuuid = "[0-9a-f]{32}"\ntype = "command"/);
    await edit(withUuids);
    const again = await client.request<{ uuids: number }>('workspace/executeCommand', { command: 'skillmeat.writeMissingUuids', arguments: [{ uri: uri(ex.path(COL)) }] });
    assert.equal(again.uuids, 0);
  });

  it('shows code lenses, the outline and workspace symbols', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc());
    assert.deepEqual(lenses.map((l) => l.command!.title), [
      'deployed in 1 project',
      'not deployed',
      'not deployed',
      'deployed in 1 project',
      'not deployed',
      '2 members · not deployed',
      '1 parent · not deployed',
    ]);
    assert.deepEqual(lenses[0].command!.arguments, [uri(ex.path(COL)), { line: 10, character: 8 }]);
    assert.equal(lenses[0].command!.command, 'skillmeat.showReferences');
    const outline = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc());
    assert.equal(outline[0].name, 'collection default');
    assert.deepEqual(outline[0].children!.map((c) => c.name), ['artifacts', 'mcp_servers', 'tag_definitions', 'groups']);
    assert.deepEqual(outline[0].children![0].children!.map((c) => `${c.name} ${c.detail}`), ['skill 3', 'command 1', 'agent 1', 'mcp 1', 'composite 1']);
    const symbols = await client.request<WorkspaceSymbol[]>('workspace/symbol', { query: 'rev' });
    assert.deepEqual(symbols.map((s) => `${s.name} (${s.containerName})`), ['review-pr (command · default)', 'code-reviewer (agent · team)']);
  });

  it('returns semantic tokens, links, folding ranges and inlay hints', async () => {
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc(DEPLOYED));
    // First token: artifact_name "pdf-tools" on line 1, character 17, length 9, type artifactReference.
    assert.deepEqual(tokens.data.slice(0, 5), [1, 17, 9, 1, 0]);
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc());
    assert.equal(links[0].target, uri(ex.path('collections/default/skills/pdf-tools/SKILL.md')));
    assert.deepEqual(links[0].range, { start: { line: 12, character: 8 }, end: { line: 12, character: 24 } });
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc());
    assert.deepEqual(folds[0], { startLine: 0, endLine: 1, kind: 'comment' });
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { ...doc(DEPLOYED), range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } } });
    assert.deepEqual(hints.map((h) => [h.position, h.label]), [
      [{ line: 16, character: 34 }, 'uuid c41d7e0a…'],
      [{ line: 29, character: 27 }, 'uuid 0a1b2c3d…'],
    ]);
  });

  it('rebuilds the index on command', async () => {
    const r = await client.request<{ files: number; ms: number }>('workspace/executeCommand', { command: 'skillmeat.rebuildIndex', arguments: [] });
    assert.equal(r.files, 8);
    const p = await client.waitNotification<{ reason: string }>('skillmeat/indexed', (q) => q.reason === 'rebuild command', 5000, true);
    assert.equal(p.reason, 'rebuild command');
  });
});
