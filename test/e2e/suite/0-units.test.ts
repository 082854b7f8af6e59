// The client's pure pieces with exact expected values. They run in the extension host because
// their modules import `vscode`; each test takes milliseconds.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TransportKind } from 'vscode-languageclient/node';
import { buildServerOptions, documentSelector, initializationOptions, isManifestPath } from '../../../client/src/client';
import { expandHome, readConfig, resolveCacheFile } from '../../../client/src/config';
import { backupPattern, migrationPicks, revertedBy } from '../../../client/src/commands/migrateCache';
import { describeUuidResult } from '../../../client/src/commands/writeUuids';
import { linkArgs, lockedHash, relationsFor } from '../../../client/src/commands/linkArtifacts';
import { describeRows } from '../../../client/src/commands/pruneMissing';
import { collectionFromSymbols, containsInHover, membersInText, parseTypedName, uuidInText, type SymbolLike } from '../../../client/src/ui/artifactModel';
import { isLiveCache, renderStatus, shortRevision } from '../../../client/src/ui/statusBar';
import type { MigrationStatus } from '../../../client/src/cacheCli';

type R = [number, number];
const sym = (name: string, detail: string | undefined, range: R, children?: SymbolLike<R>[]): SymbolLike<R> => ({ name, detail, range, selectionRange: range, children });

