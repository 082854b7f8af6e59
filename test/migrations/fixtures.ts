// Legacy (0001) datasets, seeding, and exact table/schema snapshots for migration tests.
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { migrateUp } from '../../server/src/engine/cache/migrate';

export interface LegacyArtifact {
  type: string;
  name: string;
  path: string;
  origin: string;
  content_hash: string | null;
  created_at: string;
  updated_at: string;
}
export interface LegacyDataset {
  artifacts: LegacyArtifact[];
  collections: { id: string; name: string; description: string | null; created_at: string; updated_at: string }[];
  groups: {
    id: string;
    collection_id: string;
    name: string;
    description: string | null;
    color: string;
    icon: string;
    position: number;
    created_at: string;
    updated_at: string;
  }[];
  tags: { id: string; name: string; slug: string; color: string | null; created_at: string }[];
  collectionArtifacts: { collection_id: string; artifact_id: string; added_at: string; tags_json: string }[];
  groupArtifacts: { group_id: string; artifact_id: string; position: number; added_at: string }[];
  artifactTags: { artifact_id: string; tag_id: string; created_at: string }[];
}

/** A fresh in-memory database with foreign keys on. */
export async function freshDb(): Promise<Database> {
  return newDatabase(await loadSqlJs());
}

function insert(db: Database, table: string, row: Record<string, SqlValue>): void {
  const cols = Object.keys(row);
  db.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row[c]));
}

/** Migrates an empty database to 0001 and loads `data` into it. */
export function seedLegacy(db: Database, data: LegacyDataset): void {
  const r = migrateUp(db, { to: '0001_legacy_schema' });
  if (!r.ok) throw new Error(`seed: ${r.error?.message}`);
  db.exec('BEGIN');
  for (const a of data.artifacts) insert(db, 'artifacts', { id: `${a.type}:${a.name}`, ...a });
  for (const c of data.collections) insert(db, 'collections', { ...c });
  for (const g of data.groups) insert(db, 'groups', { ...g });
  for (const t of data.tags) insert(db, 'tags', { ...t });
  for (const r2 of data.collectionArtifacts) insert(db, 'collection_artifacts', { ...r2 });
  for (const r2 of data.groupArtifacts) insert(db, 'group_artifacts', { ...r2 });
  for (const r2 of data.artifactTags) insert(db, 'artifact_tags', { ...r2 });
  db.exec('COMMIT');
}

const T = (d: number) => `2026-01-${String(1 + (d % 28)).padStart(2, '0')}T10:${String(d % 60).padStart(2, '0')}:00.000001`;

/** A hand-made legacy cache shaped like real SkillMeat data, orphans and odd tags included. */
export function realisticDataset(): LegacyDataset {
  const art = (type: string, name: string, i: number, hash: string | null = `${'ab'.repeat(31)}${String(i).padStart(2, '0')}`): LegacyArtifact => ({
    type,
    name,
    path: type === 'skill' ? `skills/${name}` : `${type}s/${name}.md`,
    origin: i % 3 === 0 ? 'github' : i % 3 === 1 ? 'local' : 'marketplace',
    content_hash: hash,
    created_at: T(i),
    updated_at: T(i + 3),
  });
  const artifacts = [
    art('skill', 'pdf-tools', 1),
    art('agent', 'release-notes', 2),
    art('command', 'deploy', 3, null),
    art('skill', 'docx', 4),
    art('mcp', 'filesystem', 5),
    art('composite', 'writing-kit', 6),
    art('hook', 'pre-commit', 7, ''),
  ];
  const collections = [
    { id: 'c0000000000000000000000000000001', name: 'default', description: null, created_at: T(1), updated_at: T(2) },
    { id: 'c0000000000000000000000000000002', name: 'work', description: 'Work kit', created_at: T(3), updated_at: T(4) },
  ];
  const groups = [
    { id: 'g01', collection_id: collections[0].id, name: 'Writing kit', description: null, color: 'blue', icon: 'layers', position: 0, created_at: T(5), updated_at: T(5) },
    { id: 'g02', collection_id: collections[0].id, name: 'Ops', description: 'ops things', color: '#ff00aa', icon: 'gear', position: 3, created_at: T(6), updated_at: T(7) },
    { id: 'g03', collection_id: collections[1].id, name: 'Writing kit', description: null, color: 'slate', icon: 'layers', position: 0, created_at: T(8), updated_at: T(8) },
  ];
  const tags = [
    { id: 't-documents', name: 'Documents', slug: 'documents', color: '#3b82f6', created_at: T(1) },
    { id: 't-py', name: 'Py', slug: 'python', color: null, created_at: T(2) },
    { id: 't-unused', name: 'unused', slug: 'unused', color: null, created_at: T(3) },
    { id: 't-release', name: 'Release Notes', slug: 'release-notes', color: '#00ff00', created_at: T(4) },
  ];
  const [c1, c2] = collections.map((c) => c.id);
  const collectionArtifacts = [
    // The same artifact in two collections with different arrays, spacing and duplicates.
    { collection_id: c1, artifact_id: 'skill:pdf-tools', added_at: T(10), tags_json: '["documents", "Python", "new-tag"]' },
    { collection_id: c2, artifact_id: 'skill:pdf-tools', added_at: T(11), tags_json: '[ "python" ,"Documents","pdf",  "pdf" ]' },
    { collection_id: c1, artifact_id: 'agent:release-notes', added_at: T(12), tags_json: '["Release notes", "writing", 42, null, "  ", "!!!"]' },
    { collection_id: c1, artifact_id: 'command:deploy', added_at: T(13), tags_json: '[]' },
    { collection_id: c1, artifact_id: 'mcp:filesystem', added_at: T(14), tags_json: '["ünïcode tag", "Ops/Infra"]' },
    { collection_id: c2, artifact_id: 'composite:writing-kit', added_at: T(15), tags_json: '["writing"]' },
    // Orphans: memberships naming artifacts the cache does not have.
    { collection_id: c1, artifact_id: 'skill:ghost', added_at: T(16), tags_json: '["documents"]' },
    { collection_id: c2, artifact_id: 'agent:Release-Notes', added_at: T(17), tags_json: '[]' },
  ];
  const groupArtifacts = [
    { group_id: 'g01', artifact_id: 'skill:pdf-tools', position: 0, added_at: T(20) },
    { group_id: 'g01', artifact_id: 'agent:release-notes', position: 1, added_at: T(21) },
    { group_id: 'g01', artifact_id: 'skill:missing-one', position: 2, added_at: T(22) },
    { group_id: 'g02', artifact_id: 'command:deploy', position: 5, added_at: T(23) },
    { group_id: 'g02', artifact_id: 'hook:pre-commit', position: 0, added_at: T(24) },
    { group_id: 'g03', artifact_id: 'skill:docx', position: 0, added_at: T(25) },
    { group_id: 'g03', artifact_id: 'workflow:gone', position: 1, added_at: T(26) },
  ];
  const artifactTags = [
    { artifact_id: 'skill:pdf-tools', tag_id: 't-documents', created_at: T(30) },
    { artifact_id: 'skill:docx', tag_id: 't-documents', created_at: T(31) },
    { artifact_id: 'agent:release-notes', tag_id: 't-unused', created_at: T(32) },
    { artifact_id: 'skill:ghost', tag_id: 't-py', created_at: T(33) },
    { artifact_id: 'skill:pdf-tools.md', tag_id: 't-release', created_at: T(34) },
  ];
  return { artifacts, collections, groups, tags, collectionArtifacts, groupArtifacts, artifactTags };
}

