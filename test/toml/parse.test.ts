import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Span } from '../../server/src/engine/text/lineIndex';
import type { TomlArray, TomlEntry, TomlParseResult, TomlTable, TomlValue } from '../../server/src/engine/toml/ast';
import { decodeToml } from '../../server/src/engine/toml/decode';
import { parseToml } from '../../server/src/engine/toml/parse';
import { toPlain } from '../../server/src/engine/toml/plain';

/** Parses text that must be valid. */
function ok(text: string): TomlTable {
  const { root, errors } = parseToml(text);
  assert.deepEqual(errors, [], 'expected no errors');
  return root;
}

/** The entry at a key path; array steps are numbers. */
function entryAt(table: TomlTable, ...path: Array<string | number>): TomlEntry {
  let value: TomlValue = table;
  let entry: TomlEntry | undefined;
  for (const step of path) {
    if (typeof step === 'number') {
      assert.equal(value.kind, 'array');
      value = (value as TomlArray).items[step];
      continue;
    }
    assert.equal(value.kind, 'table', `not a table before ${step}`);
    entry = (value as TomlTable).entries.get(step);
    assert.ok(entry, `no key ${step}`);
    value = entry.value;
  }
  assert.ok(entry);
  return entry;
}

/** The span of the n-th occurrence of `needle` in `text`. */
function spanOf(text: string, needle: string, n = 0): Span {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${JSON.stringify(needle)} #${n} not in text`);
  }
  return { start: at, end: at + needle.length };
}

/** Every span in the result lies within the text and is ordered. */
function assertSpansInside(result: TomlParseResult, length: number): void {
  const check = (s: Span | undefined, what: string): void => {
    if (!s) return;
    assert.ok(Number.isInteger(s.start) && Number.isInteger(s.end), `${what}: non-integer span`);
    assert.ok(s.start >= 0 && s.start <= s.end && s.end <= length, `${what}: span ${JSON.stringify(s)} outside [0, ${length}]`);
  };
  const walk = (v: TomlValue): void => {
    check(v.span, v.kind);
    if (v.kind === 'array') v.items.forEach(walk);
    if (v.kind === 'table') {
      check(v.headerSpan, 'headerSpan');
      for (const e of v.entries.values()) {
        check(e.keySpan, `key ${e.key}`);
        walk(e.value);
      }
    }
  };
  walk(result.root);
  for (const e of result.errors) {
    check(e.span, `error ${e.message}`);
    assert.equal(e.code, 'toml-syntax');
    assert.ok(e.message.length > 0);
  }
}

const MANIFEST = `[collection]
name = "default"
version = "1.0.0"
created = "2026-01-04T18:22:10.511203"

[[artifacts]]
name = "pdf-tools"
type = "skill"
path = "skills/pdf-tools"
tags = ["documents", "python"]
uuid = "9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b"

[artifacts.metadata]
description = "Extract and merge PDF pages"
tools = ["Read", "Bash"]

[[artifacts]]
name = "release-notes"
type = "agent"

[[artifacts.metadata.linked_artifacts]]
artifact_name = "pdf-tools"
link_type = "requires"

[[mcp_servers]]
name = "filesystem"
env_vars = { ROOT_PATH = "/home/me/work" }

[[groups]]
name = "Writing kit"
position = 0
members = ["skill:pdf-tools", "agent:release-notes"]
`;

