import { LineIndex, type Span } from '../text/lineIndex';
import type { TomlArray, TomlError, TomlParseResult, TomlString, TomlTable, TomlValue } from './ast';
import { isInvisible, readScalar } from './scalars';

// A hand-written, single-pass TOML 1.0.0 parser that builds the value tree directly (no token
// stream, no syntax tree) and records the UTF-16 span of every node. See
// docs/decisions/0001-toml-parser.md for why we own this instead of using a library.
//
// Error handling: a syntax error ends the statement (key/value pair or header) it occurs in; the
// parser records it and resumes on the next line (or, inside a multi-line array, after the
// array), so one typo does not hide the rest of the file.
// Semantic errors (duplicate keys, redefined tables, bad escapes, control characters) are
// recorded without stopping: the offending entry is simply not added.

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const APOS = 39;
const COMMA = 44;
const DOT = 46;
const EQUALS = 61;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const DEL = 127;
const BOM = 0xfeff;

/**
 * Nesting beyond this is surely not a manifest. It bounds both the parser's recursion and the
 * depth of the tree, which consumers walk recursively too.
 */
const MAX_DEPTH = 200;

/** Characters allowed in bare keys: A-Z a-z 0-9 _ - */
const BARE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  BARE[c] = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 ? 1 : 0;
}

/** Thrown to unwind the current statement after its error has been recorded. */
class Abort {}
const ABORT = new Abort();

function hex4(c: number): string {
  return 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
}

/** Parses TOML 1.0.0 text into a value tree with spans; never throws, errors are returned. */
export function parseToml(text: string): TomlParseResult {
  const parser = new Parser(text);
  const root = parser.document();
  return { root, errors: parser.errors };
}

class Parser {
  readonly errors: TomlError[] = [];
  private readonly len: number;
  private pos = 0;
  /** Open arrays and inline tables. */
  private depth = 0;
  /** Tree levels added by the keys of the enclosing statements (header and dotted key parts). */
  private keyDepth = 0;
  /** Where to resume after an aborted statement; -1 means "decide from the error". */
  private resume = -1;
  /** Span of the error that aborted the statement. */
  private failStart = 0;
  private failEnd = 0;
  /** Offset of the outermost open array or inline table of the current statement. */
  private outerStart = 0;
  private lines: LineIndex | undefined;

  /** Sections are the stretches between headers; inline tables get their own id too. */
  private sectionCount = 0;
  private section = 0;
  /** The key path of the current section's header, for naming tables in messages. */
  private sectionKeys: string[] = [];
  /**
   * Tables (or, for implicit ones, tables first reached) through dotted keys, with the section
   * that did it: TOML lets dotted keys extend such a table only within that same section, and
   * never lets a header define it afterwards.
   */
  private readonly dotted = new Map<TomlTable, number>();
  /** Header tables and arrays of tables whose span grows with the current section's entries. */
  private stretch: Array<TomlTable | TomlArray> = [];
  private sectionEnd = 0;
  private escapeEnd = 0;

  constructor(private readonly text: string) {
    this.len = text.length;
  }

