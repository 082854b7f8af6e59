/** Identity strings of SkillMeat artifacts: `type:name`, `type::name`, lock keys `name::type`, uuids, tag slugs. */

const STRIP_EXTENSIONS = ['.md', '.txt', '.json', '.yaml', '.yml'];

/** The name with one trailing .md/.txt/.json/.yaml/.yml removed, as SkillMeat compares names. */
export function stripExtension(name: string): string {
  // Only the tail can match: lower-casing a whole (possibly enormous) name on every comparison
  // made finding the references of an artifact with a long name slow by orders of magnitude.
  const lower = name.slice(-8).toLowerCase();
  for (const ext of STRIP_EXTENSIONS) if (lower.endsWith(ext) && name.length > ext.length) return name.slice(0, -ext.length);
  return name;
}

/** A parsed `type:name` (or `type::name`) reference. */
export interface ArtifactRef {
  type: string;
  name: string;
  /** Which separator the text used. */
  form: 'type:name' | 'type::name';
  /** Offset of the name inside the reference string (to point a range at it). */
  nameOffset: number;
}

/** Splits `type:name` on the first colon; accepts `type::name`; undefined when not of that shape. */
export function parseRef(text: string): ArtifactRef | undefined {
  const i = text.indexOf(':');
  if (i <= 0) return undefined;
  if (text.startsWith('::', i)) {
    const name = text.slice(i + 2);
    if (!name) return undefined;
    return { type: text.slice(0, i), name, form: 'type::name', nameOffset: i + 2 };
  }
  const name = text.slice(i + 1);
  if (!name) return undefined;
  return { type: text.slice(0, i), name, form: 'type:name', nameOffset: i + 1 };
}

/** Parses a lock key `name::type` (name first); undefined when not of that shape. */
export function parseLockKey(key: string): { name: string; type: string } | undefined {
  const i = key.lastIndexOf('::');
  if (i <= 0 || i + 2 >= key.length) return undefined;
  return { name: key.slice(0, i), type: key.slice(i + 2) };
}

/** The canonical id `type:name`. */
export function refId(type: string, name: string): string {
  return `${type}:${name}`;
}

/** The key used to look artifacts up: type plus extension-stripped name. */
export function lookupKey(type: string, name: string): string {
  return `${type}:${stripExtension(name)}`;
}

const UUID_RE = /^[0-9a-f]{32}$/;

/** Whether a string is an ADR-007 uuid: 32 lower-case hex digits, no dashes. */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** Slug of a tag name as SkillMeat's tag service makes it: lower-case, non-[a-z0-9] runs to '-', trimmed. */
export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}
