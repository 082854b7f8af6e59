/** Markdown pieces shared by hover and completion documentation. */
import { pathToFileURL } from 'node:url';

/** Text with Markdown's special characters escaped, for names and descriptions from manifests. */
export function md(s: string): string {
  // Only what changes inline rendering: emphasis, code, links, HTML, tables.
  return s.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}

/** Inline code that survives backticks inside the text. */
export function code(s: string): string {
  const fence = s.includes('`') ? '`` ' : '`';
  const close = s.includes('`') ? ' ``' : '`';
  return `${fence}${s}${close}`;
}

/** A Markdown link to a file on disk, as a file URI. */
export function fileLink(label: string, file: string): string {
  return `[${md(label)}](${pathToFileURL(file).href})`;
}

/** A shortened hash for display. */
export function shortHash(h: string): string {
  return h.length > 12 ? `${h.slice(0, 12)}…` : h;
}

/** `n thing` / `n things`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
