import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Host } from '../host';
import type { SourceFile } from './sourceFile';
import type { ArtifactEntry, CollectionModel, GroupEntry, TagDefinition } from '../model/collection';
import type { LockModel } from '../model/lock';
import type { DeployedModel } from '../model/deployed';
import type { PluginModel } from '../model/plugin';
import { lookupKey, slugify, stripExtension } from '../model/identity';
import { type DiscoveredComposite, discoverComposites } from './composites';
import { DiskCache } from './diskCache';

/** An artifact entry with the collection and file it lives in. */
export interface ArtifactSite {
  collection: CollectionInfo;
  entry: ArtifactEntry;
  type: string;
  name: string;
}

/** One collection and everything known about it across files. */
export interface CollectionInfo {
  source: SourceFile;
  model: CollectionModel;
  /** `[collection].name`, or the folder's name when absent. */
  name: string;
  lock?: { source: SourceFile; model: LockModel };
  artifacts: ArtifactSite[];
  /** Artifacts by type and extension-stripped name. */
  byKey: Map<string, ArtifactSite[]>;
  tagsBySlug: Map<string, TagDefinition>;
  groupsByName: Map<string, GroupEntry>;
  composites: DiscoveredComposite[];
}

/**
 * What one collection.toml alone determines (its artifacts by key, tags, groups), built once per
 * SourceFile: an index rebuilt after a keystroke elsewhere reuses it instead of re-walking tens
 * of thousands of artifacts.
 */
const CORES = new WeakMap<SourceFile, CollectionInfo>();

function buildCollection(source: SourceFile, model: CollectionModel): CollectionInfo {
  const info: CollectionInfo = {
    source,
    model,
    name: model.name?.value ?? path.basename(model.dir),
    artifacts: [],
    byKey: new Map(),
    tagsBySlug: new Map(),
    groupsByName: new Map(),
    composites: [],
  };
  for (const entry of model.artifacts) {
    if (!entry.name || !entry.type) continue;
    const site: ArtifactSite = { collection: info, entry, type: entry.type.value, name: entry.name.value };
    info.artifacts.push(site);
    push(info.byKey, lookupKey(site.type, site.name), site);
  }
  for (const t of model.tagDefinitions) if (t.slug && !info.tagsBySlug.has(t.slug.value)) info.tagsBySlug.set(t.slug.value, t);
  for (const g of model.groups) if (g.name && !info.groupsByName.has(g.name.value)) info.groupsByName.set(g.name.value, g);
  return info;
}

/** The core of a collection file, built on first sight of that SourceFile. */
function coreOf(source: SourceFile, model: CollectionModel): CollectionInfo {
  let info = CORES.get(source);
  if (!info) {
    info = buildCollection(source, model);
    CORES.set(source, info);
  }
  return info;
}

/** What the last index over a disk cache was built from: the next one starts from it when only a few files were replaced. */
interface Built {
  files: SourceFile[];
  generation: number;
  index: WorkspaceIndex;
}

const LAST = new WeakMap<DiskCache, Built>();

/** The parts of an index that a swap produces. */
interface Swapped {
  collections: CollectionInfo[];
  byName: Map<string, CollectionInfo[]>;
  byDir: Map<string, CollectionInfo>;
  deployments: { source: SourceFile; model: DeployedModel }[];
  others: SourceFile[];
  namesKey?: string;
}

/**
 * The last index with replaced files swapped in, or undefined when the change is of another
 * kind: files added, removed or moved, a collection renamed or moved, any other kind of file
 * replaced. Copies are made whole (native copies of arrays and maps) and then patched.
 */
