/** Protocol tests: hover, definition, references, highlights and rename against a copy of examples/. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { DocumentHighlight, Hover, Location, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { ExampleCopy, TestClient, eventually, positionOf, msg, uri } from './helpers/client';

const COL = 'collections/default/collection.toml';
const LOCK = 'collections/default/collection.lock';
const DEPLOYED = 'project/.claude/.skillmeat-deployed.toml';

describe('lsp: hover and navigation', () => {
  let ex: ExampleCopy;
  let client: TestClient;
  let col: string;
  let dep: string;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections') });
    col = ex.read(COL);
    dep = ex.read(DEPLOYED);
    await client.open(ex.path(COL), col, 1);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  const params = (rel: string, text: string, needle: string, delta = 1, nth = 0) => ({ textDocument: { uri: uri(ex.path(rel)) }, position: positionOf(text, needle, delta, nth) });

  it('hovers an artifact entry with its uuid, path link, groups, composites and deployments', async () => {
    const h = await client.request<Hover>('textDocument/hover', params(COL, col, '"pdf-tools"'));
    const md = (h.contents as { kind: string; value: string });
    assert.equal(md.kind, 'markdown');
    assert.deepEqual(h.range, { start: { line: 10, character: 7 }, end: { line: 10, character: 18 } });
    assert.match(md.value, /^\*\*skill\*\* `pdf-tools` · collection `default`/);
    assert.match(md.value, /- uuid `9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b`/);
    assert.ok(md.value.includes(`- path [skills/pdf-tools](${uri(ex.path('collections/default/skills/pdf-tools/SKILL.md'))})`));
    assert.match(md.value, /- deployed in 1 project:\n  - example-project · `\.claude` · `claude_code` — same as the lock/);
    const helper = await client.request<Hover>('textDocument/hover', params(COL, col, 'name = "commit-helper"', 8));
    assert.match((helper.contents as { value: string }).value, /- in composites `composite:git-workflow-pro`/);
  });

  it('hovers a broken member with the closest names', async () => {
    const h = await client.request<Hover>('textDocument/hover', params(COL, col, '["skill:pdf-tool"', 4));
    const v = (h.contents as { value: string }).value;
    assert.match(v, /^\*\*unknown artifact\*\* `skill:pdf-tool`\n\nNo skill named `pdf-tool` in collection `default`\./);
    assert.match(v, /Closest: `skill:pdf-tools`$/);
  });

  it('hovers a deployed record with its version against the lock', async () => {
    const h = await client.request<Hover>('textDocument/hover', params(DEPLOYED, dep, '"api-style"'));
    const v = (h.contents as { value: string }).value;
    assert.match(v, /^\*\*deployed record\*\* of `skill:api-style` from `team`/);
    assert.match(v, /- uuid `0a1b2c3d4e5f40718293a4b5c6d7e8f9`/);
  });

  it('goes to the definition of a member, a lock key and a deployed uuid', async () => {
    const entry = { uri: uri(ex.path(COL)), range: { start: { line: 42, character: 7 }, end: { line: 42, character: 22 } } };
    assert.deepEqual(await client.request<Location[]>('textDocument/definition', params(COL, col, '"agent:release-notes"', 8)), [entry]);
    const lock = ex.read(LOCK);
    assert.deepEqual(await client.request<Location[]>('textDocument/definition', params(LOCK, lock, '"release-notes::agent"')), [entry]);
    const toFile = await client.request<Location[]>('textDocument/definition', params(COL, col, '"pdf-tools"'));
    assert.deepEqual(toFile, [{ uri: uri(ex.path('collections/default/skills/pdf-tools/SKILL.md')), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }]);
    const byUuid = await client.request<Location[]>('textDocument/definition', params(DEPLOYED, dep, '"9b2e6c1f'));
    assert.deepEqual(byUuid, [{ uri: uri(ex.path(COL)), range: { start: { line: 10, character: 7 }, end: { line: 10, character: 18 } } }]);
  });

  it('finds references across manifests and highlights in the document', async () => {
    const refs = await client.request<Location[]>('textDocument/references', { ...params(COL, col, '"release-notes"'), context: { includeDeclaration: true } });
    assert.deepEqual(refs.map((r) => `${r.uri.slice(uri(ex.root).length + 1)}:${r.range.start.line}:${r.range.start.character}-${r.range.end.character}`), [
      'collections/default/collection.toml:42:8-21',
      'collections/default/collection.toml:112:36-49',
      'collections/default/collection.lock:16:15-28',
      'project/.claude/.skillmeat-deployed.toml:16:17-30',
    ]);
    const hl = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', params(COL, col, '"release-notes"'));
    assert.deepEqual(hl, [
      { range: { start: { line: 42, character: 8 }, end: { line: 42, character: 21 } }, kind: 3 },
      { range: { start: { line: 112, character: 36 }, end: { line: 112, character: 49 } }, kind: 2 },
    ]);
  });

  it('refuses a rename with a reason, then renames across files with versions', async () => {
    const at = params(COL, col, '"release-notes"', 3);
    const prep = await client.request<{ range: unknown; placeholder: string }>('textDocument/prepareRename', at);
    assert.deepEqual(prep, { range: { start: { line: 42, character: 8 }, end: { line: 42, character: 21 } }, placeholder: 'release-notes' });
    await assert.rejects(client.request('textDocument/rename', { ...at, newName: 'changelog-writer/x' }), /must not contain \/ or \\/);
    const bad = params(COL, col, '["skill:pdf-tool"', 4);
    await assert.rejects(client.request('textDocument/prepareRename', bad), /names no artifact/);
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { ...at, newName: 'notes' });
    const changes = edit.documentChanges as TextDocumentEdit[];
    assert.deepEqual(changes.map((c) => [c.textDocument.uri.slice(uri(ex.root).length + 1), c.textDocument.version, c.edits.length]), [
      ['collections/default/collection.toml', 1, 2],
      ['collections/default/collection.lock', null, 1],
      ['project/.claude/.skillmeat-deployed.toml', null, 1],
    ]);
    // Apply it as an editor would: the open document by didChange, the others on disk.
    const apply = (text: string, c: TextDocumentEdit): string => {
      const lines = text.split('\n');
      for (const e of [...(c.edits as TextEdit[])].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
        const l = lines[e.range.start.line];
        lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
      }
      return lines.join('\n');
    };
    const newCol = apply(col, changes[0]);
    await client.change(ex.path(COL), newCol, 2);
    fs.writeFileSync(ex.path(LOCK), apply(ex.read(LOCK), changes[1]));
    fs.writeFileSync(ex.path(DEPLOYED), apply(dep, changes[2]));
    const p = await client.waitDiagnostics(ex.path(COL), (_ds, q) => q.version === 2);
    assert.ok(!p.diagnostics.some((d) => /notes/.test(msg(d))), JSON.stringify(p.diagnostics));
    // The lock and deployed files changed on disk: the watcher brings them in.
    await eventually(async () => {
      const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(ex.path(COL)) }, position: positionOf(newCol, '"notes"', 1), context: { includeDeclaration: true } });
      assert.equal(refs.length, 4, 'entry, member, lock key and deployed record');
    });
  });
});