/** Number of orphan rows per legacy join table in a dataset. */
export function orphanCounts(data: LegacyDataset): Record<string, number> {
  const ids = new Set(data.artifacts.map((a) => `${a.type}:${a.name}`));
  const n = (rows: { artifact_id: string }[]) => rows.filter((r) => !ids.has(r.artifact_id)).length;
  return {
    collection_artifacts: n(data.collectionArtifacts),
    group_artifacts: n(data.groupArtifacts),
    artifact_tags: n(data.artifactTags),
  };
}

function all(db: Database, sql: string): SqlValue[][] {
  const r = db.exec(sql);
  return r.length ? r[0].values : [];
}

/** Each value tagged with its SQLite storage class, so 1 and '1' never compare equal. */
function tagged(v: SqlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? `int:${v}` : `real:${v}`;
  if (typeof v === 'string') return `text:${JSON.stringify(v)}`;
  return `blob:${Buffer.from(v).toString('hex')}`;
}

/** Every table's rows (sorted, typed) keyed by table; bookkeeping tables included unless excluded. */
export function snapshotTables(db: Database, opts: { exclude?: string[] } = {}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const tables = all(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => String(r[0]));
  for (const t of tables) {
    if (opts.exclude?.includes(t)) continue;
    const cols = all(db, `PRAGMA table_info(${t})`).map((r) => String(r[1]));
    const r = db.exec(`SELECT ${cols.join(', ')} FROM ${t}`);
    const rows = r.length ? r[0].values : [];
    out[t] = rows.map((row) => cols.map((c, i) => `${c}=${tagged(row[i])}`).join(' | ')).sort();
  }
  return out;
}

/** Normalises SQL text so cosmetic quoting/spacing from ALTER TABLE does not count. */
export function normaliseSql(sql: string): string {
  return sql
    .replace(/"(\w+)"/g, '$1')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();
}

/** The schema as structure: columns in order, keys, indexes (with partial WHERE), triggers. */
export function schemaShape(db: Database): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const objects = all(db, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  for (const [type, name, , sql] of objects) {
    const n = String(name);
    if (type === 'table') {
      out[`table ${n}`] = {
        columns: all(db, `PRAGMA table_xinfo(${n})`).map((r) => r.slice(1).map(String).join(' ')),
        foreignKeys: all(db, `PRAGMA foreign_key_list(${n})`).map((r) => r.slice(2).map(String).join(' ')),
        indexes: all(db, `PRAGMA index_list(${n})`)
          .map((r) => `${r[1]} unique=${r[2]} origin=${r[3]} partial=${r[4]} (${all(db, `PRAGMA index_xinfo(${JSON.stringify(String(r[1]))})`).filter((x) => x[5]).map((x) => `${x[2]} ${x[3]}`).join(', ')})`)
          .sort(),
        checks: (String(sql).match(/CHECK\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)/gi) ?? []).map(normaliseSql).sort(),
      };
    } else if (sql !== null) {
      out[`${type} ${n}`] = normaliseSql(String(sql));
    }
  }
  return out;
}

/** Seeds a legacy dataset and migrates to `to`, failing loudly if anything goes wrong. */
export async function dbAt(to: string, data: LegacyDataset = realisticDataset()): Promise<Database> {
  const db = await freshDb();
  seedLegacy(db, data);
  const r = migrateUp(db, { to });
  if (!r.ok) throw new Error(`dbAt(${to}): ${r.error?.message}`);
  return db;
}
