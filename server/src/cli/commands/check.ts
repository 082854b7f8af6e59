import type { Diagnostic } from '../../engine';
import { loadWorkspace } from '../workspaceLoad';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { type CheckReport, formatJson, formatSarif, formatText } from '../print/report';
import { VERSION } from '../version';

export const CHECK_HELP = `Usage: skillmeat-ls check [PATH...] [options]

Checks SkillMeat files and prints what is wrong, with the line and column of each finding.
A PATH is a folder (every SkillMeat file under it: collection.toml, collection.lock,
<profile>/.skillmeat-deployed.toml, .skillmeat-project.toml, .skillmeat_skip_prefs.toml,
plugin.json) or a file (checked as the kind its name says; any other .toml file is checked
for TOML syntax alone). With no PATH, the current folder is checked.

References are resolved against the collections root too (default ~/.skillmeat/collections,
or $SKILLMEAT_HOME/collections), so a project's deployed file finds its collection; only the
files under the PATHs are reported.

Options:
  --format text|json|sarif   output format (default text)
  --collections-root DIR     where SkillMeat collections live
  --max-file-size MB         skip files larger than this (default 10)
  -h, --help                 show this help

Exit status: 0 no errors, 1 errors found, 2 bad usage or internal failure.
`;

/** Runs `check`: scan the paths plus the collections root, report findings under the paths. */
export async function runCheck(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['format', 'collections-root', 'max-file-size'], ['help']);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`skillmeat-ls check: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (args.flags.has('help')) {
    io.out(CHECK_HELP);
    return EXIT_OK;
  }
  const format = lastValue(args, 'format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.err(`skillmeat-ls check: unknown format "${format}" (text, json or sarif)\n`);
    return EXIT_USAGE;
  }
  const maxMb = lastValue(args, 'max-file-size');
  if (maxMb !== undefined && !(Number(maxMb) > 0)) {
    io.err(`skillmeat-ls check: --max-file-size needs a positive number of MB, not "${maxMb}"\n`);
    return EXIT_USAGE;
  }
  let loaded;
  try {
    loaded = loadWorkspace(args.positionals, lastValue(args, 'collections-root'), io, maxMb ? Number(maxMb) * 1024 * 1024 : undefined);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`skillmeat-ls check: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  const { ws, reported } = loaded;
  await loaded.readAhead;
  const all = ws.diagnostics();
  const diagnostics: Diagnostic[] = [];
  const files = [...reported].sort();
  for (const f of files) diagnostics.push(...(all.get(f) ?? []));
  let artifacts = 0;
  for (const c of ws.index().collections) if (reported.has(c.source.file)) artifacts += c.model.artifacts.length;
  const report: CheckReport = { files, artifacts, diagnostics };
  if (format === 'json') io.out(formatJson(report, io.cwd));
  else if (format === 'sarif') io.out(formatSarif(report, io.cwd, VERSION));
  else io.out(formatText(report, io.cwd, io.isTty));
  return diagnostics.some((d) => d.severity === 'error') ? EXIT_FINDINGS : EXIT_OK;
}
