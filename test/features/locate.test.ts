import * as assert from 'node:assert/strict';
import { diskRelevance, locate } from '../../server/src/engine/features';
import { Fixture, C, D, L, S } from './helpers';

describe('features: locate', () => {
  let fx: Fixture;
  before(() => (fx = new Fixture()));
  after(() => fx.dispose());

  const kindAt = (rel: string, needle: string, delta = 1, nth = 0) => locate(fx.ws, fx.file(rel), fx.at(rel, needle, delta, nth));

  it('finds an artifact entry by its name and by its header', () => {
    const t = kindAt(C, '"pdf-tools"');
    assert.equal(t?.kind, 'artifact');
    assert.equal(t?.kind === 'artifact' && t.role, 'name');
    assert.deepEqual(t?.span, fx.span(C, '"pdf-tools"'));
    const h = kindAt(C, '[[artifacts]]', 3, 1);
    assert.equal(h?.kind === 'artifact' && h.site.name, 'release-notes');
  });

  it('finds references in group members, links, lock keys, deployed records and skip keys', () => {
    const member = kindAt(C, '"agent:release-notes"', 8);
    assert.ok(member?.kind === 'reference');
    assert.equal(member.via, 'member');
    assert.deepEqual(member.nameSpan, { start: fx.at(C, '"agent:release-notes"', 7), end: fx.at(C, '"agent:release-notes"', 20) });
    assert.equal(member.sites[0].name, 'release-notes');
    const id = kindAt(C, '"skill::pdf-tools"');
    assert.ok(id?.kind === 'reference' && id.via === 'linked-id' && id.sites.length === 1);
    assert.deepEqual(id.nameSpan, { start: fx.at(C, '"skill::pdf-tools"', 8), end: fx.at(C, '"skill::pdf-tools"', 17) });
    const linkedName = kindAt(C, 'artifact_name = "pdf-tools"', 18);
    assert.ok(linkedName?.kind === 'reference' && linkedName.via === 'linked-name' && linkedName.type === 'skill');
    const lock = kindAt(L, '"pdf-tools::skill"');
    assert.ok(lock?.kind === 'reference' && lock.via === 'lock' && lock.sites[0].name === 'pdf-tools');
    assert.deepEqual(lock.nameSpan, { start: fx.at(L, '"pdf-tools::skill"', 1), end: fx.at(L, '"pdf-tools::skill"', 10) });
    const dep = kindAt(D, '"release-notes.md"');
    assert.ok(dep?.kind === 'reference' && dep.via === 'deployed' && dep.sites[0].name === 'release-notes');
    assert.deepEqual(dep.nameSpan, { start: fx.at(D, '"release-notes.md"', 1), end: fx.at(D, '"release-notes.md"', 14) });
    const header = kindAt(D, '[[deployed]]', 2);
    assert.ok(header?.kind === 'reference' && header.via === 'deployed' && header.sites[0].name === 'pdf-tools');
    const skip = kindAt(S, '"agent:release-notes"', 10);
    assert.ok(skip?.kind === 'reference' && skip.via === 'skip' && skip.collection === undefined && skip.sites.length === 1);
  });

  it('finds uuids, tags, groups, paths and collection names', () => {
    const u = kindAt(D, '"9b2e6c1f');
    assert.ok(u?.kind === 'uuid' && u.role === 'deployed' && u.sites[0].name === 'pdf-tools');
    const tag = kindAt(C, '"Documents", "python"');
    assert.ok(tag?.kind === 'tag' && tag.slug === 'documents' && tag.definition?.name?.value === 'Documents');
    const def = kindAt(C, 'slug = "python"', 8);
    assert.ok(def?.kind === 'tag' && def.role === 'definition' && def.slug === 'python');
    const g = kindAt(C, '"Writing kit"');
    assert.ok(g?.kind === 'group' && g.group.members?.items.length === 2);
    const p = kindAt(D, '"agents/team/release-notes.md"');
    assert.ok(p?.kind === 'path' && p.root === fx.file('project/.claude'));
    const from = kindAt(D, 'from_collection = "main"', 19);
    assert.ok(from?.kind === 'collection' && from.collections.length === 1);
    const own = kindAt(C, 'name = "main"', 8);
    assert.ok(own?.kind === 'collection' && own.name === 'main');
  });

  it('falls back to keys and plain values with their table path', () => {
    const k = kindAt(C, 'origin_source');
    assert.deepEqual(k && { kind: k.kind, key: k.kind === 'key' && k.key, table: k.kind === 'key' && k.table }, { kind: 'key', key: 'origin_source', table: 'artifacts' });
    const v = kindAt(C, '"requires"');
    assert.ok(v?.kind === 'value' && v.key === 'link_type' && v.table === 'artifacts.metadata.linked_artifacts' && v.value === 'requires');
    const lockKey = kindAt(L, 'content_hash');
    assert.ok(lockKey?.kind === 'key' && lockKey.table === 'lock.entries.*');
  });

  it('answers undefined outside the text, on blank lines and for unknown files', () => {
    assert.equal(locate(fx.ws, fx.file(C), -1), undefined);
    assert.equal(locate(fx.ws, fx.file(C), 1e9), undefined);
    assert.equal(locate(fx.ws, fx.file('nowhere.toml'), 0), undefined);
    assert.equal(locate(fx.ws, fx.file(C), fx.at(C, '\n\n', 1)), undefined);
  });
});

describe('features: disk relevance', () => {
  it('sorts paths into manifests, artifact files and the rest', () => {
    assert.equal(diskRelevance('/w/collections/main/collection.toml'), 'manifest');
    assert.equal(diskRelevance('/w/p/plugins/kit/plugin.json'), 'manifest');
    assert.equal(diskRelevance('/w/collections/main/skills/a/SKILL.md', '/w'), 'artifact');
    assert.equal(diskRelevance('/w/collections/main/Agents/x.md', '/w'), 'artifact');
    assert.equal(diskRelevance('/w/src/index.ts', '/w'), 'other');
    assert.equal(diskRelevance('/skills/readme.md', '/skills'), 'other', 'the root itself is not a container');
  });
});
