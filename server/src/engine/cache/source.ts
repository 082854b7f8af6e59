// What the manifest → cache sync reads from the workspace, as plain data. The sync used to walk
// the workspace index (parsed trees, models) directly; as plain data the same input can be posted
// to the cache worker (structured clone) and kept there, so the sync runs off the server's main
// thread. Extraction is per file and memoised by hash: after a keystroke only the edited file is
// extracted and sent again.
import { createHash } from 'node:crypto';
import type { WorkspaceIndex, CollectionInfo } from '../workspace/index';
import type { DeployedModel } from '../model/deployed';
import type { LockModel } from '../model/lock';
import type { SourceFile } from '../workspace/sourceFile';
import { stripExtension } from '../model/identity';

/** One `[[artifacts]]` entry, as the sync reads it. */
export interface ArtifactData {
  type: string;
  name: string;
  typeValid: boolean;
  path?: string;
  origin?: string;
  uuid?: string;
  added?: string;
  tags: string[];
}

/** One `[[groups]]` entry. */
export interface GroupData {
  name?: string;
  description: string | null;
  color?: string;
  icon?: string;
  position?: number;
  members: string[];
}

/** One lock entry with every field the cache needs. */
export interface LockData {
  name: string;
  type: string;
  contentHash: string;
  fetched: string;
}

/** A plugin folder's discovered composite. */
export interface CompositeData {
  name: string;
  children: { type: string; name: string }[];
}

/** A collection (manifest, its lock file and plugin folders). */
export interface CollectionData {
  name: string;
  artifacts: ArtifactData[];
  groups: GroupData[];
  lock: LockData[];
  composites: CompositeData[];
}

/** One `[[deployed]]` record; `site` and `current` are resolved against the collections when extracted. */
export interface DeployedRecordData {
  name?: string;
  type?: string;
  fromCollection?: string;
  artifactPath?: string;
  deployedAt?: string;
  /** content_hash, else collection_sha. */
  hash?: string;
  uuid?: string;
  profileId?: string;
  platform?: string;
  lineage?: string[];
  /** The collection artifact the record names (extension-stripped lookup, as SkillMeat does). */
  site?: { type: string; name: string };
  /** The collection lock's content hash for that artifact. */
  current?: string;
}

/** A `.skillmeat-deployed.toml`. */
export interface DeployedData {
  projectDir: string;
  profileRoot: string;
  records: DeployedRecordData[];
}

/** A file the sync may write: its identity hash (skip when unchanged) and its data, read only when needed. */
export interface FileSource<T> {
  file: string;
  hash: string;
  data(): T;
}

/** Everything a sync reads, in workspace order. */
export interface SyncSource {
  collections: readonly FileSource<CollectionData>[];
  deployments: readonly FileSource<DeployedData>[];
}

const textHashes = new WeakMap<SourceFile, string>();

/** sha256 of a file's text, once per SourceFile (a keystroke makes a new one). */
function textHash(sf: SourceFile): string {
  let h = textHashes.get(sf);
  if (h === undefined) {
    h = createHash('sha256').update(sf.text).digest('hex');
    textHashes.set(sf, h);
  }
  return h;
}

const collectionHashes = new WeakMap<SourceFile, { lock: SourceFile | undefined; composites: string; hash: string }>();

/** A collection's rows depend on its manifest, its lock file and its plugin folders. */
export function collectionHash(c: CollectionInfo): string {
  // Every index rebuild rediscovers the plugin folders (new arrays), so they are compared by value.
  const composites = JSON.stringify(c.composites.map((k) => [k.name, k.children.map((ch) => `${ch.type}:${ch.name}`)]));
  const lock = c.lock?.source;
  const memo = collectionHashes.get(c.source);
  if (memo && memo.lock === lock && memo.composites === composites) return memo.hash;
  const hash = createHash('sha256')
    .update(textHash(c.source))
    .update(lock ? textHash(lock) : '')
    .update(composites)
    .digest('hex');
  collectionHashes.set(c.source, { lock, composites, hash });
  return hash;
}

/** The hash a deployed file is skipped by. */
export function deployedHash(d: { source: SourceFile }): string {
  return textHash(d.source);
}

