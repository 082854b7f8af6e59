import type { TomlValue } from './ast';

// Readers for the unquoted scalar tokens (numbers, booleans, dates). The parser has already cut
// the token at a delimiter; each reader returns a node or, when the token is not a valid TOML
// value, a message for the user. Returning the message instead of throwing keeps the caller in
// charge of recovery, and keeps exceptions off the hot path.

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

const C_PLUS = 43;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;
const C_COLON = 58;
const C_UNDERSCORE = 95;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

function isRadixDigit(c: number, radix: number): boolean {
  if (radix === 10) return c >= C_0 && c <= C_9;
  if (radix === 16) return (c >= C_0 && c <= C_9) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
  if (radix === 8) return c >= C_0 && c <= 55;
  return c === C_0 || c === 49;
}

/**
 * Index just past a run of digits in which each underscore sits between two digits, or -1 when
 * an underscore breaks that rule (TOML's `1_000` but not `_1`, `1_`, `1__0`).
 */
function digitRun(text: string, i: number, end: number, radix: number): number {
  const start = i;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isRadixDigit(c, radix)) {
      i++;
    } else if (c === C_UNDERSCORE) {
      if (i === start || i + 1 >= end || !isRadixDigit(text.charCodeAt(i + 1), radix)) return -1;
      i++;
    } else {
      break;
    }
  }
  return i;
}

/** Characters a message must spell as a code (controls, odd spaces, BOM): they do not show. */
export function isInvisible(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xfeff || (c >= 0x2000 && c <= 0x200f) || c === 0x2028 || c === 0x2029 || c === 0x3000;
}

/** Shows a token in a message: quoted, invisible characters escaped, long ones cut. */
function showToken(token: string): string {
  const s = token.length > 40 ? token.slice(0, 37) + '...' : token;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += isInvisible(c) ? `\\u${c.toString(16).padStart(4, '0')}` : s[i];
  }
  return `"${out}"`;
}

function withoutUnderscores(s: string): string {
  return s.indexOf('_') < 0 ? s : s.replaceAll('_', '');
}

/** Reads a boolean, number, inf/nan or date/time token spanning [start, end). */
export function readScalar(text: string, start: number, end: number): TomlValue | string {
  const c = text.charCodeAt(start);
  const len = end - start;
  if (c === 116 /* t */ && len === 4 && text.startsWith('true', start)) {
    return { kind: 'boolean', value: true, span: { start, end } };
  }
  if (c === 102 /* f */ && len === 5 && text.startsWith('false', start)) {
    return { kind: 'boolean', value: false, span: { start, end } };
  }
  if (isDigit(c)) {
    if (looksLikeDateTime(text, start, end)) return readDateTime(text, start, end);
    return readNumber(text, start, end);
  }
  if (c === C_PLUS || c === C_MINUS || c === 105 /* i */ || c === 110 /* n */) return readNumber(text, start, end);
  return invalidValue(text.slice(start, end));
}

function invalidValue(token: string): string {
  const lower = token.toLowerCase();
  if (lower === 'true' || lower === 'false') return `invalid value ${showToken(token)} (booleans are lowercase: true, false)`;
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower;
  if (unsigned === 'inf' || unsigned === 'nan') return `invalid value ${showToken(token)} (inf and nan are lowercase)`;
  let bare = token.length > 0;
  for (let i = 0; i < token.length && bare; i++) {
    const c = token.charCodeAt(i);
    bare = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigit(c) || c === C_UNDERSCORE || c === C_MINUS;
  }
  if (bare) return `invalid value ${showToken(token)} (strings must be quoted)`;
  return `invalid value ${showToken(token)}`;
}

/**
 * A digit-led token is a date/time when it has a `:`, or a `-` that is not an exponent sign
 * (and it is not a hex/octal/binary integer, which are never dates).
 */
