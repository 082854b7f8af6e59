/**
 * Typing in an open collection re-reads only the artifact element the edit is in
 * (workspace/incremental.ts). Whatever it answers must be exactly what analysing the whole new
 * text gives: the tree, the model and the file's own findings, offsets and ranges included.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyzeText, type SourceFile } from '../../server/src/engine/workspace/sourceFile';
import { reanalyzeCollectionEdit } from '../../server/src/engine/workspace/incremental';
import { Workspace, type Host } from '../../server/src/engine';

const REAL = path.resolve(__dirname, '../../../shared/fixtures/real');
const FILE = '/w/c/collection.toml';

/** A collection with the shapes an edit can meet: sub-tables, linked artifacts, multi-line arrays, other tables between and after the elements, findings everywhere. */
function generated(n: number, collectionFirst: boolean): string {
  const head = '[collection]\nname = "gen"\nversion = "1.0.0"\ncreated = "2025-01-01T00:00:00"\nupdated = 2025-01-02T00:00:00Z\n\n';
  let out = collectionFirst ? head : '# generated\n';
  for (let i = 0; i < n; i++) {
    out += `[[artifacts]]\nname = "art-${i}"\ntype = "${i % 7 === 3 ? 'skills' : 'skill'}"\npath = "skills/art-${i}"\norigin = "local"\n`;
    if (i % 5 !== 2) out += `added = "2025-03-0${(i % 9) + 1}T10:00:00"\n`;
    if (i % 4 === 0) out += `tags = [\n  "t${i}",\n  "shared",\n]\n`;
    if (i % 6 === 1) out += `uuid = 42\n`;
    if (i % 3 === 0) {
      out += `\n[artifacts.metadata]\ndescription = "Artifact ${i} — ünïcode 😀"\ntitle = "T${i}"\n`;
      if (i % 9 === 0) out += `\n[[artifacts.metadata.linked_artifacts]]\nartifact_name = "art-${i + 1}"\nlink_type = "requires"\n`;
    }
    if (i === Math.floor(n / 2)) out += `\n[[groups]]\nname = "g"\nmembers = ["skill:art-0", "skill:art-1"]\n`;
    out += '\n';
  }
  out += '[[mcp_servers]]\nname = "m"\nrepo = "o/r"\nstatus = "weird"\n\n[[tag_definitions]]\nname = "shared"\nslug = "shared"\n';
  if (!collectionFirst) out += '\n' + head;
  return out;
}

const SNIPPETS = ['x', 'é', '😀', '"', "'", '\n', '\r\n', ' = ', 'a = 1\n', 'name = "z"\n', '[', ']', '[[artifacts]]\n', '[artifacts.metadata]\n', '"""', '#', 'tags = ["a",\n"b"]\n', '2024-01-01T00:00:00Z', 'type = "agent"\n', 'origin = "github"\n', ','];

/** Everything a reader of a SourceFile sees, as text. */
function digest(sf: SourceFile): string {
  const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v);
  const local = sf.local.map((d) => JSON.stringify(d, replacer)).sort();
  return JSON.stringify({ text: sf.text, version: sf.version, root: sf.root, model: sf.model, local }, replacer);
}

/** An edit somewhere in the text: insert, delete or replace. */
const edit = fc.tuple(fc.integer({ min: 0, max: 1_000_000 }).map((x) => (x * 2654435761) % 1_000_001), // spread fast-check's bias to small and large values over the file
   fc.integer({ min: 0, max: SNIPPETS.length - 1 }), fc.integer({ min: 0, max: 12 }), fc.constantFrom('insert', 'delete', 'replace', 'insert'));

function apply(text: string, [where, snippet, len, op]: [number, number, number, string]): string {
  const at = Math.floor((where / 1_000_001) * text.length);
  const end = Math.min(text.length, at + len);
  if (op === 'insert') return text.slice(0, at) + SNIPPETS[snippet] + text.slice(at);
  if (op === 'delete') return text.slice(0, at) + text.slice(end);
  return text.slice(0, at) + SNIPPETS[snippet] + text.slice(end);
}

