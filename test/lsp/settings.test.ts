/** Settings, initialization options, URIs and conversions, read defensively. */
import * as assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, excludeMatcher, globToRegExp, parseInitOptions, parseSettings } from '../../server/src/lsp/settings';
import { pathToUri, uriToPath } from '../../server/src/lsp/uri';
import { toCompletionItem, toLspDiagnostic } from '../../server/src/lsp/convert';

describe('lsp: settings and conversions', () => {
  it('reads the skillmeat section nested or dotted, ignoring ill-typed values', () => {
    assert.deepEqual(parseSettings(undefined), DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings({ collectionsRoot: '/c', maxFileSizeMB: 2, diagnostics: { severity: { 'undefined-tag': 'off', 'unknown-reference': 'Info', bad: 'loud' } }, watcher: { exclude: ['dist', '**/build/**', 3] } }), {
      collectionsRoot: '/c', maxFileSizeMB: 2, severity: { 'undefined-tag': 'off', 'unknown-reference': 'information' }, watcherExclude: ['dist', '**/build/**'],
    });
    assert.deepEqual(parseSettings({ 'diagnostics.severity': { 'lock-orphan': 'hint' }, 'watcher.exclude': { out: true, keep: false }, maxFileSizeMB: -1, collectionsRoot: '' }), {
      collectionsRoot: undefined, maxFileSizeMB: 10, severity: { 'lock-orphan': 'hint' }, watcherExclude: ['out'],
    });
    assert.equal(parseSettings({ collectionsRoot: '~/cols' }).collectionsRoot, `${process.env.HOME}/cols`);
  });

  it('reads initialization options within bounds', () => {
    assert.deepEqual(parseInitOptions({ collectionsRoot: '/x', debounceMs: 99999, settleMs: 1, diagnosticMode: 'pull', watch: false, settings: { a: 1 }, cacheFile: '/c.db', readOnly: true, cache: false, cacheSaveDelayMs: -5 }), {
      collectionsRoot: '/x', settings: { a: 1 }, diagnosticMode: 'pull', debounceMs: 5000, settleMs: 10, watch: false, cacheFile: '/c.db', readOnly: true, cache: false, cacheSaveDelayMs: 0,
    });
    assert.deepEqual(parseInitOptions('nonsense'), {
      collectionsRoot: undefined, settings: undefined, diagnosticMode: undefined, debounceMs: undefined, settleMs: undefined, watch: undefined, cacheFile: undefined, readOnly: undefined, cache: undefined, cacheSaveDelayMs: undefined,
    });
    // The client says whether the workspace is trusted; untrusted means read-only.
    assert.equal(parseInitOptions({ workspaceTrusted: false }).readOnly, true);
    assert.equal(parseInitOptions({ workspaceTrusted: true }).readOnly, undefined);
    assert.equal(parseSettings({ cacheFile: '~/x.db' }).cacheFile, `${process.env.HOME}/x.db`);
    assert.equal('cacheFile' in parseSettings({ cacheFile: ' ' }, { ...DEFAULT_SETTINGS, cacheFile: '/a' }), false);
  });

  it('matches excludes by folder name and by glob, on absolute paths', () => {
    const m = excludeMatcher(['dist', '**/build/**', 'tmp/*.toml', '{a,b}-cache']);
    assert.equal(m('/w/node_modules/x/collection.toml'), true);
    assert.equal(m('/w/.git/config'), true);
    assert.equal(m('/w/dist/collection.toml'), true);
    assert.equal(m('/w/p/build/x/collection.toml'), true);
    assert.equal(m('/w/tmp/collection.toml'), true);
    assert.equal(m('/w/b-cache/collection.toml'), true);
    assert.equal(m('/w/distant/collection.toml'), false);
    assert.equal(m('/w/src/collection.toml'), false);
    assert.equal(globToRegExp('*.toml').test('/a/b/c.toml'), true);
    assert.equal(globToRegExp('a?c').test('/x/abc'), true);
  });

  it('encodes file URIs like VS Code and decodes them back', () => {
    assert.equal(pathToUri('/home/me/my project/a+b@c/collection.toml'), 'file:///home/me/my%20project/a%2Bb%40c/collection.toml');
    assert.equal(pathToUri('C:\\Users\\me\\x.toml'), 'file:///c%3A/Users/me/x.toml');
    assert.equal(uriToPath('file:///home/me/my%20project/a%2Bb%40c/collection.toml'), '/home/me/my project/a+b@c/collection.toml');
    assert.equal(uriToPath('untitled:Untitled-1'), undefined);
    assert.equal(uriToPath('file://host%/x'), undefined);
  });

  it('drops diagnostics switched off and plain-texts snippets for clients without them', () => {
    const d = { file: '/x', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, span: { start: 0, end: 1 }, severity: 'information' as const, code: 'undefined-tag', message: 'm', related: [{ file: '/y', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }, message: 'first' }] };
    assert.equal(toLspDiagnostic(d, (f) => `file://${f}`, { 'undefined-tag': 'off' }), undefined);
    const l = toLspDiagnostic(d, (f) => `file://${f}`, {})!;
    assert.deepEqual(l.relatedInformation, [{ location: { uri: 'file:///y', range: d.related[0].range }, message: 'first' }]);
    assert.deepEqual(l.data, { code: 'undefined-tag', span: { start: 0, end: 1 } });
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const item = toCompletionItem({ label: 'type', kind: 'property', insertText: 'type = "${1|skill,command|}"', snippet: true, replace: { start: 0, end: 0 }, range }, false);
    assert.deepEqual([item.insertTextFormat, item.textEdit], [1, { range, newText: 'type = "skill"' }]);
    const item2 = toCompletionItem({ label: 'x', kind: 'property', insertText: 'x = "$1"', snippet: true, replace: { start: 0, end: 0 }, range }, false);
    assert.equal((item2.textEdit as { newText: string }).newText, 'x = ""');
  });
});
