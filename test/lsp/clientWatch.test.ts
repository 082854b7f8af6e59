/**
 * Protocol tests: a client that can watch files (as VS Code can) gets the server's watcher
 * registrations and sends `workspace/didChangeWatchedFiles`; the server then watches nothing
 * itself. The test plays the editor: it changes the real disk and forwards an event only when a
 * registered glob and kind match it, so patterns that miss a case fail here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { globToRegExp } from '../../server/src/lsp/settings';
import { ExampleCopy, TestClient, capabilities, msg, uri } from './helpers/client';

const COL = 'collections/default/collection.toml';
const DEPLOYED = 'project/.claude/.skillmeat-deployed.toml';

interface Watcher {
  globPattern: { baseUri: string; pattern: string };
  kind?: number;
}

/** The editor's side: registered watchers, and the events they let through. */
class Editor {
  watchers: Watcher[] = [];
  registrations = 0;

  constructor(readonly client: TestClient) {
    client.answers.set('client/registerCapability', (p) => {
      const regs = (p as { registrations: { method: string; registerOptions: { watchers: Watcher[] } }[] }).registrations;
      for (const r of regs) {
        if (r.method !== 'workspace/didChangeWatchedFiles') continue;
        this.registrations++;
        this.watchers.push(...r.registerOptions.watchers);
      }
      return null;
    });
  }

  /** Whether a registered watcher reports this kind (1 created, 2 changed, 4 deleted) for this path. */
  matches(file: string, kindBit: number): boolean {
    return this.watchers.some((w) => {
      const base = path.resolve(new URL(w.globPattern.baseUri).pathname);
      const rel = path.relative(base, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
      return ((w.kind ?? 7) & kindBit) !== 0 && globToRegExp(w.globPattern.pattern).test(rel.split(path.sep).join('/'));
    });
  }

  /** Forwards what a watcher would report; returns whether it did. */
  async event(file: string, type: 1 | 2 | 3): Promise<boolean> {
    if (!this.matches(file, type === 3 ? 4 : type)) return false;
    await this.client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(file), type }] });
    return true;
  }
}

const watchingCaps = () => {
  const c = capabilities();
  c.workspace!.didChangeWatchedFiles = { dynamicRegistration: true, relativePatternSupport: true };
  return c;
};

const has = (ds: Diagnostic[], code: string, text?: string): boolean => ds.some((d) => d.code === code && (!text || msg(d).includes(text)));

