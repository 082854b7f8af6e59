import type { Host } from '../../host';
import type { WorkspaceIndex } from '../../workspace/index';
import type { Diagnostic } from '../diagnostic';
import { RuleContext, type RuleOptions } from './context';
import { checkCollections } from './collection';
import { checkGroupsAndLinks } from './references';
import { checkArtifactPaths } from './paths';
import { checkUuids } from './uuids';
import { checkLocks } from './lock';
import { checkDeployments } from './deployed';
import { checkSkipPrefs } from './skipPrefs';
import { checkComposites } from './composites';

export type { RuleOptions };

/** Runs every cross-file rule over the index and returns their findings. */
export function runRules(index: WorkspaceIndex, host: Host, options: RuleOptions): Diagnostic[] {
  const ctx = new RuleContext(index, host, options);
  checkCollections(ctx);
  checkGroupsAndLinks(ctx);
  checkArtifactPaths(ctx);
  checkUuids(ctx);
  checkLocks(ctx);
  checkDeployments(ctx);
  checkSkipPrefs(ctx);
  checkComposites(ctx);
  return ctx.all();
}
