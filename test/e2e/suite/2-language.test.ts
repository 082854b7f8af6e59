// The language features through VS Code's own API (the same calls the editor makes): the seeded
// mistakes of examples/ as diagnostics, hover, go to definition and completion.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PDF_TOOLS_UUID, api, codeOf, diagnostic, fileUri, hoverText, open, positionOf, waitFor } from './helpers';

const DEFAULT = 'collections/default/collection.toml';
const TEAM = 'collections/team/collection.toml';
const DEPLOYED = 'project/.claude/.skillmeat-deployed.toml';

describe('language features', () => {
  before(async () => {
    await api();
  });

  it('reports unknown-reference on the group member "skill:pdf-tool"', async () => {
    const doc = await open(DEFAULT);
    const d = await diagnostic(DEFAULT, 'unknown-reference');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    // The file's comment names the mistake too; the member is the one inside `members = [`.
    assert.ok(d.range.contains(positionOf(doc, '["skill:pdf-tool"', 4)), `range ${JSON.stringify(d.range)} misses the member`);
    assert.match(d.message, /pdf-tools/, 'the message should suggest the closest name');
  });

  it('reports native-datetime on the team collection', async () => {
    const doc = await open(TEAM);
    const d = await diagnostic(TEAM, 'native-datetime');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, positionOf(doc, 'added = 2026-02-03T09:30:00').line);
  });

  it('reports the unknown deployed command "standups"', async () => {
    await open(DEPLOYED);
    const d = await diagnostic(DEPLOYED, 'unknown-reference');
    assert.match(d.message, /standup/);
  });

  it('gives every finding its rule code', async () => {
    const all = vscode.languages.getDiagnostics(fileUri(DEFAULT));
    assert.ok(all.length > 0);
    for (const d of all) assert.ok(codeOf(d), `diagnostic without a code: ${d.message}`);
  });

  it('hovers the pdf-tools reference with its uuid', async () => {
    const doc = await open(DEPLOYED);
    const pos = positionOf(doc, '"pdf-tools"', 3);
    const text = await waitFor('a hover on pdf-tools', async () => {
      const h = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos));
      return h.trim() ? h : undefined;
    });
    assert.ok(text.includes(PDF_TOOLS_UUID), `hover lacks the uuid: ${text}`);
  });

  it('goes to the definition of pdf-tools in the default collection', async () => {
    const doc = await open(DEPLOYED);
    const pos = positionOf(doc, '"pdf-tools"', 3);
    const defs = await waitFor('a definition of pdf-tools', async () => {
      const r = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, pos);
      return r?.length ? r : undefined;
    });
    const first = defs[0];
    const uri = 'targetUri' in first ? first.targetUri : first.uri;
    const range = 'targetUri' in first ? first.targetSelectionRange ?? first.targetRange : first.range;
    assert.equal(uri.fsPath, fileUri(DEFAULT).fsPath);
    const target = await vscode.workspace.openTextDocument(uri);
    const nameLine = positionOf(target, 'name = "pdf-tools"').line;
    assert.ok(range.start.line >= nameLine - 1 && range.start.line <= nameLine + 9, `definition at line ${range.start.line}, the entry is at ${nameLine}`);
  });

  it('completes artifact references in a group member', async () => {
    const doc = await open(DEFAULT);
    const at = positionOf(doc, '["skill:pdf-tool"', 1);
    const editor = await vscode.window.showTextDocument(doc);
    const original = new vscode.Range(at, at.translate(0, '"skill:pdf-tool"'.length));
    await editor.edit((e) => e.replace(original, '"skill:"'));
    try {
      const pos = at.translate(0, '"skill:'.length);
      const labels = await waitFor('reference completions', async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
        const l = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
        return l.some((x) => /pdf-tools/.test(x)) ? l : undefined;
      });
      assert.ok(labels.some((x) => /changelog-writer/.test(x)), `completions: ${labels.join(', ')}`);
    } finally {
      await editor.edit((e) => e.replace(new vscode.Range(at, at.translate(0, '"skill:"'.length)), '"skill:pdf-tool"'));
      await doc.save();
    }
  });

  it('follows files created and deleted on disk outside the editor (the editor watches for the server)', async () => {
    const rel = 'extra-project/.claude/.skillmeat-deployed.toml';
    const file = fileUri(rel).fsPath;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '[[deployed]]\nartifact_name = "not-there"\nartifact_type = "skill"\nfrom_collection = "default"\ndeployed_at = "2026-03-02T09:41:07"\nartifact_path = "skills/not-there"\ncontent_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"\n');
    try {
      const d = await diagnostic(rel, 'unknown-reference');
      assert.match(d.message, /not-there/);
      const status = await (await api()).state.client()?.sendRequest<{ watcher: { by?: string } }>('skillmeat/status', {});
      assert.equal(status?.watcher.by, 'editor');
    } finally {
      fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
    }
    await waitFor('the deleted file\'s findings gone', () => (vscode.languages.getDiagnostics(fileUri(rel)).length === 0 ? true : undefined));
  });
});
