// Parse-only reference: walk the workspace the way the engine does, read every SkillMeat file
// and parse it with smol-toml (values only, no positions, no rules). Prints JSON on stdout.
// Run as a child process so it pays the same cold JIT as the server; node start-up excluded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { listManifests } from './corpora.mjs';

const require = createRequire(import.meta.url);
const t0 = process.hrtime.bigint();
const { parse } = require('smol-toml');
const roots = process.argv.slice(2);
let files = 0;
let bytes = 0;
let errors = 0;
for (const root of roots) {
  for (const f of listManifests(root)) {
    const text = readFileSync(f, 'utf8');
    files++;
    bytes += text.length;
    try {
      if (f.endsWith('.json')) JSON.parse(text);
      else parse(text);
    } catch {
      errors++;
    }
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(JSON.stringify({ ms, files, bytes, errors }) + '\n');
