import type { TomlValue } from './ast';

/**
 * Converts a value tree to plain JS: tables become objects, arrays arrays, integers stay bigint,
 * dates and times become their source text. Drops all spans (for tests and simple consumers).
 */
export function toPlain(v: TomlValue): unknown {
  switch (v.kind) {
    case 'string':
    case 'float':
    case 'boolean':
    case 'integer':
      return v.value;
    case 'datetime':
    case 'datetime-local':
    case 'date-local':
    case 'time-local':
      return v.text;
    case 'array':
      return v.items.map(toPlain);
    case 'table': {
      const out: Record<string, unknown> = {};
      for (const [key, entry] of v.entries) {
        // A plain assignment to "__proto__" would replace the prototype instead of adding a key.
        Object.defineProperty(out, key, { value: toPlain(entry.value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}