/** Runs chains of edits from `base`; each incremental answer must equal the full analysis. Returns how many were incremental, of how many went from one well-formed text to another. */
function chains(base: string, runs: number, seed: number): { incremental: number; edits: number } {
  let incremental = 0;
  let edits = 0;
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 25 }), (steps) => {
      let version = 1;
      let prev = analyzeText(FILE, 'collection', base, version);
      for (const step of steps) {
        const text = apply(prev.text, step);
        version++;
        const full = analyzeText(FILE, 'collection', text, version);
        const inc = reanalyzeCollectionEdit(prev, text, version);
        // Edits between two texts without syntax errors are the ones the fast path is for.
        const clean = (sf: SourceFile) => !sf.local.some((d) => d.code === 'toml-syntax');
        if (clean(prev) && clean(full)) edits++;
        if (inc) {
          incremental++;
          assert.equal(digest(inc), digest(full));
        }
        prev = inc ?? full;
      }
    }),
    { numRuns: runs, seed },
  );
  return { incremental, edits };
}

describe('an edit in an open collection re-reads only its artifact element', () => {
  it('gives exactly the full analysis after chains of random edits (collection table last)', () => {
    const r = chains(generated(24, false), 150, 7);
    // Most edits land inside an element and parse: the fast path must actually be taken.
    assert.ok(r.incremental > r.edits * 0.5, `only ${r.incremental} of ${r.edits} edits between well-formed texts were incremental`);
  });

  it('gives exactly the full analysis after chains of random edits (collection table first)', () => {
    const r = chains(generated(12, true), 100, 8);
    assert.ok(r.incremental > r.edits * 0.5, `only ${r.incremental} of ${r.edits} edits between well-formed texts were incremental`);
  });

  it('gives exactly the full analysis on the real collection files', function () {
    const files = fs.existsSync(REAL) ? fs.readdirSync(REAL).filter((f) => f.endsWith('.toml') && fs.readFileSync(path.join(REAL, f), 'utf8').includes('[[artifacts]]')) : [];
    if (files.length === 0) this.skip();
    for (const [i, f] of files.entries()) chains(fs.readFileSync(path.join(REAL, f), 'utf8'), 30, 100 + i);
  });

  it('typing in a description, character by character, stays incremental and exact', () => {
    let text = generated(30, false);
    let prev = analyzeText(FILE, 'collection', text, 1);
    let at = text.indexOf('description = "Artifact 15') + 'description = "Artifact 15'.length;
    for (let v = 2; v < 40; v++) {
      text = v < 25 ? text.slice(0, at) + 'y' + text.slice(at) : text.slice(0, at - 1) + text.slice(at);
      at += v < 25 ? 1 : -1;
      const inc = reanalyzeCollectionEdit(prev, text, v);
      assert.ok(inc, `keystroke ${v} was not incremental`);
      assert.equal(digest(inc), digest(analyzeText(FILE, 'collection', text, v)));
      prev = inc;
    }
  });

  it('falls back to the whole file for edits it cannot localise', () => {
    const text = generated(6, true);
    const prev = analyzeText(FILE, 'collection', text, 1);
    const at = text.indexOf('origin = "local"');
    // A new header inside an element, an unclosed string, an edit of a header, an edit outside any element.
    for (const next of [text.slice(0, at) + '[[groups]]\n' + text.slice(at), text.slice(0, at) + 'x = """\n' + text.slice(at), text.replace('[[artifacts]]', '[[artifact]]'), text.replace('name = "gen"', 'name = "gem"')]) {
      assert.equal(reanalyzeCollectionEdit(prev, next, 2), undefined);
    }
    // A file with syntax errors is read whole.
    const broken = analyzeText(FILE, 'collection', text.replace('origin = "local"', 'origin = '), 1);
    assert.equal(reanalyzeCollectionEdit(broken, broken.text.replace('art-1"', 'art-9"'), 2), undefined);
  });

  it('a workspace typing in an open collection reports what a fresh workspace reports', () => {
    const host: Host = { readFile: () => new Error('none'), stat: () => undefined, readDir: () => [], realPath: () => undefined };
    let text = generated(20, false);
    const ws = new Workspace(host);
    ws.setText(FILE, text, 1);
    ws.diagnostics();
    const at = text.indexOf('name = "art-7"') + 'name = "art-'.length;
    for (const [v, next] of [[2, text.slice(0, at) + '1' + text.slice(at)], [3, text.slice(0, at) + '12' + text.slice(at)], [4, text]] as const) {
      ws.setText(FILE, next, v);
      const fresh = new Workspace(host);
      fresh.setText(FILE, next, v);
      const show = (w: Workspace) => JSON.stringify(w.diagnosticsOf(FILE).map((d) => [d.span, d.range, d.code, d.message, d.data, d.related]));
      assert.equal(show(ws), show(fresh));
      text = next;
    }
  });
});
