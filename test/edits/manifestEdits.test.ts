import { strict as assert } from 'node:assert';
import { Workspace, type Host } from '../../server/src/engine';
import { addGroupMemberEdit, addLinkedArtifactEdit, applyEdits, insertKeyEdit } from '../../server/src/engine/edits/manifestEdits';
import type { CollectionModel } from '../../server/src/engine/model/collection';
import { COLLECTION } from '../engine/baseline';

const host: Host = { readFile: () => new Error('none'), stat: () => undefined, readDir: () => [], realPath: () => undefined };
const FILE = '/w/c/main/collection.toml';

function load(text: string) {
  const ws = new Workspace(host);
  const sf = ws.setText(FILE, text);
  return { ws, sf, model: sf.model as CollectionModel };
}

/** Applies an edit and checks the result still parses with no syntax error, returning the new text. */
function applyOk(text: string, r: ReturnType<typeof insertKeyEdit>): string {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const out = applyEdits(text, [r.edit]);
  const again = load(out);
  assert.deepEqual(again.sf.local.filter((d) => d.code === 'toml-syntax'), []);
  return out;
}

describe('minimal manifest edits', () => {
  it('inserts a uuid after the own lines of an [[artifacts]] table, before its metadata sub-table', () => {
    const text = COLLECTION.replace('uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"\n', '');
    const { sf, model } = load(text);
    const out = applyOk(text, insertKeyEdit(sf, model.artifacts[0].table, 'uuid', '"0123456789abcdef0123456789abcdef"'));
    assert.ok(out.includes('target_platforms = ["claude_code", "codex"]\nuuid = "0123456789abcdef0123456789abcdef"\n\n[artifacts.metadata]'));
    assert.equal(out.length, text.length + '\nuuid = "0123456789abcdef0123456789abcdef"'.length, 'nothing else changes');
  });

  it('keeps CRLF line endings and comments', () => {
    const text = '# my collection\r\n[collection]\r\nname = "x" # the name\r\n';
    const { sf, model } = load(text);
    const out = applyOk(text, insertKeyEdit(sf, model.header!, 'version', '"1.0.0"'));
    assert.equal(out, '# my collection\r\n[collection]\r\nname = "x" # the name\r\nversion = "1.0.0"\r\n');
  });

  it('inserts into inline tables before the closing brace', () => {
    const text = 'artifacts = [\n  { name = "a", type = "skill" },\n  {},\n]\n';
    const { sf, model } = load(text);
    let out = applyOk(text, insertKeyEdit(sf, model.artifacts[0].table, 'uuid', '"u"'));
    assert.ok(out.includes('{ name = "a", type = "skill", uuid = "u" }'));
    const second = load(out);
    out = applyOk(out, insertKeyEdit(second.sf, second.model.artifacts[1].table, 'uuid', '"v"'));
    assert.ok(out.includes('{ uuid = "v" }'));
  });

  it('refuses to add a key that is there', () => {
    const { sf, model } = load(COLLECTION);
    const r = insertKeyEdit(sf, model.artifacts[0].table, 'uuid', '"x"');
    assert.deepEqual(r, { ok: false, reason: '"uuid" is already set' });
  });

  it('appends a group member after the last one, and into an empty array', () => {
    const { sf, model } = load(COLLECTION);
    const out = applyOk(COLLECTION, addGroupMemberEdit(sf, model.groups[0], 'command:review'));
    assert.ok(out.includes('members = ["skill:pdf-tools", "agent:release-notes", "command:review"]'));
    const empty = COLLECTION.replace('members = ["skill:pdf-tools", "agent:release-notes"]', 'members = []');
    const e = load(empty);
    assert.ok(applyOk(empty, addGroupMemberEdit(e.sf, e.model.groups[0], 'skill:pdf-tools')).includes('members = ["skill:pdf-tools"]'));
    assert.deepEqual(addGroupMemberEdit(sf, model.groups[0], 'skill:pdf-tools'), { ok: false, reason: '"skill:pdf-tools" is already a member' });
  });

  it('appends a linked artifact table that SkillMeat reads as part of the right artifact', () => {
    const { sf, model } = load(COLLECTION);
    const out = applyOk(COLLECTION, addLinkedArtifactEdit(sf, model.artifacts[0], { type: 'command', name: 'review', linkType: 'enables', createdAt: '2026-11-23T12:00:00+00:00' }));
    const again = load(out).model;
    assert.deepEqual(again.artifacts[0].linked.map((l) => [l.id?.value, l.name?.value, l.type?.value, l.linkType?.value]), [['command:review', 'review', 'command', 'enables']]);
    assert.equal(again.artifacts[1].linked.length, 1, 'the next artifact keeps its own link');
  });

  it('refuses a link where the metadata is inline', () => {
    const text = '[[artifacts]]\nname = "a"\nmetadata = { description = "x" }\n';
    const { sf, model } = load(text);
    const r = addLinkedArtifactEdit(sf, model.artifacts[0], { type: 'skill', name: 'b', linkType: 'requires', createdAt: 'now' });
    assert.equal(r.ok, false);
  });
});
