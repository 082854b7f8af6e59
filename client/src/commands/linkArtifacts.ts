import * as vscode from 'vscode';
import { failureMessage } from '../cacheCli';
import { requireTrust, serverCommand, serverHasCommand, type ExtensionState } from '../state';
import type { TreeNode } from '../ui/artifactsTree';
import { iconForType } from '../ui/artifactsTree';

/** The command id (distinct from any server command name: the language client registers those itself). */
export const LINK_ARTIFACTS = 'skillmeat.link';
/** The server command that performs a link, when the server offers it. */
export const SERVER_LINK_COMMAND = 'skillmeat.linkArtifacts';

/** How a child relates to its parent. */
export type Relation = 'contains' | 'requires' | 'extends' | 'enables' | 'related' | 'member';

/** A link as the user chose it; what the server command or the CLI receives. */
export interface LinkRequest {
  /** The collection.toml the parent lives in (uri). */
  collection: string;
  /** That collection's name (`[collection].name`). */
  collectionName: string;
  /** `type:name`, or `group:<name>` for a group. */
  parent: string;
  child: string;
  relation: Relation;
  /** Content hash to pin a composite member to. */
  pin?: string;
}

/** What the command did, for messages and tests. */
export interface LinkOutcome {
  request: LinkRequest;
  via: 'server' | 'cli' | 'unavailable';
  ok: boolean;
  message: string;
}

interface Candidate extends vscode.QuickPickItem {
  ref: string;
  role: 'artifact' | 'group' | 'composite';
  type?: string;
  collection: string;
  collectionName: string;
}

/** The relations a parent of this kind can have, in the order offered. */
export function relationsFor(kind: 'artifact' | 'group' | 'composite'): Relation[] {
  if (kind === 'group') return ['member'];
  // A composite's links are memberships in the cache, whose relationship types are these.
  if (kind === 'composite') return ['contains', 'requires', 'extends'];
  return ['requires', 'enables', 'related'];
}

const RELATION_TEXT: Record<Relation, string> = {
  contains: 'composite membership in the cache (relationship contains)',
  extends: 'composite membership in the cache (relationship extends)',
  requires: 'linked_artifacts with link_type requires (a composite: membership requires)',
  enables: 'linked_artifacts with link_type enables',
  related: 'linked_artifacts with link_type related',
  member: 'appended to the group\'s members',
};

function candidates(state: ExtensionState): Candidate[] {
  const out: Candidate[] = [];
  for (const { uri, item } of state.tree.model) {
    const collection = uri.toString();
    const collectionName = item.name;
    for (const g of item.groups) out.push({ label: `$(layers) ${g.name}`, description: `group · ${item.name}`, ref: `group:${g.name}`, role: 'group', collection, collectionName });
    for (const c of item.composites) {
      out.push({ label: `$(package) ${c.name}`, description: `composite · ${item.name}`, detail: c.uuid, ref: `composite:${c.name}`, role: 'composite', type: 'composite', collection, collectionName });
    }
    for (const a of item.artifacts) {
      out.push({ label: `$(${iconForType(a.type)}) ${a.name}`, description: `${a.type} · ${item.name}`, detail: a.uuid, ref: `${a.type}:${a.name}`, role: 'artifact', type: a.type, collection, collectionName });
    }
  }
  return out;
}

/** The workspace folders on disk: what the CLI scans to find the collections. */
function workspaceRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** The `skillmeat-ls link` command line for a request. */
export function linkArgs(req: LinkRequest, cacheFile: string, roots: string[], collectionsRoot?: string): string[] {
  const args = ['link'];
  if (req.relation === 'member') args.push('--group', req.parent.replace(/^group:/, ''));
  else args.push('--parent', req.parent, '--relation', req.relation);
  args.push('--child', req.child, '--collection', req.collectionName);
  if (req.pin) args.push('--pin', req.pin);
  args.push('--cache', cacheFile, '--format', 'json');
  if (collectionsRoot) args.push('--collections-root', collectionsRoot);
  return [...args, ...roots];
}

/** The child's content hash in its collection.lock (what "pin to the current version" pins), if locked. */
export function lockedHash(lockText: string, type: string, name: string): string | undefined {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const header = new RegExp(`^\\[lock\\.entries\\.["']${esc(name)}::${esc(type)}["']\\][^\\n]*\\n([\\s\\S]*?)(?=^\\[|$(?![\\s\\S]))`, 'm');
  const body = header.exec(lockText)?.[1] ?? '';
  return /^[ \t]*content_hash[ \t]*=[ \t]*["']([0-9a-f]{64})["']/m.exec(body)?.[1];
}

/** Hands a link to the server or the CLI, whichever this build has. */
async function perform(state: ExtensionState, req: LinkRequest): Promise<LinkOutcome> {
  const client = state.client();
  if (client?.isRunning() && serverHasCommand(client, SERVER_LINK_COMMAND)) {
    try {
      const res = await serverCommand<{ message?: string; ok?: boolean } | undefined>(client, SERVER_LINK_COMMAND, [req]);
      return { request: req, via: 'server', ok: res?.ok !== false, message: res?.message ?? `Linked ${req.child} to ${req.parent} (${req.relation}).` };
    } catch (e) {
      return { request: req, via: 'server', ok: false, message: (e as Error).message };
    }
  }
  if (await state.cli.hasCommand('link')) {
    const run = await state.cli.run<{ status?: string; message?: string }>(linkArgs(req, state.cacheFile(), workspaceRoots(), state.config().collectionsRoot));
    const ok = run.code === 0 && run.json?.status !== 'refused';
    return { request: req, via: 'cli', ok, message: run.json?.message ?? failureMessage(run) };
  }
  return {
    request: req,
    via: 'unavailable',
    ok: false,
    message: 'this version of the SkillMeat language server cannot write links yet (no skillmeat.linkArtifacts command, no `skillmeat-ls link`).',
  };
}

/** The child's locked content hash, read from the collection.lock beside the collection.toml. */
async function currentHash(collectionUri: string, child: Candidate): Promise<string | undefined> {
  if (!child.type) return undefined;
  const lock = vscode.Uri.joinPath(vscode.Uri.parse(collectionUri), '..', 'collection.lock');
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(lock));
    return lockedHash(text, child.type, child.ref.slice(child.type.length + 1));
  } catch {
    return undefined;
  }
}