describe('lsp: files watched by the editor', () => {
  let ex: ExampleCopy;
  let client: TestClient;
  let editor: Editor;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    editor = new Editor(client);
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), caps: watchingCaps() });
    await client.waitNotification('skillmeat/watching', (p: { state: string }) => p.state === 'ready', 10000, true);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  it('registers watchers for the workspace folder and the collections root outside it, and watches nothing itself', async () => {
    assert.equal(editor.registrations, 1);
    const bases = [...new Set(editor.watchers.map((w) => new URL(w.globPattern.baseUri).pathname))].sort();
    assert.deepEqual(bases, [ex.path('collections'), ex.path('project')].sort());
    const s = await client.request<{ watcher: { state: string; by: string } }>('skillmeat/status', {});
    assert.deepEqual([s.watcher.state, s.watcher.by], ['ready', 'editor']);
    // Content changes of files nothing reads are not asked for.
    assert.equal(editor.matches(ex.path('collections/default/skills/pdf-tools/notes.txt'), 2), false);
    assert.equal(editor.matches(ex.path('collections/default/skills/pdf-tools/SKILL.md'), 2), true);
  });

  it('follows an edit of a manifest outside the workspace folders', async () => {
    const team = ex.path('collections/team/collection.toml');
    const before = await client.waitDiagnostics(team, (ds) => has(ds, 'native-datetime'));
    assert.ok(before);
    fs.writeFileSync(team, ex.read('collections/team/collection.toml').replace('added = 2026-02-03T09:30:00', 'added = "2026-02-03T09:30:00"'));
    assert.ok(await editor.event(team, 2));
    await client.waitDiagnostics(team, (ds) => !has(ds, 'native-datetime'));
  });

  it('sees an artifact folder appear and its whole folder deleted (no event for the files inside)', async () => {
    const col = ex.read(COL);
    const entry = '[[artifacts]]\nname = "fresh"\ntype = "skill"\npath = "skills/fresh"\norigin = "local"\nadded = "2026-03-01T00:00:00"\n\n[[mcp_servers]]';
    fs.writeFileSync(ex.path(COL), col.replace('[[mcp_servers]]', entry));
    assert.ok(await editor.event(ex.path(COL), 2));
    await client.waitDiagnostics(ex.path(COL), (ds) => has(ds, 'path-missing', 'fresh'));

    const dir = ex.path('collections/default/skills/fresh');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'SKILL.md'), '# Fresh\n');
    assert.ok(await editor.event(dir, 1));
    assert.ok(await editor.event(path.join(dir, 'SKILL.md'), 1));
    await client.waitDiagnostics(ex.path(COL), (ds) => !has(ds, 'path-missing', 'fresh') && !has(ds, 'missing-primary-file', 'fresh'));

    // Editors report a deleted folder once, not each file in it.
    fs.rmSync(dir, { recursive: true });
    assert.ok(await editor.event(dir, 3));
    await client.waitDiagnostics(ex.path(COL), (ds) => has(ds, 'path-missing', 'fresh'));
    fs.writeFileSync(ex.path(COL), col);
    assert.ok(await editor.event(ex.path(COL), 2));
    await client.waitDiagnostics(ex.path(COL), (ds) => !has(ds, 'path-missing', 'fresh'));
  });

  it('follows a project folder moved away and back (one delete, one create)', async () => {
    const deployed = ex.path(DEPLOYED);
    await client.waitDiagnostics(deployed, (ds) => has(ds, 'unknown-reference'));
    const claude = ex.path('project/.claude');
    const parked = ex.path('project/.parked');
    fs.renameSync(claude, parked);
    assert.ok(await editor.event(claude, 3));
    assert.ok(await editor.event(parked, 1));
    await client.waitDiagnostics(deployed, (ds) => ds.length === 0);
    fs.renameSync(parked, claude);
    assert.ok(await editor.event(parked, 3));
    assert.ok(await editor.event(claude, 1));
    await client.waitDiagnostics(deployed, (ds) => has(ds, 'unknown-reference'));
  });
});

describe('lsp: an editor that refuses to watch', () => {
  let ex: ExampleCopy;
  let client: TestClient;

  before(async () => {
    ex = new ExampleCopy();
    client = new TestClient({ HOME: ex.root });
    client.answers.set('client/registerCapability', () => {
      throw new ResponseError(-32603, 'no watchers here');
    });
    await client.start({ folders: [ex.path('project')], collectionsRoot: ex.path('collections'), caps: watchingCaps() });
    await client.waitNotification('skillmeat/watching', (p: { state: string }) => p.state === 'ready', 15000, true);
  });

  after(async () => {
    await client.stop();
    ex.dispose();
  });

  it('falls back to watching with chokidar and still follows the disk', async () => {
    const s = await client.request<{ watcher: { state: string; by: string } }>('skillmeat/status', {});
    assert.deepEqual([s.watcher.state, s.watcher.by], ['ready', 'chokidar']);
    const team = ex.path('collections/team/collection.toml');
    await client.waitDiagnostics(team, (ds) => has(ds, 'native-datetime'));
    fs.writeFileSync(team, ex.read('collections/team/collection.toml').replace('added = 2026-02-03T09:30:00', 'added = "2026-02-03T09:30:00"'));
    await client.waitDiagnostics(team, (ds) => !has(ds, 'native-datetime'));
  });
});
