import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  collectionFromSymbols,
  containsInHover,
  countArtifacts,
  type ArtifactItem,
  type CollectionItem,
  type ContainerItem,
  type SymbolLike,
} from './artifactModel';

type Range = vscode.Range;

/** A row of the Artifacts view. */
export type TreeNode =
  | { kind: 'collection'; uri: vscode.Uri; item: CollectionItem<Range> }
  | { kind: 'group'; uri: vscode.Uri; collection: CollectionItem<Range>; item: ContainerItem<Range> }
  | { kind: 'composite'; uri: vscode.Uri; collection: CollectionItem<Range>; item: ContainerItem<Range> }
  | { kind: 'artifact'; uri: vscode.Uri; collection: CollectionItem<Range>; item: ArtifactItem<Range>; asMember: boolean }
  | { kind: 'message'; text: string };

const TYPE_ICONS: Record<string, string> = {
  skill: 'lightbulb',
  command: 'terminal',
  agent: 'hubot',
  hook: 'zap',
  mcp: 'server-process',
  workflow: 'list-ordered',
  composite: 'package',
};

/** The codicon for an artifact type (context types share one). */
export function iconForType(type: string): string {
  return TYPE_ICONS[type] ?? 'file-text';
}

/**
 * The Artifacts view (explorer): collections → groups and composites → artifacts, fed by the
 * server's document symbols for each collection.toml in the workspace.
 */
