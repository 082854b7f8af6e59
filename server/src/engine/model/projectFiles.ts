import type { TomlTable } from '../toml/ast';
import type { DiagnosticSink } from '../diagnostics/sink';
import { type Field, readString, readTable, readTableArray, readTimestamp } from './fields';

/** A `.skillmeat-project.toml`, lowered. */
export interface ProjectModel {
  kind: 'project';
  file: string;
  path?: Field<string>;
  name?: Field<string>;
}

/** Lowers a parsed project file: `[project]` with path, name and created_at. */
export function lowerProject(file: string, root: TomlTable, sink: DiagnosticSink): ProjectModel {
  const model: ProjectModel = { kind: 'project', file };
  const t = readTable(root, 'project', '.skillmeat-project.toml', sink);
  if (!t) {
    if (!root.entries.has('project')) sink.add('missing-key', { start: 0, end: 0 }, '.skillmeat-project.toml has no [project] table (it needs path, name and created_at)');
    return model;
  }
  model.path = readString(t, 'path', '[project]', sink, true);
  model.name = readString(t, 'name', '[project]', sink, true);
  readTimestamp(t, 'created_at', '[project]', sink, true);
  readTimestamp(t, 'updated_at', '[project]', sink);
  readString(t, 'description', '[project]', sink);
  return model;
}

/** One `[[skips]]` entry of the skip preferences. */
export interface SkipEntry {
  table: TomlTable;
  key?: Field<string>;
  reason?: Field<string>;
}

/** A `.skillmeat_skip_prefs.toml`, lowered. */
export interface SkipPrefsModel {
  kind: 'skip-prefs';
  file: string;
  skips: SkipEntry[];
}

/** Lowers a parsed skip-preferences file. */
export function lowerSkipPrefs(file: string, root: TomlTable, sink: DiagnosticSink): SkipPrefsModel {
  const model: SkipPrefsModel = { kind: 'skip-prefs', file, skips: [] };
  const meta = readTable(root, 'metadata', '.skillmeat_skip_prefs.toml', sink);
  if (meta) {
    readString(meta, 'version', '[metadata]', sink);
    readTimestamp(meta, 'last_updated', '[metadata]', sink);
  }
  for (const t of readTableArray(root, 'skips', '.skillmeat_skip_prefs.toml', sink)) {
    const where = 'a [[skips]] entry';
    readTimestamp(t, 'added_date', where, sink);
    model.skips.push({ table: t, key: readString(t, 'artifact_key', where, sink, true), reason: readString(t, 'skip_reason', where, sink, true) });
  }
  return model;
}
