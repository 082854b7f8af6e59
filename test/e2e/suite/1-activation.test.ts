// Activation on a copy of examples/, the server's start, and what the extension shows for it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, PDF_TOOLS_UUID, api, open, waitFor } from './helpers';

describe('activation', () => {
  it('runs in a trusted workspace (the write commands need it)', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });

  it('activates on a workspace with SkillMeat files and starts the server', async () => {
    const a = await api();
    assert.ok(a.state.client()?.isRunning(), 'the language client is not running');
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('leaves the toml language alone: no language contribution, our files keep their language', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: Record<string, unknown> };
    assert.equal(pkg.contributes.languages, undefined);
    const doc = await open('collections/default/collection.toml');
    assert.notEqual(doc.languageId, 'skillmeat');
  });

  it('shows the status bar item', async () => {
    const a = await api();
    await waitFor('the status bar to say the server runs', () => a.state.statusBar.current.server === 'running');
    assert.match(a.state.statusBar.current.text, /SkillMeat/);
  });

  it('lists collections, groups and artifacts with uuids in the Artifacts view', async () => {
    const a = await api();
    const model = await waitFor('the Artifacts view to list pdf-tools', async () => {
      await a.state.tree.refresh();
      const m = a.state.tree.model;
      return m.some((c) => c.item.artifacts.some((x) => x.name === 'pdf-tools')) ? m : undefined;
    });
    const names = model.map((c) => c.item.name).sort();
    assert.deepEqual(names, ['default', 'team']);
    const def = model.find((c) => c.item.name === 'default')!.item;
    const pdf = def.artifacts.find((x) => x.type === 'skill' && x.name === 'pdf-tools');
    assert.equal(pdf?.uuid, PDF_TOOLS_UUID);
    assert.ok(def.groups.some((g) => g.name === 'Writing kit'), 'group "Writing kit" missing from the view');
    assert.ok(def.composites.some((g) => g.name === 'git-workflow-pro'), 'composite git-workflow-pro missing from the view');
    await waitFor('the status bar artifact count', () => (a.state.statusBar.current.artifacts ?? 0) >= 10);
  });

  it('shows the server hover, uuid included, as an artifact row\'s tooltip', async () => {
    const a = await api();
    const def = (await a.state.tree.getChildren()).find((n) => n.kind === 'collection' && n.item.name === 'default');
    assert.ok(def);
    const row = (await a.state.tree.getChildren(def)).find((n) => n.kind === 'artifact' && n.item.name === 'pdf-tools');
    assert.ok(row, 'no pdf-tools row');
    const item = await a.state.tree.resolveTreeItem(a.state.tree.getTreeItem(row), row);
    const tip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    assert.ok(tip.includes(PDF_TOOLS_UUID), tip);
    assert.match(tip, /collection/);
  });
});
