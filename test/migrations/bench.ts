// Manual benchmark (not a test): migrate a large legacy cache up to head and back.
// Run: npx tsx test/migrations/bench.ts [artifacts=100000]
import { performance } from 'node:perf_hooks';
import { migrateDown, migrateUp } from '../../server/src/engine/cache/migrate';
import { loadSqlJs, newDatabase } from '../../server/src/engine/cache/sqljs';
import { inspectImage } from '../../server/src/engine/cache/db';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const SQL = await loadSqlJs();
  const db = newDatabase(SQL);
  const r0 = migrateUp(db, { to: '0001' });
  if (!r0.ok) throw new Error(r0.error?.message);
  const t0 = performance.now();
  db.exec('BEGIN');
  db.run("INSERT INTO collections VALUES ('c1', 'default', NULL, 't', 't'), ('c2', 'work', NULL, 't', 't')");
  db.run("INSERT INTO groups (id, collection_id, name, position, created_at, updated_at) VALUES ('g1', 'c1', 'one', 0, 't', 't'), ('g2', 'c2', 'two', 1, 't', 't')");
  const tags = ['documents', 'python', 'ops', 'writing', 'pdf', 'ml', 'web', 'data'];
  tags.forEach((t, i) => db.run('INSERT INTO tags VALUES (?, ?, ?, NULL, ?)', [`t${i}`, t, t, 't']));
  const art = db.prepare("INSERT INTO artifacts VALUES (?, ?, 'skill', ?, 'local', ?, 't', 't')");
  const ca = db.prepare('INSERT INTO collection_artifacts VALUES (?, ?, ?, ?)');
  const ga = db.prepare('INSERT INTO group_artifacts VALUES (?, ?, ?, ?)');
  const at = db.prepare('INSERT INTO artifact_tags VALUES (?, ?, ?)');
  for (let i = 0; i < n; i++) {
    const name = `artifact-${i}`;
    art.run([`skill:${name}`, name, `skills/${name}`, i.toString(16).padStart(64, '0')]);
    // 1 % of join rows are orphans (named artifacts that do not exist).
    const id = i % 100 === 99 ? `skill:ghost-${i}` : `skill:${name}`;
    ca.run([i % 2 ? 'c1' : 'c2', id, 't', JSON.stringify([tags[i % 8], tags[(i + 3) % 8]])]);
    ga.run([i % 2 ? 'g1' : 'g2', id, i, 't']);
    at.run([id, `t${i % 8}`, 't']);
  }
  for (const s of [art, ca, ga, at]) s.free();
  db.exec('COMMIT');
  const seeded = performance.now() - t0;
  const ms = (x: number) => `${Math.round(x)} ms`;
  console.log(`seeded ${n} artifacts + ${3 * n} join rows in ${ms(seeded)}; image ${(db.export().length / 1048576).toFixed(1)} MiB`);
  // CPU time next to wall time: the shared machine's load inflates wall time, not CPU time.
  const cpu = (c: NodeJS.CpuUsage) => `${Math.round((c.user + c.system) / 1000)} ms CPU`;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const up = migrateUp(db);
  const upMs = performance.now() - t1;
  if (!up.ok) throw new Error(up.error?.message);
  console.log(`up to head: ${ms(upMs)} wall, ${cpu(process.cpuUsage(c1))}; compacted ${up.compacted}; orphans set aside ${JSON.stringify(up.orphansRemoved)}`);
  for (const a of up.applied) console.log(`  ${a.id.padEnd(32)} ${a.durationMs} ms`);
  const image = db.export();
  console.log(`head image ${(image.length / 1048576).toFixed(1)} MiB`);
  const t3 = performance.now();
  const c3 = process.cpuUsage();
  const check = inspectImage(SQL, image);
  console.log(`open + integrity_check of head image: ${ms(performance.now() - t3)} wall, ${cpu(process.cpuUsage(c3))} (${'db' in check ? 'ok' : check.reason})`);
  if ('db' in check) check.db.close();
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const down = migrateDown(db, { to: '0001' });
  const downMs = performance.now() - t2;
  if (!down.ok) throw new Error(down.error?.message);
  console.log(`down to 0001: ${ms(downMs)} wall, ${cpu(process.cpuUsage(c2))}; orphans restored ${JSON.stringify(down.orphansRestored)}`);
  for (const a of down.applied) console.log(`  ${a.id.padEnd(32)} ${a.durationMs} ms`);
  console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
