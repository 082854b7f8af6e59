import * as path from 'node:path';
import type { RuleContext } from './context';
import type { Host, HostStat } from '../../host';
import type { Field } from '../../model/fields';
import type { DiagnosticSink } from '../sink';
import type { CollectionInfo } from '../../workspace/index';
import { CONTAINERS, PRIMARY_FILES } from '../../model/vocabulary';

/** Where a manifest path leads, decided without touching anything outside its root. */
export type PathVerdict = { ok: true; full: string } | { ok: false; why: string };

/**
 * Resolves a manifest path against its root and refuses absolute paths, `..` that leaves the
 * root, and symlinks whose target is outside it: such paths are reported, never followed.
 */
export function resolveInside(root: string, rel: string, host?: Host | DirCache): PathVerdict {
  if (rel === '') return { ok: false, why: 'is empty' };
  if (path.isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel) || rel.startsWith('\\')) return { ok: false, why: 'is absolute' };
  let full: string;
  if (!root.endsWith(path.sep) && isPlainRelative(rel)) {
    // The common case (`skills/name`): no "..", ".", empty segments or backslashes, so joining
    // is resolving, and it cannot leave the root. Saves a resolve and a relative per artifact.
    full = rel.endsWith('/') ? `${root}/${rel.slice(0, -1)}` : `${root}/${rel}`;
  } else {
    full = path.resolve(root, rel);
    const back = path.relative(root, full);
    if (back === '..' || back.startsWith('..' + path.sep) || path.isAbsolute(back)) return { ok: false, why: 'leaves its root through ".."' };
  }
  if (host instanceof DirCache) {
    if (host.throughSymlink(root, full)) {
      const real = host.host.realPath(full);
      const realRoot = host.host.realPath(root) ?? root;
      const r = real ? path.relative(realRoot, real) : '';
      if (real && (r === '..' || r.startsWith('..' + path.sep) || path.isAbsolute(r))) return { ok: false, why: 'goes through a symlink that points outside its root' };
    }
  } else if (host) {
    const real = host.realPath(full);
    const realRoot = host.realPath(root) ?? root;
    if (real) {
      const r = path.relative(realRoot, real);
      if (r === '..' || r.startsWith('..' + path.sep) || path.isAbsolute(r)) return { ok: false, why: 'goes through a symlink that points outside its root' };
    }
  }
  return { ok: true, full };
}

/** A POSIX relative path made only of plain names (one trailing slash allowed), on a POSIX system. */
function isPlainRelative(rel: string): boolean {
  if (path.sep !== '/' || rel.includes('\\')) return false;
  const parts = rel.split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.length > 0 && parts.every((p) => p !== '' && p !== '.' && p !== '..');
}

/**
 * Directory listings read once per check: tens of thousands of artifact paths live in a few
 * container folders, so one readdir per folder replaces one lstat (and realpath) per artifact.
 */
export class DirCache {
  private readonly listings = new Map<string, Map<string, HostStat['kind']>>();

  constructor(readonly host: Host) {}

  private listing(dir: string): Map<string, HostStat['kind']> {
    let l = this.listings.get(dir);
    if (!l) {
      l = new Map(this.host.readDir(dir).map((e) => [e.name, e.kind]));
      this.listings.set(dir, l);
    }
    return l;
  }

  /** The kind of a path's entry (symlinks reported as such), or undefined when it does not exist. */
  kindOf(full: string): HostStat['kind'] | undefined {
    const parent = path.dirname(full);
    if (parent === full) return 'directory';
    return this.listing(parent).get(path.basename(full));
  }

  /** Whether any component between root (exclusive) and full (inclusive) is a symlink. */
  throughSymlink(root: string, full: string): boolean {
    let p = full;
    while (p !== root && p.length > root.length) {
      if (this.kindOf(p) === 'symlink') return true;
      p = path.dirname(p);
    }
    return false;
  }
}

/** The first path segment (the container folder) of a relative manifest path. */
function firstSegment(rel: string): string {
  return rel.replace(/^\.\//, '').split(/[\\/]/)[0];
}

/** Reports a path whose first folder is not one of its type's containers. */
export function checkContainer(p: Field<string>, type: string, sink: DiagnosticSink, rootWord: string): void {
  const containers = CONTAINERS[type];
  if (!containers) return;
  const first = firstSegment(p.value);
  if (!containers.includes(first.toLowerCase())) {
    const rest = p.value.replace(/^\.\//, '').split(/[\\/]/).slice(1).join('/') || path.basename(p.value);
    sink.add('wrong-container', p.span, `a ${type} belongs in ${containers.map((c) => c + '/').join(' or ')} of the ${rootWord}, not "${first}/"`, {
      data: { replacement: JSON.stringify(`${containers[0]}/${rest}`) },
    });
  }
}

/** Rules on `[[artifacts]].path`: inside the collection, in its container, present on disk, with its primary file. */
export function checkArtifactPathsOf(ctx: RuleContext, c: CollectionInfo, dirs: DirCache): void {
  const sink = ctx.sink(c.source);
  for (const a of c.model.artifacts) {
    const p = a.path;
    if (!p) continue;
    const verdict = resolveInside(c.model.dir, p.value, dirs);
    if (!verdict.ok) {
      sink.add('path-escapes-root', p.span, `path "${p.value}" ${verdict.why}; artifact paths are relative to the collection folder and stay inside it`);
      continue;
    }
    const type = a.typeValid ? a.type!.value : undefined;
    if (!type) continue;
    checkContainer(p, type, sink, 'collection');
    if ((type === 'command' || type === 'agent') && !p.value.toLowerCase().endsWith('.md')) {
      sink.add('not-markdown', p.span, `a ${type} is a Markdown file; "${p.value}" does not end in .md`);
    }
    const full = verdict.full.replace(/[\\/]+$/, '');
    let kind = dirs.kindOf(full);
    if (kind === 'symlink') kind = ctx.host.stat(ctx.host.realPath(full) ?? full)?.kind === 'directory' ? 'directory' : 'file';
    if (!kind) {
      sink.add('path-missing', p.span, `path "${p.value}" does not exist in collection folder ${c.model.dir}`);
      continue;
    }
    if (type === 'skill') {
      if (kind !== 'directory') {
        sink.add('missing-primary-file', p.span, `a skill is a folder with a SKILL.md; "${p.value}" is not a folder`);
        continue;
      }
      // One stat per name instead of listing the folder: a workspace has tens of thousands of
      // skill folders, and a listing costs several times a stat (and its garbage).
      let found: HostStat | undefined;
      for (const n of PRIMARY_FILES.skill.flatMap((n) => [n, n.toLowerCase()])) {
        const st = ctx.host.stat(path.join(full, n));
        if (st?.kind === 'file') {
          found = st;
          break;
        }
      }
      if (!found) sink.add('missing-primary-file', p.span, `skill folder "${p.value}" has no SKILL.md`);
      else if (found.size === 0) sink.add('missing-primary-file', p.span, `SKILL.md in "${p.value}" is empty`);
    }
  }
}