/**
 * SkillMeat: Link Artifacts… — parent, child, relation and optional pin from quick picks, then
 * the link through the server (or CLI). A tree row passed in becomes the parent.
 */
export async function linkArtifacts(state: ExtensionState, from?: TreeNode): Promise<LinkOutcome | undefined> {
  if (!requireTrust('Linking artifacts')) return undefined;
  if (!state.tree.model.length) await state.tree.refresh();
  const all = candidates(state);
  if (!all.length) {
    void vscode.window.showInformationMessage('SkillMeat: no artifacts found in this workspace to link.');
    return undefined;
  }
  let parent: Candidate | undefined;
  if (from && from.kind !== 'message' && from.kind !== 'collection') {
    const ref = from.kind === 'artifact' ? `${from.item.type}:${from.item.name}` : `${from.kind}:${from.item.name}`;
    parent = all.find((c) => c.ref === ref && c.collection === from.uri.toString());
  }
  parent ??= await vscode.window.showQuickPick(all, { title: 'Link Artifacts (1/4): parent', placeHolder: 'The group, composite or artifact that gets the link', matchOnDescription: true });
  if (!parent) return undefined;
  const p = parent;
  const children = all.filter((c) => c.role !== 'group' && c.collection === p.collection && c.ref !== p.ref);
  const child = await vscode.window.showQuickPick(children, { title: `Link Artifacts (2/4): child of ${p.ref}`, placeHolder: 'The artifact to link', matchOnDescription: true });
  if (!child) return undefined;
  const relPick = await vscode.window.showQuickPick(
    relationsFor(p.role).map((r) => ({ label: r === 'member' ? 'group member' : r, description: RELATION_TEXT[r], relation: r })),
    { title: `Link Artifacts (3/4): how ${child.ref} relates to ${p.ref}` },
  );
  if (!relPick) return undefined;
  let pin: string | undefined;
  if (p.role === 'composite') {
    const current = await currentHash(p.collection, child);
    const pinPick = await vscode.window.showQuickPick(
      [
        { label: 'No pin', description: "follow the member's latest content", value: '' },
        ...(current ? [{ label: 'Pin to the current version', description: `${current.slice(0, 12)}… from collection.lock`, value: current }] : []),
        { label: 'Pin to a content hash…', description: '64 hex digits', value: 'custom' },
      ],
      { title: 'Link Artifacts (4/4): pin a version?' },
    );
    if (!pinPick) return undefined;
    if (pinPick.value === 'custom') {
      pin = await vscode.window.showInputBox({
        title: 'Content hash to pin',
        validateInput: (v) => (/^[0-9a-f]{64}$/.test(v.trim()) ? undefined : 'A SHA-256 content hash: 64 lower-case hex digits'),
      });
      if (!pin) return undefined;
      pin = pin.trim();
    } else if (pinPick.value) pin = pinPick.value;
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === p.collection);
  const client = state.client();
  const viaServer = Boolean(client?.isRunning() && serverHasCommand(client, SERVER_LINK_COMMAND));
  const wasDirty = Boolean(doc?.isDirty);
  if (wasDirty && !viaServer) {
    // The CLI writes the file on disk; unsaved edits in the editor would then conflict. (The
    // server's edit goes through the editor with the document's version instead.)
    void vscode.window.showWarningMessage(`SkillMeat: save ${vscode.workspace.asRelativePath(doc!.uri)} first; the link is written to the file on disk.`);
    return undefined;
  }
  const req: LinkRequest = { collection: p.collection, collectionName: p.collectionName, parent: p.ref, child: child.ref, relation: relPick.relation, pin };
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SkillMeat: linking ${child.ref} → ${p.ref}…` }, () => perform(state, req));
  state.output.info(`Link ${JSON.stringify(req)} via ${outcome.via}: ${outcome.ok ? 'ok' : 'failed'} — ${outcome.message}`);
  if (outcome.ok && outcome.via === 'server' && !wasDirty) {
    // The server's edit lands in the editor; save it when it is the only change, as the CLI would have.
    const edited = vscode.workspace.textDocuments.find((d) => d.uri.toString() === p.collection);
    if (edited?.isDirty) await edited.save();
  }
  if (outcome.ok) {
    void vscode.window.showInformationMessage(`SkillMeat: ${outcome.message}`);
    state.tree.scheduleRefresh();
  } else {
    void vscode.window.showWarningMessage(`SkillMeat: could not link ${child.ref} to ${p.ref}: ${outcome.message}`);
  }
  return outcome;
}
