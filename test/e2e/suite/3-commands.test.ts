// The commands, run the way a person runs them, with quick picks and message buttons answered
// by stubs of vscode.window.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MigrateResult } from '../../../client/src/cacheCli';
import type { LinkOutcome } from '../../../client/src/commands/linkArtifacts';
import { api, byLabel, fileUri, open, root, stubWindow, waitFor } from './helpers';

const DEFAULT = 'collections/default/collection.toml';
const uuidLines = (text: string) => text.match(/^\s*uuid\s*=\s*"([^"]*)"/gm) ?? [];

describe('commands', () => {
  before(async () => {
    await api();
  });

  it('Write Missing UUIDs gives every artifact of the collection a uuid, on disk', async () => {
    const file = fileUri(DEFAULT).fsPath;
    const before = uuidLines(fs.readFileSync(file, 'utf8'));
    assert.equal(before.length, 3, 'the example starts with three uuids');
    await open(DEFAULT);
    const stub = stubWindow({});
    try {
      await vscode.commands.executeCommand('skillmeat.writeUuids', fileUri(DEFAULT));
    } finally {
      stub.restore();
    }
    const after = await waitFor('seven uuids in the file on disk', () => {
      const l = uuidLines(fs.readFileSync(file, 'utf8'));
      return l.length === 7 ? l : undefined;
    }, 20_000);
    for (const l of after) assert.match(l, /"[0-9a-f]{32}"/);
    assert.equal(new Set(after).size, 7, 'uuids must be distinct');
    assert.ok(!stub.shown.some((m) => m.kind === 'error'), JSON.stringify(stub.shown));
  });

  describe('Migrate Cache', () => {
    let dir: string;
    let cacheFile: string;
    before(async function () {
      const a = await api();
      if (!(await a.state.cli.hasCommand('migrate'))) this.skip(); // the cache CLI is not in this build
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-cache-'));
      cacheFile = path.join(dir, 'cache.db');
      const legacy = await a.state.cli.migrate('up', cacheFile, '0001');
      assert.ok(legacy.json?.ok, `could not make a legacy cache: ${legacy.stderr}`);
    });
    after(async () => {
      await vscode.workspace.getConfiguration('skillmeat').update('cacheFile', undefined, vscode.ConfigurationTarget.Workspace);
    });

    it('offers the upgrade in a notification when the cache is behind, and runs it on "Migrate"', async () => {
      const a = await api();
      const stub = stubWindow({ reply: (text) => (/behind/.test(text) ? 'Migrate' : undefined) });
      try {
        await vscode.workspace.getConfiguration('skillmeat').update('cacheFile', cacheFile, vscode.ConfigurationTarget.Workspace);
        await waitFor('the offer and the migration', async () => {
          const s = await a.state.cli.status(cacheFile);
          return s.json && s.json.pending.length === 0 ? s.json : undefined;
        });
        assert.ok(stub.shown.some((m) => m.kind === 'warning' && /behind/.test(m.text)), JSON.stringify(stub.shown));
        await waitFor('a success message', () => stub.shown.find((m) => m.kind === 'info' && /migrated up/.test(m.text)));
      } finally {
        stub.restore();
      }
    });

    it('downgrades to a chosen revision after a modal confirmation, backing the cache up first', async () => {
      const a = await api();
      const stub = stubWindow({ picks: [byLabel(/^0001/)], reply: (text) => (/^Downgrade/.test(text) ? 'Downgrade' : undefined) });
      let r: MigrateResult | undefined;
      try {
        r = await vscode.commands.executeCommand<MigrateResult>('skillmeat.migrateCache');
      } finally {
        stub.restore();
      }
      assert.ok(r?.ok, `downgrade failed: ${JSON.stringify(r)} ${JSON.stringify(stub.shown)}`);
      assert.equal(r.direction, 'down');
      assert.match(String(r.to), /^0001/);
      const confirm = stub.shown.find((m) => /^Downgrade/.test(m.text));
      assert.ok(confirm, 'no confirmation was asked');
      assert.ok(r.backup && fs.existsSync(r.backup), `the CLI made no backup: ${r.backup}`);
      assert.match(confirm.detail ?? '', /reverts \d+ migrations?: .*0002/);
      assert.ok(confirm.detail?.includes(`${cacheFile}.backup-`), `the confirmation should say where the backup goes: ${confirm.detail}`);
      const s = await a.state.cli.status(cacheFile);
      assert.match(String(s.json?.current), /^0001/);
    });

    it('upgrades to head from the quick pick and shows the result', async () => {
      const a = await api();
      const stub = stubWindow({ picks: [byLabel(/^Upgrade to head/)] });
      let r: MigrateResult | undefined;
      try {
        r = await vscode.commands.executeCommand<MigrateResult>('skillmeat.migrateCache');
      } finally {
        stub.restore();
      }
      assert.ok(r?.ok, JSON.stringify(r));
      const s = await a.state.cli.status(cacheFile);
      assert.equal(s.json?.current, s.json?.head);
      assert.ok(stub.shown.some((m) => m.kind === 'info' && /migrated up/.test(m.text)), JSON.stringify(stub.shown));
      await waitFor('the status bar to show the head revision', () => a.state.statusBar.current.cache?.current === s.json?.head);
    });

    it('follows a migration made outside the editor (the CLI in a terminal) without being asked', async () => {
      const a = await api();
      await waitFor('the server to report its cache ready', () => a.state.statusBar.current.live?.state === 'ready' && a.state.statusBar.current.live.file === cacheFile);
      const down = await a.state.cli.migrate('down', cacheFile, '0009');
      assert.ok(down.json?.ok, down.stderr);
      // The server sees the file change, reopens it (behind head now) and says so; the status bar
      // reads the new revision from that, with no command run.
      await waitFor('the status bar to show the revision the CLI left', () => /^0009/.test(String(a.state.statusBar.current.cache?.current)), 30_000);
      assert.equal(a.state.statusBar.current.live?.state, 'behind');
      const up = await a.state.cli.migrate('up', cacheFile);
      assert.ok(up.json?.ok, up.stderr);
      await waitFor('the status bar to show head again', () => a.state.statusBar.current.cache?.current === a.state.statusBar.current.cache?.head && a.state.statusBar.current.live?.state === 'ready', 30_000);
    });
  });

  describe('Link Artifacts', () => {
    let outcome: LinkOutcome | undefined;
    it('asks for parent, child and relation through quick picks', async () => {
      await api();
      const stub = stubWindow({ picks: [byLabel(/^Writing kit$/), byLabel(/^pdf-tools$/), byLabel(/^group member$/)] });
      try {
        outcome = await vscode.commands.executeCommand<LinkOutcome>('skillmeat.link');
      } finally {
        stub.restore();
      }
      assert.ok(outcome, `no outcome; shown: ${JSON.stringify(stub.shown)}`);
      assert.deepEqual(
        { parent: outcome.request.parent, child: outcome.request.child, relation: outcome.request.relation },
        { parent: 'group:Writing kit', child: 'skill:pdf-tools', relation: 'member' },
      );
      assert.equal(stub.shown.filter((s) => s.kind === 'pick').length, 3);
    });

    it('takes the parent from an Artifacts row, and ignores a file Uri from the explorer menu', async () => {
      const a = await api();
      const roots = await a.state.tree.getChildren();
      const def = roots.find((n) => n.kind === 'collection' && n.item.name === 'default');
      assert.ok(def, 'no "default" collection row');
      const group = (await a.state.tree.getChildren(def)).find((n) => n.kind === 'group' && n.item.name === 'Writing kit');
      assert.ok(group, 'no "Writing kit" row');
      let stub = stubWindow({ picks: [byLabel(/^changelog-writer$/), byLabel(/^group member$/)] });
      let fromRow: LinkOutcome | undefined;
      try {
        fromRow = await vscode.commands.executeCommand<LinkOutcome>('skillmeat.link', group);
      } finally {
        stub.restore();
      }
      assert.equal(fromRow?.request.parent, 'group:Writing kit');
      assert.equal(stub.shown.filter((s) => s.kind === 'pick').length, 2);
      stub = stubWindow({ picks: [byLabel(/^Writing kit$/), byLabel(/^pdf-tools$/), byLabel(/^group member$/)] });
      try {
        const fromMenu = await vscode.commands.executeCommand<LinkOutcome>('skillmeat.link', fileUri(DEFAULT));
        assert.equal(fromMenu?.request.child, 'skill:pdf-tools');
      } finally {
        stub.restore();
      }
    });

    it('writes the group member to collection.toml through the CLI or the server', async () => {
      assert.ok(outcome, 'the first link test did not run');
      assert.notEqual(outcome.via, 'unavailable', outcome.message);
      assert.ok(outcome.ok, outcome.message);
      const text = await waitFor('the new member on disk', () => {
        const t = fs.readFileSync(fileUri(DEFAULT).fsPath, 'utf8');
        return /members = \[[^\]]*"skill:pdf-tools"/.test(t) ? t : undefined;
      });
      assert.match(text, /members = \[[^\]]*"skill:pdf-tool",/, 'the other members stay');
    });

    it('links a composite member pinned to the locked version', async () => {
      await api();
      const stub = stubWindow({ picks: [byLabel(/^git-workflow-pro$/), byLabel(/^pdf-tools$/), byLabel(/^contains$/), byLabel(/^Pin to the current version$/)] });
      let r: LinkOutcome | undefined;
      try {
        r = await vscode.commands.executeCommand<LinkOutcome>('skillmeat.link');
      } finally {
        stub.restore();
      }
      assert.ok(r?.ok, JSON.stringify(r));
      assert.equal(r.request.pin, '0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7');
      assert.match(r.message, /composite:git-workflow-pro.*contains skill:pdf-tools/);
    });
  });

  it('Prune Missing Artifacts lists what the cache keeps as missing, asks, and deletes it', async () => {
    const a = await api();
    const file = fileUri(DEFAULT).fsPath;
    const original = fs.readFileSync(file, 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-prune-'));
    const cacheFile = path.join(dir, 'cache.db');
    const sync = async () => {
      const r = await a.state.cli.run(['uuids', root(), '--cache', cacheFile]);
      assert.equal(r.code === 0 || r.code === 1, true, r.stderr);
    };
    await sync();
    // review-pr leaves collection.toml but keeps its lock entry: the cache now keeps it as missing.
    const block = /\[\[artifacts\]\]\nname = "review-pr"[\s\S]*?(?=\n\[\[artifacts\]\])/.exec(original);
    assert.ok(block, 'review-pr entry not found');
    fs.writeFileSync(file, original.replace(block[0], ''));
    const stub = stubWindow({ reply: (text) => (/^Delete \d+ missing/.test(text) ? 'Prune' : undefined) });
    try {
      await sync();
      await vscode.workspace.getConfiguration('skillmeat').update('cacheFile', cacheFile, vscode.ConfigurationTarget.Workspace);
      const n = await vscode.commands.executeCommand<number>('skillmeat.prune');
      const confirm = stub.shown.find((m) => /^Delete \d+ missing/.test(m.text));
      assert.ok(confirm, JSON.stringify(stub.shown));
      assert.match(confirm.detail ?? '', /command:review-pr/);
      assert.ok(n && n >= 1, `pruned ${n}`);
      assert.ok(stub.shown.some((m) => m.kind === 'info' && /pruned \d+ missing artifact/.test(m.text)), JSON.stringify(stub.shown));
      const again = await a.state.cli.run<{ artifacts: unknown[] }>(['prune', '--dry-run', '--cache', cacheFile, '--format', 'json']);
      assert.deepEqual(again.json?.artifacts, []);
    } finally {
      stub.restore();
      fs.writeFileSync(file, original);
      await vscode.workspace.getConfiguration('skillmeat').update('cacheFile', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Rebuild Cache asks the server to re-index and reports it', async () => {
    await api();
    const stub = stubWindow({});
    try {
      await vscode.commands.executeCommand('skillmeat.rebuildCache');
    } finally {
      stub.restore();
    }
    assert.ok(!stub.shown.some((m) => m.kind === 'error'), JSON.stringify(stub.shown));
    assert.ok(stub.shown.some((m) => m.kind === 'info' && /rebuilt/.test(m.text)), JSON.stringify(stub.shown));
  });

  it('Show Cache Status names the revision', async () => {
    const a = await api();
    const stub = stubWindow({});
    try {
      await vscode.commands.executeCommand('skillmeat.showCacheStatus');
    } finally {
      stub.restore();
    }
    if (!(await a.state.cli.hasCommand('migrate'))) return assert.ok(stub.shown.some((m) => /could not be read/.test(m.text)));
    assert.ok(stub.shown.some((m) => m.kind === 'info' && /SkillMeat cache/.test(m.text)), JSON.stringify(stub.shown));
  });

  it('Restart Server brings the server back', async () => {
    const a = await api();
    await vscode.commands.executeCommand('skillmeat.restartServer');
    await a.ready();
    assert.ok(a.state.client()?.isRunning());
  });
});
