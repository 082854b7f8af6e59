import * as assert from 'node:assert/strict';
import { codeActionsFor, fixesFor, sortGroupMembers, writeMissingUuids, newUuid, type CodeActionData } from '../../server/src/engine/features';
import { baseline, variant, COLLECTION, DEPLOYED } from '../engine/baseline';
import { Fixture, C, D, applyEdits } from './helpers';

/** The text of a file after an action's edits. */
function after(fx: Fixture, rel: string, a: CodeActionData): string {
  const fe = a.edits.find((e) => e.file === fx.file(rel))!;
  return applyEdits(fx.text(rel), fe.edits);
}

/** The quick fixes of the first finding with a code. */
function fixes(fx: Fixture, rel: string, code: string): CodeActionData[] {
  const d = fx.ws.diagnosticsOf(fx.file(rel)).find((x) => x.code === code);
  assert.ok(d, `no ${code} in ${rel}: ${fx.ws.diagnosticsOf(fx.file(rel)).map((x) => x.code)}`);
  return fixesFor(fx.ws.get(fx.file(rel))!, d);
}

function withFixture(tree: ReturnType<typeof baseline>, fn: (fx: Fixture) => void): void {
  const fx = new Fixture(tree);
  try {
    fn(fx);
  } finally {
    fx.dispose();
  }
}

