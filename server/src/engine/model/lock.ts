import * as path from 'node:path';
import type { TomlTable } from '../toml/ast';
import type { DiagnosticSink } from '../diagnostics/sink';
import { type Field, field, readString, readTable, readTimestamp } from './fields';
import { lookupKey, parseLockKey } from './identity';

/** One `[lock.entries."name::type"]` entry. */
export interface LockEntry {
  table: TomlTable;
  /** The key as written, with its span. */
  key: Field<string>;
  /** name and type when the key has the `name::type` shape. */
  name?: string;
  type?: string;
  contentHash?: Field<string>;
  fetched?: Field<string>;
}

/** A collection.lock, lowered. */
export interface LockModel {
  kind: 'lock';
  file: string;
  dir: string;
  entries: LockEntry[];
}

/** Lowers a parsed collection.lock; a key not of the form name::type is an error. */
export function lowerLock(file: string, root: TomlTable, sink: DiagnosticSink): LockModel {
  const model: LockModel = { kind: 'lock', file, dir: path.dirname(file), entries: [] };
  const lock = readTable(root, 'lock', 'collection.lock', sink);
  if (!lock) return model;
  readString(lock, 'version', '[lock]', sink);
  const entries = readTable(lock, 'entries', '[lock]', sink);
  if (!entries) return model;
  for (const e of entries.entries.values()) {
    const key: Field<string> = field(e.key, e.keySpan, e.keySpan);
    const parsed = parseLockKey(e.key);
    if (!parsed) {
      sink.add('invalid-lock-key', e.keySpan, `lock key "${e.key}" is not of the form "name::type" (e.g. "pdf-tools::skill")`);
    }
    if (e.value.kind !== 'table') {
      sink.add('wrong-type', e.value.span, `lock entry "${e.key}" must be a table`);
      continue;
    }
    const where = `lock entry "${e.key}"`;
    readString(e.value, 'upstream', where, sink);
    readString(e.value, 'resolved_sha', where, sink);
    readString(e.value, 'resolved_version', where, sink);
    model.entries.push({
      table: e.value,
      key,
      name: parsed?.name,
      type: parsed?.type,
      contentHash: readString(e.value, 'content_hash', where, sink, true),
      fetched: readTimestamp(e.value, 'fetched', where, sink, true),
    });
  }
  return model;
}

const BY_KEY = new WeakMap<LockModel, Map<string, LockEntry>>();

/**
 * The lock entry of an artifact (type and extension-stripped name, as SkillMeat compares), from
 * a map built once per lock model: deployed files look entries up for every record on every
 * re-check, and a scan of a thousand-entry lock per record showed up in keystroke profiles.
 */
export function lockEntryFor(lock: LockModel, type: string, name: string): LockEntry | undefined {
  let m = BY_KEY.get(lock);
  if (!m) {
    m = new Map();
    for (const e of lock.entries) {
      if (e.name === undefined || e.type === undefined) continue;
      const k = lookupKey(e.type, e.name);
      if (!m.has(k)) m.set(k, e);
    }
    BY_KEY.set(lock, m);
  }
  return m.get(lookupKey(type, name));
}
