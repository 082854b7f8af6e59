// Restricted Mode (an untrusted folder): diagnostics and navigation work, nothing writes, and
// each write command says why it does nothing. Runs in a host of its own (see index.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, byLabel, diagnostic, fileUri, open, positionOf, stubWindow } from './helpers';

const DEFAULT = 'collections/default/collection.toml';

describe('restricted mode', () => {
  it('runs in an untrusted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('still starts the server and reports diagnostics', async () => {
    const a = await api();
    assert.ok(a.state.client()?.isRunning());
    await open(DEFAULT);
    await diagnostic(DEFAULT, 'unknown-reference');
  });

  it('offers no code actions (they would write)', async () => {
    const doc = await open(DEFAULT);
    const d = await diagnostic(DEFAULT, 'unknown-reference');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range);
    assert.deepEqual((actions ?? []).map((x) => x.title), []);
  });

  for (const [id, what] of [
    ['skillmeat.writeUuids', 'Writing uuids'],
    ['skillmeat.migrateCache', 'Migrating the cache'],
    ['skillmeat.link', 'Linking artifacts'],
    ['skillmeat.rebuildCache', 'Rebuilding the cache'],
    ['skillmeat.prune', 'Pruning artifacts'],
  ] as const) {
    it(`${id} refuses and says why`, async () => {
      await api();
      const before = fs.readFileSync(fileUri(DEFAULT).fsPath, 'utf8');
      const stub = stubWindow({ picks: [byLabel(/./), byLabel(/./), byLabel(/./)] });
      let result: unknown;
      try {
        result = await vscode.commands.executeCommand(id, fileUri(DEFAULT));
      } finally {
        stub.restore();
      }
      assert.equal(result, undefined);
      const warning = stub.shown.find((m) => m.kind === 'warning');
      assert.ok(warning && warning.text.includes(what) && /Restricted Mode/.test(warning.text), JSON.stringify(stub.shown));
      assert.ok(!stub.shown.some((m) => m.kind === 'pick'), 'no quick pick should open');
      assert.equal(fs.readFileSync(fileUri(DEFAULT).fsPath, 'utf8'), before);
    });
  }

  it('keeps hover working', async () => {
    const doc = await open('project/.claude/.skillmeat-deployed.toml');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, positionOf(doc, '"pdf-tools"', 3));
    assert.ok((hovers ?? []).length > 0);
  });
});
