import type { Host } from '../../host';
import { type ArtifactSite, type CollectionInfo, type WorkspaceIndex, collectionInterface, lockInterface } from '../../workspace/index';
import type { DeployedModel } from '../../model/deployed';
import type { Diagnostic } from '../diagnostic';
import { RuleContext, type RuleOptions } from './context';
import { checkCollection } from './collection';
import { checkCollectionReferences } from './references';
import { PathMemo } from './pathMemo';
import { checkDuplicateUuids, checkUuidsOf } from './uuids';
import { checkLock } from './lock';
import { checkDeployment } from './deployed';
import { checkSkipPrefsFile } from './skipPrefs';
import { checkCompositesOf } from './composites';

export type { RuleOptions };

/** Where a uuid is held: a collection folder and the artifact's position in it. */
interface Holder {
  dir: string;
  pos: number;
}

/**
 * Findings of earlier runs, per unit (a collection with its plugin files, its lock, a deployed
 * file, a skip-preferences file), reused while every input of the unit is the same: SourceFiles
 * are replaced, never mutated, so identity says "unchanged"; what a unit reads of other files is
 * compared as an interface hash (see deploymentDeps). A keystroke in one manifest thus re-checks
 * that manifest, and the units that read it only when it changed what they read.
 */
export class RuleMemo {
  private readonly units = new WeakMap<object, { deps: unknown[]; diagnostics: Diagnostic[] }>();
  /** The collection core last counted per collection folder. */
  private cores = new Map<string, CollectionInfo>();
  /** Holders per uuid, as (collection folder, artifact position): they stay valid while a collection's interface does. */
  private readonly owners = new Map<string, Holder[]>();
  private readonly shared = new Set<string>();
  /** How many holder lists in `owners` are empty. */
  private empty = 0;
  /** Path findings of the collections being edited (see PathMemo). */
  readonly paths = new PathMemo();
  /** Bumped when what the cache remembers may have changed for every collection. */
  private cacheEpoch = 0;
  /** Bumped per collection folder when the cache's uuid for one of its artifacts changed. */
  private readonly cacheEpochs = new Map<string, number>();

  /**
   * What the cache remembers changed: for the collections in `dirs`, or for all (undefined).
   * Their units are checked again; the others keep their findings (the uuid-conflict rule reads
   * the cache only for a collection's own artifacts).
   */
  cacheChanged(dirs?: Iterable<string>): void {
    if (!dirs) {
      this.cacheEpoch++;
      return;
    }
    for (const d of dirs) this.cacheEpochs.set(d, (this.cacheEpochs.get(d) ?? 0) + 1);
  }

  /** The cache's version for every collection (see cacheChanged). */
  get cacheVersion(): number {
    return this.cacheEpoch;
  }

  /** The cache's version for one collection folder (see cacheChanged). */
  cacheVersionOf(dir: string): number {
    return this.cacheEpochs.get(dir) ?? 0;
  }

  /** The collection names key of the last run (see deploymentsStable). */
  private lastNames?: string;

  /**
   * Whether every deployed unit's dependencies are what they were at the last run: the same
   * collection names, and each collection the same object as then or one with the same
   * interface and the same lock interface. Typing in a description replaces one collection and
   * leaves all of that, so 1,300 deployed units need not each gather their dependencies again.
   */
  deploymentsStable(index: WorkspaceIndex): boolean {
    if (this.lastNames === undefined || this.lastNames !== index.collectionNames) return false;
    for (const c of index.collections) {
      // A collection's lock is set on its (reused) core by every index: compare by value.
      if (this.lastLocks.get(c.model.dir) !== (c.lock ? lockInterface(c.lock.model) : undefined)) return false;
      const was = this.cores.get(c.model.dir);
      if (was === c) continue;
      if (!was || collectionInterface(was) !== collectionInterface(c)) return false;
    }
    return true;
  }

  /** Each collection's lock interface at the last run. */
  private lastLocks = new Map<string, string | undefined>();

