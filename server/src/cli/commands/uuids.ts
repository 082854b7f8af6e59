import type { SourceFile } from '../../engine';
import { syncWorkspace } from '../../engine/cache/sync';
import { findArtifact } from '../../engine/cache/store';
import { applyEdits, insertKeyEdit } from '../../engine/edits/manifestEdits';
import type { TextEditData } from '../../engine/features/types';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { loadWorkspace } from '../workspaceLoad';
import { openCliCache } from '../cacheOpen';
import { writeIfUnchanged } from '../fileWrite';
import { displayPath } from '../print/report';

export const UUIDS_HELP = `Usage: skillmeat-ls uuids [PATH...] [--write] [options]

Lists (or, with --write, writes) the uuids missing from SkillMeat files: \`uuid\` in every
[[artifacts]] entry of collection.toml, and \`artifact_uuid\` in every [[deployed]] record whose
artifact is known. The uuid written is the one the cache remembers for that type:name (assigned
once and kept across rebuilds), so files and cache agree. Additions are minimal text edits:
comments, order and formatting stay, and SkillMeat reads the result.

Options:
  --write                   write the uuids (default: only list them)
  --cache FILE              cache file (default $SKILLMEAT_HOME/vscode-cache.db or ~/.skillmeat/vscode-cache.db)
  --collections-root DIR    where SkillMeat collections live
  --format text|json        output format (default text)
  -h, --help                show this help
`;

interface Planned {
  file: string;
  line: number;
  key: string;
  uuid: string;
  artifact: string;
}

/** Runs `uuids`: plan the missing uuids from the cache's registry; with --write, apply them file by file. */
export async function runUuids(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['cache', 'collections-root', 'format'], ['write', 'help']);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  if (args.flags.has('help')) {
    io.out(UUIDS_HELP);
    return EXIT_OK;
  }
  const format = lastValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(io, `unknown format "${format}" (text or json)`);
  let loaded;
  try {
    loaded = loadWorkspace(args.positionals, lastValue(args, 'collections-root'), io);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
  const { ws, reported } = loaded;
  const c = await openCliCache(lastValue(args, 'cache'), io);
  if (!c.ok) {
    io.err(`skillmeat-ls uuids: ${c.message}\n`);
    return EXIT_FINDINGS;
  }
  const cache = c.opened.cache;
  try {
    const index = ws.index();
    const synced = syncWorkspace(cache.db, index);
    if (!synced.ok) {
      io.err(`skillmeat-ls uuids: the cache could not be updated: ${synced.error.message}\n`);
      return EXIT_FINDINGS;
    }
    const plans: Planned[] = [];
    const editsByFile = new Map<SourceFile, TextEditData[]>();
    const add = (sf: SourceFile, edit: TextEditData, p: Omit<Planned, 'file' | 'line'>) => {
      const list = editsByFile.get(sf) ?? [];
      list.push(edit);
      editsByFile.set(sf, list);
      plans.push({ file: sf.file, line: edit.range.start.line + 2, ...p });
    };
    for (const col of index.collections) {
      if (!reported.has(col.source.file)) continue;
      for (const site of col.artifacts) {
        const e = site.entry;
        if (e.table.entries.has('uuid') || !e.typeValid) continue;
        const uuid = findArtifact(cache.db, `${site.type}:${site.name}`)?.uuid;
        if (!uuid) continue;
        const r = insertKeyEdit(col.source, e.table, 'uuid', JSON.stringify(uuid));
        if (r.ok) add(col.source, r.edit, { key: 'uuid', uuid, artifact: `${site.type}:${site.name}` });
        else io.err(`${displayPath(col.source.file, io.cwd)}: ${site.type}:${site.name}: ${r.reason}\n`);
      }
    }
    for (const d of index.deployments) {
      if (!reported.has(d.source.file)) continue;
      for (const rec of d.model.records) {
        if (rec.table.entries.has('artifact_uuid') || !rec.name || !rec.type || !rec.fromCollection) continue;
        const site = index.byName.get(rec.fromCollection.value)?.map((col) => index.resolve(col, rec.type!.value, rec.name!.value)).find(Boolean);
        const uuid = site?.entry.uuid?.value ?? (site ? findArtifact(cache.db, `${site.type}:${site.name}`)?.uuid : undefined);
        if (!uuid) continue;
        const r = insertKeyEdit(d.source, rec.table, 'artifact_uuid', JSON.stringify(uuid));
        if (r.ok) add(d.source, r.edit, { key: 'artifact_uuid', uuid, artifact: `${rec.type.value}:${rec.name.value}` });
      }
    }
    let failed = 0;
    const write = args.flags.has('write');
    if (write) {
      for (const [sf, edits] of editsByFile) {
        const why = writeIfUnchanged(sf.file, sf.text, applyEdits(sf.text, edits));
        if (why) {
          failed++;
          io.err(`skillmeat-ls uuids: ${why}\n`);
        }
      }
    }
    const saved = cache.save();
    if (!saved.ok) io.err(`warning: the cache was not saved: ${saved.error.message}\n`);
    if (format === 'json') {
      io.out(JSON.stringify({ written: write && failed === 0, files: editsByFile.size, uuids: plans.map((p) => ({ ...p, file: displayPath(p.file, io.cwd) })) }, null, 2) + '\n');
    } else {
      for (const p of plans) io.out(`${displayPath(p.file, io.cwd)}:${p.line}  + ${p.key} = "${p.uuid}"  (${p.artifact})\n`);
      const files = editsByFile.size;
      if (!plans.length) io.out('every artifact and deployed record already has its uuid\n');
      else if (write) io.out(`${plans.length} uuid${plans.length === 1 ? '' : 's'} written to ${files - failed} of ${files} file${files === 1 ? '' : 's'}\n`);
      else io.out(`${plans.length} uuid${plans.length === 1 ? '' : 's'} missing in ${files} file${files === 1 ? '' : 's'}; run with --write to add them\n`);
    }
    return failed ? EXIT_FINDINGS : EXIT_OK;
  } finally {
    cache.close();
  }
}

function usage(io: CliIo, message: string): number {
  io.err(`skillmeat-ls uuids: ${message}\n`);
  return EXIT_USAGE;
}