describe('features: code actions', () => {
  it('replaces an unknown member with the closest names, the best one preferred', () => {
    withFixture(variant('collection', 'members = ["skill:pdf-tools"', 'members = ["skill:pdf-tool"'), (fx) => {
      const [a] = fixes(fx, C, 'unknown-reference');
      assert.equal(a.title, 'Change to "skill:pdf-tools"');
      assert.equal(a.isPreferred, true);
      assert.equal(a.kind, 'quickfix');
      assert.equal(after(fx, C, a), COLLECTION);
      assert.deepEqual(a.edits[0].edits.map((e) => [e.range, e.newText]), [[{ start: { line: 72, character: 11 }, end: { line: 72, character: 27 } }, '"skill:pdf-tools"']]);
    });
  });

  it('suggests a bare name for a deployed record, keeping single quotes', () => {
    withFixture(variant('deployed', 'artifact_name = "pdf-tools"', "artifact_name = 'pdf-tool'"), (fx) => {
      const [a] = fixes(fx, D, 'unknown-reference');
      assert.equal(a.title, 'Change to "pdf-tools"');
      assert.equal(after(fx, D, a), DEPLOYED.replace('artifact_name = "pdf-tools"', "artifact_name = 'pdf-tools'"));
    });
  });

  it('quotes a native datetime and normalises a uuid', () => {
    withFixture(variant('collection', 'added = "2026-02-12T10:00:00"', 'added = 2026-02-12T10:00:00'), (fx) => {
      const [a] = fixes(fx, C, 'native-datetime');
      assert.equal(a.title, 'Quote the datetime');
      assert.equal(after(fx, C, a), COLLECTION);
    });
    withFixture(variant('collection', 'uuid = "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"', 'uuid = "C41D7E0A-2B9F-4E8D-8A6B-5C4D3E2F1A09"'), (fx) => {
      const [a] = fixes(fx, C, 'invalid-uuid');
      assert.equal(a.title, 'Normalise the uuid to "c41d7e0a2b9f4e8d8a6b5c4d3e2f1a09"');
      assert.equal(after(fx, C, a), COLLECTION);
    });
  });

  it('moves a path into its container', () => {
    withFixture(baseline({ [C]: COLLECTION.replace('path = "commands/review.md"', 'path = "agents/review.md"'), 'collections/main/agents/review.md': 'x' }), (fx) => {
      const [a] = fixes(fx, C, 'wrong-container');
      assert.equal(a.title, 'Use the path "commands/review.md"');
      assert.equal(after(fx, C, a), COLLECTION);
    });
  });

  it('adds a tag definition at the end of the file, or into an inline list', () => {
    withFixture(variant('collection', 'tags = ["Documents", "python"]', 'tags = ["Documents", "python", "Code Review"]'), (fx) => {
      const [a] = fixes(fx, C, 'undefined-tag');
      assert.equal(a.title, 'Add a [[tag_definitions]] entry for "Code Review"');
      assert.equal(after(fx, C, a), fx.text(C) + '\n[[tag_definitions]]\nname = "Code Review"\nslug = "code-review"\ndescription = ""\n');
      fx.ws.setText(fx.file(C), after(fx, C, a), 3);
      assert.ok(!fx.ws.diagnosticsOf(fx.file(C)).some((d) => d.code === 'undefined-tag'));
    });
    const inline = COLLECTION.replace(/\[\[tag_definitions\]\]\nname = "Documents"\nslug = "documents"\ncolor = "#3b82f6"\ndescription = ""\n\n\[\[tag_definitions\]\]\nname = "Python"\nslug = "python"\ncolor = "#facc15"\n\n/, '').replace('[collection]', 'tag_definitions = [\n    { name = "Documents", slug = "documents" },\n]\n\n[collection]');
    withFixture(baseline({ [C]: inline }), (fx) => {
      const [a] = fixes(fx, C, 'undefined-tag');
      assert.match(after(fx, C, a), /^tag_definitions = \[\n    \{ name = "Documents", slug = "documents" \},\n    \{ name = "python", slug = "python", description = "" \},\n\]/);
      fx.ws.setText(fx.file(C), after(fx, C, a), 3);
      assert.ok(!fx.ws.diagnosticsOf(fx.file(C)).some((d) => d.code === 'undefined-tag' || d.code === 'toml-syntax'));
    });
  });

  it('removes a repeated member, inline or on its own line', () => {
    withFixture(variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = ["skill:pdf-tools", "agent:release-notes", "skill:pdf-tools"]'), (fx) => {
      const [a] = fixes(fx, C, 'duplicate-member');
      assert.equal(a.title, 'Remove the repeated member');
      assert.equal(after(fx, C, a), COLLECTION);
    });
    withFixture(variant('collection', 'members = ["skill:pdf-tools", "agent:release-notes"]', 'members = [\n  "skill:pdf-tools",\n  "skill:pdf-tools",\n  "agent:release-notes",\n]'), (fx) => {
      const [a] = fixes(fx, C, 'duplicate-member');
      assert.match(after(fx, C, a), /members = \[\n {2}"skill:pdf-tools",\n {2}"agent:release-notes",\n\]/);
    });
  });

  it('removes a duplicate [[artifacts]] entry with its sub-tables', () => {
    const dup = '\n[[artifacts]]\nname = "review"\ntype = "command"\npath = "commands/review.md"\norigin = "local"\nadded = "2026-02-12T10:00:00"\n\n[artifacts.metadata]\ndescription = "again"\n';
    withFixture(baseline({ [C]: COLLECTION + dup }), (fx) => {
      const [a] = fixes(fx, C, 'duplicate-artifact');
      assert.equal(a.title, 'Remove this duplicate [[artifacts]] entry');
      assert.equal(after(fx, C, a), COLLECTION + '\n');
    });
  });

  it('writes every missing uuid after the name line, keeping indentation and CRLF', () => {
    withFixture(baseline(), (fx) => {
      let n = 0;
      const edits = writeMissingUuids(fx.ws, fx.file(C), () => `${++n}`.padStart(32, '0'));
      assert.equal(edits.length, 1);
      const text = applyEdits(fx.text(C), edits[0].edits);
      assert.match(text, /name = "review"\nuuid = "00000000000000000000000000000001"\ntype = "command"/);
      assert.match(text, /name = "kit"\nuuid = "00000000000000000000000000000002"\ntype = "composite"/);
      assert.equal(edits[0].edits.length, 2);
    });
    withFixture(baseline({ [C]: COLLECTION.replace(/\n/g, '\r\n').replace('name = "review"', '  name = "review"') }), (fx) => {
      const edits = writeMissingUuids(fx.ws, undefined, () => 'a'.repeat(32));
      assert.match(applyEdits(fx.text(C), edits[0].edits), /  name = "review"\r\n  uuid = "a{32}"\r\ntype = "command"/);
    });
    assert.match(newUuid(), /^[0-9a-f]{32}$/);
  });

  it('sorts group members by moving only the items that change place', () => {
    withFixture(baseline(), (fx) => {
      const [fe] = sortGroupMembers(fx.ws, fx.file(C));
      assert.equal(fe.edits.length, 2);
      assert.match(applyEdits(fx.text(C), fe.edits), /members = \["agent:release-notes", "skill:pdf-tools"\]/);
    });
  });

  it('lists the fixes of a range, then the source actions', () => {
    withFixture(variant('collection', 'added = "2026-02-12T10:00:00"', 'added = 2026-02-12T10:00:00'), (fx) => {
      const at = fx.at(C, '2026-02-12T10:00:00', 3);
      const actions = codeActionsFor(fx.ws, fx.file(C), { start: at, end: at }, { newUuid: () => 'b'.repeat(32) });
      assert.deepEqual(actions.map((a) => [a.title, a.kind]), [
        ['Quote the datetime', 'quickfix'],
        ['Write all missing uuids', 'source.skillmeat.writeMissingUuids'],
        ['Sort group members', 'source.skillmeat.sortMembers'],
      ]);
      assert.deepEqual(codeActionsFor(fx.ws, fx.file('nope.toml'), { start: 0, end: 0 }), []);
      assert.deepEqual(codeActionsFor(fx.ws, fx.file(D), { start: 0, end: 0 }), []);
    });
  });
});