  /** Records what deploymentsStable compares with next time (after sharedUuids of the same run). */
  ranWith(index: WorkspaceIndex): void {
    this.lastNames = index.collectionNames;
    const locks = new Map<string, string | undefined>();
    for (const c of index.collections) locks.set(c.model.dir, c.lock ? lockInterface(c.lock.model) : undefined);
    this.lastLocks = locks;
  }

  /** The findings remembered for a unit, whatever they depended on. */
  remembered(key: object): Diagnostic[] | undefined {
    return this.units.get(key)?.diagnostics;
  }

  /**
   * The uuids held by more than one artifact, kept up to date by counting again only the
   * collections whose interface (artifact identities and uuids, in order) changed since the last
   * run: typing in a description replaces the core but leaves its uuids where they were. Each
   * holder list is in index order (collection, then artifact), as a fresh run builds it.
   */
  sharedUuids(collections: CollectionInfo[]): Map<string, ArtifactSite[]> {
    const next = new Map<string, CollectionInfo>();
    for (const c of collections) next.set(c.model.dir, c);
    const touch = (dir: string, c: CollectionInfo, add: boolean) => {
      c.artifacts.forEach((site, pos) => {
        const u = site.entry.uuid?.value;
        if (!u) return;
        let list = this.owners.get(u);
        if (add) {
          if (list) {
            if (list.length === 0) this.empty--;
            list.push({ dir, pos });
          } else this.owners.set(u, (list = [{ dir, pos }]));
        } else if (list) {
          const i = list.findIndex((h) => h.dir === dir && h.pos === pos);
          if (i >= 0) {
            list.splice(i, 1);
            // Emptied lists stay until there are many: a re-counted collection gives most of its
            // uuids back at once, and deleting then re-adding thousands of keys churns the map.
            if (list.length === 0) this.empty++;
          }
        }
        if (list && list.length > 1) this.shared.add(u);
        else this.shared.delete(u);
      });
    };
    const same = (a: CollectionInfo | undefined, b: CollectionInfo | undefined) => a === b || (a !== undefined && b !== undefined && collectionInterface(a) === collectionInterface(b));
    for (const [dir, c] of this.cores) if (!same(c, next.get(dir))) touch(dir, c, false);
    for (const [dir, c] of next) if (!same(this.cores.get(dir), c)) touch(dir, c, true);
    this.cores = next;
    if (this.empty > 1000 && this.empty > this.owners.size / 4) {
      for (const [u, list] of this.owners) if (list.length === 0) this.owners.delete(u);
      this.empty = 0;
    }
    const out = new Map<string, ArtifactSite[]>();
    if (this.shared.size === 0) return out;
    const order = new Map<string, number>();
    collections.forEach((c, i) => order.set(c.model.dir, i));
    for (const u of this.shared) {
      const holders = [...this.owners.get(u)!].sort((a, b) => order.get(a.dir)! - order.get(b.dir)! || a.pos - b.pos);
      out.set(u, holders.map((h) => next.get(h.dir)!.artifacts[h.pos]));
    }
    return out;
  }

  /** The unit's findings: remembered when its dependencies are identical, else computed. */
  get(key: object, deps: unknown[], compute: () => Diagnostic[]): Diagnostic[] {
    const hit = this.units.get(key);
    if (hit && sameDeps(hit.deps, deps)) return hit.diagnostics;
    const diagnostics = compute();
    this.units.set(key, { deps, diagnostics });
    return diagnostics;
  }
}

