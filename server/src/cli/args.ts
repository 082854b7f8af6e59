/** Parsed command line: flags with values, boolean flags, and positional arguments. */
export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** A usage mistake, reported with exit code 2. */
export class UsageError extends Error {}

/**
 * Parses `argv` against the declared value-taking and boolean options; `--x=v` and `--x v`
 * both work. Unknown options are a UsageError so typos do not pass silently.
 */
export function parseArgs(argv: string[], valueOptions: string[], booleanOptions: string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (valueOptions.includes(name)) {
        let v: string | undefined;
        if (eq >= 0) v = a.slice(eq + 1);
        else if (i + 1 < argv.length) v = argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`);
        const list = out.values.get(name) ?? [];
        list.push(v);
        out.values.set(name, list);
      } else if (booleanOptions.includes(name) && eq < 0) {
        out.flags.add(name);
      } else {
        throw new UsageError(`unknown option --${name}`);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      if (a === '-h' && booleanOptions.includes('help')) out.flags.add('help');
      else throw new UsageError(`unknown option ${a}`);
    } else {
      out.positionals.push(a);
    }
  }
  return out;
}

/** The last value given for an option, if any. */
export function lastValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return v ? v[v.length - 1] : undefined;
}
