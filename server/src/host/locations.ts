import * as os from 'node:os';
import * as path from 'node:path';

/** SkillMeat's home folder: $SKILLMEAT_HOME, else ~/.skillmeat. */
export function skillmeatHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKILLMEAT_HOME || path.join(env.HOME || os.homedir(), '.skillmeat');
}

/** Where SkillMeat keeps collections by default: <home>/collections. */
export function defaultCollectionsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skillmeatHome(env), 'collections');
}

/** Our cache database's default file: <home>/vscode-cache.db. */
export function defaultCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skillmeatHome(env), 'vscode-cache.db');
}