/** The sync's view of one collection. */
export function collectionData(c: CollectionInfo): CollectionData {
  return {
    name: c.name,
    artifacts: c.artifacts.map((site) => {
      const e = site.entry;
      return {
        type: site.type,
        name: site.name,
        typeValid: Boolean(e.typeValid),
        path: e.path?.value,
        origin: e.origin?.value,
        uuid: e.uuid?.value,
        added: e.added?.value,
        tags: (e.tags?.items ?? []).map((t) => t.value),
      };
    }),
    groups: c.model.groups.map((g) => ({
      name: g.name?.value,
      description: g.description?.value ?? null,
      color: g.color?.value,
      icon: g.icon?.value,
      position: g.position?.value,
      members: (g.members?.items ?? []).map((m) => m.value),
    })),
    lock: (c.lock?.model.entries ?? []).flatMap((e) =>
      e.name && e.type && e.contentHash && e.fetched ? [{ name: e.name, type: e.type, contentHash: e.contentHash.value, fetched: e.fetched.value }] : [],
    ),
    composites: c.composites.map((k) => ({ name: k.name, children: k.children.map((ch) => ({ type: ch.type, name: ch.name })) })),
  };
}

const lockHashes = new WeakMap<LockModel, Map<string, string | undefined>>();

/**
 * The lock's content hash for an artifact, matched by type and extension-stripped name (the first
 * entry wins, as a linear search would). A Map per lock model: 100 deployed files of 25 records
 * each against a 1,000-entry lock made the linear search cost ~80 ms per diff.
 */
function lockHashOf(lock: LockModel, type: string, name: string): string | undefined {
  let m = lockHashes.get(lock);
  if (!m) {
    m = new Map();
    for (const e of lock.entries) {
      if (e.name === undefined) continue;
      const k = `${e.type}\u0000${stripExtension(e.name)}`;
      if (!m.has(k)) m.set(k, e.contentHash?.value);
    }
    lockHashes.set(lock, m);
  }
  return m.get(`${type}\u0000${stripExtension(name)}`);
}

/** What deployed files can read of a collection: its name, artifact identities and lock hashes. */
function deployedInterface(c: CollectionInfo): string {
  return JSON.stringify([c.name, c.artifacts.map((a) => `${a.type}:${a.name}`), c.lock?.model.entries.map((e) => [e.type, e.name, e.contentHash?.value]) ?? []]);
}

/** The sync's view of one deployed file, with each record's artifact resolved in `index`. */
export function deployedData(index: WorkspaceIndex, m: DeployedModel): DeployedData {
  return {
    projectDir: m.projectDir,
    profileRoot: m.profileRoot,
    records: m.records.map((r) => {
      const out: DeployedRecordData = {
        name: r.name?.value,
        type: r.type?.value,
        fromCollection: r.fromCollection?.value,
        artifactPath: r.artifactPath?.value,
        deployedAt: r.deployedAt?.value,
        hash: r.contentHash?.value ?? r.collectionSha?.value,
        uuid: r.uuid?.value,
        profileId: r.profileId?.value,
        platform: r.platform?.value,
        lineage: r.versionLineage?.items.map((i) => i.value),
      };
      if (r.fromCollection && r.type && r.name) {
        const site = index.byName.get(r.fromCollection.value)?.map((c) => index.resolve(c, r.type!.value, r.name!.value)).find(Boolean);
        if (site) {
          out.site = { type: site.type, name: site.name };
          out.current = site.collection.lock ? lockHashOf(site.collection.lock.model, site.type, site.name) : undefined;
        }
      }
      return out;
    }),
  };
}

/** The whole workspace as a sync source; data is extracted lazily (only for files that changed). */
export function sourceOf(index: WorkspaceIndex): SyncSource {
  return {
    collections: index.collections.map((c) => ({ file: c.source.file, hash: collectionHash(c), data: () => collectionData(c) })),
    deployments: index.deployments.map((d) => ({ file: d.source.file, hash: deployedHash(d), data: () => deployedData(index, d.model) })),
  };
}

/** Plain (cloneable) form of a file source: the data is materialised. */
export interface FileSnapshot<T> {
  file: string;
  hash: string;
  data: T;
}

/** What changed in the workspace since the last diff, for the cache worker's copy. */
export interface SourceDiff {
  collections: FileSnapshot<CollectionData>[];
  deployments: FileSnapshot<DeployedData>[];
  /** The full order of files, when it changed (files not listed are gone). */
  collectionOrder?: string[];
  deploymentOrder?: string[];
}

/**
 * Keeps track of what was last sent to the cache worker and computes what changed since. A
 * deployed file's data depends on the collections (its records are resolved there), so when any
 * collection changed, deployed files are extracted again and sent when their data differ.
 */
export class SourceTracker {
  private cols = new Map<string, string>();
  /** Per collection, what deployed files resolve against (deployedInterface). */
  private faces = new Map<string, string>();
  private deps = new Map<string, string>();
  private colOrder = '';
  private depOrder = '';

  /** Forgets everything sent: the next diff is complete. */
  reset(): void {
    this.cols.clear();
    this.faces.clear();
    this.deps.clear();
    this.colOrder = this.depOrder = '';
  }

  /** Whether nothing was sent yet. */
  get empty(): boolean {
    return this.cols.size === 0 && this.deps.size === 0 && this.colOrder === '';
  }