describe('parseToml spans', () => {
  it('gives a key and its string value their exact spans', () => {
    const text = 'name = "pdf-tools"\n';
    const e = entryAt(ok(text), 'name');
    assert.equal(e.key, 'name');
    assert.deepEqual(e.keySpan, { start: 0, end: 4 });
    assert.deepEqual(e.value, { kind: 'string', value: 'pdf-tools', span: { start: 7, end: 18 }, style: 'basic' });
  });

  it('spans an element inside a multi-line array, and the array from [ to ]', () => {
    const text = 'tags = [\n  "documents", # first\n  "python",\n]\n';
    const e = entryAt(ok(text), 'tags');
    const array = e.value as TomlArray;
    assert.equal(array.kind, 'array');
    assert.equal(array.ofTables, false);
    assert.deepEqual(array.span, { start: 7, end: text.lastIndexOf(']') + 1 });
    assert.deepEqual(array.items[1].span, spanOf(text, '"python"'));
    assert.deepEqual(array.items[1].span, { start: 34, end: 42 });
  });

  it('includes the quotes in a quoted key span', () => {
    const text = '"my key" = 1\n\'lit.key\' = 2\n';
    const root = ok(text);
    assert.deepEqual(entryAt(root, 'my key').keySpan, { start: 0, end: 8 });
    assert.deepEqual(entryAt(root, 'lit.key').keySpan, spanOf(text, "'lit.key'"));
    assert.deepEqual(entryAt(root, 'my key').value.span, { start: 11, end: 12 });
  });

  it('gives each dotted-key segment its own span and the created tables the whole key', () => {
    const text = 'extra . frontmatter.title = "x"\n';
    const root = ok(text);
    const extra = entryAt(root, 'extra');
    assert.deepEqual(extra.keySpan, { start: 0, end: 5 });
    const table = extra.value as TomlTable;
    assert.equal(table.origin, 'dotted');
    assert.deepEqual(table.span, { start: 0, end: 25 });
    assert.deepEqual(entryAt(root, 'extra', 'frontmatter').keySpan, spanOf(text, 'frontmatter'));
    const title = entryAt(root, 'extra', 'frontmatter', 'title');
    assert.deepEqual(title.keySpan, spanOf(text, 'title'));
    assert.deepEqual(title.value.span, spanOf(text, '"x"'));
  });

  it('spans a header table from [ to its last entry, and records the header', () => {
    const text = '[collection]  # the one table\nname = "default"\nversion = "1.0.0"   # trailing\n\n[empty]\n';
    const root = ok(text);
    const entry = entryAt(root, 'collection');
    const table = entry.value as TomlTable;
    assert.equal(table.origin, 'header');
    assert.deepEqual(entry.keySpan, spanOf(text, 'collection'));
    assert.deepEqual(table.headerSpan, { start: 0, end: 12 });
    assert.deepEqual(table.span, { start: 0, end: spanOf(text, '"1.0.0"').end });
    const empty = entryAt(root, 'empty').value as TomlTable;
    assert.deepEqual(empty.span, spanOf(text, '[empty]'));
    assert.deepEqual(empty.headerSpan, spanOf(text, '[empty]'));
    assert.deepEqual(root.span, { start: 0, end: text.length });
  });

  it('spans an array of tables from its first header to the end of its last element', () => {
    const root = ok(MANIFEST);
    const entry = entryAt(root, 'artifacts');
    const array = entry.value as TomlArray;
    assert.equal(array.ofTables, true);
    assert.deepEqual(entry.keySpan, spanOf(MANIFEST, 'artifacts', 0));
    const firstHeader = spanOf(MANIFEST, '[[artifacts]]', 0);
    const lastValue = spanOf(MANIFEST, '"requires"');
    assert.deepEqual(array.span, { start: firstHeader.start, end: lastValue.end });

    // The first element runs through its [artifacts.metadata] sub-table.
    const first = array.items[0] as TomlTable;
    assert.deepEqual(first.headerSpan, firstHeader);
    assert.deepEqual(first.span, { start: firstHeader.start, end: spanOf(MANIFEST, '["Read", "Bash"]').end });
    const metadata = entryAt(root, 'artifacts', 0, 'metadata');
    assert.deepEqual(metadata.keySpan, spanOf(MANIFEST, 'metadata', 0));
    assert.deepEqual((metadata.value as TomlTable).headerSpan, spanOf(MANIFEST, '[artifacts.metadata]'));

    const second = array.items[1] as TomlTable;
    assert.deepEqual(second.span, { start: spanOf(MANIFEST, '[[artifacts]]', 1).start, end: lastValue.end });
    // `metadata` in the second element is implicit: created by the [[...linked_artifacts]] header.
    const implicit = entryAt(root, 'artifacts', 1, 'metadata').value as TomlTable;
    assert.equal(implicit.origin, 'implicit');
    assert.deepEqual(implicit.span, spanOf(MANIFEST, '[[artifacts.metadata.linked_artifacts]]'));
  });

  it('spans an inline array of inline tables (tomli_w style)', () => {
    const text = 'tag_definitions = [ { name = "a", slug = "a" }, ]\n';
    const root = ok(text);
    const array = entryAt(root, 'tag_definitions').value as TomlArray;
    assert.deepEqual(array.span, { start: 18, end: 49 });
    assert.equal(array.items.length, 1);
    const table = array.items[0] as TomlTable;
    assert.equal(table.origin, 'inline');
    assert.deepEqual(table.span, { start: 20, end: 46 });
    assert.deepEqual(entryAt(root, 'tag_definitions', 0, 'slug').keySpan, spanOf(text, 'slug'));
    assert.deepEqual(entryAt(root, 'tag_definitions', 0, 'slug').value.span, spanOf(text, '"a"', 1));
  });

  it('counts offsets in UTF-16 code units after non-ASCII text', () => {
    const text = '# 🚀 rocket\ndescription = "café ✓"\nname = "x"\n';
    const root = ok(text);
    // "# " (2) + rocket (2 code units) + " rocket\n" (8) = 12
    assert.deepEqual(entryAt(root, 'description').keySpan, { start: 12, end: 23 });
    assert.deepEqual(entryAt(root, 'description').value, { kind: 'string', value: 'café ✓', span: { start: 26, end: 34 }, style: 'basic' });
    assert.deepEqual(entryAt(root, 'name').keySpan, { start: 35, end: 39 });
  });

  it('handles CRLF files: spans stop before CR, multi-line values read LF', () => {
    const text = '[a]\r\nx = "1"\r\ny = """\r\nl1\r\nl2"""\r\n\r\n[b]\r\n';
    const root = ok(text);
    const a = entryAt(root, 'a').value as TomlTable;
    assert.deepEqual(a.span, { start: 0, end: spanOf(text, 'l2"""').end });
    assert.deepEqual(entryAt(root, 'a', 'x').value.span, { start: 9, end: 12 });
    assert.deepEqual(entryAt(root, 'a', 'y').value, { kind: 'string', value: 'l1\nl2', span: { start: 18, end: spanOf(text, 'l2"""').end }, style: 'ml-basic' });
    const b = spanOf(text, '[b]');
    assert.deepEqual(entryAt(root, 'b').keySpan, { start: b.start + 1, end: b.end - 1 });
  });

  it('skips a leading BOM but keeps offsets into the text as given', () => {
    const text = '\uFEFFa = 1\n';
    assert.deepEqual(entryAt(ok(text), 'a').keySpan, { start: 1, end: 2 });
  });

  it('decodes every value kind', () => {
    const text = [
      'int = -9_223_372_036_854_775_808',
      'hex = 0xDEAD_beef',
      'flt = 6.626e-34',
      'inf = -inf',
      'yes = true',
      'odt = 1979-05-27 07:32:00.5Z',
      'ldt = 1979-05-27T07:32:00',
      'ld = 2024-02-29',
      'lt = 07:32:00',
      'esc = "tab\\t\\u00e9\\U0001F600"',
      "lit = 'C:\\path'",
      'ml = """\\\n   joined \\\n   """',
      'inl = { a.b = 1, c = [] }',
    ].join('\n');
    assert.deepEqual(toPlain(ok(text)), {
      int: -(2n ** 63n),
      hex: 0xdeadbeefn,
      flt: 6.626e-34,
      inf: -Infinity,
      yes: true,
      odt: '1979-05-27 07:32:00.5Z',
      ldt: '1979-05-27T07:32:00',
      ld: '2024-02-29',
      lt: '07:32:00',
      esc: 'tab\té😀',
      lit: 'C:\\path',
      ml: 'joined ',
      inl: { a: { b: 1n }, c: [] },
    });
    const kinds = [...ok(text).entries.values()].map((e) => e.value.kind);
    assert.deepEqual(kinds.slice(5, 9), ['datetime', 'datetime-local', 'date-local', 'time-local']);
  });
});

