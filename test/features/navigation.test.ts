import * as assert from 'node:assert/strict';
import { definitionAt, documentHighlights, referencesAt } from '../../server/src/engine/features';
import { variant } from '../engine/baseline';
import { Fixture, C, D, L, S } from './helpers';

describe('features: definition, references, highlights', () => {
  let fx: Fixture;
  before(() => (fx = new Fixture()));
  after(() => fx.dispose());

  const def = (rel: string, needle: string, delta = 1) => definitionAt(fx.ws, fx.file(rel), fx.at(rel, needle, delta)).map((p) => ({ file: p.file, range: p.range }));
  const entry = (name: string) => ({ file: fx.file(C), range: { start: fx.pos(C, fx.at(C, `name = "${name}"`, 7)), end: fx.pos(C, fx.at(C, `name = "${name}"`, 9 + name.length)) } });
  const top = (rel: string) => ({ file: fx.file(rel), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });

  it('goes from any reference to the [[artifacts]] entry', () => {
    assert.deepEqual(def(C, '"agent:release-notes"', 9), [entry('release-notes')]);
    assert.deepEqual(def(C, '"skill::pdf-tools"'), [entry('pdf-tools')]);
    assert.deepEqual(def(L, '"pdf-tools::skill"'), [entry('pdf-tools')]);
    assert.deepEqual(def(D, '"release-notes.md"'), [entry('release-notes')]);
    assert.deepEqual(def(D, '"9b2e6c1f'), [entry('pdf-tools')]);
    assert.deepEqual(def(S, '"agent:release-notes"'), [entry('release-notes')]);
    assert.deepEqual(entry('pdf-tools').range, { start: { line: 7, character: 7 }, end: { line: 7, character: 18 } });
  });

  it('goes from an entry or a path to the primary file on disk', () => {
    assert.deepEqual(def(C, '"pdf-tools"'), [top('collections/main/skills/pdf-tools/SKILL.md')]);
    assert.deepEqual(def(C, '"release-notes"'), [top('collections/main/agents/release-notes.md')]);
    assert.deepEqual(def(C, '"kit"'), [top('collections/main/plugins/kit/plugin.json')]);
    assert.deepEqual(def(D, '"skills/pdf-tools"'), [], 'nothing is deployed on disk in the fixture');
  });

  it('goes from a tag to its definition and from from_collection to the collection', () => {
    assert.deepEqual(def(C, '"python"]'), [{ file: fx.file(C), range: { start: fx.pos(C, fx.at(C, '"Python"')), end: fx.pos(C, fx.at(C, '"Python"', 8)) } }]);
    assert.deepEqual(def(D, 'from_collection = "main"', 19), [{ file: fx.file(C), range: { start: { line: 1, character: 7 }, end: { line: 1, character: 13 } } }]);
    assert.deepEqual(def(C, '"Writing kit"'), []);
  });

  it('finds every place naming an artifact, definition first', () => {
    const refs = referencesAt(fx.ws, fx.file(C), fx.at(C, '"pdf-tools"', 3)).map((r) => `${r.role} ${r.file.slice(fx.dir.root.length + 1)}:${r.range.start.line}:${r.range.start.character}-${r.range.end.character}`);
    assert.deepEqual(refs, [
      'definition collections/main/collection.toml:7:8-17',
      'linked-id collections/main/collection.toml:30:22-31',
      'linked-name collections/main/collection.toml:31:17-26',
      'member collections/main/collection.toml:72:18-27',
      'lock collections/main/collection.lock:3:15-24',
      'deployed project/.claude/.skillmeat-deployed.toml:1:17-26',
      'uuid project/.claude/.skillmeat-deployed.toml:12:17-49',
    ]);
    const fromSkip = referencesAt(fx.ws, fx.file(S), fx.at(S, '"agent:release-notes"', 8), false).map((r) => r.role);
    assert.deepEqual(fromSkip, ['member', 'deployed', 'skip'], 'release-notes has no lock entry in the fixture');
  });

  it('finds the uses of a tag and highlights within a file', () => {
    const tagRefs = referencesAt(fx.ws, fx.file(C), fx.at(C, 'slug = "documents"', 8)).map((r) => `${r.role}:${r.range.start.line}:${r.range.start.character}`);
    assert.deepEqual(tagRefs, ['tag-definition:57:7', 'tag-definition:58:7', 'tag:13:8']);
    const hl = documentHighlights(fx.ws, fx.file(C), fx.at(C, '"agent:release-notes"', 9)).map((h) => `${h.kind}:${h.range.start.line}:${h.range.start.character}-${h.range.end.character}`);
    assert.deepEqual(hl, ['write:22:8-21', 'read:72:37-50']);
  });

  it('answers nothing for an unresolved reference and outside any artifact', () => {
    const bad = new Fixture(variant('collection', 'members = ["skill:pdf-tools"', 'members = ["skill:pdf-tool"'));
    try {
      assert.deepEqual(definitionAt(bad.ws, bad.file(C), bad.at(C, '"skill:pdf-tool"', 3)), []);
      assert.deepEqual(referencesAt(bad.ws, bad.file(C), bad.at(C, '"skill:pdf-tool"', 3)), []);
    } finally {
      bad.dispose();
    }
    assert.deepEqual(referencesAt(fx.ws, fx.file(C), fx.at(C, 'version = "1.0.0"', 2)), []);
    assert.deepEqual(definitionAt(fx.ws, fx.file('missing.toml'), 0), []);
  });
});
