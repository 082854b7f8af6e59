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

/**
 * Findings of earlier runs, per unit (a collection with its plugin files, its lock, a deployed
 * file, a skip-preferences file), reused while every input of the unit is the same: SourceFiles
 * are replaced, never mutated, so identity says "unchanged"; what a unit reads of other files is
 * compared as an interface hash (see deploymentDeps). A keystroke in one manifest thus re-checks
 * that manifest, and the units that read it only when it changed what they read.
 */
export class RuleMemo {
  private readonly units = new WeakMap<object, { deps: unknown[]; diagnostics: Diagnostic[] }>();
  private cores = new Set<CollectionInfo>();
  private readonly owners = new Map<string, ArtifactSite[]>();
  private readonly shared = new Set<string>();
  /** How many holder lists in `owners` are empty. */
  private empty = 0;
  /** Path findings of the collections being edited (see PathMemo). */
  readonly paths = new PathMemo();

  /**
   * The uuids held by more than one artifact, kept up to date by adding and removing only the
   * collections that changed since the last run (collection cores are reused while unchanged).
   * Each holder list is in index order (collection, then artifact), as a fresh run builds it.
   */
  sharedUuids(collections: CollectionInfo[]): Map<string, ArtifactSite[]> {
    const next = new Set(collections);
    const dirty = new Set<string>();
    const touch = (c: CollectionInfo, add: boolean) => {
      for (const site of c.artifacts) {
        const u = site.entry.uuid?.value;
        if (!u) continue;
        let list = this.owners.get(u);
        if (add) {
          if (list) {
            if (list.length === 0) this.empty--;
            list.push(site);
          } else this.owners.set(u, (list = [site]));
        } else if (list) {
          const i = list.indexOf(site);
          if (i >= 0) {
            list.splice(i, 1);
            // Emptied lists stay until there are many: a re-checked collection gives most of its
            // uuids back at once, and deleting then re-adding thousands of keys churns the map.
            if (list.length === 0) this.empty++;
          }
        }
        if (list && list.length > 1) {
          this.shared.add(u);
          dirty.add(u);
        } else this.shared.delete(u);
      }
    };
    for (const c of this.cores) if (!next.has(c)) touch(c, false);
    for (const c of next) if (!this.cores.has(c)) touch(c, true);
    this.cores = next;
    if (this.empty > 1000 && this.empty > this.owners.size / 4) {
      for (const [u, list] of this.owners) if (list.length === 0) this.owners.delete(u);
      this.empty = 0;
    }
    // A replaced collection's sites were appended at the end; restore index order where it matters.
    if (dirty.size) {
      const order = new Map<CollectionInfo, number>();
      collections.forEach((c, i) => order.set(c, i));
      for (const u of dirty) {
        const list = this.owners.get(u);
        list?.sort((a, b) => order.get(a.collection)! - order.get(b.collection)! || a.entry.table.span.start - b.entry.table.span.start);
      }
    }
    const out = new Map<string, ArtifactSite[]>();
    for (const u of this.shared) out.set(u, this.owners.get(u)!);
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
function collectionDeps(index: WorkspaceIndex, c: CollectionInfo, host: Host, options: RuleOptions, diskGeneration: number): unknown[] {
  const deps: unknown[] = [c.source, options.cachedUuid, host, diskGeneration, c.composites.length];
  if (c.composites.length === 0) return deps;
  for (const k of c.composites) deps.push(k.children.length);
  for (const k of c.composites) deps.push(k.pluginFile ? index.others.find((o) => o.file === k.pluginFile) : undefined);
  return deps;
}

/** Runs every cross-file rule over the index (reusing unchanged units from `memo`) and returns their findings. */
export function runRules(index: WorkspaceIndex, host: Host, options: RuleOptions, memo = new RuleMemo(), diskGeneration = 0): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of index.collections) {
    append(
      out,
      memo.get(c.source, collectionDeps(index, c, host, options, diskGeneration), () => {
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
      append(out, memo.get(c.lock.source, [collectionInterface(c)], () => {
        const ctx = new RuleContext(index, host, options);
        checkLock(ctx, c);
        return ctx.all();
      }));
    }
  }
  for (const d of index.deployments) {
    append(out, memo.get(d.source, deploymentDeps(index, d.model), () => {
      const ctx = new RuleContext(index, host, options);
      checkDeployment(ctx, d);
      return ctx.all();
    }));
  }
  for (const sf of index.others) {
    if (sf.model?.kind !== 'skip-prefs') continue;
    append(out, memo.get(sf, [], () => {
      const ctx = new RuleContext(index, host, options);
      checkSkipPrefsFile(ctx, sf);
      return ctx.all();
    }));
  }
  const global = new RuleContext(index, host, options);
  checkDuplicateUuids(global, memo.sharedUuids(index.collections));
  append(out, global.all());
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
