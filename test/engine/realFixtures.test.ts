import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine';
import { nodeHost } from '../../server/src/host/nodeHost';
import { TempDir } from '../helpers/tempWorkspace';

const REAL = path.resolve(__dirname, '../../../shared/fixtures/real');

/** Where each real file goes in a workspace, by its fixture name, and what we expect of it. */
const PLACES: { prefix: string; place: (name: string) => string; expected: (string | RegExp)[] }[] = [
  // No skill folder exists beside this test file, so only path-missing is expected.
  { prefix: 'collection.tests-old-format', place: () => 'collections/legacy/collection.toml', expected: ['path-missing'] },
  // Members alpha and beta are not artifacts of the collection: SkillMeat's _recover_groups skips them too.
  { prefix: 'collection.tests-recover-groups', place: () => 'collections/default/collection.toml', expected: ['unknown-reference', 'unknown-reference'] },
  { prefix: 'deployed.', place: (n) => `projects/${n}/.claude/.skillmeat-deployed.toml`, expected: [] },
  { prefix: 'skillmeat-project.', place: () => 'project/.claude/.skillmeat-project.toml', expected: [] },
];

describe('real SkillMeat files load without false errors', () => {
  const files = fs.existsSync(REAL) ? fs.readdirSync(REAL).filter((f) => f.endsWith('.toml')) : [];

  it('finds the real fixtures', () => {
    assert.ok(files.length >= 6, `expected the real fixtures in ${REAL}`);
  });

  for (const f of files) {
    it(f, () => {
      const place = PLACES.find((p) => f.startsWith(p.prefix));
      assert.ok(place, `no placement for ${f}`);
      const dir = new TempDir();
      try {
        const rel = place.place(f.replace(/\.toml$/, ''));
        const full = dir.path(rel);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.copyFileSync(path.join(REAL, f), full);
        const ws = new Workspace(nodeHost);
        ws.scan(dir.root);
        const ds = ws.diagnosticsOf(full);
        assert.deepEqual(ds.filter((d) => d.severity === 'error').map((d) => d.message), []);
        assert.deepEqual(ds.map((d) => d.code).sort(), [...place.expected].sort());
      } finally {
        dir.dispose();
      }
    });
  }

  it('the head deployed file resolves fully against a collection that holds its artifacts', () => {
    const dir = new TempDir();
    try {
      const deployed = fs.readFileSync(path.join(REAL, 'deployed.skillmeat-repo.head.toml'), 'utf8');
      const recs = [...deployed.matchAll(/artifact_name = "([^"]+)"\nartifact_type = "([^"]+)"/g)];
      let toml = '[collection]\nname = "default"\nversion = "1.0.0"\ncreated = "2026-01-01T00:00:00"\nupdated = "2026-01-01T00:00:00"\n';
      const seen = new Set<string>();
      for (const [, name, type] of recs) {
        if (seen.has(type + name)) continue;
        seen.add(type + name);
        const p = type === 'skill' ? `skills/${name}` : `${type}s/${name}.md`;
        toml += `\n[[artifacts]]\nname = ${JSON.stringify(name)}\ntype = "${type}"\npath = ${JSON.stringify(p)}\norigin = "local"\nadded = "2026-01-01T00:00:00"\n`;
        dir.write({ [`collections/default/${type === 'skill' ? p + '/SKILL.md' : p}`]: '# x\n' });
      }
      dir.write({ 'collections/default/collection.toml': toml, 'project/.claude/.skillmeat-deployed.toml': deployed });
      const ws = new Workspace(nodeHost);
      ws.scan(dir.root);
      const ds = ws.diagnosticsOf(dir.path('project/.claude/.skillmeat-deployed.toml'));
      assert.deepEqual(ds.map((d) => `${d.code} ${d.message}`), []);
      const cds = ws.diagnosticsOf(dir.path('collections/default/collection.toml'));
      // "Design Principles" and "design-principles" are distinct names SkillMeat accepts: a warning at most.
      assert.deepEqual(cds.filter((d) => d.severity === 'error'), []);
    } finally {
      dir.dispose();
    }
  });
});