function sameDeps(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A collection unit depends on its file, the cache's answers, the disk, and its composites (with their plugin files). */
function collectionDeps(index: WorkspaceIndex, c: CollectionInfo, host: Host, options: RuleOptions, diskGeneration: number, memo: RuleMemo): unknown[] {
  const deps: unknown[] = [c.source, options.cachedUuid, memo.cacheVersion, memo.cacheVersionOf(c.model.dir), host, diskGeneration, c.composites.length];
  if (c.composites.length === 0) return deps;
  for (const k of c.composites) deps.push(k.children.length);
  for (const k of c.composites) deps.push(k.pluginFile ? index.others.find((o) => o.file === k.pluginFile) : undefined);
  return deps;
}

/**
 * Runs every cross-file rule over the index (reusing unchanged units from `memo`) and returns
 * their findings unit by unit: an unchanged unit hands back the same array as before, which
 * lets the workspace rebuild only the files whose findings may have changed.
 */
export function runRuleUnits(index: WorkspaceIndex, host: Host, options: RuleOptions, memo = new RuleMemo(), diskGeneration = 0): readonly Diagnostic[][] {
  const out: Diagnostic[][] = [];
  for (const c of index.collections) {
    out.push(
      memo.get(c.source, collectionDeps(index, c, host, options, diskGeneration, memo), () => {
        const ctx = new RuleContext(index, host, options);
        checkCollection(ctx, c);
        checkCollectionReferences(ctx, c);
        memo.paths.check(ctx, c, host, diskGeneration);
        checkUuidsOf(ctx, c);
        checkCompositesOf(ctx, c);
        return ctx.all();
      }),
    );
    // The lock's findings read the collection's interface, not its text: typing in the
    // collection leaves them, and typing in the lock leaves the collection's.
    if (c.lock) {
      out.push(memo.get(c.lock.source, [collectionInterface(c)], () => {
        const ctx = new RuleContext(index, host, options);
        checkLock(ctx, c);
        return ctx.all();
      }));
    }
  }
  // Same names and interfaces as the last run: a deployed unit seen then has the same findings.
  const stable = memo.deploymentsStable(index);
  for (const d of index.deployments) {
    const kept = stable ? memo.remembered(d.source) : undefined;
    if (kept) {
      out.push(kept);
      continue;
    }
    out.push(memo.get(d.source, deploymentDeps(index, d.model), () => {
      const ctx = new RuleContext(index, host, options);
      checkDeployment(ctx, d);
      return ctx.all();
    }));
  }
  for (const sf of index.others) {
    if (sf.model?.kind !== 'skip-prefs') continue;
    out.push(memo.get(sf, [], () => {
      const ctx = new RuleContext(index, host, options);
      checkSkipPrefsFile(ctx, sf);
      return ctx.all();
    }));
  }
  const global = new RuleContext(index, host, options);
  checkDuplicateUuids(global, memo.sharedUuids(index.collections));
  memo.ranWith(index);
  out.push(global.all());
  return out;
}

/** Runs every cross-file rule over the index (reusing unchanged units from `memo`) and returns their findings. */
export function runRules(index: WorkspaceIndex, host: Host, options: RuleOptions, memo = new RuleMemo(), diskGeneration = 0): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const unit of runRuleUnits(index, host, options, memo, diskGeneration)) append(out, unit);
  return out;
}

/** Appends without spreading: hundreds of thousands of findings as call arguments overflow the stack. */
function append<T>(out: T[], items: readonly T[]): void {
  for (const x of items) out.push(x);
}

/** What a deployed file names: its collections (first mention order) and whether a record is found by uuid alone. */
interface DeployedReads {
  collections: string[];
  byUuid: boolean;
}

const READS = new WeakMap<DeployedModel, DeployedReads>();

function readsOf(m: DeployedModel): DeployedReads {
  let r = READS.get(m);
  if (!r) {
    const names = new Set<string>();
    let byUuid = false;
    for (const rec of m.records) {
      const n = rec.fromCollection?.value;
      if (!n) continue;
      if (rec.uuid && !(rec.name && rec.type)) byUuid = true;
      names.add(n);
    }
    r = { collections: [...names], byUuid };
    READS.set(m, r);
  }
  return r;
}

/**
 * A deployed file depends on itself, the set of collection names, and the interfaces (not the
 * files) of the collections it names and of their locks; a record found by uuid alone depends
 * on every collection's interface.
 */
function deploymentDeps(index: WorkspaceIndex, m: DeployedModel): unknown[] {
  const deps: unknown[] = [index.collectionNames];
  const reads = readsOf(m);
  for (const n of reads.collections) {
    for (const c of index.byName.get(n) ?? []) deps.push(collectionInterface(c), c.lock ? lockInterface(c.lock.model) : undefined);
  }
  if (reads.byUuid) deps.push(index.allInterfaces);
  return deps;
}
