import type { Host } from '../../host';
import type { ArtifactSite, CollectionInfo, WorkspaceIndex } from '../../workspace/index';
import type { SourceFile } from '../../workspace/sourceFile';
import type { DeployedModel } from '../../model/deployed';
import type { Diagnostic } from '../diagnostic';
import { RuleContext, type RuleOptions } from './context';
import { checkCollection } from './collection';
import { checkCollectionReferences } from './references';
import { DirCache, checkArtifactPathsOf } from './paths';
import { checkDuplicateUuids, checkUuidsOf } from './uuids';
import { checkLock } from './lock';
import { checkDeployment } from './deployed';
import { checkSkipPrefsFile } from './skipPrefs';
import { checkCompositesOf } from './composites';

export type { RuleOptions };

/**
 * Findings of earlier runs, per unit (a collection with its lock and plugin files, a deployed
 * file, a skip-preferences file), reused while every input of the unit is the same object:
 * SourceFiles are replaced, never mutated, so identity says "unchanged". A keystroke in one
 * manifest thus re-checks that manifest and the units that read it, not the workspace.
 */
export class RuleMemo {
  private readonly units = new WeakMap<object, { deps: unknown[]; diagnostics: Diagnostic[] }>();
  private cores = new Set<CollectionInfo>();
  private readonly owners = new Map<string, ArtifactSite[]>();
  private readonly shared = new Set<string>();

  /**
   * The uuids held by more than one artifact, kept up to date by adding and removing only the
   * collections that changed since the last run (collection cores are reused while unchanged).
   */
  sharedUuids(collections: CollectionInfo[]): Map<string, ArtifactSite[]> {
    const next = new Set(collections);
    const touch = (c: CollectionInfo, add: boolean) => {
      for (const site of c.artifacts) {
        const u = site.entry.uuid?.value;
        if (!u) continue;
        let list = this.owners.get(u) ?? [];
        list = add ? [...list, site] : list.filter((x) => x !== site);
        if (list.length) this.owners.set(u, list);
        else this.owners.delete(u);
        if (list.length > 1) this.shared.add(u);
        else this.shared.delete(u);
      }
    };
    for (const c of this.cores) if (!next.has(c)) touch(c, false);
    for (const c of next) if (!this.cores.has(c)) touch(c, true);
    this.cores = next;
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
  const dirs = new DirCache(host);
  for (const c of index.collections) {
    append(
      out,
      memo.get(c.source, collectionDeps(index, c, host, options, diskGeneration), () => {
        const ctx = new RuleContext(index, host, options);
        checkCollection(ctx, c);
        checkCollectionReferences(ctx, c);
        checkArtifactPathsOf(ctx, c, dirs);
        checkUuidsOf(ctx, c);
        checkLock(ctx, c);
        checkCompositesOf(ctx, c);
        return ctx.all();
      }),
    );
  }
  const names = [...index.byName.keys()].join('\u0000');
  for (const d of index.deployments) {
    append(out, memo.get(d.source, deploymentDeps(index, d.model, names), () => {
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

/** A deployed file depends on itself, the collections it names (and their locks), and the set of collection names. */
function deploymentDeps(index: WorkspaceIndex, m: DeployedModel, names: string): unknown[] {
  const deps: unknown[] = [names];
  const seen = new Set<string>();
  for (const r of m.records) {
    const n = r.fromCollection?.value;
    if (!n || seen.has(n)) continue;
    seen.add(n);
    for (const c of index.byName.get(n) ?? []) deps.push(c.source, c.lock?.source);
  }
  return deps;
}