export class ArtifactsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  private readonly counted = new vscode.EventEmitter<number>();
  /** Fires after each reload with the number of artifacts found. */
  readonly onDidCount = this.counted.event;
  readonly onDidChangeTreeData = this.changed.event;
  private collections: { uri: vscode.Uri; item: CollectionItem<Range> }[] = [];
  private loading: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private note = 'Loading…';

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly exclude: () => string[],
  ) {}

  /** Reloads soon; bursts of edits and diagnostics collapse into one reload. */
  scheduleRefresh(delayMs = 400): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  /** Reloads now (or once more after the load in flight). */
  refresh(): Promise<void> {
    if (this.loading) {
      this.dirty = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.dirty) {
        this.dirty = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  /** The collections as last loaded (tests and the link command read them). */
  get model(): readonly { uri: vscode.Uri; item: CollectionItem<Range> }[] {
    return this.collections;
  }

  private async load(): Promise<void> {
    const c = this.client();
    if (!c || !c.isRunning()) {
      this.note = 'The SkillMeat server is not running.';
      this.collections = [];
      this.changed.fire(undefined);
      return;
    }
    const excl = this.exclude();
    const files = await vscode.workspace.findFiles('**/collection.toml', excl.length ? `{${['**/node_modules/**', ...excl].join(',')}}` : '**/node_modules/**', 500);
    files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    const out: { uri: vscode.Uri; item: CollectionItem<Range> }[] = [];
    for (const uri of files) {
      const syms = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
        'vscode.executeDocumentSymbolProvider',
        uri,
      );
      const tree = (syms ?? []).filter((s): s is vscode.DocumentSymbol => 'selectionRange' in s) as SymbolLike<Range>[];
      // The provider call above loaded the document, so this is the same text the symbols describe.
      const doc = await vscode.workspace.openTextDocument(uri);
      out.push({ uri, item: collectionFromSymbols(path.basename(path.dirname(uri.fsPath)), tree, (r) => doc.getText(r)) });
    }
    this.collections = out;
    this.note = files.length ? '' : 'No collection.toml in this workspace.';
    this.changed.fire(undefined);
    this.counted.fire(countArtifacts(out.map((o) => o.item)));
  }

  /** Rows under a node (or the collections at the top). */
  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    if (!node) {
      if (!this.collections.length) return this.note ? [{ kind: 'message', text: this.note }] : [];
      return this.collections.map(({ uri, item }) => ({ kind: 'collection', uri, item }));
    }
    if (node.kind === 'collection') {
      const col = node.item;
      return [
        ...col.groups.map((g) => ({ kind: 'group' as const, uri: node.uri, collection: col, item: g })),
        ...col.composites.map((g) => ({ kind: 'composite' as const, uri: node.uri, collection: col, item: g })),
        ...col.artifacts.map((a) => ({ kind: 'artifact' as const, uri: node.uri, collection: col, item: a, asMember: false })),
      ];
    }
    if (node.kind === 'composite' && !node.item.members.length) return this.compositeMembers(node);
    if (node.kind === 'group' || node.kind === 'composite') {
      return node.item.members.map((m) => ({ kind: 'artifact' as const, uri: node.uri, collection: node.collection, item: m, asMember: true }));
    }
    return [];
  }

  /** A composite's members live on disk (its plugin folder), not in the TOML: the server's hover lists what it discovered. */
  private async compositeMembers(node: Extract<TreeNode, { kind: 'composite' }>): Promise<TreeNode[]> {
    const md = await this.hoverAt(node.uri, node.item.range);
    const found = containsInHover(md);
    if (!found.length) return [{ kind: 'message', text: 'No members found on disk' }];
    node.item.members = found.map((f) => ({ kind: 'artifact' as const, ...f, range: node.item.range }));
    return node.item.members.map((m) => ({ kind: 'artifact' as const, uri: node.uri, collection: node.collection, item: m, asMember: true }));
  }

  private async hoverAt(uri: vscode.Uri, range: Range): Promise<string> {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, range.start.translate(0, 1));
    return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n\n');
  }

  /**
   * Fills the tooltip of an artifact or composite when the pointer rests on it: the server's hover
   * (uuid, path, groups, deployments), else the uuid alone. Lazy, because a hover per row up front
   * would cost a request per artifact.
   */
  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'artifact' && node.kind !== 'composite') return item;
    const def = node.kind === 'artifact' ? (node.asMember ? this.definitionOf(node.collection, node.item) : node.item) : node.item;
    const md = def ? await this.hoverAt(node.uri, def.range).catch(() => '') : '';
    item.tooltip = md.trim() ? new vscode.MarkdownString(md) : this.plainTooltip(node);
    return item;
  }

  private plainTooltip(node: Extract<TreeNode, { kind: 'artifact' | 'composite' }>): vscode.MarkdownString {
    const type = node.kind === 'composite' ? 'composite' : node.item.type;
    const uuid = node.item.uuid ?? (node.kind === 'artifact' ? this.definitionOf(node.collection, node.item)?.uuid : undefined);
    const md = new vscode.MarkdownString(`**${type}:${node.item.name}**\n\n`);
    md.appendMarkdown(uuid ? `uuid \`${uuid}\`` : '_no uuid yet (SkillMeat: Write Missing UUIDs)_');
    return md;
  }

  /** How a row looks: label, icon, description, context, and a click that reveals it. */
  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const t = new vscode.TreeItem(node.text);
      t.contextValue = 'message';
      return t;
    }
    if (node.kind === 'collection') {
      const t = new vscode.TreeItem(node.item.name, vscode.TreeItemCollapsibleState.Expanded);
      t.iconPath = new vscode.ThemeIcon('library');
      t.description = vscode.workspace.asRelativePath(path.dirname(node.uri.fsPath));
      t.tooltip = `Collection "${node.item.name}"\n${node.uri.fsPath}`;
      t.contextValue = 'collection';
      // Rows with children expand on click; Reveal in Manifest is in their context menu.
      return t;
    }
    if (node.kind === 'group' || node.kind === 'composite') {
      const t = new vscode.TreeItem(node.item.name, vscode.TreeItemCollapsibleState.Collapsed);
      t.iconPath = new vscode.ThemeIcon(node.kind === 'group' ? 'layers' : 'package');
      // A composite's members are only known once expanded (they come from the server's hover).
      t.description = node.kind === 'group' || node.item.members.length ? `${node.kind} · ${node.item.members.length}` : node.kind;
      // A composite's tooltip comes from resolveTreeItem.
      if (node.kind === 'group') t.tooltip = `Group "${node.item.name}"`;
      t.contextValue = node.kind;
      return t;
    }
    const a = node.item;
    const def = this.definitionOf(node.collection, a);
    const uuid = a.uuid ?? def?.uuid;
    const t = new vscode.TreeItem(a.name, vscode.TreeItemCollapsibleState.None);
    // A group member naming no artifact of the collection (the unknown-reference finding) stands out.
    const unknown = node.asMember && !def && node.collection.artifacts.length > 0 && !node.collection.composites.some((c) => c.members.includes(a));
    t.iconPath = unknown ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon(iconForType(a.type));
    t.description = unknown ? `${a.type} · unknown` : a.type;
    // The tooltip (server hover, or the uuid) comes from resolveTreeItem.
    t.contextValue = uuid ? 'artifact.withUuid' : 'artifact';
    t.command = { command: 'skillmeat.artifacts.reveal', title: 'Reveal in Manifest', arguments: [node] };
    return t;
  }

  /** The artifact's own entry, for a member row that only references it. */
  definitionOf(col: CollectionItem<Range>, a: ArtifactItem<Range>): ArtifactItem<Range> | undefined {
    return col.artifacts.find((x) => x.type === a.type && x.name === a.name);
  }

  /** Opens the manifest at the node (a member row jumps to the artifact's own entry). */
  async reveal(node: TreeNode): Promise<void> {
    if (node.kind === 'message') return;
    let range: Range | undefined;
    if (node.kind === 'artifact') range = (node.asMember ? this.definitionOf(node.collection, node.item) : undefined)?.range ?? node.item.range;
    else if (node.kind !== 'collection') range = node.item.range;
    const doc = await vscode.workspace.openTextDocument(node.uri);
    await vscode.window.showTextDocument(doc, { selection: range, preview: true });
  }

  /** Stops the timer and the emitters. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
    this.counted.dispose();
  }
}
