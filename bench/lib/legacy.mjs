// A legacy (0001_legacy_schema) cache of realistic size, filled through sql.js directly:
// 100k artifacts and 300k join rows (collection memberships with tags_json, group members,
// artifact tags), 0.1 % of each join table orphaned the way old caches are.
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../corpus.mjs';
import { CORPUS_DIR } from './corpora.mjs';

const TYPES = ['skill', 'command', 'agent', 'hook', 'mcp', 'workflow'];
const TAGS = ['Documents', 'Python', 'Release Notes', 'ops', 'writing', 'data', 'sql', 'review', 'api', 'testing', 'security', 'design'];
const hex = (r, n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const T = (d) => `2026-01-${String(1 + (d % 28)).padStart(2, '0')}T10:${String(d % 60).padStart(2, '0')}:00.${String(d % 1e6).padStart(6, '0')}`;

export const LEGACY = { artifacts: 100_000, collections: 100, groups: 2_000, joinRowsPerTable: 100_000, orphansPerTable: 100, seed: 7 };

/** Path of the legacy database, built once per parameter set. */
export async function ensureLegacyDb(api, log = () => {}) {
  const p = LEGACY;
  const file = join(CORPUS_DIR, `legacy-0001-${p.artifacts / 1000}k-s${p.seed}-v2.db`);
  if (existsSync(file)) return { file, reused: true };
  log('filling a 0001 database (100k artifacts, 300k join rows) through sql.js…');
  const t = Date.now();
  const SQL = await api.loadSqlJs();
  const db = api.newDatabase(SQL);
  const up = api.migrateUp(db, { to: '0001_legacy_schema' });
  if (!up.ok) throw new Error(`0001 schema: ${up.error?.message}`);
  const r = rng(p.seed);
  db.exec('BEGIN');
  const ins = (sql) => db.prepare(sql);
  const art = ins('INSERT INTO artifacts (id, name, type, path, origin, content_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const ids = [];
  for (let i = 0; i < p.artifacts; i++) {
    const type = TYPES[i % TYPES.length];
    const name = `artifact-${i}`;
    ids.push(`${type}:${name}`);
    art.run([`${type}:${name}`, name, type, type === 'skill' ? `skills/${name}` : `${type}s/${name}.md`, ['github', 'local', 'marketplace'][i % 3], hex(r, 64), T(i), T(i + 3)]);
  }
  art.free();
  const colIds = [];
  const col = ins('INSERT INTO collections (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  for (let c = 0; c < p.collections; c++) {
    colIds.push(hex(r, 32));
    col.run([colIds[c], `col-${c}`, c % 2 ? null : `Collection ${c}`, T(c), T(c + 1)]);
  }
  col.free();
  const tag = ins('INSERT INTO tags (id, name, slug, color, created_at) VALUES (?, ?, ?, ?, ?)');
  const tagIds = TAGS.map((name, i) => {
    const id = `t-${i}`;
    tag.run([id, name, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), i % 2 ? null : '#3b82f6', T(i)]);
    return id;
  });
  tag.free();
  const grp = ins('INSERT INTO groups (id, collection_id, name, description, color, icon, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const groupIds = [];
  for (let g = 0; g < p.groups; g++) {
    groupIds.push(`g-${g}`);
    grp.run([`g-${g}`, colIds[g % p.collections], `Group ${g}`, null, 'blue', 'layers', Math.floor(g / p.collections), T(g), T(g)]);
  }
  grp.free();
  const orphanFrom = p.joinRowsPerTable - p.orphansPerTable;
  const idAt = (i) => (i >= orphanFrom ? `skill:ghost-${i}` : ids[i]);
  const ca = ins('INSERT INTO collection_artifacts (collection_id, artifact_id, added_at, tags_json) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < p.joinRowsPerTable; i++) {
    const tags = [TAGS[i % TAGS.length], TAGS[(i * 7 + 3) % TAGS.length]];
    ca.run([colIds[i % p.collections], idAt(i), T(i), JSON.stringify(i % 5 === 0 ? [tags[0]] : tags)]);
  }
  ca.free();
  const per = p.joinRowsPerTable / p.groups;
  const ga = ins('INSERT INTO group_artifacts (group_id, artifact_id, position, added_at) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < p.joinRowsPerTable; i++) ga.run([groupIds[Math.floor(i / per)], idAt(i), i % per, T(i)]);
  ga.free();
  const at = ins('INSERT INTO artifact_tags (artifact_id, tag_id, created_at) VALUES (?, ?, ?)');
  for (let i = 0; i < p.joinRowsPerTable; i++) at.run([idAt(i), tagIds[i % tagIds.length], T(i)]);
  at.free();
  db.exec('COMMIT');
  const bytes = db.export();
  db.close();
  writeFileSync(`${file}.tmp`, bytes, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  log(`  filled in ${((Date.now() - t) / 1000).toFixed(1)} s (${(bytes.length / 2 ** 20).toFixed(1)} MiB)`);
  return { file, reused: false };
}

export const readBytes = (f) => readFileSync(f);