  document(): TomlTable {
    const text = this.text;
    const len = this.len;
    const root: TomlTable = { kind: 'table', entries: new Map(), origin: 'root', span: { start: 0, end: len } };
    let current = root;
    if (len > 0 && text.charCodeAt(0) === BOM) this.pos = 1;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE || c === TAB || c === LF) {
        this.pos++;
        continue;
      }
      if (c === CR) {
        this.newline();
        continue;
      }
      if (c === HASH) {
        this.comment();
        continue;
      }
      const start = this.pos;
      let headerDone = false;
      try {
        if (c === LBRACKET) {
          this.closeSection();
          current = this.header(root);
          headerDone = true;
          this.sectionEnd = this.pos;
          this.endOfLine('table header');
        } else {
          this.keyDepth = this.sectionKeys.length;
          this.keyValue(current, this.section, this.sectionKeys);
          this.sectionEnd = this.pos;
          this.endOfLine('value');
        }
      } catch (e) {
        if (e !== ABORT) {
          // A bug must not cost the user the whole document: report it where it happened.
          const message = e instanceof Error ? e.message : String(e);
          this.errors.push({ code: 'toml-syntax', message: `internal parser error: ${message}`, span: this.spanAt(start) });
          this.resume = this.lineAfter(this.pos);
        }
        if (c === LBRACKET && !headerDone) current = this.detachedTable(start);
        this.recover(start);
      }
    }
    this.closeSection();
    return root;
  }

  // ---- errors and recovery -------------------------------------------------------------------

  private error(message: string, start: number, end: number): void {
    this.errors.push({ code: 'toml-syntax', message, span: { start, end } });
  }

  /** Records a syntax error and unwinds the statement; `resume` overrides where parsing restarts. */
  private fail(message: string, start: number, end: number, resume = -1): never {
    this.error(message, start, end);
    this.failStart = start;
    this.failEnd = end;
    this.resume = resume;
    throw ABORT;
  }

  private recover(statementStart: number): void {
    let at = this.resume;
    if (at < 0) {
      if (this.depth > 0) {
        // Inside an open array: restart at the failing line if it reads as a new statement
        // (an unclosed array followed by a header), else skip the rest of the broken value so
        // its remaining lines do not each report an error.
        const line = this.lineStartOf(this.failStart);
        if (line > statementStart && this.looksLikeStatement(line)) {
          // What went wrong is the missing close, not the statement the value ran into.
          const open = this.outerStart;
          const what = this.text.charCodeAt(open) === LBRACKET ? "unterminated array: expected ']'" : "unterminated inline table: expected '}'";
          this.errors[this.errors.length - 1] = { code: 'toml-syntax', message: what, span: { start: open, end: open + 1 } };
          at = line;
        } else {
          at = this.skipBrokenValue(this.failEnd, this.depth);
        }
      } else {
        at = this.lineAfter(this.failEnd);
      }
    }
    // Always make progress, whatever the failing code left behind.
    if (at <= statementStart) at = this.lineAfter(statementStart);
    this.pos = at;
    this.resume = -1;
    this.depth = 0;
    this.keyDepth = 0;
  }

  private lineStartOf(i: number): number {
    return i <= 0 ? 0 : this.text.lastIndexOf('\n', i - 1) + 1;
  }

  /**
   * Whether the line at `i` starts like a header (`[name]`, `[[name]]`) or a key/value pair
   * (`key =`): a place where a parse can safely restart after an error.
   */
  private looksLikeStatement(i: number): boolean {
    const text = this.text;
    while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
    const header = text.charCodeAt(i) === LBRACKET;
    if (header) {
      i++;
      if (text.charCodeAt(i) === LBRACKET) i++;
    }
    let segments = 0;
    for (;;) {
      while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
      const c = text.charCodeAt(i);
      if (c < 128 && BARE[c] === 1) {
        while (i < this.len && text.charCodeAt(i) < 128 && BARE[text.charCodeAt(i)] === 1) i++;
      } else if (c === QUOTE || c === APOS) {
        const close = text.indexOf(c === QUOTE ? '"' : "'", i + 1);
        const nl = text.indexOf('\n', i);
        if (close < 0 || (nl >= 0 && close > nl)) return false;
        i = close + 1;
      } else {
        break;
      }
      segments++;
      while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
      if (text.charCodeAt(i) !== DOT) break;
      i++;
    }
    if (segments === 0) return false;
    if (!header) return text.charCodeAt(i) === EQUALS;
    if (text.charCodeAt(i) !== RBRACKET) return false;
    i++;
    if (text.charCodeAt(i) === RBRACKET) i++;
    while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
    const c = text.charCodeAt(i);
    return i >= this.len || c === LF || c === CR || c === HASH;
  }

  /**
   * From inside `depth` open arrays/inline tables, the offset just past the line where they
   * close, skipping strings and comments; stops early at a line that looks like a statement.
   */
  private skipBrokenValue(from: number, depth: number): number {
    const text = this.text;
    const len = this.len;
    let i = from;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === LF) {
        i++;
        if (this.looksLikeStatement(i)) return i;
      } else if (c === HASH) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? len : nl;
      } else if (c === QUOTE || c === APOS) {
        const q = c === QUOTE ? '"' : "'";
        if (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c) {
          const close = text.indexOf(q + q + q, i + 3);
          i = close < 0 ? len : close + 3;
        } else {
          // A one-line string: to its closing quote, or the end of the line if it has none.
          let k = i + 1;
          while (k < len) {
            const d = text.charCodeAt(k);
            if (d === c || d === LF) break;
            k += d === BACKSLASH && c === QUOTE ? 2 : 1;
          }
          i = k < len && text.charCodeAt(k) === c ? k + 1 : k;
        }
      } else {
        if (c === LBRACKET || c === LBRACE) depth++;
        else if ((c === RBRACKET || c === RBRACE) && --depth === 0) return this.lineAfter(i);
        i++;
      }
    }
    return len;
  }

  /** Offset of the start of the line after offset i (or the end of the text). */
  private lineAfter(i: number): number {
    const nl = this.text.indexOf('\n', i);
    return nl < 0 ? this.len : nl + 1;
  }

  private lineOf(offset: number): number {
    this.lines ??= new LineIndex(this.text);
    return this.lines.positionAt(offset).line + 1;
  }

  /** The span of the character at i (both halves of a surrogate pair), empty at a line end. */
  private spanAt(i: number): Span {
    if (i >= this.len) return { start: this.len, end: this.len };
    const c = this.text.charCodeAt(i);
    if (c === LF || (c === CR && this.text.charCodeAt(i + 1) === LF)) return { start: i, end: i };
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < this.len;
    return { start: i, end: i + (pair ? 2 : 1) };
  }

  /** How the character at i reads in a message. */
  private describe(i: number): string {
    if (i >= this.len) return 'end of file';
    const cp = this.text.codePointAt(i) ?? 0;
    if (cp === LF || (cp === CR && this.text.charCodeAt(i + 1) === LF)) return 'end of line';
    if (cp === SPACE || isInvisible(cp)) return hex4(cp);
    return `'${String.fromCodePoint(cp)}'`;
  }

  private failAt(message: string, i: number): never {
    const span = this.spanAt(i);
    return this.fail(`${message}, found ${this.describe(i)}`, span.start, span.end);
  }

  private controlChar(c: number, i: number, where: string): void {
    this.error(`control character ${hex4(c)} not allowed in ${where}`, i, i + 1);
  }

  // ---- trivia --------------------------------------------------------------------------------

  private skipWs(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== SPACE && c !== TAB) break;
      i++;
    }
    this.pos = i;
  }

  /** At a CR: consumes CRLF, or reports a bare CR (TOML allows CR only before LF). */
  private newline(): void {
    const i = this.pos;
    if (this.text.charCodeAt(i + 1) === LF) {
      this.pos = i + 2;
    } else {
      this.error('bare carriage return (CR must be followed by LF)', i, i + 1);
      this.pos = i + 1;
    }
  }

  /** At '#': skips the comment, reporting control characters (TOML forbids them there). */
  private comment(): void {
    const text = this.text;
    const len = this.len;
    let i = this.pos + 1;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c >= SPACE && c !== DEL) {
        i++;
        continue;
      }
      if (c === LF) break;
      if (c === CR && text.charCodeAt(i + 1) === LF) break;
      if (c !== TAB) this.controlChar(c, i, 'a comment');
      i++;
    }
    this.pos = i;
  }

  /** After a statement: optional blanks and comment, then a newline or the end of the text. */
  private endOfLine(after: string): void {
    this.skipWs();
    const i = this.pos;
    if (i >= this.len) return;
    const c = this.text.charCodeAt(i);
    if (c === HASH) {
      this.comment();
      return;
    }
    if (c === LF) return;
    if (c === CR) {
      this.newline();
      return;
    }
    this.failAt(`expected a new line after the ${after}`, i);
  }

  /** Blanks, newlines and comments between array elements. */
  private skipArrayTrivia(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE || c === TAB || c === LF) this.pos++;
      else if (c === CR) this.newline();
      else if (c === HASH) this.comment();
      else return;
    }
  }

  // ---- keys ----------------------------------------------------------------------------------

  /** One key segment (bare or quoted) at pos; pos ends just past it. */
  private keySegment(): string {
    const text = this.text;
    const start = this.pos;
    let i = start;
    while (i < this.len) {
      const c = text.charCodeAt(i);
      if (c < 128 && BARE[c] === 1) i++;
      else break;
    }
    if (i > start) {
      this.pos = i;
      return text.slice(start, i);
    }
    const c = text.charCodeAt(start);
    if (c === QUOTE || c === APOS) {
      if (text.charCodeAt(start + 1) === c && text.charCodeAt(start + 2) === c) {
        this.fail('multi-line strings cannot be used as keys', start, start + 3);
      }
      return c === QUOTE ? this.basicString() : this.literalString();
    }
    if (c === EQUALS) return this.failAt('expected a key before \'=\'', start);
    if (c === DOT) return this.failAt('expected a key before \'.\'', start);
    return this.failAt('expected a key', start);
  }

  /** The key path as written, for messages: `a.b."c d"`. */
  private static dottedName(keys: string[]): string {
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let bare = k.length > 0;
      for (let j = 0; j < k.length && bare; j++) {
        const c = k.charCodeAt(j);
        bare = c < 128 && BARE[c] === 1;
      }
      out += (i > 0 ? '.' : '') + (bare ? k : JSON.stringify(k));
    }
    return out;
  }

  /** After a key, at something other than the expected delimiter: explain what is wrong. */
  private badAfterKey(key: string, keyEnd: number, expected: string): never {
    const i = this.pos;
    const c = this.text.charCodeAt(i);
    if (i === keyEnd && i < this.len && c !== LF && c !== CR && c !== HASH) {
      const span = this.spanAt(i);
      this.fail(`invalid character ${this.describe(i)} in key ${JSON.stringify(key + this.text.slice(i, span.end))}`, span.start, span.end);
    }
    return this.failAt(`expected ${expected} after key ${JSON.stringify(key)}`, i);
  }

  // ---- statements ----------------------------------------------------------------------------

  /**
   * `key = value` at pos, added to `table` (whose key path is `base`); `section` decides what
   * dotted keys may extend.
   */
  private keyValue(table: TomlTable, section: number, base: string[]): void {
    const text = this.text;
    const firstStart = this.pos;
    let key = this.keySegment();
    let keyStart = firstStart;
    let keyEnd = this.pos;
    this.skipWs();
    let c = text.charCodeAt(this.pos);
    let keys: string[] | undefined;
    let spans: Span[] | undefined;
    if (c === DOT) {
      keys = [key];
      spans = [{ start: keyStart, end: keyEnd }];
      while (c === DOT) {
        this.pos++;
        this.skipWs();
        keyStart = this.pos;
        key = this.keySegment();
        keyEnd = this.pos;
        keys.push(key);
        spans.push({ start: keyStart, end: keyEnd });
        this.skipWs();
        c = text.charCodeAt(this.pos);
      }
    }
    if (c !== EQUALS) this.badAfterKey(key, keyEnd, "'='");
    this.pos++;
    this.skipWs();
    c = text.charCodeAt(this.pos);
    if (this.pos >= this.len || c === LF || c === CR || c === HASH) {
      this.fail(`missing value for key ${JSON.stringify(key)}`, keyStart, keyEnd);
    }
    const levels = keys === undefined ? 1 : keys.length;
    if (this.depth + this.keyDepth + levels > MAX_DEPTH) this.fail('keys and values are nested too deeply', firstStart, keyEnd);
    this.keyDepth += levels;
    const value = this.value();
    this.keyDepth -= levels;
    let target: TomlTable | undefined = table;
    if (keys !== undefined && spans !== undefined) {
      target = this.dottedParent(table, keys, spans, section, base, { start: firstStart, end: keyEnd });
      if (target === undefined) return;
    }
    const entries = target.entries;
    const prev = entries.get(key);
    if (prev !== undefined) {
      this.error(`duplicate key ${JSON.stringify(key)} (first defined at line ${this.lineOf(prev.keySpan.start)})`, keyStart, keyEnd);
      return;
    }
    entries.set(key, { key, keySpan: { start: keyStart, end: keyEnd }, value });
  }

  /**
   * Walks (creating as needed) the tables named by all but the last segment of a dotted key,
   * enforcing TOML's rules; undefined (after recording an error) when the walk is not allowed.
   */
  private dottedParent(table: TomlTable, keys: string[], spans: Span[], section: number, base: string[], whole: Span): TomlTable | undefined {
    let t = table;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i];
      const entry = t.entries.get(key);
      if (entry === undefined) {
        const child: TomlTable = { kind: 'table', entries: new Map(), origin: 'dotted', span: { start: whole.start, end: whole.end } };
        t.entries.set(key, { key, keySpan: spans[i], value: child });
        this.dotted.set(child, section);
        t = child;
        continue;
      }
      const v = entry.value;
      const name = (): string => Parser.dottedName(base.concat(keys.slice(0, i + 1)));
      const line = (): number => this.lineOf(entry.keySpan.start);
      const span = spans[i];
      if (v.kind !== 'table') {
        if (v.kind === 'array' && v.ofTables) {
          this.error(`cannot add to array of tables [[${name()}]] with dotted keys (defined at line ${line()})`, span.start, span.end);
        } else {
          this.error(`key ${JSON.stringify(key)} is already ${article(v.kind)} (line ${line()}), not a table`, span.start, span.end);
        }
        return undefined;
      }
      if (v.origin === 'inline') {
        this.error(`cannot add to inline table ${JSON.stringify(name())} (defined at line ${line()})`, span.start, span.end);
        return undefined;
      }
      if (v.origin === 'header') {
        this.error(`cannot add to table [${name()}] with dotted keys: it is defined by a header at line ${line()}`, span.start, span.end);
        return undefined;
      }
      const owner = this.dotted.get(v);
      if (owner === undefined) {
        this.dotted.set(v, section);
      } else if (owner !== section) {
        this.error(`cannot add to table ${JSON.stringify(name())}: it was defined with dotted keys in another section (line ${line()})`, span.start, span.end);
        return undefined;
      }
      t = v;
    }
    return t;
  }

  /** Extends the previous section's header tables to the end of its last entry. */
  private closeSection(): void {
    const end = this.sectionEnd;
    for (const t of this.stretch) if (t.span.end < end) t.span.end = end;
    this.stretch = [];
  }

  /** A table that swallows the entries under a header that could not be placed in the tree. */
  private detachedTable(start: number): TomlTable {
    const end = Math.max(start, Math.min(this.lineAfter(start), this.len));
    return { kind: 'table', entries: new Map(), origin: 'header', span: { start, end }, headerSpan: { start, end } };
  }

  /** `[a.b]` or `[[a.b]]` at pos: finds or creates its table, which the following keys fill. */
  private header(root: TomlTable): TomlTable {
    const text = this.text;
    const start = this.pos;
    const isArray = text.charCodeAt(start + 1) === LBRACKET;
    this.pos = start + (isArray ? 2 : 1);
    this.skipWs();
    const keys: string[] = [];
    const spans: Span[] = [];
    for (;;) {
      const ks = this.pos;
      const key = this.keySegment();
      keys.push(key);
      spans.push({ start: ks, end: this.pos });
      const keyEnd = this.pos;
      this.skipWs();
      const c = text.charCodeAt(this.pos);
      if (c === DOT) {
        this.pos++;
        this.skipWs();
        continue;
      }
      if (c === RBRACKET) break;
      this.badAfterKey(key, keyEnd, isArray ? "']]'" : "']'");
    }
    if (keys.length > MAX_DEPTH) this.fail('table name is nested too deeply', start, this.pos + 1);
    this.pos++;
    if (isArray) {
      if (text.charCodeAt(this.pos) !== RBRACKET) this.failAt("expected ']]' to close the array-of-tables header", this.pos);
      this.pos++;
    }
    const headerSpan: Span = { start, end: this.pos };
    this.section = ++this.sectionCount;
    this.sectionKeys = keys;
    const name = Parser.dottedName(keys);
    const shown = isArray ? `[[${name}]]` : `[${name}]`;
    const stretch: Array<TomlTable | TomlArray> = [];

    let t = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i];
      const entry = t.entries.get(key);
      if (entry === undefined) {
        const child: TomlTable = { kind: 'table', entries: new Map(), origin: 'implicit', span: { start, end: headerSpan.end } };
        t.entries.set(key, { key, keySpan: spans[i], value: child });
        t = child;
        continue;
      }
      const v = entry.value;
      const line = (): number => this.lineOf(entry.keySpan.start);
      const prefix = (): string => Parser.dottedName(keys.slice(0, i + 1));
      if (v.kind === 'table') {
        if (v.origin === 'inline') {
          this.error(`cannot add to inline table ${JSON.stringify(prefix())} (defined at line ${line()})`, start, headerSpan.end);
          return this.detachedTable(start);
        }
        if (v.origin === 'header') stretch.push(v);
        t = v;
      } else if (v.kind === 'array' && v.ofTables) {
        const last = v.items[v.items.length - 1] as TomlTable;
        stretch.push(v, last);
        t = last;
      } else {
        const what = v.kind === 'array' ? 'a static array (it cannot be extended with tables)' : article(v.kind);
        this.error(`cannot define table ${shown}: key ${JSON.stringify(prefix())} is ${what} (line ${line()})`, start, headerSpan.end);
        return this.detachedTable(start);
      }
    }

    const key = keys[keys.length - 1];
    const keySpan = spans[spans.length - 1];
    const entry = t.entries.get(key);
    const table: TomlTable = { kind: 'table', entries: new Map(), origin: 'header', span: { start, end: headerSpan.end }, headerSpan };
    if (isArray) {
      if (entry === undefined) {
        const array: TomlArray = { kind: 'array', items: [table], span: { start, end: headerSpan.end }, ofTables: true };
        t.entries.set(key, { key, keySpan, value: array });
        stretch.push(array);
      } else if (entry.value.kind === 'array' && entry.value.ofTables) {
        entry.value.items.push(table);
        stretch.push(entry.value);
      } else {
        const v = entry.value;
        const line = this.lineOf(entry.keySpan.start);
        const what =
          v.kind === 'array' ? 'a static array' : v.kind === 'table' ? `a table (line ${line}), not an array of tables` : article(v.kind);
        this.error(`cannot define ${shown}: ${JSON.stringify(name)} is already ${what}${v.kind === 'table' ? '' : ` (line ${line})`}`, start, headerSpan.end);
        return this.detachedTable(start);
      }
      stretch.push(table);
      this.stretch = stretch;
      return table;
    }

    if (entry === undefined) {
      t.entries.set(key, { key, keySpan, value: table });
      stretch.push(table);
      this.stretch = stretch;
      return table;
    }
    const v = entry.value;
    if (v.kind === 'table' && v.origin === 'implicit' && !this.dotted.has(v)) {
      // Defined implicitly by an earlier `[a.b]`; this header is its one explicit definition.
      v.origin = 'header';
      v.span = table.span;
      v.headerSpan = headerSpan;
      entry.keySpan = keySpan;
      stretch.push(v);
      this.stretch = stretch;
      return v;
    }
    const line = this.lineOf(v.kind === 'table' && v.headerSpan ? v.headerSpan.start : entry.keySpan.start);
    let why: string;
    if (v.kind === 'table') {
      if (v.origin === 'header') why = `table ${shown} defined twice (first at line ${line})`;
      else if (v.origin === 'inline') why = `table ${shown} defined twice: it is an inline table (line ${line})`;
      else why = `table ${shown} defined twice: it was defined with dotted keys (line ${line})`;
    } else if (v.kind === 'array' && v.ofTables) {
      why = `table ${shown} conflicts with the array of tables [[${name}]] (line ${line})`;
    } else {
      why = `cannot define table ${shown}: key ${JSON.stringify(key)} is already ${article(v.kind)} (line ${line})`;
    }
    this.error(why, start, headerSpan.end);
    return this.detachedTable(start);
  }

  // ---- values --------------------------------------------------------------------------------

  private value(): TomlValue {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === QUOTE) {
      if (text.charCodeAt(start + 1) === QUOTE && text.charCodeAt(start + 2) === QUOTE) return this.multilineString(QUOTE);
      const value = this.basicString();
      return { kind: 'string', value, span: { start, end: this.pos }, style: 'basic' };
    }
    if (c === APOS) {
      if (text.charCodeAt(start + 1) === APOS && text.charCodeAt(start + 2) === APOS) return this.multilineString(APOS);
      const value = this.literalString();
      return { kind: 'string', value, span: { start, end: this.pos }, style: 'literal' };
    }
    if (c === LBRACKET) return this.array();
    if (c === LBRACE) return this.inlineTable();
    return this.scalar();
  }

  /** A bare token: number, boolean or date/time. */
  private scalar(): TomlValue {
    const text = this.text;
    const len = this.len;
    const start = this.pos;
    let end = start;
    for (;;) {
      if (end >= len) break;
      const c = text.charCodeAt(end);
      if (c === SPACE || c === TAB || c === LF || c === CR || c === COMMA || c === RBRACKET || c === RBRACE || c === HASH) break;
      end++;
    }
    const first = text.charCodeAt(start);
    if (end === start || !(first < 128 && (BARE[first] === 1 || first === 43 || first === DOT))) this.failAt('expected a value', start);
    // `1979-05-27 07:32:00`: the one place where a space does not end a token.
    if (
      end - start === 10 &&
      text.charCodeAt(start + 4) === 45 &&
      text.charCodeAt(end) === SPACE &&
      isDigit(text.charCodeAt(end + 1)) &&
      isDigit(text.charCodeAt(end + 2)) &&
      text.charCodeAt(end + 3) === 58
    ) {
      end++;
      for (;;) {
        if (end >= len) break;
        const c = text.charCodeAt(end);
        if (c === SPACE || c === TAB || c === LF || c === CR || c === COMMA || c === RBRACKET || c === RBRACE || c === HASH) break;
        end++;
      }
    }
    const v = readScalar(text, start, end);
    if (typeof v === 'string') this.fail(v, start, end);
    this.pos = end;
    return v;
  }

  /** `"..."` at pos; pos ends past the closing quote. Plain text is sliced, not copied. */
  private basicString(): string {
    const text = this.text;
    const len = this.len;
    const open = this.pos;
    const start = open + 1;
    for (let i = start; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c > QUOTE && c !== BACKSLASH && c !== DEL) continue;
      if (c === QUOTE) {
        this.pos = i + 1;
        return text.slice(start, i);
      }
      if (c === BACKSLASH) return this.basicStringEscaped(open, start, i);
      if (c === SPACE || c === 33 || c === TAB) continue;
      if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) this.fail('unterminated string', open, i);
      this.controlChar(c, i, 'a string');
    }
    return this.fail('unterminated string', open, len);
  }

  /** The rest of a basic string from its first backslash at i: builds the value chunk by chunk. */
  private basicStringEscaped(open: number, start: number, i: number): string {
    const text = this.text;
    const len = this.len;
    let out = text.slice(start, i);
    let chunk = i;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.pos = i + 1;
        return out + text.slice(chunk, i);
      }
      if (c === BACKSLASH) {
        const next = text.charCodeAt(i + 1);
        if (i + 1 >= len || next === LF || (next === CR && text.charCodeAt(i + 2) === LF)) break;
        out += text.slice(chunk, i) + this.escape(i);
        i = chunk = this.escapeEnd;
        continue;
      }
      if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) return this.fail('unterminated string', open, i);
      if ((c < SPACE && c !== TAB) || c === DEL) this.controlChar(c, i, 'a string');
      i++;
    }
    const nl = text.indexOf('\n', i);
    return this.fail('unterminated string', open, nl < 0 ? len : text.charCodeAt(nl - 1) === CR ? nl - 1 : nl);
  }

  /**
   * Decodes the escape whose backslash is at i, setting escapeEnd past it. A bad escape is
   * reported and kept as written, so the string (and the statement) survives.
   */
  private escape(i: number): string {
    const text = this.text;
    const c = text.charCodeAt(i + 1);
    this.escapeEnd = i + 2;
    switch (c) {
      case 98: return '\b';
      case 116: return '\t';
      case 110: return '\n';
      case 102: return '\f';
      case 114: return '\r';
      case QUOTE: return '"';
      case BACKSLASH: return '\\';
      case 117: // u
      case 85: { // U
        const n = c === 117 ? 4 : 8;
        let cp = 0;
        let k = i + 2;
        while (k < i + 2 + n && k < this.len) {
          const d = hexValue(text.charCodeAt(k));
          if (d < 0) break;
          cp = cp * 16 + d;
          k++;
        }
        this.escapeEnd = k;
        const written = text.slice(i, k);
        if (k < i + 2 + n) {
          this.error(`invalid escape ${written}: \\${String.fromCharCode(c)} needs ${n} hex digits`, i, k);
          return written;
        }
        if (cp >= 0xd800 && cp <= 0xdfff) {
          this.error(`invalid escape ${written}: surrogate code points are not characters`, i, k);
          return written;
        }
        if (cp > 0x10ffff) {
          this.error(`invalid escape ${written}: beyond U+10FFFF`, i, k);
          return written;
        }
        return String.fromCodePoint(cp);
      }
      default: {
        const span = this.spanAt(i + 1);
        const end = span.end > span.start ? span.end : i + 1;
        this.escapeEnd = end;
        const shown = c < SPACE || c === DEL ? `\\ followed by ${hex4(c)}` : text.slice(i, end);
        this.error(`invalid escape ${shown}`, i, end);
        return text.slice(i, end);
      }
    }
  }

  /** `'...'` at pos; pos ends past the closing quote. */
  private literalString(): string {
    const text = this.text;
    const len = this.len;
    const open = this.pos;
    const start = open + 1;
    for (let i = start; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c >= SPACE && c !== APOS && c !== DEL) continue;
      if (c === APOS) {
        this.pos = i + 1;
        return text.slice(start, i);
      }
      if (c === TAB) continue;
      if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) this.fail('unterminated string', open, i);
      this.controlChar(c, i, 'a string');
    }
    return this.fail('unterminated string', open, len);
  }

  /** `"""..."""` or `'''...'''` at pos. CRLF in the value becomes LF, as tomllib reads it. */
  private multilineString(q: number): TomlString {
    const text = this.text;
    const len = this.len;
    const open = this.pos;
    let i = open + 3;
    // A newline right after the opening delimiter is not part of the value.
    if (text.charCodeAt(i) === LF) i++;
    else if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i += 2;
    let out = '';
    let chunk = i;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === q) {
        if (text.charCodeAt(i + 1) !== q || text.charCodeAt(i + 2) !== q) {
          i++;
          continue;
        }
        let n = 3;
        while (text.charCodeAt(i + n) === q) n++;
        if (n > 5) {
          const what = q === QUOTE ? 'quotation marks' : 'apostrophes';
          this.fail(`too many ${what}: at most two may stand right before the closing delimiter`, i, i + n);
        }
        this.pos = i + n;
        const value = out + text.slice(chunk, i + n - 3);
        return { kind: 'string', value, span: { start: open, end: this.pos }, style: q === QUOTE ? 'ml-basic' : 'ml-literal' };
      }
      if (c === BACKSLASH && q === QUOTE) {
        out += text.slice(chunk, i);
        let j = i + 1;
        while (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB) j++;
        const after = text.charCodeAt(j);
        if (after === LF || (after === CR && text.charCodeAt(j + 1) === LF)) {
          // Line-ending backslash: the newline and all blanks and newlines after it vanish.
          for (;;) {
            const w = text.charCodeAt(j);
            if (w === SPACE || w === TAB || w === LF) j++;
            else if (w === CR && text.charCodeAt(j + 1) === LF) j += 2;
            else break;
          }
          i = chunk = j;
          continue;
        }
        if (i + 1 >= len) break;
        out += this.escape(i);
        i = chunk = this.escapeEnd;
        continue;
      }
      if (c >= SPACE && c !== DEL) {
        i++;
        continue;
      }
      if (c === CR && text.charCodeAt(i + 1) === LF) {
        out += text.slice(chunk, i) + '\n';
        i += 2;
        chunk = i;
        continue;
      }
      if (c !== LF && c !== TAB) this.controlChar(c, i, 'a string');
      i++;
    }
    // Resume on the line after the opening: an unclosed string should not swallow the file.
    return this.fail('unterminated multi-line string', open, open + 3, this.lineAfter(open));
  }

  private array(): TomlArray {
    const text = this.text;
    const start = this.pos;
    if (++this.depth + this.keyDepth > MAX_DEPTH) this.fail('arrays and inline tables are nested too deeply', start, start + 1);
    if (this.depth === 1) this.outerStart = start;
    this.pos++;
    const items: TomlValue[] = [];
    for (;;) {
      this.skipArrayTrivia();
      let c = text.charCodeAt(this.pos);
      if (c === RBRACKET) break;
      if (this.pos >= this.len) this.fail("unterminated array: expected ']'", start, start + 1);
      if (c === COMMA) this.failAt('expected a value', this.pos);
      items.push(this.value());
      this.skipArrayTrivia();
      c = text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === RBRACKET) break;
      if (this.pos >= this.len) this.fail("unterminated array: expected ']'", start, start + 1);
      this.failAt("expected ',' or ']' after an array element", this.pos);
    }
    this.pos++;
    this.depth--;
    return { kind: 'array', items, span: { start, end: this.pos }, ofTables: false };
  }

  private inlineTable(): TomlTable {
    const text = this.text;
    const start = this.pos;
    if (++this.depth + this.keyDepth > MAX_DEPTH) this.fail('arrays and inline tables are nested too deeply', start, start + 1);
    if (this.depth === 1) this.outerStart = start;
    this.pos++;
    const table: TomlTable = { kind: 'table', entries: new Map(), origin: 'inline', span: { start, end: start } };
    const section = ++this.sectionCount;
    this.skipWs();
    if (text.charCodeAt(this.pos) === RBRACE) {
      this.pos++;
    } else {
      for (;;) {
        const c = text.charCodeAt(this.pos);
        if (c === LF || c === CR || this.pos >= this.len) {
          this.failAt("unterminated inline table: expected a key (inline tables must stay on one line in TOML 1.0)", this.pos);
        }
        this.keyValue(table, section, []);
        this.skipWs();
        const d = text.charCodeAt(this.pos);
        if (d === RBRACE) {
          this.pos++;
          break;
        }
        if (d === COMMA) {
          const comma = this.pos++;
          this.skipWs();
          if (text.charCodeAt(this.pos) === RBRACE) this.fail('trailing comma not allowed in an inline table', comma, comma + 1);
          continue;
        }
        if (d === LF || d === CR || this.pos >= this.len) {
          this.failAt("unterminated inline table: expected '}' (inline tables must stay on one line in TOML 1.0)", this.pos);
        }
        this.failAt("expected ',' or '}' in an inline table", this.pos);
      }
    }
    table.span.end = this.pos;
    this.depth--;
    return table;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function article(kind: TomlValue['kind']): string {
  switch (kind) {
    case 'integer': return 'an integer';
    case 'array': return 'an array';
    case 'boolean': return 'a boolean';
    case 'datetime': return 'a date-time';
    case 'datetime-local': return 'a local date-time';
    case 'date-local': return 'a local date';
    case 'time-local': return 'a local time';
    default: return `a ${kind}`;
  }
}