describe('parseToml errors and recovery', () => {
  /** The errors of a text, as [message, span text] pairs. */
  function errorsOf(text: string): Array<[string, string]> {
    const result = parseToml(text);
    assertSpansInside(result, text.length);
    return result.errors.map((e) => [e.message, text.slice(e.span.start, e.span.end)]);
  }

  it('keeps the tables after an error on line 2', () => {
    const text = '[collection]\nname = "default\nversion = "1.0.0"\n\n[[artifacts]]\nname = "a"\n\n[[artifacts]]\nname = "b"\n';
    const { root, errors } = parseToml(text);
    assert.deepEqual(errors, [{ code: 'toml-syntax', message: 'unterminated string', span: { start: 20, end: 28 } }]);
    assert.equal(text.slice(20, 28), '"default');
    assert.equal(entryAt(root, 'collection').value.kind, 'table');
    assert.equal((entryAt(root, 'collection', 'version').value as { value: string }).value, '1.0.0');
    assert.equal((entryAt(root, 'collection').value as TomlTable).entries.has('name'), false);
    assert.deepEqual(toPlain(entryAt(root, 'artifacts').value), [{ name: 'a' }, { name: 'b' }]);
  });

  it('restarts at the next header when an array is left open', () => {
    for (const text of ['tags = ["a", "b"\n[[artifacts]]\nname = "x"\n', 'tags = ["a", "b",\n\n[[artifacts]]\nname = "x"\n']) {
      const { root, errors } = parseToml(text);
      assert.deepEqual(errors, [{ code: 'toml-syntax', message: "unterminated array: expected ']'", span: { start: 7, end: 8 } }]);
      assert.deepEqual(toPlain(root), { artifacts: [{ name: 'x' }] });
    }
  });

  it('reports one error for a typo inside a multi-line array, not one per remaining line', () => {
    const text = '[[groups]]\nmembers = [\n  "skill:a",\n  "skill:b,\n  "agent:c",\n  [1, 2],\n]\nname = "kit"\n';
    const { root, errors } = parseToml(text);
    assert.deepEqual(
      errors.map((e) => [e.message, text.slice(e.span.start, e.span.end)]),
      [['unterminated string', '"skill:b,']],
    );
    assert.deepEqual(toPlain(root), { groups: [{ name: 'kit' }] });
  });

  it('keeps the entries under a broken header out of other tables', () => {
    const text = 'name = "root"\n[broken\nname = "lost"\n[ok]\nname = "kept"\n';
    const { root, errors } = parseToml(text);
    assert.deepEqual(
      errors.map((e) => e.message),
      ["expected ']' after key \"broken\", found end of line"],
    );
    assert.deepEqual(errors[0].span, { start: 21, end: 21 });
    assert.deepEqual(toPlain(root), { name: 'root', ok: { name: 'kept' } });
  });

  it('continues after an unterminated multi-line string on the line after its opening', () => {
    const text = 'a = """never closed\n[t]\nx = 1\n';
    const { root, errors } = parseToml(text);
    assert.equal(errors[0].message, 'unterminated multi-line string');
    assert.deepEqual(errors[0].span, { start: 4, end: 7 });
    assert.deepEqual(toPlain(root), { t: { x: 1n } });
  });

  it('reports readable messages pointing at the offending text', () => {
    assert.deepEqual(errorsOf('name "x"\n'), [['expected \'=\' after key "name", found \'"\'', '"']]);
    assert.deepEqual(errorsOf('name = "a"\nname = "b"\n'), [['duplicate key "name" (first defined at line 1)', 'name']]);
    assert.deepEqual(errorsOf('s = "a\\qb"\n'), [['invalid escape \\q', '\\q']]);
    assert.deepEqual(errorsOf('s = "\\uD800"\n'), [['invalid escape \\uD800: surrogate code points are not characters', '\\uD800']]);
    assert.deepEqual(errorsOf('[a]\nx = 1\n[a]\n'), [['table [a] defined twice (first at line 1)', '[a]']]);
    assert.deepEqual(errorsOf('x = { a = 1 }\nx.b = 2\n'), [['cannot add to inline table "x" (defined at line 1)', 'x']]);
    assert.deepEqual(errorsOf('s = "bell\x07"\n'), [['control character U+0007 not allowed in a string', '\x07']]);
    assert.deepEqual(errorsOf('n = 007\n'), [['leading zeros are not allowed in integers: "007"', '007']]);
    assert.deepEqual(errorsOf('d = 2021-02-30\n'), [['invalid date 2021-02-30', '2021-02-30']]);
    assert.deepEqual(errorsOf('n = 9223372036854775808\n'), [['integer "9223372036854775808" does not fit in 64 bits', '9223372036854775808']]);
    assert.deepEqual(errorsOf('fruit = []\n[[fruit]]\n'), [['cannot define [[fruit]]: "fruit" is already a static array (line 1)', '[[fruit]]']]);
    assert.deepEqual(errorsOf('x = hello\n'), [['invalid value "hello" (strings must be quoted)', 'hello']]);
    assert.deepEqual(errorsOf('a = "x"\rb = 1\n'), [['bare carriage return (CR must be followed by LF)', '\r']]);
    assert.deepEqual(errorsOf('key =\n'), [['missing value for key "key"', 'key']]);
    assert.deepEqual(errorsOf('s = "abc\n'), [['unterminated string', '"abc']]);
    assert.deepEqual(errorsOf('s = "abc'), [['unterminated string', '"abc']]);
  });

  it('reports a problem at the very end of the text with an empty span there', () => {
    const text = 'a = [1,';
    const { errors } = parseToml(text);
    assert.equal(errors.length, 1);
    assert.deepEqual(errors[0].span, { start: 4, end: 5 });
    assert.deepEqual(parseToml('[a').errors[0].span, { start: 2, end: 2 });
  });

  it('enforces the dotted-key and header rules of TOML 1.0', () => {
    // Allowed: sub-tables under a dotted table, headers defining implicit tables.
    ok('[fruit]\napple.color = "red"\n[fruit.apple.texture]\nsmooth = true\n');
    ok('[a.b.c]\nz = 1\n[a]\nx = 1\n');
    ok('[[a.b]]\n[a]\nc = 1\n');
    assert.equal(errorsOf('[fruit]\napple.color = "red"\n[fruit.apple]\n').length, 1);
    assert.equal(errorsOf('[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n').length, 1);
    assert.equal(errorsOf('[[a.b]]\n[a]\nb.y = 2\n').length, 1);
    assert.equal(errorsOf('a = [{ b = 1 }]\n[a.c]\n').length, 1);
  });

  it('survives pathological nesting without exhausting the stack', () => {
    const text = 'a = ' + '['.repeat(100_000) + '\nb = 1\n';
    const { root, errors } = parseToml(text);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /nested too deeply/);
    assert.deepEqual(toPlain(root), { b: 1n });

    // Deep keys would make a tree too deep for the recursive code that walks it.
    for (const deep of ['a' + '.a'.repeat(100_000) + ' = 1\n', '[a' + '.a'.repeat(100_000) + ']\n', 'x = ' + '{ a = '.repeat(300) + '1' + ' }'.repeat(300)]) {
      const result = parseToml(deep + 'b = 1\n');
      assert.equal(result.errors.length, 1);
      assert.match(result.errors[0].message, /nested too deeply/);
      assert.doesNotThrow(() => toPlain(result.root));
    }
  });
});

