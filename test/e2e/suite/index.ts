// The extension-host test entry (the shape @vscode/test-electron expects: exports.run). The
// host's exit code is always 0 under the smoke-test driver, so results go to a JSON file that
// the runner reads; a second file marks completion with the failure count.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Runs every *.test.js beside this file with mocha; resolves or rejects with the outcome. */
export function run(): Promise<void> {
  const results = process.env.SKILLMEAT_E2E_RESULTS;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    // An extension host on two cores can take a while to index; retries would hide real bugs.
    retries: 0,
    ...(results ? { reporter: 'json', reporterOptions: { output: results } } : { reporter: 'spec' }),
  });
  const grep = process.env.SKILLMEAT_E2E_GREP;
  if (grep) mocha.grep(grep);
  // The restricted suite needs a host whose folder is untrusted, so it runs in a host of its own.
  const restricted = process.env.SKILLMEAT_E2E_SUITE === 'restricted';
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js') && f.startsWith('r-') === restricted) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (process.env.SKILLMEAT_E2E_DONE) fs.writeFileSync(process.env.SKILLMEAT_E2E_DONE, String(failures));
        if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      if (process.env.SKILLMEAT_E2E_DONE) fs.writeFileSync(process.env.SKILLMEAT_E2E_DONE, 'crash: ' + String(e));
      reject(e);
    }
  });
}
