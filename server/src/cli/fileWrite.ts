import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a manifest only if it still holds the text the edits were computed on (the CLI's
 * "document version"), through a temp file and rename so it is never half-written, keeping its
 * permission bits. Returns why not, when it refuses.
 */
export function writeIfUnchanged(file: string, expected: string, next: string): string | undefined {
  let current: string;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return `${file} cannot be read: ${(e as Error).message}`;
  }
  if (current !== expected) return `${path.basename(file)} changed since it was read; nothing was written (run the command again)`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const mode = fs.statSync(file).mode & 0o777;
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeSync(fd, next);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    return `${file} could not be written: ${(e as Error).message}`;
  }
  return undefined;
}