  /**
   * The changes since the last call, in slices of at most `sliceSize` files (collections first,
   * then deployed files), so the caller can post them between other work.
   */
  *diff(index: WorkspaceIndex, sliceSize = Infinity): Generator<SourceDiff> {
    let out: SourceDiff = { collections: [], deployments: [] };
    let n = 0;
    const flush = function* (): Generator<SourceDiff> {
      if (n >= sliceSize) {
        yield out;
        out = { collections: [], deployments: [] };
        n = 0;
      }
    };
    const colOrder = index.collections.map((c) => c.source.file);
    const depOrder = index.deployments.map((d) => d.source.file);
    let collectionsChanged = false;
    /** Names (old and new) of collections whose deployed interface changed: deployed files naming them are looked at again. */
    const changedNames = new Set<string>();
    for (const c of index.collections) {
      const hash = collectionHash(c);
      if (this.cols.get(c.source.file) === hash) continue;
      out.collections.push({ file: c.source.file, hash, data: collectionData(c) });
      this.cols.set(c.source.file, hash);
      // Typing in a description changes the file, not what deployed records resolve to.
      const face = deployedInterface(c);
      const prevFace = this.faces.get(c.source.file);
      if (prevFace !== face) {
        changedNames.add(c.name);
        if (prevFace !== undefined) changedNames.add((JSON.parse(prevFace) as [string])[0]);
      }
      this.faces.set(c.source.file, face);
      n++;
      yield* flush();
    }
    const colKey = colOrder.join('\u0000');
    if (colKey !== this.colOrder) {
      out.collectionOrder = colOrder;
      this.colOrder = colKey;
      // A collection came or went: any name may now resolve elsewhere.
      const live = new Set(colOrder);
      for (const f of [...this.cols.keys()]) if (!live.has(f)) this.cols.delete(f);
      for (const f of [...this.faces.keys()]) if (!live.has(f)) this.faces.delete(f);
      collectionsChanged = true;
    }
    for (const d of index.deployments) {
      const hash = deployedHash(d);
      const prev = this.deps.get(d.source.file);
      const affected = collectionsChanged || d.model.records.some((r) => r.fromCollection !== undefined && changedNames.has(r.fromCollection.value));
      if (prev !== undefined && !affected && prev.startsWith(hash)) continue;
      const data = deployedData(index, d.model);
      // The text hash plus the extracted data: a deployed file is re-sent only when either changed.
      const key = `${hash}${JSON.stringify(data)}`;
      if (prev === key) continue;
      out.deployments.push({ file: d.source.file, hash, data });
      this.deps.set(d.source.file, key);
      n++;
      yield* flush();
    }
    const depKey = depOrder.join('\u0000');
    if (depKey !== this.depOrder) {
      out.deploymentOrder = depOrder;
      this.depOrder = depKey;
      const live = new Set(depOrder);
      for (const f of [...this.deps.keys()]) if (!live.has(f)) this.deps.delete(f);
    }
    if (out.collections.length || out.deployments.length || out.collectionOrder || out.deploymentOrder) yield out;
  }
}

/** The cache worker's copy of the workspace, updated by diffs; a new object per update (the sync compares identity). */
export class SourceReplica {
  private readonly cols = new Map<string, FileSnapshot<CollectionData>>();
  private readonly deps = new Map<string, FileSnapshot<DeployedData>>();
  private colOrder: string[] = [];
  private depOrder: string[] = [];
  private current: SyncSource = { collections: [], deployments: [] };

  /** Takes in a diff. */
  apply(d: SourceDiff): void {
    for (const c of d.collections) this.cols.set(c.file, c);
    for (const x of d.deployments) this.deps.set(x.file, x);
    if (d.collectionOrder) {
      this.colOrder = d.collectionOrder;
      const live = new Set(d.collectionOrder);
      for (const f of [...this.cols.keys()]) if (!live.has(f)) this.cols.delete(f);
    }
    if (d.deploymentOrder) {
      this.depOrder = d.deploymentOrder;
      const live = new Set(d.deploymentOrder);
      for (const f of [...this.deps.keys()]) if (!live.has(f)) this.deps.delete(f);
    }
    const wrap = <T>(s: FileSnapshot<T>): FileSource<T> => ({ file: s.file, hash: s.hash, data: () => s.data });
    this.current = {
      collections: this.colOrder.flatMap((f) => (this.cols.has(f) ? [wrap(this.cols.get(f)!)] : [])),
      deployments: this.depOrder.flatMap((f) => (this.deps.has(f) ? [wrap(this.deps.get(f)!)] : [])),
    };
  }

  /** The workspace as last sent. */
  get source(): SyncSource {
    return this.current;
  }
}
