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
 * Findings of earlier runs, per unit (a collection with its lock and plugin files, a deployed
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
          if (list) list.push(site);
          else this.owners.set(u, (list = [site]));
        } else if (list) {
          const i = list.indexOf(site);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.owners.delete(u);
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
    if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.diagnostics;
    const diagnostics = compute();
    this.units.set(key, { deps, diagnostics });
    return diagnostics;
  }
}

function collectionDeps(index: WorkspaceIndex, c: CollectionInfo, host: Host, options: RuleOptions, diskGeneration: number): unknown[] {
  const plugins = c.composites.map((k) => (k.pluginFile ? index.others.find((o) => o.file === k.pluginFile) : undefined));
  return [c.source, c.lock?.source, options.cachedUuid, host, diskGeneration, c.composites.length, ...c.composites.map((k) => k.children.length), ...plugins];
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
        checkLock(ctx, c);
        checkCompositesOf(ctx, c);
        return ctx.all();
      }),
    );
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

/**
 * A deployed file depends on itself, the set of collection names, and the interfaces (not the
 * files) of the collections it names and of their locks; a record found by uuid alone depends
 * on every collection's interface.
 */
function deploymentDeps(index: WorkspaceIndex, m: DeployedModel): unknown[] {
  const deps: unknown[] = [index.collectionNames];
  const seen = new Set<string>();
  let byUuid = false;
  for (const r of m.records) {
    const n = r.fromCollection?.value;
    if (!n) continue;
    if (r.uuid && !(r.name && r.type)) byUuid = true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const c of index.byName.get(n) ?? []) deps.push(collectionInterface(c), c.lock ? lockInterface(c.lock.model) : undefined);
  }
  if (byUuid) deps.push(index.allInterfaces);
  return deps;
}