function swapFrom(last: Built, files: SourceFile[]): Swapped | undefined {
  if (files.length !== last.files.length) return undefined;
  const cores = new Map<CollectionInfo, CollectionInfo>();
  const deployed = new Map<SourceFile, SourceFile>();
  for (let i = 0; i < files.length; i++) {
    const was = last.files[i];
    const now = files[i];
    if (was === now) continue;
    if (cores.size + deployed.size >= 8) return undefined;
    const a = was.model;
    const b = now.model;
    if (a?.kind === 'collection' && b?.kind === 'collection') {
      const before = CORES.get(was);
      const after = coreOf(now, b);
      if (!before || a.dir !== b.dir || before.name !== after.name || last.index.byDir.get(a.dir) !== before) return undefined;
      cores.set(before, after);
    } else if (a?.kind === 'deployed' && b?.kind === 'deployed') deployed.set(was, now);
    else return undefined;
  }
  const prev = last.index;
  const out: Swapped = {
    collections: prev.collections.slice(),
    byName: new Map(prev.byName),
    byDir: new Map(prev.byDir),
    deployments: prev.deployments.slice(),
    others: prev.others.slice(),
    // Same collections, same names.
    namesKey: prev.namesKeyIfBuilt,
  };
  for (const [before, after] of cores) {
    // Same folder, same files around it: the same lock and composites.
    after.lock = before.lock;
    after.composites = before.composites;
    out.collections[out.collections.indexOf(before)] = after;
    out.byName.set(after.name, out.byName.get(after.name)!.map((c) => (c === before ? after : c)));
    out.byDir.set(after.model.dir, after);
  }
  if (deployed.size) {
    for (let i = 0; i < out.deployments.length; i++) {
      const now = deployed.get(out.deployments[i].source);
      if (now) out.deployments[i] = { source: now, model: now.model as DeployedModel };
    }
  }
  return out;
}

/** The cross-file view: collections, artifacts by name and uuid, deployments, composites. */
export class WorkspaceIndex {
  readonly collections: CollectionInfo[] = [];
  readonly byName = new Map<string, CollectionInfo[]>();
  readonly byDir = new Map<string, CollectionInfo>();
  readonly deployments: { source: SourceFile; model: DeployedModel }[] = [];
  readonly others: SourceFile[] = [];

  /**
   * Indexes the files. Over the workspace's disk cache, an index is rebuilt after every keystroke:
   * when the files are the last index's with a few collection files (same folder and name) or
   * deployed files replaced in place, and the disk facts are the same, it is that index with
   * those swapped, instead of a walk over every file, core, lock and composite folder.
   */
  constructor(files: Iterable<SourceFile>, host: Host) {
    const list = [...files];
    const cache = host instanceof DiskCache ? host : undefined;
    const last = cache && LAST.get(cache);
    const swapped = last && last.generation === cache.generation ? swapFrom(last, list) : undefined;
    if (swapped) {
      this.collections = swapped.collections;
      this.byName = swapped.byName;
      this.byDir = swapped.byDir;
      this.deployments = swapped.deployments;
      this.others = swapped.others;
      this.namesKey = swapped.namesKey;
    } else this.build(list, host);
    if (cache) LAST.set(cache, { files: list, generation: cache.generation, index: this });
  }

  private build(files: SourceFile[], host: Host): void {
    const locks: { source: SourceFile; model: LockModel }[] = [];
    const pluginNames = new Map<string, string>();
    for (const sf of files) {
      const m = sf.model;
      if (!m) {
        this.others.push(sf);
        continue;
      }
      if (m.kind === 'collection') this.addCollection(sf, m);
      else if (m.kind === 'lock') locks.push({ source: sf, model: m });
      else if (m.kind === 'deployed') this.deployments.push({ source: sf, model: m });
      else {
        if (m.kind === 'plugin' && (m as PluginModel).name) pluginNames.set(sf.file, (m as PluginModel).name!.value);
        this.others.push(sf);
      }
    }
    for (const l of locks) {
      const c = this.byDir.get(l.model.dir);
      if (c) c.lock = l;
    }
    for (const c of this.collections) c.composites = discoverComposites(host, c.model.dir, pluginNames);
  }

  private addCollection(source: SourceFile, model: CollectionModel): void {
    const info = coreOf(source, model);
    // Parts that depend on other files are filled in afresh by every index.
    info.lock = undefined;
    info.composites = [];
    this.collections.push(info);
    push(this.byName, info.name, info);
    this.byDir.set(model.dir, info);
  }

  private uuids?: Map<string, ArtifactSite[]>;
  private namesKey?: string;
  private everyInterface?: string;

