import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TomlValue } from '../../server/src/engine/toml/ast';
import { decodeToml } from '../../server/src/engine/toml/decode';
import { parseToml } from '../../server/src/engine/toml/parse';

// Holds our parser to the official TOML 1.0.0 conformance suite (toml-lang/toml-test), which
// CI clones beside the repository as shared/toml-test.
const SUITE = path.resolve(__dirname, '../../../shared/toml-test');

/** Reads a case the way the editor will: bytes, strict UTF-8 decoding, then the parser. */
function parseFile(file: string): ReturnType<typeof parseToml> & { text: string } {
  const decoded = decodeToml(fs.readFileSync(file));
  const result = parseToml(decoded.text);
  return { text: decoded.text, root: result.root, errors: [...decoded.errors, ...result.errors] };
}

function isTagged(x: unknown): x is { type: string; value: string } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 2 && typeof (x as { type?: unknown }).type === 'string' && typeof (x as { value?: unknown }).value === 'string';
}

/** Datetimes compare by meaning-preserving normal form: `T`/`Z` upper-case, fraction without trailing zeros. */
function normalDateTime(s: string): string {
  let out = s.toUpperCase();
  if (out.length > 10 && out[10] === ' ') out = out.slice(0, 10) + 'T' + out.slice(11);
  return out.replace(/\.(\d*?)0*(?=$|[Z+-])/, (_m, digits: string) => (digits ? '.' + digits : ''));
}

function floatOf(s: string): number {
  const t = s.replace(/^\+/, '');
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(t);
}

/** Why our value differs from the suite's tagged JSON, or undefined when they agree. */
function difference(ours: TomlValue, expected: unknown, at: string): string | undefined {
  if (ours.kind === 'table') {
    if (typeof expected !== 'object' || expected === null || Array.isArray(expected) || isTagged(expected)) {
      return `${at}: got a table, expected ${JSON.stringify(expected)}`;
    }
    const exp = expected as Record<string, unknown>;
    const ourKeys = [...ours.entries.keys()].sort();
    const expKeys = Object.keys(exp).sort();
    if (JSON.stringify(ourKeys) !== JSON.stringify(expKeys)) {
      return `${at}: keys ${JSON.stringify(ourKeys)} != expected ${JSON.stringify(expKeys)}`;
    }
    for (const key of ourKeys) {
      const d = difference(ours.entries.get(key)!.value, exp[key], `${at}.${key}`);
      if (d) return d;
    }
    return undefined;
  }
  if (ours.kind === 'array') {
    if (!Array.isArray(expected)) return `${at}: got an array, expected ${JSON.stringify(expected)}`;
    if (expected.length !== ours.items.length) return `${at}: ${ours.items.length} items, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = difference(ours.items[i], expected[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (!isTagged(expected)) return `${at}: got a ${ours.kind}, expected ${JSON.stringify(expected)}`;
  const { type, value } = expected;
  const want = `${at}: expected ${type} ${JSON.stringify(value)}`;
  switch (ours.kind) {
    case 'string':
      return type === 'string' && ours.value === value ? undefined : `${want}, got string ${JSON.stringify(ours.value)}`;
    case 'integer':
      return type === 'integer' && BigInt(value) === ours.value ? undefined : `${want}, got integer ${ours.value}`;
    case 'float': {
      const e = floatOf(value);
      const same = Number.isNaN(e) ? Number.isNaN(ours.value) : Object.is(e, ours.value) || e === ours.value;
      return type === 'float' && same ? undefined : `${want}, got float ${ours.value}`;
    }
    case 'boolean':
      return type === 'bool' && String(ours.value) === value ? undefined : `${want}, got boolean ${ours.value}`;
    default:
      return type === ours.kind && normalDateTime(ours.text) === normalDateTime(value)
        ? undefined
        : `${want}, got ${ours.kind} ${JSON.stringify(ours.text)}`;
  }
}

describe('toml-test 1.0.0 conformance', function () {
  if (!fs.existsSync(path.join(SUITE, 'tests', 'files-toml-1.0.0'))) {
    it('needs the toml-test suite', function () {
      console.log(`  toml-test not found at ${SUITE}: conformance skipped (clone the shared/ folder beside the repository)`);
      this.skip();
    });
    return;
  }

  it('accepts every valid case with the expected value and rejects every invalid case', function () {
    const tests = path.join(SUITE, 'tests');
    const list = fs.readFileSync(path.join(tests, 'files-toml-1.0.0'), 'utf8').split('\n').map((l) => l.trim());
    const valid = list.filter((f) => f.startsWith('valid/') && f.endsWith('.toml'));
    const invalid = list.filter((f) => f.startsWith('invalid/') && f.endsWith('.toml'));
    const failures: string[] = [];

    let validPassed = 0;
    for (const name of valid) {
      const file = path.join(tests, name);
      const { root, errors } = parseFile(file);
      const expected: unknown = JSON.parse(fs.readFileSync(file.replace(/\.toml$/, '.json'), 'utf8'));
      const problem = errors.length > 0 ? `unexpected error: ${errors[0].message}` : difference(root, expected, '$');
      if (problem) failures.push(`${name}: ${problem}`);
      else validPassed++;
    }

    let invalidPassed = 0;
    for (const name of invalid) {
      const { text, errors } = parseFile(path.join(tests, name));
      const outside = errors.find((e) => !(e.span.start >= 0 && e.span.start <= e.span.end && e.span.end <= text.length));
      if (errors.length === 0) failures.push(`${name}: accepted`);
      else if (outside) failures.push(`${name}: error span ${JSON.stringify(outside.span)} outside the text (${text.length})`);
      else invalidPassed++;
    }

    console.log(`  toml-test 1.0.0: valid ${validPassed}/${valid.length}, invalid ${invalidPassed}/${invalid.length}`);
    assert.ok(valid.length >= 200 && invalid.length >= 400, 'the case list looks truncated');
    assert.deepEqual(failures, [], `${failures.length} toml-test case(s) failed:\n  ${failures.join('\n  ')}`);
  });
});
