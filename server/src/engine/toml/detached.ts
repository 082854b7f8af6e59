/**
 * Value trees that are dropped after lowering and parsed again when a feature asks for them.
 *
 * A file read from disk needs its tree only while it is lowered into its model; afterwards the
 * rules read the model, and only editor features (hover, completion, code actions, folding) on
 * that one file look at the tree again. Holding every tree of a 50,000-artifact workspace costs
 * about 110 MiB of heap (a Map and its entries per table) that the garbage collector walks again
 * and again; parsing one file again costs a millisecond. Models keep `DetachedTable`s: the span,
 * header span and origin they are read for, and `entries` from the tree parsed again on demand.
 */
import type { Span } from '../text/lineIndex';
import type { TomlEntry, TomlTable, TomlValue } from './ast';
import { parseToml } from './parse';

/** How many trees parsed again on demand stay held (files being hovered, completed, folded). */
const KEEP_REPARSED = 16;
const recent: TreeSource[] = [];

/** One file's tree: held while it is lowered, then dropped and parsed again from the text on demand. */
export class TreeSource {
  private root?: TomlTable;
  private tables?: Map<string, TomlTable>;

  constructor(readonly text: string, root: TomlTable) {
    this.root = root;
  }

  /** The tree, parsed again if it was dropped (the same text gives the same spans). */
  tree(): TomlTable {
    if (!this.root) {
      this.root = parseToml(this.text).root;
      recent.push(this);
      if (recent.length > KEEP_REPARSED) recent.shift()!.drop();
    }
    return this.root;
  }

  /** Lets the tree go; the next `tree()` parses again. */
  drop(): void {
    this.root = undefined;
    this.tables = undefined;
  }

  /** The table of this tree that starts at `start` with this origin (the first in document order). */
  tableAt(start: number, origin: TomlTable['origin']): TomlTable | undefined {
    const root = this.tree();
    if (!this.tables) {
      const tables = new Map<string, TomlTable>();
      const visit = (v: TomlValue): void => {
        if (v.kind === 'array') {
          for (const it of v.items) visit(it);
          return;
        }
        if (v.kind !== 'table') return;
        const key = `${v.origin}:${v.span.start}`;
        if (!tables.has(key)) tables.set(key, v);
        for (const e of v.entries.values()) visit(e.value);
      };
      visit(root);
      this.tables = tables;
    }
    return this.tables.get(`${origin}:${start}`);
  }
}

const NO_ENTRIES: ReadonlyMap<string, TomlEntry> = new Map();

/** A table of a dropped tree: what models read of it is held, its entries come from the tree parsed again. */
export class DetachedTable implements TomlTable {
  readonly kind = 'table' as const;

  constructor(
    private readonly source: TreeSource,
    readonly origin: TomlTable['origin'],
    readonly span: Span,
    readonly headerSpan?: Span,
  ) {}

  /** The entries of the same table in the tree parsed again. */
  get entries(): Map<string, TomlEntry> {
    return (this.source.tableAt(this.span.start, this.origin)?.entries ?? NO_ENTRIES) as Map<string, TomlEntry>;
  }
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && (v as TomlTable).kind === 'table' && (v as TomlTable).entries instanceof Map;
}

/**
 * Replaces every tree table a model holds (`table` and `header` of the model and of the entries
 * in its lists, nested lists included) with a DetachedTable, then drops the tree.
 */
export function detachModelTables(model: object, source: TreeSource): void {
  const detach = (t: TomlTable): DetachedTable => new DetachedTable(source, t.origin, t.span, t.headerSpan);
  const visit = (o: Record<string, unknown>, depth: number): void => {
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (isTable(v)) o[k] = detach(v);
      else if (Array.isArray(v) && depth < 3) {
        for (const it of v) if (typeof it === 'object' && it !== null && !Array.isArray(it) && !('value' in it)) visit(it as Record<string, unknown>, depth + 1);
      }
    }
  };
  visit(model as Record<string, unknown>, 0);
  source.drop();
}
