// Random legacy (0001) datasets for the migration property tests (chain and squashed path):
// small pools so that slugs, names and orphans collide.
import fc from 'fast-check';
import { slugify } from '../../migrations/helpers';
import type { LegacyDataset } from './fixtures';

const TYPES = ['skill', 'command', 'agent', 'hook', 'mcp', 'workflow', 'composite'] as const;
// Small pools on purpose: collisions (same slug, same name, orphans close to real ids) are the point.
const NAMES = ['pdf', 'docs', 'x', 'a-b', 'Py', 'python', 'C++', 'c', 'ünï', 'tool.md', 'tool'];
const TAG_WORDS = ['documents', 'Documents', 'python', 'Python', 'PYTHON', 'py', 'new tag', 'New-Tag', '', '  ', '!!!', 'x', 'C++', 'c', 'ü', 'a'.repeat(101)];
const ORPHANS = ['skill:ghost', 'agent:nope', 'skill:pdf.md', 'skill:PDF'];
const TS = (n: number) => `2026-02-${String(1 + (n % 28)).padStart(2, '0')}T08:00:00.${String(n).padStart(6, '0')}`;

const ref = fc.oneof(fc.nat(30).map((i) => ({ artifact: i })), fc.constantFrom(...ORPHANS).map((id) => ({ orphan: id })));
const tagEntry = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TAG_WORDS) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const raw = fc.record({
  artifacts: fc.array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      name: fc.constantFrom(...NAMES),
      origin: fc.constantFrom('local', 'github', 'marketplace'),
      hash: fc.option(fc.constantFrom('a1', 'b2', ''), { nil: null }),
      t: fc.nat(1000),
    }),
    { maxLength: 8 },
  ),
  collections: fc.integer({ min: 1, max: 3 }),
  groups: fc.array(fc.record({ c: fc.nat(2), name: fc.constantFrom('g1', 'g2', 'G1'), position: fc.nat(5) }), { maxLength: 4 }),
  tags: fc.array(fc.record({ name: fc.constantFrom(...TAG_WORDS.filter((w) => slugify(w) !== '' && w.length <= 100)), oddSlug: fc.boolean() }), { maxLength: 5 }),
  memberships: fc.array(
    fc.record({ c: fc.nat(2), ref, tags: fc.array(tagEntry, { maxLength: 5 }), format: fc.constantFrom('compact', 'spaced', 'python'), t: fc.nat(1000) }),
    { maxLength: 10 },
  ),
  groupMembers: fc.array(fc.record({ g: fc.nat(5), ref, position: fc.nat(10), t: fc.nat(1000) }), { maxLength: 8 }),
  tagLinks: fc.array(fc.record({ ref, tag: fc.nat(10), t: fc.nat(1000) }), { maxLength: 8 }),
});

type Raw = typeof raw extends fc.Arbitrary<infer R> ? R : never;

/** Array text as different writers print it; SkillMeat's Python writer uses ", " separators. */
function formatJson(items: unknown[], format: string): string {
  if (format === 'spaced') return JSON.stringify(items, null, 1);
  if (format === 'python') return `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  return JSON.stringify(items);
}

/** Turns index-based random choices into a dataset that satisfies the 0001 constraints. */
function toDataset(r: Raw): LegacyDataset {
  const seen = new Set<string>();
  const artifacts = r.artifacts
    .filter((a) => !seen.has(`${a.type}:${a.name}`) && seen.add(`${a.type}:${a.name}`))
    .map((a) => ({
      type: a.type,
      name: a.name,
      path: `${a.type}s/${a.name}`,
      origin: a.origin,
      content_hash: a.hash,
      created_at: TS(a.t),
      updated_at: TS(a.t + 1),
    }));
  const resolve = (x: { artifact: number } | { orphan: string }) =>
    'orphan' in x ? x.orphan : artifacts.length ? `${artifacts[x.artifact % artifacts.length].type}:${artifacts[x.artifact % artifacts.length].name}` : 'skill:ghost';
  const collections = Array.from({ length: r.collections }, (_, i) => ({
    id: `col${i}`,
    name: `collection ${i}`,
    description: i % 2 ? 'd' : null,
    created_at: TS(i),
    updated_at: TS(i),
  }));
  const groupKeys = new Set<string>();
  const groups = r.groups
    .map((g, i) => ({ ...g, c: collections[g.c % collections.length].id, i }))
    .filter((g) => !groupKeys.has(`${g.c}/${g.name}`) && groupKeys.add(`${g.c}/${g.name}`))
    .map((g) => ({
      id: `grp${g.i}`,
      collection_id: g.c,
      name: g.name,
      description: null,
      color: 'slate',
      icon: 'layers',
      position: g.position,
      created_at: TS(g.i),
      updated_at: TS(g.i),
    }));
  const names = new Set<string>();
  const slugs = new Set<string>();
  const tags: LegacyDataset['tags'] = [];
  r.tags.forEach((t, i) => {
    const slug = t.oddSlug ? `odd-${i}` : slugify(t.name);
    if (names.has(t.name) || slugs.has(slug)) return;
    names.add(t.name);
    slugs.add(slug);
    tags.push({ id: `tag${i}`, name: t.name, slug, color: i % 2 ? '#abcdef' : null, created_at: TS(i) });
  });
  const caKeys = new Set<string>();
  const collectionArtifacts = r.memberships
    .map((m) => ({
      collection_id: collections[m.c % collections.length].id,
      artifact_id: resolve(m.ref),
      added_at: TS(m.t),
      tags_json: formatJson(m.tags, m.format),
    }))
    .filter((m) => !caKeys.has(`${m.collection_id}/${m.artifact_id}`) && caKeys.add(`${m.collection_id}/${m.artifact_id}`));
  const gaKeys = new Set<string>();
  const groupArtifacts = groups.length
    ? r.groupMembers
        .map((m) => ({ group_id: groups[m.g % groups.length].id, artifact_id: resolve(m.ref), position: m.position, added_at: TS(m.t) }))
        .filter((m) => !gaKeys.has(`${m.group_id}/${m.artifact_id}`) && gaKeys.add(`${m.group_id}/${m.artifact_id}`))
    : [];
  const atKeys = new Set<string>();
  const artifactTags = tags.length
    ? r.tagLinks
        .map((l) => ({ artifact_id: resolve(l.ref), tag_id: tags[l.tag % tags.length].id, created_at: TS(l.t) }))
        .filter((l) => !atKeys.has(`${l.artifact_id}/${l.tag_id}`) && atKeys.add(`${l.artifact_id}/${l.tag_id}`))
    : [];
  return { artifacts, collections, groups, tags, collectionArtifacts, groupArtifacts, artifactTags };
}

/** A random legacy dataset that satisfies the 0001 constraints. */
export const randomDataset: fc.Arbitrary<LegacyDataset> = raw.map(toDataset);
