import { LineIndex } from '../text/lineIndex';
import { parseToml } from '../toml/parse';
import { TreeSource, detachModelTables } from '../toml/detached';
import { DiagnosticSink } from '../diagnostics/sink';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { TomlTable } from '../toml/ast';
import { type FileKind } from '../model/fileKind';
import { type CollectionModel, lowerCollection } from '../model/collection';
import { type LockModel, lowerLock } from '../model/lock';
import { type DeployedModel, lowerDeployed } from '../model/deployed';
import { type ProjectModel, type SkipPrefsModel, lowerProject, lowerSkipPrefs } from '../model/projectFiles';
import { type PluginModel, lowerPlugin } from '../model/plugin';

/** Any lowered manifest. */
export type Model = CollectionModel | LockModel | DeployedModel | ProjectModel | SkipPrefsModel | PluginModel;

/** One file as the engine holds it: its text, tree, model and the findings that need no other file. */
export interface SourceFile {
  file: string;
  kind: FileKind;
  text: string;
  /** The editor's version for open documents; undefined for files read from disk. */
  version?: number;
  lines: LineIndex;
  root?: TomlTable;
  model?: Model;
  /** Syntax and shape findings (cross-file findings are computed by the workspace). */
  local: Diagnostic[];
}

/** How many syntax errors of one file are reported. */
export const MAX_SYNTAX_ERRORS = 1000;

/** Parses and lowers one file's text; never throws. `preErrors` are decoding findings to keep. */
export function analyzeText(file: string, kind: FileKind, text: string, version?: number, pre: (sink: DiagnosticSink) => void = () => {}): SourceFile {
  const lines = new LineIndex(text);
  const sink = new DiagnosticSink(file, lines);
  pre(sink);
  const sf: SourceFile = { file, kind, text, version, lines, local: sink.items };
  if (kind === 'plugin') {
    sf.model = lowerPlugin(file, text, sink);
    return sf;
  }
  const parsed = parseToml(text);
  // A file of garbage can hold millions of errors; past the first thousand they say nothing new
  // and would only swamp the editor (and its protocol messages).
  for (const e of parsed.errors.slice(0, MAX_SYNTAX_ERRORS)) sink.add('toml-syntax', e.span, e.message);
  if (parsed.errors.length > MAX_SYNTAX_ERRORS) {
    const last = parsed.errors[MAX_SYNTAX_ERRORS];
    sink.add('toml-syntax', last.span, `${parsed.errors.length - MAX_SYNTAX_ERRORS} more syntax errors after this point are not listed`);
  }
  sf.root = parsed.root;
  switch (kind) {
    case 'collection':
      sf.model = lowerCollection(file, parsed.root, sink);
      break;
    case 'lock':
      sf.model = lowerLock(file, parsed.root, sink);
      break;
    case 'deployed':
      sf.model = lowerDeployed(file, parsed.root, sink);
      break;
    case 'project':
      sf.model = lowerProject(file, parsed.root, sink);
      break;
    case 'skip-prefs':
      sf.model = lowerSkipPrefs(file, parsed.root, sink);
      break;
    default:
      break;
  }
  // A file from disk lets its tree go once lowered (decision 0006): rules read models, and the
  // few features that walk the tree parse it again on demand. Open documents keep theirs.
  if (version === undefined) {
    const source = new TreeSource(text, parsed.root);
    if (sf.model) detachModelTables(sf.model, source);
    else source.drop();
    Object.defineProperty(sf, 'root', { get: () => source.tree(), enumerable: true, configurable: true });
  }
  return sf;
}
