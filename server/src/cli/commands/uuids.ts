import type { SourceFile } from '../../engine';
import { syncWorkspace } from '../../engine/cache/sync';
import { findArtifact } from '../../engine/cache/store';
import { applyEdits, insertKeyEdit } from '../../engine/edits/manifestEdits';
import type { TextEditData } from '../../engine/features/types';
import { type CliIo, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { lastValue, parseArgs, UsageError } from '../args';
import { loadWorkspace } from '../workspaceLoad';
import { openCliCache } from '../cacheOpen';
import { writeManifest } from '../fileWrite';
import { displayPath } from '../print/report';

export const UUIDS_HELP = `Usage: skillmeat-ls uuids [PATH...] [--write] [options]

Lists (or, with --write, writes) the uuids missing from SkillMeat files: \`uuid\` in every
[[artifacts]] entry of collection.toml, and \`artifact_uuid\` in every [[deployed]] record whose
artifact is known. The uuid written is the one the cache remembers for that type:name (assigned
once and kept across rebuilds), so files and cache agree: the cache is saved first, and if it
cannot be saved, or a file changed since it was read, nothing (further) is written and the exit
code is 1. Additions are minimal text edits: comments, order and formatting stay, and SkillMeat
reads the result.

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

/** Runs `uuids`: plan the missing uuids from the cache's registry; with --write, save the cache, then apply them file by file. */
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
  // The uuids written must be the ones the cache remembers. Another process (an editor, `link`)
  // may save the cache between our read and our save, having given a new type:name a uuid of its
  // own; our save is then refused (CONFLICT) and we plan again from a fresh read of manifests and
  // cache, so the files only ever get uuids a saved cache holds. After three such losses nothing
  // is written.
  for (let attempt = 1; ; attempt++) {
    const r = await uuidsOnce(args, io, format, attempt >= 3);
    if (r !== RETRY) return r;
  }
}

const RETRY = Symbol('retry');

/**
 * One attempt: load, sync, plan, save the cache, then (with --write) write the files. RETRY when
 * another process saved the cache first and nothing was written; `last` turns that into a refusal.
 */
async function uuidsOnce(args: ReturnType<typeof parseArgs>, io: CliIo, format: string, last: boolean): Promise<number | typeof RETRY> {
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
    const write = args.flags.has('write');
    const files = editsByFile.size;
    // The cache is saved before any file is written: a uuid goes into a file only once the cache
    // file holds it, so no other process can have given that type:name another one.
    const saved = cache.save();
    if (!saved.ok) {
      if (saved.error.code === 'CONFLICT' && !last) return RETRY;
      if (write && plans.length) {
        const why = saved.error.code === 'CONFLICT'
          ? 'other processes kept writing the cache; nothing was written (run the command again)'
          : `the cache was not saved: ${saved.error.message}; nothing was written, so files and cache still agree (run the command again)`;
        if (format === 'json') io.out(JSON.stringify({ written: false, files, uuids: [], message: why }, null, 2) + '\n');
        io.err(`skillmeat-ls uuids: ${why}\n`);
        return EXIT_FINDINGS;
      }
      io.err(`warning: the cache was not saved: ${saved.error.message}\n`);
    }
    let refusal: string | undefined;
    let wroteFiles = 0;
    let wroteUuids = 0;
    if (write) {
      const entries = [...editsByFile];
      for (const [i, [sf, edits]] of entries.entries()) {
        const refused = writeManifest(sf.file, sf.text, applyEdits(sf.text, edits));
        if (refused) {
          // Another writer came between (or the file cannot be written): stop here. What was
          // written so far holds uuids the saved cache remembers; the rest waits for another run.
          const rest = entries.length - i - 1;
          refusal = refused.message + (rest ? `; ${rest} more file${rest === 1 ? ' was' : 's were'} not written either` : '');
          break;
        }
        wroteFiles++;
        wroteUuids += edits.length;
      }
    }
    if (format === 'json') {
      io.out(JSON.stringify({ written: write && !refusal, files, uuids: plans.map((p) => ({ ...p, file: displayPath(p.file, io.cwd) })), ...(refusal ? { message: refusal } : {}) }, null, 2) + '\n');
    } else {
      for (const p of plans) io.out(`${displayPath(p.file, io.cwd)}:${p.line}  + ${p.key} = "${p.uuid}"  (${p.artifact})\n`);
      if (!plans.length) io.out('every artifact and deployed record already has its uuid\n');
      else if (write && !refusal) io.out(`${plans.length} uuid${plans.length === 1 ? '' : 's'} written to ${files} of ${files} file${files === 1 ? '' : 's'}\n`);
      else if (write) io.out(`${wroteUuids} of ${plans.length} uuid${plans.length === 1 ? '' : 's'} written, to ${wroteFiles} of ${files} file${files === 1 ? '' : 's'}\n`);
      else io.out(`${plans.length} uuid${plans.length === 1 ? '' : 's'} missing in ${files} file${files === 1 ? '' : 's'}; run with --write to add them\n`);
    }
    if (refusal) {
      io.err(`skillmeat-ls uuids: ${refusal}\n`);
      return EXIT_FINDINGS;
    }
    return EXIT_OK;
  } finally {
    cache.close();
  }
}

function usage(io: CliIo, message: string): number {
  io.err(`skillmeat-ls uuids: ${message}\n`);
  return EXIT_USAGE;
}

