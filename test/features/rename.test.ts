import * as assert from 'node:assert/strict';
import { invalidNameReason, prepareRenameAt, renameArtifact } from '../../server/src/engine/features';
import { baseline, variant, COLLECTION } from '../engine/baseline';
import { Fixture, C, D, L, S, applyEdits, editsOf } from './helpers';

describe('features: rename', () => {
  let fx: Fixture;
  beforeEach(() => (fx = new Fixture()));
  afterEach(() => fx.dispose());

  it('prepares on an entry name (inside the quotes) and on a reference’s name part', () => {
    const p = prepareRenameAt(fx.ws, fx.file(C), fx.at(C, '"pdf-tools"', 2));
    assert.deepEqual(p, { ok: true, span: { start: fx.at(C, '"pdf-tools"', 1), end: fx.at(C, '"pdf-tools"', 10) }, range: { start: { line: 7, character: 8 }, end: { line: 7, character: 17 } }, placeholder: 'pdf-tools' });
    const r = prepareRenameAt(fx.ws, fx.file(D), fx.at(D, '"release-notes.md"', 3));
    assert.deepEqual(r, { ok: true, span: { start: fx.at(D, '"release-notes.md"', 1), end: fx.at(D, '"release-notes.md"', 14) }, range: { start: { line: 16, character: 17 }, end: { line: 16, character: 30 } }, placeholder: 'release-notes' });
    assert.deepEqual(prepareRenameAt(fx.ws, fx.file(C), fx.at(C, '[[artifacts]]', 2)), { ok: false, reason: 'rename an artifact from its name' });
    assert.deepEqual(prepareRenameAt(fx.ws, fx.file(C), fx.at(C, '"Writing kit"', 2)), { ok: false, reason: 'only artifact names and references to them can be renamed' });
    assert.equal(prepareRenameAt(fx.ws, fx.file(C), fx.at(C, '\n\n', 1)), undefined);
  });

  it('renames every reference in every manifest, keeping extensions and quotes', () => {
    const r = renameArtifact(fx.ws, fx.file(S), fx.at(S, '"agent:release-notes"', 9), 'notes');
    assert.ok(r.ok);
    assert.deepEqual(r.edits.map((e) => e.file).sort(), [fx.file(C), fx.file(D), fx.file(S)].sort());
    assert.ok(r.edits.every((e) => e.version === undefined));
    const col = applyEdits(fx.text(C), editsOf(r.edits, fx.file(C)));
    assert.equal(col, COLLECTION.replace('name = "release-notes"', 'name = "notes"').replace('"agent:release-notes"]', '"agent:notes"]'));
    assert.match(applyEdits(fx.text(D), editsOf(r.edits, fx.file(D))), /artifact_name = "notes\.md"/);
    assert.match(applyEdits(fx.text(S), editsOf(r.edits, fx.file(S))), /artifact_key = "agent:notes"/);
    assert.deepEqual(editsOf(r.edits, fx.file(C)).map((e) => [e.range.start, e.range.end, e.newText]), [
      [{ line: 22, character: 8 }, { line: 22, character: 21 }, 'notes'],
      [{ line: 72, character: 37 }, { line: 72, character: 50 }, 'notes'],
    ]);
  });

  it('renames lock keys, links (id and name) and deployed records of a skill, not its uuid', () => {
    const r = renameArtifact(fx.ws, fx.file(C), fx.at(C, '"pdf-tools"', 1), 'pdf-kit');
    assert.ok(r.ok);
    assert.equal(applyEdits(fx.text(L), editsOf(r.edits, fx.file(L))), fx.text(L).replace('"pdf-tools::skill"', '"pdf-kit::skill"'));
    const col = applyEdits(fx.text(C), editsOf(r.edits, fx.file(C)));
    assert.match(col, /artifact_id = "skill::pdf-kit"\nartifact_name = "pdf-kit"/);
    assert.match(col, /members = \["skill:pdf-kit", "agent:release-notes"\]/);
    const dep = applyEdits(fx.text(D), editsOf(r.edits, fx.file(D)));
    assert.match(dep, /artifact_name = "pdf-kit"/);
    assert.match(dep, /artifact_uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"/);
    // After applying, the workspace has no new findings.
    fx.ws.setText(fx.file(C), col, 2);
    fx.ws.setText(fx.file(L), applyEdits(fx.text(L), editsOf(r.edits, fx.file(L))), 2);
    fx.ws.setText(fx.file(D), dep, 2);
    assert.deepEqual([...fx.ws.diagnostics().values()].flat().map((d) => d.code), []);
  });

  it('carries the editor version of open documents', () => {
    fx.ws.setText(fx.file(C), fx.text(C), 7);
    const r = renameArtifact(fx.ws, fx.file(C), fx.at(C, '"review"', 1), 'critique');
    assert.ok(r.ok);
    assert.deepEqual(r.edits.map((e) => [e.file, e.version]), [[fx.file(C), 7]]);
  });

  it('rewrites a literal with escapes as a basic string', () => {
    const esc = new Fixture(variant('collection', 'members = ["skill:pdf-tools"', "members = ['skill:pdf-tools'"));
    try {
      const r = renameArtifact(esc.ws, esc.file(C), esc.at(C, '"pdf-tools"', 1), "it's");
      assert.ok(r.ok);
      assert.match(applyEdits(esc.text(C), editsOf(r.edits, esc.file(C))), /members = \["skill:it's", "agent:release-notes"\]/);
    } finally {
      esc.dispose();
    }
    const esc2 = new Fixture(baseline({ [C]: COLLECTION.replace('members = ["skill:pdf-tools"', 'members = ["skill:pdf\\u002dtools"') }));
    try {
      const r = renameArtifact(esc2.ws, esc2.file(C), esc2.at(C, '"pdf-tools"', 1), 'x');
      assert.ok(r.ok);
      assert.match(applyEdits(esc2.text(C), editsOf(r.edits, esc2.file(C))), /members = \["skill:x", "agent:release-notes"\]/);
    } finally {
      esc2.dispose();
    }
  });

  it('refuses invalid names and names taken by an artifact of the same type', () => {
    const at = fx.at(C, '"release-notes"', 1);
    assert.deepEqual(renameArtifact(fx.ws, fx.file(C), at, 'a/b'), { ok: false, reason: '"a/b" must not contain / or \\ (it becomes a file name)' });
    assert.deepEqual(renameArtifact(fx.ws, fx.file(C), at, ''), { ok: false, reason: 'an artifact name must not be empty' });
    assert.deepEqual(renameArtifact(fx.ws, fx.file(C), at, '.hidden'), { ok: false, reason: '".hidden" must not start with a dot' });
    assert.deepEqual(renameArtifact(fx.ws, fx.file(C), at, 'a..b'), { ok: false, reason: '"a..b" must not contain ".."' });
    const taken = new Fixture(variant('collection', 'name = "review"\ntype = "command"', 'name = "review"\ntype = "agent"'));
    try {
      const r = renameArtifact(taken.ws, taken.file(C), taken.at(C, '"release-notes"', 1), 'review.md');
      assert.deepEqual(r, { ok: false, reason: 'collection "main" already has an agent named "review" (line 38)' });
    } finally {
      taken.dispose();
    }
    assert.ok(renameArtifact(fx.ws, fx.file(C), at, 'review').ok, 'a command named review does not block an agent');
    assert.deepEqual(renameArtifact(fx.ws, fx.file(C), fx.at(C, '"Writing kit"', 1), 'x'), { ok: false, reason: 'there is no artifact here to rename' });
    assert.equal(invalidNameReason('fine-name'), undefined);
  });
});
