/** The disk sync on a fake clock and file system: lost watcher events, deletes, folders, open documents. */
import * as assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine';
import { DiskSync, isUnder } from '../../server/src/lsp/diskSync';
import { FakeClock, MemoryHost } from './helpers/fakes';

const ROOT = '/w';
const COL = '/w/collections/main/collection.toml';
const collection = (member: string): string => `[collection]\nname = "main"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n\n[[artifacts]]\nname = "a"\ntype = "skill"\npath = "skills/a"\norigin = "local"\nadded = "2026-01-01T00:00:00"\n\n[[groups]]\nname = "g"\nmembers = ["skill:${member}"]\n`;

function setup(open = new Set<string>()) {
  const host = new MemoryHost();
  host.write(COL, collection('a'));
  host.write('/w/collections/main/skills/a/SKILL.md', '# A\n');
  const ws = new Workspace(host);
  ws.scan(ROOT);
  const clock = new FakeClock();
  let changes = 0;
  const sync = new DiskSync({ ws: () => ws, isOpen: (f) => open.has(f), wanted: (f) => isUnder(f, ROOT), clock, batchMs: 10, settleMs: 80, onChange: () => changes++ });
  return { host, ws, clock, sync, changes: () => changes };
}

describe('lsp: disk sync', () => {
  it('ends with the latest content when the second write of a burst had no event', () => {
    const { host, ws, clock, sync, changes } = setup();
    host.write(COL, collection('first'));
    sync.notify('change', COL);
    clock.advance(10);
    assert.match(ws.get(COL)!.text, /skill:first/);
    assert.equal(changes(), 1);
    // A second write 20 ms later: chokidar swallows its event.
    clock.advance(10);
    host.write(COL, collection('second'));
    clock.advance(59);
    assert.match(ws.get(COL)!.text, /skill:first/, 'not re-read before the settle delay');
    clock.advance(1);
    assert.match(ws.get(COL)!.text, /skill:second/);
    assert.equal(changes(), 2);
    assert.equal(sync.busy, false);
    assert.equal(clock.pending, 0);
  });

  it('does not reload or report when the content did not change', () => {
    const { host, clock, sync, changes } = setup();
    host.write(COL, collection('b'));
    sync.notify('change', COL);
    clock.advance(100);
    assert.equal(changes(), 1, 'the settle re-read found the same bytes');
    assert.equal(sync.stats.reloads, 1);
    assert.equal(sync.stats.verifications, 1);
  });

  it('restarts the settle delay on every event for a path', () => {
    const { host, clock, sync } = setup();
    for (let i = 0; i < 5; i++) {
      host.write(COL, collection(`v${i}`));
      sync.notify('change', COL);
      clock.advance(30);
    }
    assert.equal(sync.stats.verifications, 0);
    clock.advance(50);
    assert.equal(sync.stats.verifications, 1);
  });

  it('removes deleted manifests, and those of a deleted folder', () => {
    const { host, ws, clock, sync } = setup();
    host.write('/w/p/.claude/.skillmeat-deployed.toml', 'deployed = []\n');
    sync.notify('add', '/w/p/.claude/.skillmeat-deployed.toml');
    clock.advance(10);
    assert.ok(ws.get('/w/p/.claude/.skillmeat-deployed.toml'));
    host.delete('/w/p/.claude/.skillmeat-deployed.toml');
    sync.notify('unlinkDir', '/w/p');
    clock.advance(10);
    assert.equal(ws.get('/w/p/.claude/.skillmeat-deployed.toml'), undefined);
    host.delete(COL);
    sync.notify('unlink', COL);
    clock.advance(100);
    assert.equal(ws.get(COL), undefined);
  });

  it('finds manifests of a folder that appeared, after the settle delay', () => {
    const { host, ws, clock, sync } = setup();
    host.write('/w/q/.claude/.skillmeat-deployed.toml', 'deployed = []\n');
    sync.notify('addDir', '/w/q');
    clock.advance(10);
    assert.equal(ws.get('/w/q/.claude/.skillmeat-deployed.toml'), undefined);
    clock.advance(80);
    assert.ok(ws.get('/w/q/.claude/.skillmeat-deployed.toml'));
  });

  it('leaves open documents to the editor', () => {
    const { host, ws, clock, sync, changes } = setup(new Set([COL]));
    host.write(COL, collection('disk'));
    sync.notify('change', COL);
    clock.advance(100);
    assert.doesNotMatch(ws.get(COL)!.text, /skill:disk/);
    assert.equal(changes(), 0);
  });

  it('invalidates the analyses when an artifact file inside a collection changes, and ignores other files', () => {
    const { host, ws, clock, sync, changes } = setup();
    const rev = ws.currentRevision;
    host.delete('/w/collections/main/skills/a/SKILL.md');
    sync.notify('unlink', '/w/collections/main/skills/a/SKILL.md');
    clock.advance(10);
    assert.ok(ws.currentRevision > rev);
    assert.ok(ws.diagnosticsOf(COL).some((d) => d.code === 'path-missing' || d.code === 'missing-primary-file'));
    const before = changes();
    sync.notify('change', '/w/elsewhere/readme.md');
    clock.advance(100);
    assert.equal(changes(), before + 1, 'only the settle of the SKILL.md path reported');
    sync.dispose();
  });
});
