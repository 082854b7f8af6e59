import type { TomlError } from './ast';

// TOML files must be UTF-8. `ignoreBOM` keeps a leading BOM in the text so that offsets stay
// those of the text the editor holds; parseToml skips it.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes file bytes as strict UTF-8; invalid bytes become U+FFFD and an error at the first one. */
export function decodeToml(bytes: Uint8Array): { text: string; errors: TomlError[] } {
  try {
    return { text: strict.decode(bytes), errors: [] };
  } catch {
    // Fall through: locate the problem only when there is one.
  }
  const text = lossy.decode(bytes);
  const bad = firstInvalidByte(bytes);
  if (bad < 0) return { text, errors: [] };
  // Everything before `bad` is valid, so its decoded length is the offset of the first U+FFFD.
  const offset = lossy.decode(bytes.subarray(0, bad)).length;
  const b = bytes[bad];
  const message =
    b >= 0xc2 && b <= 0xf4
      ? `invalid UTF-8 sequence starting with byte 0x${hex2(b)}`
      : `invalid UTF-8 byte 0x${hex2(b)}`;
  return { text, errors: [{ code: 'toml-syntax', message, span: { start: offset, end: Math.min(offset + 1, text.length) } }] };
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Index of the first byte that starts an ill-formed UTF-8 sequence (Unicode table 3-7:
 * no overlongs, no surrogates, nothing past U+10FFFF), or -1.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes needed, and the allowed range of the first one.
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    if (b === 0xe0) lo = 0xa0; // overlong
    else if (b === 0xed) hi = 0x9f; // surrogates
    else if (b === 0xf0) lo = 0x90; // overlong
    else if (b === 0xf4) hi = 0x8f; // beyond U+10FFFF
    if (i + need >= n) return i;
    const b1 = bytes[i + 1];
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const bk = bytes[i + k];
      if (bk < 0x80 || bk > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}
