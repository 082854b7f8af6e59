import * as assert from 'node:assert/strict';
import {
  SEMANTIC_TOKEN_MODIFIERS, SEMANTIC_TOKEN_TYPES, codeLensesOf, documentLinks, documentSymbols, foldingRanges, fuzzyScore, inlayHints, semanticTokens, workspaceSymbols, type SymbolData,
} from '../../server/src/engine/features';
import { variant } from '../engine/baseline';
import { Fixture, C, D, L, P, S } from './helpers';

describe('features: lenses, symbols, tokens, links, folding, inlay hints', () => {
  let fx: Fixture;
  before(() => (fx = new Fixture()));
  after(() => fx.dispose());

  it('puts a lens on every artifact entry and atop a composite’s plugin.json', () => {
    assert.deepEqual(codeLensesOf(fx.ws, fx.file(C)).map((l) => [l.range.start.line, l.title]), [
      [6, '1 parent · deployed in 1 project'],
      [21, 'deployed in 1 project'],
      [36, '1 parent · not deployed'],
      [43, '2 members · not deployed'],
    ]);
    assert.deepEqual(codeLensesOf(fx.ws, fx.file(P)).map((l) => l.title), ['composite:kit · 2 members · not deployed']);
    assert.deepEqual(codeLensesOf(fx.ws, fx.file(D)), []);
  });

  it('outlines a collection with artifacts grouped by type, then groups, servers and tags in text order', () => {
    const brief = (s: SymbolData): unknown => [s.name, s.kind, s.detail ?? null, s.range.start.line, s.range.end.line, s.selectionRange.start.line, (s.children ?? []).map(brief)];
    assert.deepEqual(documentSymbols(fx.ws, fx.file(C)).map(brief), [
      ['collection main', 'collection', null, 0, 73, 1, [
        ['artifacts', 'namespace', '4', 6, 48, 7, [
          ['skill', 'namespace', '1', 6, 19, 7, [['pdf-tools', 'artifact', 'skill', 6, 19, 7, []]]],
          ['agent', 'namespace', '1', 21, 34, 22, [['release-notes', 'artifact', 'agent', 21, 34, 22, []]]],
          ['command', 'namespace', '1', 36, 41, 37, [['review', 'artifact', 'command', 36, 41, 37, []]]],
          ['composite', 'namespace', '1', 43, 48, 44, [['kit', 'artifact', 'composite', 43, 48, 44, []]]],
        ]],
        ['mcp_servers', 'namespace', null, 50, 54, 51, [['filesystem', 'server', 'modelcontextprotocol/servers/filesystem', 50, 54, 51, []]]],
        ['tag_definitions', 'namespace', null, 56, 65, 57, [['Documents', 'tag', 'documents', 56, 60, 57, []], ['Python', 'tag', 'python', 62, 65, 63, []]]],
        ['groups', 'namespace', null, 67, 72, 68, [['Writing kit', 'group', '2 members', 67, 72, 68, []]]],
      ]],
    ]);
    const flat = (rel: string) => documentSymbols(fx.ws, fx.file(rel)).map((s) => [s.name, s.kind, s.detail]);
    assert.deepEqual(flat(D), [['pdf-tools', 'deployed', 'skill · main'], ['release-notes.md', 'deployed', 'agent · main']]);
    assert.deepEqual(flat(L), [['pdf-tools::skill', 'lock', '0c7d6b2a9e41']]);
    assert.deepEqual(flat(S), [['agent:release-notes', 'skip', 'not needed here']]);
    assert.deepEqual(flat(P), [['kit', 'composite', '1.0.0']]);
    assert.deepEqual(flat('project/.claude/.skillmeat-project.toml'), [['project', 'project', '/home/me/project']]);
    assert.deepEqual(documentSymbols(fx.ws, fx.file('none.toml')), []);
  });

  it('finds artifacts of every collection by fuzzy name', () => {
    assert.deepEqual(workspaceSymbols(fx.ws, 'pdf').map((s) => [s.name, s.containerName, s.range.start.line]), [['pdf-tools', 'skill · main', 7]]);
    assert.deepEqual(workspaceSymbols(fx.ws, 'rn').map((s) => s.name), ['release-notes']);
    assert.deepEqual(workspaceSymbols(fx.ws, 'agent:').map((s) => s.name), ['release-notes']);
    assert.equal(workspaceSymbols(fx.ws, '').length, 4);
    assert.deepEqual(workspaceSymbols(fx.ws, 'zzz'), []);
    assert.ok(fuzzyScore('kit', 'kit') > fuzzyScore('kit', 'kits') && fuzzyScore('kit', 'kits') > fuzzyScore('kit', 'a-kit') && fuzzyScore('kit', 'a-kit') > fuzzyScore('kt', 'kit'));
    assert.deepEqual(workspaceSymbols(fx.ws, 'p', { isCancellationRequested: true }), []);
  });

  it('marks references, types, uuids and vocabulary values as semantic tokens', () => {
    assert.deepEqual([...SEMANTIC_TOKEN_TYPES], ['type', 'artifactReference', 'uuid', 'enumMember']);
    assert.deepEqual([...SEMANTIC_TOKEN_MODIFIERS], ['declaration', 'unresolved']);
    const t = (rel: string) => semanticTokens(fx.ws, fx.file(rel)).map((x) => [x.line, x.character, x.length, SEMANTIC_TOKEN_TYPES[x.type], x.modifiers]);
    const col = t(C);
    assert.deepEqual(col.slice(0, 7), [[7, 8, 9, 'artifactReference', 1], [8, 8, 5, 'type', 0], [10, 10, 11, 'enumMember', 0], [11, 17, 6, 'enumMember', 0], [14, 21, 11, 'enumMember', 0], [14, 36, 5, 'enumMember', 0], [15, 8, 32, 'uuid', 0]]);
    assert.deepEqual(col.slice(-4), [[72, 12, 5, 'type', 0], [72, 18, 9, 'artifactReference', 0], [72, 31, 5, 'type', 0], [72, 37, 13, 'artifactReference', 0]]);
    assert.deepEqual(t(L), [[3, 15, 9, 'artifactReference', 0], [3, 26, 5, 'type', 0]]);
    assert.deepEqual(t(S), [[5, 16, 5, 'type', 0], [5, 22, 13, 'artifactReference', 0]]);
    const dep = t(D);
    assert.deepEqual(dep.slice(0, 2), [[1, 17, 9, 'artifactReference', 0], [2, 17, 5, 'type', 0]]);
    assert.deepEqual(dep.find((x) => x[0] === 16), [16, 17, 13, 'artifactReference', 0], 'the extension is not part of the name');
    const bad = new Fixture(variant('collection', 'members = ["skill:pdf-tools"', 'members = ["skill:pdf-tool"'));
    try {
      const b = semanticTokens(bad.ws, bad.file(C)).find((x) => x.line === 72 && x.character === 18)!;
      assert.equal(b.modifiers, 2, 'unresolved');
    } finally {
      bad.dispose();
    }
  });

  it('links artifact paths to their primary files, never outside the root', () => {
    assert.deepEqual(documentLinks(fx.ws, fx.file(C)).map((l) => [l.range.start.line, l.range.start.character, l.range.end.character, l.target.slice(fx.dir.root.length)]), [
      [9, 8, 24, '/collections/main/skills/pdf-tools/SKILL.md'],
      [24, 8, 31, '/collections/main/agents/release-notes.md'],
      [39, 8, 26, '/collections/main/commands/review.md'],
      [46, 8, 19, '/collections/main/plugins/kit/plugin.json'],
    ]);
    const dep = new Fixture({ ...variant('deployed', 'artifact_path = "skills/pdf-tools"', 'artifact_path = "../../collections/main/skills/pdf-tools"'), 'project/.claude/agents/team/release-notes.md': '# deployed\n' });
    try {
      assert.deepEqual(documentLinks(dep.ws, dep.file(D)).map((l) => l.target.slice(dep.dir.root.length)), ['/project/.claude/agents/team/release-notes.md']);
    } finally {
      dep.dispose();
    }
  });

  it('folds tables with their sub-tables, multi-line lists and comment blocks', () => {
    assert.deepEqual(foldingRanges(fx.ws, fx.file(C)).slice(0, 3), [{ startLine: 0, endLine: 4 }, { startLine: 6, endLine: 19 }, { startLine: 17, endLine: 19 }]);
    const f = new Fixture(variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', '# who\n# is in\nmembers = [\n  "skill:pdf-tools",\n  "agent:release-notes",\n]'));
    try {
      const folds = foldingRanges(f.ws, f.file(C));
      assert.ok(folds.some((x) => x.kind === 'comment' && x.startLine === 72 && x.endLine === 73));
      assert.ok(folds.some((x) => x.startLine === 74 && x.endLine === 77 && x.kind === undefined));
    } finally {
      f.dispose();
    }
  });

  it('hints the uuid a deployed record resolves to and the type a bare linked name is read as', () => {
    assert.deepEqual(inlayHints(fx.ws, fx.file(D)).map((h) => [h.position, h.label, h.tooltip]), [
      [{ line: 16, character: 34 }, 'uuid c41d7e0a…', 'agent:release-notes in collection "main" has uuid c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09'],
    ]);
    assert.deepEqual(inlayHints(fx.ws, fx.file(D), 0, 10), [], 'outside the asked range');
    const bare = new Fixture(variant('collection', 'artifact_type = "skill"\n', ''));
    try {
      assert.deepEqual(inlayHints(bare.ws, bare.file(C)).map((h) => [h.position, h.label]), [[{ line: 31, character: 27 }, ': skill']]);
    } finally {
      bare.dispose();
    }
  });
});
