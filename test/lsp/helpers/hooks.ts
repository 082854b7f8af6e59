/** Root hooks of the protocol tests: build dist/server.js once before any test spawns it. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(60000);
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: path.resolve(__dirname, '../../..'), stdio: 'inherit' });
  },
};
