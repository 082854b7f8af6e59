import * as path from 'node:path';
import type { Host } from '../host';
import { CONTAINERS, DEPLOYABLE_TYPES, typeOfContainer, isOneOf } from '../model/vocabulary';
import { stripExtension } from '../model/identity';
import { DiskCache } from './diskCache';

/** A child found inside a composite's folder. */
export interface CompositeChild {
  type: string;
  name: string;
  /** The child's file or folder. */
  path: string;
}

/** A composite discovered from a plugin folder (spec §6). */
export interface DiscoveredComposite {
  name: string;
  /** The plugin folder. */
  dir: string;
  /** The plugin.json that named it, when there is one. */
  pluginFile?: string;
  /** Whether it was recognised by a plugin.json (explicit) or by its type sub-folders (implicit). */
  explicit: boolean;
  children: CompositeChild[];
}

const PLUGIN_JSONS = ['plugin.json', path.join('.claude-plugin', 'plugin.json')];

/** Children of a plugin folder: entries of its type sub-folders at depth 1. */
function childrenOf(host: Host, dir: string): { children: CompositeChild[]; typeFolders: Set<string> } {
  const children: CompositeChild[] = [];
  const typeFolders = new Set<string>();
  for (const sub of host.readDir(dir)) {
    if (sub.kind !== 'directory') continue;
    const type = typeOfContainer(sub.name);
    if (!type) continue;
    typeFolders.add(type);
    for (const e of host.readDir(path.join(dir, sub.name))) {
      if (e.name.startsWith('.')) continue;
      if (e.kind !== 'directory' && e.kind !== 'file') continue;
      // Skills, MCP servers, workflows and composites are folders; commands, agents and hooks may be files.
      if (e.kind === 'file' && (type === 'skill' || type === 'composite')) continue;
      children.push({ type, name: e.kind === 'file' ? stripExtension(e.name) : e.name, path: path.join(dir, sub.name, e.name) });
    }
  }
  return { children, typeFolders };
}

/** A composite as found on disk, before a plugin.json's name (which lives in a manifest) is applied. */
type Found = Omit<DiscoveredComposite, 'name'> & { folder: string };

/**
 * What `find` saw per collection folder, per disk cache and its generation: the index is rebuilt
 * after every keystroke, and walking a thousand collection folders (even through cached
 * listings) each time showed in keystroke profiles. A new generation means the disk changed.
 */
const FOUND = new WeakMap<DiskCache, { generation: number; byDir: Map<string, Found[]> }>();

/**
 * Composites of one collection folder, found as SkillMeat's detector does: a folder in a
 * composite container with a plugin.json (named by its `name`, else the folder), or with at
 * least two distinct primary-type sub-folders (implicit composite).
 */
export function discoverComposites(host: Host, collectionDir: string, pluginNames: Map<string, string>): DiscoveredComposite[] {
  let found: Found[] | undefined;
  if (host instanceof DiskCache) {
    let memo = FOUND.get(host);
    if (memo?.generation !== host.generation) FOUND.set(host, (memo = { generation: host.generation, byDir: new Map() }));
    found = memo.byDir.get(collectionDir);
    if (!found) memo.byDir.set(collectionDir, (found = find(host, collectionDir)));
  } else found = find(host, collectionDir);
  return found.map((k) => ({ name: (k.pluginFile && pluginNames.get(k.pluginFile)) || k.folder, dir: k.dir, pluginFile: k.pluginFile, explicit: k.explicit, children: k.children }));
}

function find(host: Host, collectionDir: string): Found[] {
  const out: Found[] = [];
  for (const c of host.readDir(collectionDir)) {
    if (c.kind !== 'directory' || !CONTAINERS.composite.includes(c.name.toLowerCase())) continue;
    const containerDir = path.join(collectionDir, c.name);
    for (const p of host.readDir(containerDir)) {
      if (p.kind !== 'directory' || p.name.startsWith('.')) continue;
      const dir = path.join(containerDir, p.name);
      const pluginFile = PLUGIN_JSONS.map((f) => path.join(dir, f)).find((f) => host.stat(f)?.kind === 'file');
      const { children, typeFolders } = childrenOf(host, dir);
      const primary = [...typeFolders].filter((t) => isOneOf(DEPLOYABLE_TYPES, t));
      if (!pluginFile && primary.length < 2) continue;
      out.push({ folder: p.name, dir, pluginFile, explicit: Boolean(pluginFile), children });
    }
  }
  return out;
}