describe('decodeToml', () => {
  it('keeps a BOM so offsets match the text', () => {
    const { text, errors } = decodeToml(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x3d, 0x31]));
    assert.equal(text, '\uFEFFa=1');
    assert.deepEqual(errors, []);
  });

  it('points at the first invalid byte in the decoded text', () => {
    const bytes = new Uint8Array([...Buffer.from('é = "'), 0xff, ...Buffer.from('"\n')]);
    const { text, errors } = decodeToml(bytes);
    assert.equal(text, 'é = "\uFFFD"\n');
    assert.deepEqual(errors, [{ code: 'toml-syntax', message: 'invalid UTF-8 byte 0xFF', span: { start: 5, end: 6 } }]);
  });

  it('rejects encoded surrogates and truncated sequences', () => {
    assert.equal(decodeToml(new Uint8Array([0x23, 0xed, 0xa0, 0x80])).errors[0].message, 'invalid UTF-8 sequence starting with byte 0xED');
    assert.deepEqual(decodeToml(new Uint8Array([0x23, 0x20, 0xc3])).errors[0].span, { start: 2, end: 3 });
  });
});

describe('parseToml robustness (property tests)', () => {
  const tomlish = fc.string({
    unit: fc.constantFrom('[', ']', '[[', ']]', '{', '}', '"', "'", '"""', "'''", '=', '.', ',', '#', '\\', '\n', '\r\n', '\r', ' ', '\t', 'a', 'b', '1', '0x', 'e', '_', '-', '+', ':', 'true', 'inf', '1979-05-27', 'T07:32:00', 'Z', '\u0000', '🚀', '\uFEFF', '\\u'),
    maxLength: 60,
  });

  function checkText(text: string): void {
    const first = parseToml(text);
    assertSpansInside(first, text.length);
    assert.deepStrictEqual(parseToml(text), first, 'same input, same result');
  }

  it('never throws on random text, and keeps every span inside it', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkText), { numRuns: 500 });
    fc.assert(fc.property(tomlish, checkText), { numRuns: 2000 });
  });

  it('never throws on byte mutations of a realistic manifest', () => {
    const base = Buffer.from(MANIFEST);
    const mutation = fc.record({
      at: fc.nat({ max: base.length }),
      op: fc.constantFrom('replace', 'insert', 'delete'),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), (mutations) => {
        let bytes = Array.from(base);
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length);
          if (m.op === 'insert') bytes.splice(at, 0, m.byte);
          else if (m.op === 'delete') bytes.splice(at, 1);
          else if (at < bytes.length) bytes[at] = m.byte;
        }
        const decoded = decodeToml(Uint8Array.from(bytes));
        for (const e of decoded.errors) assert.ok(e.span.start >= 0 && e.span.end <= decoded.text.length);
        checkText(decoded.text);
      }),
      { numRuns: 1500 },
    );
  });
});