function looksLikeDateTime(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) === C_0) {
    const p = text.charCodeAt(start + 1);
    if (p === 120 || p === 111 || p === 98) return false;
  }
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === C_COLON) return true;
    if (c === C_MINUS) {
      const p = text.charCodeAt(i - 1);
      if (p !== 101 && p !== 69) return true;
    }
  }
  return false;
}

function readNumber(text: string, start: number, end: number): TomlValue | string {
  const token = (): string => showToken(text.slice(start, end));
  let i = start;
  let c = text.charCodeAt(i);
  const signed = c === C_PLUS || c === C_MINUS;
  if (signed) c = text.charCodeAt(++i);
  if (i >= end) return `invalid number ${token()}`;

  if (c === 105 /* i */ || c === 110 /* n */) {
    if (end - i === 3 && text.startsWith('inf', i)) {
      return { kind: 'float', value: text.charCodeAt(start) === C_MINUS ? -Infinity : Infinity, span: { start, end } };
    }
    if (end - i === 3 && text.startsWith('nan', i)) return { kind: 'float', value: NaN, span: { start, end } };
    return invalidValue(text.slice(start, end));
  }

  if (c === C_0 && i + 1 < end) {
    const p = text.charCodeAt(i + 1);
    const radix = p === 120 /* x */ ? 16 : p === 111 /* o */ ? 8 : p === 98 /* b */ ? 2 : 0;
    if (radix !== 0) {
      const name = radix === 16 ? 'hexadecimal' : radix === 8 ? 'octal' : 'binary';
      if (signed) return `${name} integers cannot have a sign: ${token()}`;
      const run = digitRun(text, i + 2, end, radix);
      if (run < 0) return `underscores in numbers must sit between two digits: ${token()}`;
      if (run === i + 2) return `expected ${name} digits after ${text.slice(i, i + 2)}: ${token()}`;
      if (run !== end) return `invalid ${name} integer ${token()}`;
      const value = BigInt(text.slice(i, i + 2) + withoutUnderscores(text.slice(i + 2, end)));
      if (value > MAX_I64) return `integer ${token()} does not fit in 64 bits`;
      return { kind: 'integer', value, span: { start, end } };
    }
  }

  const intStart = i;
  const intEnd = digitRun(text, i, end, 10);
  if (intEnd < 0) return `underscores in numbers must sit between two digits: ${token()}`;
  if (intEnd === intStart) return `invalid number ${token()}`;
  const leadingZero = c === C_0 && intEnd > intStart + 1;
  if (intEnd === end) {
    if (leadingZero) return `leading zeros are not allowed in integers: ${token()}`;
    const value = BigInt(withoutUnderscores(text.slice(start, end)));
    if (value < MIN_I64 || value > MAX_I64) return `integer ${token()} does not fit in 64 bits`;
    return { kind: 'integer', value, span: { start, end } };
  }

  let k = intEnd;
  c = text.charCodeAt(k);
  if (c === C_DOT) {
    const f = digitRun(text, k + 1, end, 10);
    if (f < 0) return `underscores in numbers must sit between two digits: ${token()}`;
    if (f === k + 1) return `expected digits after the decimal point: ${token()}`;
    k = f;
    c = text.charCodeAt(k);
  }
  if (c === 101 /* e */ || c === 69 /* E */) {
    k++;
    c = text.charCodeAt(k);
    if (c === C_PLUS || c === C_MINUS) k++;
    const f = digitRun(text, k, end, 10);
    if (f < 0) return `underscores in numbers must sit between two digits: ${token()}`;
    if (f === k) return `expected digits in the exponent: ${token()}`;
    k = f;
  }
  if (k !== end || k === intEnd) return `invalid number ${token()}`;
  if (leadingZero) return `leading zeros are not allowed in numbers: ${token()}`;
  return { kind: 'float', value: Number(withoutUnderscores(text.slice(start, end))), span: { start, end } };
}