describe('client units', () => {
  it('selects our files by pattern and never by language', () => {
    assert.deepEqual(
      documentSelector().map((s) => s.pattern),
      ['**/collection.toml', '**/collection.lock', '**/.skillmeat-deployed.toml', '**/.skillmeat-project.toml', '**/.skillmeat_skip_prefs.toml', '**/plugin.json'],
    );
    assert.ok(documentSelector().every((s) => s.scheme === 'file' && !('language' in s)));
    assert.equal(isManifestPath('/x/.claude/.skillmeat-deployed.toml'), true);
    assert.equal(isManifestPath('/x/pyproject.toml'), false);
  });

  it('launches the bundled server over IPC, with an inspector only in debug', () => {
    const o = buildServerOptions('/ext');
    assert.equal(o.run.module, path.join('/ext', 'dist', 'server.js'));
    assert.equal(o.run.transport, TransportKind.ipc);
    assert.equal(o.run.options, undefined);
    assert.deepEqual(o.debug.options?.execArgv, ['--nolazy', '--inspect=6019']);
  });

  it('reads settings defensively and passes them to the server under `settings`', () => {
    const values: Record<string, unknown> = {
      collectionsRoot: ' ~/c ',
      maxFileSizeMB: -3,
      'diagnostics.severity': { 'undefined-tag': 'off', 'unknown-reference': 'error', bogus: 'loud' },
      'watcher.exclude': ['big', 7, ''],
      offerMigrations: 'yes',
    };
    const cfg = readConfig({ get: <T>(k: string) => values[k] as T });
    assert.deepEqual(cfg, {
      collectionsRoot: '~/c',
      cacheFile: '',
      maxFileSizeMB: 10,
      diagnostics: { severity: { 'undefined-tag': 'off', 'unknown-reference': 'error' } },
      watcher: { exclude: ['big'] },
      offerMigrations: true,
    });
    assert.deepEqual(initializationOptions(cfg, false), { settings: cfg, collectionsRoot: '~/c', cacheFile: undefined, workspaceTrusted: false });
    assert.equal(resolveCacheFile(cfg, { HOME: '/h' }), '/h/.skillmeat/vscode-cache.db');
    assert.equal(resolveCacheFile({ ...cfg, cacheFile: '~/db' }, { HOME: '/h', SKILLMEAT_HOME: '/s' }), '/h/db');
    assert.equal(resolveCacheFile(cfg, { HOME: '/h', SKILLMEAT_HOME: '/s' }), '/s/vscode-cache.db');
    assert.equal(expandHome('~', { HOME: '/h' }), '/h');
  });

  it('builds the Artifacts model from the server outline and the text it points at', () => {
    const text: Record<string, string> = {
      '1,1': 'name = "pdf-tools"\ntype = "skill"\nuuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"\n',
      '2,2': 'name = "review-pr"\n',
      '3,3': 'name = "Writing kit"\nmembers = [\n  "skill:pdf-tool", # typo\n  \'agent:release-notes\',\n]\n',
      '4,4': 'name = "git-workflow-pro"\n',
    };
    const outline = [
      sym('collection default', undefined, [0, 0], [
        sym('artifacts', '3', [0, 0], [
          sym('skill', '1', [0, 0], [sym('pdf-tools', 'skill', [1, 1])]),
          sym('command', '1', [0, 0], [sym('review-pr', 'command', [2, 2])]),
          sym('composite', '1', [0, 0], [sym('git-workflow-pro', 'composite', [4, 4])]),
        ]),
        sym('groups', '1', [0, 0], [sym('Writing kit', '2 members', [3, 3])]),
        sym('tag_definitions', '1', [0, 0], [sym('Skill', 'skill', [5, 5])]),
        sym('mcp_servers', '1', [0, 0], [sym('filesystem', 'owner/repo', [6, 6])]),
      ]),
    ];
    const col = collectionFromSymbols('folder', outline, (r) => text[r.join(',')] ?? '');
    assert.equal(col.name, 'default');
    assert.deepEqual(col.artifacts.map((a) => [a.type, a.name, a.uuid]), [['command', 'review-pr', undefined], ['skill', 'pdf-tools', '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b']]);
    assert.deepEqual(col.groups.map((g) => [g.name, g.members.map((m) => `${m.type}:${m.name}`)]), [['Writing kit', ['skill:pdf-tool', 'agent:release-notes']]]);
    assert.deepEqual(col.composites.map((c) => c.name), ['git-workflow-pro']);
  });

  it('reads references, uuids, members and hover "contains" lines', () => {
    assert.deepEqual(parseTypedName('skill::changelog-writer'), { type: 'skill', name: 'changelog-writer' });
    assert.equal(parseTypedName('plugin:x'), undefined);
    assert.equal(uuidInText('uuid = "ABC"'), undefined);
    assert.deepEqual(membersInText('members = ["a:b", "c:d"]'), ['a:b', 'c:d']);
    assert.deepEqual(membersInText('name = "x"'), []);
    assert.deepEqual(containsInHover('**composite** `x`\n\n- uuid `1`\n- contains `skill:commit-helper`, `command:squash-commits`\n- not deployed'), [
      { type: 'skill', name: 'commit-helper' },
      { type: 'command', name: 'squash-commits' },
    ]);
  });

  const status: MigrationStatus = {
    ok: true,
    current: '0003_composites',
    head: '0005_group_artifacts_uuid',
    applied: [{ id: '0001_legacy_schema' }, { id: '0002_artifact_uuid' }, { id: '0003_composites' }],
    pending: ['0004_collection_artifacts_uuid', '0005_group_artifacts_uuid'],
    drift: [],
    unknown: [],
  };

  it('offers upgrade, dry run, each applied revision to go back to, base, and each pending one', () => {
    const rows = migrationPicks(status).map((r) => `${r.kind === vscode.QuickPickItemKind.Separator ? '--' : ''}${r.label}|${JSON.stringify(r.action ?? null)}`);
    assert.deepEqual(rows, [
      '$(arrow-up) Upgrade to head (0005_group_artifacts_uuid)|{"direction":"up"}',
      '$(eye) Preview the upgrade (dry run, shows the SQL)|{"direction":"up","dryRun":true}',
      '--Applied|null',
      '$(check) 0001_legacy_schema|{"direction":"down","to":"0001_legacy_schema"}',
      '$(check) 0002_artifact_uuid|{"direction":"down","to":"0002_artifact_uuid"}',
      '$(check) 0003_composites|null',
      '$(trash) base (revert every migration)|{"direction":"down","to":"base"}',
      '--Pending|null',
      '$(circle-large-outline) 0004_collection_artifacts_uuid|{"direction":"up","to":"0004_collection_artifacts_uuid"}',
      '$(circle-large-outline) 0005_group_artifacts_uuid|{"direction":"up","to":"0005_group_artifacts_uuid"}',
    ]);
    assert.deepEqual(revertedBy(status, '0001_legacy_schema'), ['0003_composites', '0002_artifact_uuid']);
    assert.deepEqual(revertedBy(status, 'base'), ['0003_composites', '0002_artifact_uuid', '0001_legacy_schema']);
    assert.equal(backupPattern('/c/cache.db'), '/c/cache.db.backup-<time>-<revision>');
  });

  it('words the status bar for each state', () => {
    assert.equal(shortRevision('0010_cache_state'), 'r0010');
    assert.equal(shortRevision(null), 'empty');
    const behind = renderStatus({ server: 'running', trusted: true, cache: status, artifacts: 10 });
    assert.equal(behind.text, '$(warning) SkillMeat · r0003 · 2 migrations pending · 10 artifacts');
    assert.equal(behind.level, 'warning');
    const indexing = renderStatus({ server: 'running', trusted: false, indexing: 'Indexing 8 manifests…' });
    assert.equal(indexing.text, '$(sync~spin) SkillMeat');
    assert.match(indexing.tooltip, /^Indexing: Indexing 8 manifests…/);
    assert.match(indexing.tooltip, /Restricted Mode/);
    assert.equal(renderStatus({ server: 'stopped', trusted: true }).level, 'error');
    // The server's own cache, from its skillmeat/cacheChanged notifications.
    const saving = renderStatus({ server: 'running', trusted: true, live: { state: 'ready', revision: '0011_sync_state', unsaved: true } });
    assert.match(saving.tooltip, /Cache: up to date in memory, saving shortly/);
    assert.equal(saving.level, 'normal');
    const lost = renderStatus({ server: 'running', trusted: true, live: { state: 'unavailable', revision: null, unsaved: false } });
    assert.equal(lost.level, 'warning');
    assert.match(lost.tooltip, /Cache: unavailable \(diagnostics keep working/);
    assert.ok(isLiveCache({ state: 'ready', revision: null, unsaved: false, file: '/c.db' }));
    assert.ok(!isLiveCache({ state: 'sleeping', revision: null, unsaved: false }));
    assert.ok(!isLiveCache(null));
  });

  it('describes the server results in words', () => {
    assert.equal(describeUuidResult({ applied: true, files: 1, uuids: 4 }), 'wrote 4 uuids in 1 file');
    assert.equal(describeUuidResult({ applied: true, files: 0, uuids: 0 }), 'every artifact already has a uuid');
    assert.equal(describeUuidResult({ applied: false, failureReason: 'stale', uuids: 2 }), 'no uuids written: stale');
    assert.deepEqual(relationsFor('group'), ['member']);
    assert.deepEqual(relationsFor('artifact'), ['requires', 'enables', 'related']);
    assert.deepEqual(relationsFor('composite'), ['contains', 'requires', 'extends']);
    assert.equal(describeRows({ group_artifacts: 2, artifact_tags: 0, collection_artifacts: 1 }), '2 group_artifacts, 1 collection_artifacts');
  });

  it('builds the link command line and finds the locked hash to pin', () => {
    const base = { collection: 'file:///w/c/default/collection.toml', collectionName: 'default', child: 'skill:pdf-tools' };
    assert.deepEqual(linkArgs({ ...base, parent: 'group:Writing kit', relation: 'member' }, '/c.db', ['/w']), [
      'link', '--group', 'Writing kit', '--child', 'skill:pdf-tools', '--collection', 'default', '--cache', '/c.db', '--format', 'json', '/w',
    ]);
    assert.deepEqual(linkArgs({ ...base, parent: 'composite:x', relation: 'contains', pin: 'ab' }, '/c.db', ['/w', '/v'], '/root'), [
      'link', '--parent', 'composite:x', '--relation', 'contains', '--child', 'skill:pdf-tools', '--collection', 'default', '--pin', 'ab',
      '--cache', '/c.db', '--format', 'json', '--collections-root', '/root', '/w', '/v',
    ]);
    const h1 = 'a'.repeat(64);
    const h2 = 'b'.repeat(64);
    const lock = `[lock]\nversion = "1.0.0"\n\n[lock.entries."pdf-tools::skill"]\ncontent_hash = "${h1}"\n\n[lock.entries."x.y::agent"]\nfetched = "t"\ncontent_hash = "${h2}"\n`;
    assert.equal(lockedHash(lock, 'skill', 'pdf-tools'), h1);
    assert.equal(lockedHash(lock, 'agent', 'x.y'), h2);
    assert.equal(lockedHash(lock, 'agent', 'xzy'), undefined);
    assert.equal(lockedHash(lock, 'command', 'pdf-tools'), undefined);
  });
});
