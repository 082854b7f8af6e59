/** File paths and `file:` URIs, encoded the way VS Code encodes them so both sides name a file alike. */
import { fileURLToPath } from 'node:url';

/** The path of a `file:` URI; undefined for other schemes (untitled, git…) and malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** A `file:` URI for a path: every character but the unreserved ones percent-encoded, as vscode-uri does. */
export function pathToUri(p: string): string {
  let s = p.replace(/\\/g, '/');
  let drive = '';
  const m = /^([A-Za-z]):(\/.*)?$/.exec(s);
  if (m) {
    drive = `/${m[1].toLowerCase()}%3A`;
    s = m[2] ?? '/';
  }
  const encoded = s
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
  return `file://${drive}${encoded.startsWith('/') ? '' : '/'}${encoded}`;
}