/** Value of the two digits at i, or -1. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - C_0;
  const b = text.charCodeAt(i + 1) - C_0;
  // Written so that NaN (reading past the end) also fails.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Index just past `HH:MM:SS[.fraction]` at i (seconds are mandatory in TOML 1.0), or a message.
 * `limit` bounds the scan to the token.
 */
function readTime(text: string, i: number, limit: number, token: () => string): number | string {
  const n = limit - i;
  const hour = n >= 5 ? twoDigits(text, i) : -1;
  const minute = n >= 5 && text.charCodeAt(i + 2) === C_COLON ? twoDigits(text, i + 3) : -1;
  if (hour < 0 || minute < 0) return `invalid time in ${token()} (expected HH:MM:SS)`;
  if (n === 5 || text.charCodeAt(i + 5) !== C_COLON) {
    return `invalid time in ${token()}: seconds are required (HH:MM:SS)`;
  }
  const second = n >= 8 ? twoDigits(text, i + 6) : -1;
  if (second < 0) return `invalid time in ${token()} (expected HH:MM:SS)`;
  if (hour > 23 || minute > 59 || second > 60) return `invalid time ${text.slice(i, i + 8)}`;
  let k = i + 8;
  if (k < limit && text.charCodeAt(k) === C_DOT) {
    k++;
    const fracStart = k;
    while (k < limit && isDigit(text.charCodeAt(k))) k++;
    if (k === fracStart) return `expected digits after the decimal point in ${token()}`;
  }
  return k;
}

function readDateTime(text: string, start: number, end: number): TomlValue | string {
  const token = (): string => showToken(text.slice(start, end));
  const span = { start, end };
  // A `:` before any `-` makes it a local time (`07:32:00`, or a malformed `7:32:00`).
  let colonFirst = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === C_MINUS) break;
    if (c === C_COLON) {
      colonFirst = true;
      break;
    }
  }
  if (colonFirst) {
    const t = readTime(text, start, end, token);
    if (typeof t === 'string') return t;
    if (t !== end) return `invalid time ${token()}`;
    return { kind: 'time-local', text: text.slice(start, end), span };
  }

  const y1 = twoDigits(text, start);
  const y2 = twoDigits(text, start + 2);
  const ok =
    end - start >= 10 &&
    y1 >= 0 &&
    y2 >= 0 &&
    text.charCodeAt(start + 4) === C_MINUS &&
    text.charCodeAt(start + 7) === C_MINUS;
  const month = ok ? twoDigits(text, start + 5) : -1;
  const day = ok ? twoDigits(text, start + 8) : -1;
  if (month < 0 || day < 0) return `invalid date ${token()} (expected YYYY-MM-DD)`;
  const year = y1 * 100 + y2;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return `invalid date ${text.slice(start, start + 10)}`;
  }
  let i = start + 10;
  if (i === end) return { kind: 'date-local', text: text.slice(start, end), span };

  const sep = text.charCodeAt(i);
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) return `invalid date-time ${token()}`;
  if (i + 1 === end) return `expected a time after the date in ${token()}`;
  const t = readTime(text, i + 1, end, token);
  if (typeof t === 'string') return t;
  i = t;
  if (i === end) return { kind: 'datetime-local', text: text.slice(start, end), span };

  const z = text.charCodeAt(i);
  if ((z === 90 /* Z */ || z === 122 /* z */) && i + 1 === end) {
    return { kind: 'datetime', text: text.slice(start, end), span };
  }
  if (z === C_PLUS || z === C_MINUS) {
    const oh = twoDigits(text, i + 1);
    const om = text.charCodeAt(i + 3) === C_COLON ? twoDigits(text, i + 4) : -1;
    if (oh < 0 || om < 0 || i + 6 !== end) return `invalid time offset in ${token()} (expected Z or ±HH:MM)`;
    if (oh > 23 || om > 59) return `invalid time offset ${text.slice(i, end)}`;
    return { kind: 'datetime', text: text.slice(start, end), span };
  }
  return `invalid date-time ${token()}`;
}
