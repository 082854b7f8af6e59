import { pruneMissing } from '../../engine/cache/link';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { openCliCache } from '../cacheOpen';

export const PRUNE_HELP = `Usage: skillmeat-ls prune [--dry-run] [options]

Deletes, for good, the artifacts the cache keeps as missing (gone from every manifest but still
named by a membership, a deployment or a lock entry), and with them every row that refers to
them (group and collection memberships, tags, composite memberships, versions). Their uuids stay
remembered, so an artifact that comes back later gets its old uuid.

Options:
  --dry-run                 list what would be deleted, change nothing
  --cache FILE              cache file (default $SKILLMEAT_HOME/vscode-cache.db or ~/.skillmeat/vscode-cache.db)
  --format text|json        output format (default text)
  -h, --help                show this help
`;

/** Runs `prune`: delete missing artifacts; the schema's cascades remove their join rows. */
export async function runPrune(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['cache', 'format'], ['dry-run', 'help']);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`skillmeat-ls prune: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (args.flags.has('help')) {
    io.out(PRUNE_HELP);
    return EXIT_OK;
  }
  if (args.positionals.length) {
    io.err(`skillmeat-ls prune: unexpected argument "${args.positionals[0]}"\n`);
    return EXIT_USAGE;
  }
  const format = lastValue(args, 'format') ?? 'text';
  const c = await openCliCache(lastValue(args, 'cache'), io);
  if (!c.ok) {
    io.err(`skillmeat-ls prune: ${c.message}\n`);
    return EXIT_FINDINGS;
  }
  const cache = c.opened.cache;
  try {
    const r = pruneMissing(cache.db, args.flags.has('dry-run'));
    if (!r.ok) {
      io.err(`skillmeat-ls prune: ${r.reason}\n`);
      return EXIT_FINDINGS;
    }
    const { artifacts: missing, rowsRemoved: removed } = r;
    if (!args.flags.has('dry-run') && missing.length) {
      const saved = cache.save();
      if (!saved.ok) {
        io.err(`skillmeat-ls prune: the cache was not saved (nothing changed on disk): ${saved.error.message}\n`);
        return EXIT_FINDINGS;
      }
    }
    if (format === 'json') {
      io.out(JSON.stringify({ dryRun: args.flags.has('dry-run'), artifacts: missing, rowsRemoved: removed }, null, 2) + '\n');
    } else if (!missing.length) {
      io.out('no missing artifacts to prune\n');
    } else {
      for (const m of missing) io.out(`${args.flags.has('dry-run') ? 'would delete' : 'deleted'} ${m.id} (${m.uuid}), missing since ${m.since}\n`);
      const rows = Object.entries(removed).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`);
      if (rows.length) io.out(`rows removed with them: ${rows.join(', ')}\n`);
    }
    return EXIT_OK;
  } finally {
    cache.close();
  }
}