  /** The names key if it was asked for (a swapped index has the same names). */
  get namesKeyIfBuilt(): string | undefined {
    return this.namesKey;
  }

  /** How many collections there are and their names in index order, as one string: what "is there a collection named n" depends on. */
  get collectionNames(): string {
    this.namesKey ??= [this.collections.length, ...this.byName.keys()].join('\u0000');
    return this.namesKey;
  }

  /** Every collection's interface in index order, as one string: what a lookup by uuid across the workspace depends on. */
  get allInterfaces(): string {
    this.everyInterface ??= this.collections.map(collectionInterface).join(',');
    return this.everyInterface;
  }

  /** Artifacts by the uuid their manifest gives, built on first use (most re-checks never ask). */
  get byUuid(): Map<string, ArtifactSite[]> {
    if (!this.uuids) {
      this.uuids = new Map();
      for (const c of this.collections) for (const site of c.artifacts) if (site.entry.uuid) push(this.uuids, site.entry.uuid.value, site);
    }
    return this.uuids;
  }

  /** The artifact of a collection with this type and (extension-stripped) name. */
  resolve(collection: CollectionInfo, type: string, name: string): ArtifactSite | undefined {
    return collection.byKey.get(lookupKey(type, name))?.[0];
  }

  /** Every artifact in any collection with this type and name. */
  resolveAnywhere(type: string, name: string): ArtifactSite[] {
    const out: ArtifactSite[] = [];
    for (const c of this.collections) {
      const s = c.byKey.get(lookupKey(type, name));
      if (s) out.push(...s);
    }
    return out;
  }

  /** The collection a file belongs to (collection.toml, its lock, or a file in its folder tree). */
  collectionOf(file: string): CollectionInfo | undefined {
    let dir = path.dirname(file);
    for (;;) {
      const c = this.byDir.get(dir);
      if (c) return c;
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  }

  /** The tag definition a tag name matches (by slug), if any. */
  tagDefinition(collection: CollectionInfo, tag: string): TagDefinition | undefined {
    return collection.tagsBySlug.get(slugify(tag));
  }

  /** All names of a type in a collection, for did-you-mean. */
  namesOfType(collection: CollectionInfo | undefined, type: string): string[] {
    const cols = collection ? [collection] : this.collections;
    const out: string[] = [];
    for (const c of cols) for (const a of c.artifacts) if (a.type === type) out.push(a.name);
    return out;
  }

  /** All `type:name` ids in a collection (or everywhere), for did-you-mean across types. */
  allIds(collection?: CollectionInfo): string[] {
    const cols = collection ? [collection] : this.collections;
    const out: string[] = [];
    for (const c of cols) for (const a of c.artifacts) out.push(`${a.type}:${stripExtension(a.name)}`);
    return out;
  }
}

const INTERFACES = new WeakMap<object, string>();

function digest(parts: string[]): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('base64');
}

/**
 * A hash of what other files can read of a collection: its name and its artifacts' types, names
 * and uuids, in order. Deployed files depend on this instead of on the collection's SourceFile,
 * so typing in a description (which replaces the SourceFile) re-checks no deployed file, while a
 * rename or a new uuid re-checks every one that names the collection. Built once per core.
 */
export function collectionInterface(c: CollectionInfo): string {
  let h = INTERFACES.get(c);
  if (h === undefined) {
    const parts = [c.name];
    for (const a of c.artifacts) parts.push(a.type, a.name, a.entry.uuid?.value ?? '\u0001');
    h = digest(parts);
    INTERFACES.set(c, h);
  }
  return h;
}

/** A hash of what other files can read of a lock: its entries' types, names and content hashes, in order. */
export function lockInterface(lock: LockModel): string {
  let h = INTERFACES.get(lock);
  if (h === undefined) {
    const parts: string[] = [];
    for (const e of lock.entries) parts.push(e.type ?? '\u0001', e.name ?? '\u0001', e.contentHash?.value ?? '\u0001');
    h = digest(parts);
    INTERFACES.set(lock, h);
  }
  return h;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
