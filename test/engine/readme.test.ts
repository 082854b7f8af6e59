import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withRules } from '../../scripts/rulesDoc';
import { allRules } from '../../server/src/engine';
import { FIX_HINTS } from '../../server/src/engine/diagnostics/fixHints';

describe('README documents every rule', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

  it('has a heading (the link target of each diagnostic) for every code', () => {
    for (const r of allRules()) assert.ok(readme.includes(`\n#### ${r.code}\n`), `README lacks #### ${r.code}`);
  });

  it('its rules section is up to date with the rule table (run npx tsx scripts/rulesDoc.ts --write)', () => {
    assert.equal(withRules(readme), readme);
  });

  it('every rule has a fix hint', () => {
    assert.deepEqual(allRules().map((r) => r.code).filter((c) => !FIX_HINTS[c]), []);
  });
});
