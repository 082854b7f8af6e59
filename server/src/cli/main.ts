import { processIo, type CliIo, EXIT_OK, EXIT_USAGE } from './io';
import { runCheck } from './commands/check';
import { runMigrate } from './commands/migrate';
import { runUuids } from './commands/uuids';
import { runLink } from './commands/link';
import { runPrune } from './commands/prune';
import { VERSION } from './version';

interface Command {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** The commands (sql.js itself is only loaded by the ones that open the cache). */
const COMMANDS: Record<string, Command> = {
  check: { summary: 'check SkillMeat files and print findings (text, json, sarif)', run: runCheck },
  migrate: {
    summary: 'show or change the cache schema revision (status, up, down)',
    run: runMigrate,
  },
  uuids: {
    summary: 'list or write (--write) the uuids missing from manifests',
    run: runUuids,
  },
  link: {
    summary: 'link artifacts: composite membership, linked artifact, or group member',
    run: runLink,
  },
  prune: {
    summary: 'delete artifacts the cache keeps as missing, with their join rows',
    run: runPrune,
  },
};

const HELP = () => `skillmeat-ls ${VERSION} — SkillMeat manifest checker, cache tool and language server

Usage: skillmeat-ls <command> [options]
       skillmeat-ls --stdio | --node-ipc     start the language server

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`).join('\n')}

Run "skillmeat-ls <command> --help" for a command's options.
`;

/** Dispatches a command line to its command; returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    if (cmd === 'help' && rest[0] && COMMANDS[rest[0]]) return COMMANDS[rest[0]].run(['--help'], io);
    io.out(HELP());
    return cmd ? EXIT_OK : EXIT_USAGE;
  }
  if (cmd === '--version' || cmd === '-v') {
    io.out(VERSION + '\n');
    return EXIT_OK;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    io.err(`skillmeat-ls: unknown command "${cmd}"; try "skillmeat-ls --help"\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.err(`skillmeat-ls ${cmd}: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (io.env.SKILLMEAT_DEBUG) io.err(String((e as Error)?.stack) + '\n');
    return EXIT_USAGE;
  }
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export function runFromProcess(): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`skillmeat-ls: internal error: ${String(e)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}

if (require.main === module) runFromProcess();
