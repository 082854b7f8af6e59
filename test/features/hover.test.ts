import * as assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { hoverAt } from '../../server/src/engine/features';
import { variant } from '../engine/baseline';
import { Fixture, C, D, L, S } from './helpers';

describe('features: hover', () => {
  let fx: Fixture;
  before(() => (fx = new Fixture()));
  after(() => fx.dispose());

  const hover = (rel: string, needle: string, delta = 1) => hoverAt(fx.ws, fx.file(rel), fx.at(rel, needle, delta));
  const url = (rel: string) => pathToFileURL(fx.file(rel)).href;

  it('tells everything about an artifact entry', () => {
    const h = hover(C, '"pdf-tools"')!;
    assert.deepEqual(h.range, { start: { line: 7, character: 7 }, end: { line: 7, character: 18 } });
    assert.equal(h.markdown, [
      '**skill** `pdf-tools` · collection `main`',
      '',
      'Extract PDF pages',
      '',
      '- uuid `9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b`',
      `- path [skills/pdf-tools](${url('collections/main/skills/pdf-tools/SKILL.md')})`,
      '- origin `marketplace` (`github`)',
      '- tags `Documents`, `python`',
      '- groups `Writing kit`',
      '- in composites `composite:kit`',
      '- locked at `0c7d6b2a9e41…` (fetched 2026-01-04T18:30:01.220331)',
      '- deployed in 1 project:',
      '  - project · `.claude` · `claude_code` — same as the lock',
    ].join('\n'));
  });

  it('lists a composite’s children', () => {
    const h = hover(C, '"kit"')!;
    assert.match(h.markdown, /^\*\*composite\*\* `kit` · collection `main`/);
    assert.match(h.markdown, /- contains `command:review`, `skill:pdf-tools`/);
    assert.match(h.markdown, /- not deployed in any project of the workspace/);
  });

  it('shows a deployed record with its drift against the lock', () => {
    const h = hover(D, '"release-notes.md"')!;
    assert.deepEqual(h.range, { start: { line: 16, character: 16 }, end: { line: 16, character: 34 } });
    assert.equal(h.markdown.split('\n---\n')[0], [
      '**deployed record** of `agent:release-notes` from `main`',
      '- deployed at `2026-03-02T09:41:08`',
      '- profile `claude_code` in `.claude`',
      '- content `7b9d1f3a5c7e…`',
      '',
    ].join('\n'));
    const drifted = new Fixture(variant('deployed', 'content_hash = "0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7"', 'content_hash = "1111111111111111111111111111111111111111111111111111111111111111"'));
    try {
      const d = hoverAt(drifted.ws, drifted.file(D), drifted.at(D, '"pdf-tools"', 1))!;
      assert.match(d.markdown, /- content `111111111111…` — the lock is at `0c7d6b2a9e41…` \(version drift\)/);
      assert.match(d.markdown, /  - project · `\.claude` · `claude_code` — at `111111111111…`, the lock is at `0c7d6b2a9e41…`/);
    } finally {
      drifted.dispose();
    }
  });

  it('shows a lock key with its entry', () => {
    const h = hover(L, '"pdf-tools::skill"')!;
    assert.ok(h.markdown.startsWith('**lock entry** `pdf-tools::skill`\n- content `0c7d6b2a9e41…`\n- fetched `2026-01-04T18:30:01.220331`\n\n---\n\n**skill** `pdf-tools`'));
  });

  it('resolves a uuid and a skip key to their artifact', () => {
    assert.match(hover(D, '"9b2e6c1f')!.markdown, /^\*\*skill\*\* `pdf-tools` · collection `main`/);
    assert.match(hover(S, '"agent:release-notes"', 3)!.markdown, /^\*\*agent\*\* `release-notes` · collection `main`/);
  });

  it('explains a broken reference with the closest names', () => {
    const bad = new Fixture(variant('collection', 'members = ["skill:pdf-tools"', 'members = ["skill:pdf-tool"'));
    try {
      const h = hoverAt(bad.ws, bad.file(C), bad.at(C, '"skill:pdf-tool"', 3))!;
      assert.equal(h.markdown, [
        '**unknown artifact** `skill:pdf-tool`',
        '',
        'No skill named `pdf-tool` in collection `main`.',
        '',
        '⚠ member "skill:pdf-tool" of group "Writing kit" names no skill in collection "main" (did you mean "skill:pdf-tools"?) (`unknown-reference`)',
        '',
        'Closest: `skill:pdf-tools`',
      ].join('\n'));
      const u = hoverAt(bad.ws, bad.file(C), bad.at(C, '"skill:pdf-tool"', 2))!;
      assert.equal(u.markdown, h.markdown);
    } finally {
      bad.dispose();
    }
  });

  it('describes a tag, a group, a path, a collection, a key and a value', () => {
    assert.equal(hover(C, '"python"]')!.markdown, '**tag** `Python` · slug `python`\n\ncolour `#facc15`\n\nUsed by `skill:pdf-tools`');
    assert.equal(hover(C, '"Writing kit"')!.markdown, '**group** `Writing kit` · 2 members\n\ncolour `blue` · icon `layers` · position 0\n\n- `skill:pdf-tools`\n- `agent:release-notes`');
    assert.equal(hover(C, '"plugins/kit"')!.markdown, `**path** \`plugins/kit\`\n\n[plugins/kit/plugin.json](${url('collections/main/plugins/kit/plugin.json')})`);
    assert.match(hover(D, 'from_collection = "main"', 19)!.markdown, /^\*\*collection\*\* `main`\n\n- folder `.*collections\/main`\n- 4 artifacts, 1 group, 2 tag definitions\n- 1 lock entry\n- composites `kit`$/);
    assert.equal(hover(C, 'link_type')!.markdown, '`link_type` (string)\n\nHow the artifacts relate (default `requires`).\n\nValues: `requires`, `enables`, `related`');
    assert.equal(hover(C, '"requires"')!.markdown, '`requires` — This artifact needs the linked one.');
    assert.equal(hover(C, 'color = "blue"', 9), undefined, 'a free value has no hover');
  });

  it('says when a tag has no definition and a path leaves its root', () => {
    const fx2 = new Fixture(variant('collection', 'tags = ["Documents", "python"]', 'tags = ["Documents", "draft"]\n'));
    try {
      assert.equal(hoverAt(fx2.ws, fx2.file(C), fx2.at(C, '"draft"', 1))!.markdown, '**tag** `draft` · slug `draft`\n\nNo `[[tag_definitions]]` entry has this slug; SkillMeat creates the tag without a colour.\n\nUsed by `skill:pdf-tools`');
    } finally {
      fx2.dispose();
    }
    const fx3 = new Fixture(variant('deployed', 'artifact_path = "skills/pdf-tools"', 'artifact_path = "../../etc"'));
    try {
      assert.equal(hoverAt(fx3.ws, fx3.file(D), fx3.at(D, '"../../etc"', 1))!.markdown, '**path** `../../etc` leaves its root through ".."; it is never followed.');
    } finally {
      fx3.dispose();
    }
  });
});
