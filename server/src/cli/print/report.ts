import * as path from 'node:path';
import type { Diagnostic, Severity } from '../../engine';
import { RULES } from '../../engine';

/** What a check produced, ready to print. */
export interface CheckReport {
  files: string[];
  artifacts: number;
  diagnostics: Diagnostic[];
}

/** The path as printed: relative to the working folder when inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

const COLOURS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', information: '\x1b[36m', hint: '\x1b[2m' };

/** Counts by severity. */
export function countBySeverity(ds: Diagnostic[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const d of ds) c[d.severity]++;
  return c;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `file:line:col  severity  code  message` lines and a summary; colour only when asked. */
export function formatText(r: CheckReport, cwd: string, colour: boolean): string {
  const lines: string[] = [];
  for (const d of r.diagnostics) {
    const where = `${displayPath(d.file, cwd)}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
    const sev = colour ? `${COLOURS[d.severity]}${d.severity}\x1b[0m` : d.severity;
    lines.push(`${where}  ${sev}  ${d.code}  ${d.message}`);
  }
  const c = countBySeverity(r.diagnostics);
  const parts = [plural(c.error, 'error'), plural(c.warning, 'warning'), `${c.information} info`];
  if (c.hint) parts.push(plural(c.hint, 'hint'));
  const summary = `${parts.join(', ')} in ${plural(r.files.length, 'file')} (${plural(r.artifacts, 'artifact')} checked)`;
  lines.push(colour ? `\x1b[1m${summary}\x1b[0m` : summary);
  return lines.join('\n') + '\n';
}

/** The JSON report: 0-based LSP ranges. */
export function formatJson(r: CheckReport, cwd: string): string {
  return (
    JSON.stringify(
      {
        files: r.files.length,
        artifacts: r.artifacts,
        diagnostics: r.diagnostics.map((d) => ({ file: displayPath(d.file, cwd), range: d.range, severity: d.severity, code: d.code, message: d.message })),
      },
      null,
      2,
    ) + '\n'
  );
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** SARIF 2.1.0 for code-scanning tools (1-based lines and columns, paths relative to the working folder). */
export function formatSarif(r: CheckReport, cwd: string, version: string): string {
  const used = [...new Set(r.diagnostics.map((d) => d.code))];
  const rules = used.map((code) => ({
    id: code,
    shortDescription: { text: RULES.get(code)?.summary ?? code },
    helpUri: `https://github.com/skillmeat/skillmeat-manifests#${code}`,
    defaultConfiguration: { level: SARIF_LEVEL[RULES.get(code)?.severity ?? 'error'] },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'skillmeat-ls', version, informationUri: 'https://github.com/skillmeat/skillmeat-manifests', rules } },
        originalUriBaseIds: { SRCROOT: { uri: 'file://' + cwd.replace(/\\/g, '/') + '/' } },
        results: r.diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: used.indexOf(d.code),
          level: SARIF_LEVEL[d.severity],
          message: { text: d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: path.isAbsolute(displayPath(d.file, cwd)) ? { uri: 'file://' + d.file } : { uri: displayPath(d.file, cwd).split(path.sep).join('/'), uriBaseId: 'SRCROOT' },
                region: { startLine: d.range.start.line + 1, startColumn: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 },
              },
            },
          ],
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
