// The injection grammar, tokenized by VS Code's own TextMate engine (vscode-textmate and the
// Oniguruma WebAssembly from the installed code-server), on top of a minimal stand-in TOML
// grammar whose strings carry the scopes Even Better TOML gives them. Catches regexes Oniguruma
// rejects, a wrong injection selector, and matches in the wrong places.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './prepare.mjs';

const STAND_IN_TOML = {
  scopeName: 'source.toml',
  patterns: [
    { name: 'comment.line.number-sign.toml', match: '#.*$' },
    { name: 'string.quoted.double.basic.line.toml', begin: '"', end: '"', patterns: [{ match: '\\\\.', name: 'constant.character.escape.toml' }] },
    { name: 'string.quoted.single.literal.line.toml', begin: "'", end: "'" },
    { name: 'support.type.property-name.toml', match: '[A-Za-z0-9_-]+(?=\\s*=)' },
  ],
};

const UUID = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';
const HASH = '0c7d6b2a9e41f3358d2cbb1e5a7f90c4e2d1b6a8f3e5c7d9b0a1c2e3f4a5b6c7';

/** [line, token text, scope it must (or, with `not`, must not) carry]. */
const CASES = [
  ['members = ["skill:pdf-tool", "agent:release-notes"]', 'skill', 'entity.name.type.artifact-type.skillmeat'],
  ['members = ["skill:pdf-tool", "agent:release-notes"]', 'pdf-tool', 'entity.name.function.artifact.skillmeat'],
  ['members = ["skill:pdf-tool", "agent:release-notes"]', 'release-notes', 'entity.name.function.artifact.skillmeat'],
  ['artifact_id = "skill::changelog-writer"', 'changelog-writer', 'entity.name.function.artifact.skillmeat'],
  ["artifact_key = 'agent:release-notes'", 'agent', 'entity.name.type.artifact-type.skillmeat'],
  ['key = "pdf-tools::skill"', 'pdf-tools', 'entity.name.function.artifact.skillmeat'],
  [`uuid = "${UUID}"`, UUID, 'constant.numeric.uuid.skillmeat'],
  [`content_hash = "${HASH}"`, HASH, 'constant.numeric.uuid.skillmeat', 'not'],
  ['# skill:pdf-tools in a comment', 'skill:pdf-tools in a comment', 'entity.name.type.artifact-type.skillmeat', 'not'],
  ['type = "skill"', 'skill', 'entity.name.type.artifact-type.skillmeat', 'not'],
  ['upstream = "https://github.com/acme/skill:x"', 'x', 'entity.name.function.artifact.skillmeat', 'not'],
];

/** Tokenizes the cases; returns {passed, failed, skipped, tests}. */
export async function runGrammarTests({ tools }) {
  const req = createRequire(path.join(tools.vscodeDir, 'package.json'));
  const tm = req('vscode-textmate');
  const onig = req('vscode-oniguruma');
  const wasm = fs.readFileSync(req.resolve('vscode-oniguruma/release/onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const injection = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes', 'skillmeat-references.tmLanguage.json'), 'utf8'));
  const registry = new tm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new onig.OnigScanner(p), createOnigString: (s) => new onig.OnigString(s) }),
    loadGrammar: async (scope) => (scope === 'source.toml' ? tm.parseRawGrammar(JSON.stringify(STAND_IN_TOML), 'toml.json') : scope === injection.scopeName ? tm.parseRawGrammar(JSON.stringify(injection), 'inj.json') : null),
    getInjections: (scope) => (scope === 'source.toml' ? [injection.scopeName] : undefined),
  });
  const grammar = await registry.loadGrammar('source.toml');
  const tests = [];
  for (const [line, text, scope, not] of CASES) {
    const title = `grammar: "${text}" in ${line} ${not ? 'is not' : 'is'} ${scope}`;
    const { tokens } = grammar.tokenizeLine(line, tm.INITIAL);
    const hit = tokens.find((t) => line.slice(t.startIndex, t.endIndex) === text && t.scopes.includes(scope));
    const ok = not ? !tokens.some((t) => t.scopes.includes(scope)) : Boolean(hit);
    const seen = tokens.map((t) => `${JSON.stringify(line.slice(t.startIndex, t.endIndex))}=${t.scopes.slice(1).join(' ')}`).join(', ');
    tests.push(ok ? { title, state: 'passed' } : { title, state: 'failed', error: `tokens: ${seen}` });
  }
  return { passed: tests.filter((t) => t.state === 'passed').length, failed: tests.filter((t) => t.state === 'failed').length, skipped: 0, tests };
}
