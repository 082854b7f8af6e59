// Shared by the extension-host tests: the extension's API, files of the temp workspace (a copy
// of examples/), readiness waits and quick-pick / message stubs.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SkillmeatApi } from '../../../client/src/extension';

/** The extension's id as package.json makes it (publisher.name). */
export const EXTENSION_ID = 'skillmeat.skillmeat-manifests';

/** The uuid examples/collections/default gives skill pdf-tools. */
export const PDF_TOOLS_UUID = '9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b';

/** Activates the extension (if needed) and waits until its server runs and the view loaded once. */
export async function api(): Promise<SkillmeatApi> {
  const ext = vscode.extensions.getExtension<SkillmeatApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  const a = ext.isActive ? ext.exports : await ext.activate();
  await a.ready();
  return a;
}

/** The temp workspace's root (a copy of examples/). */
export function root(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test host has no workspace folder');
  return f.uri.fsPath;
}

/** A workspace file's uri by its path relative to the root. */
export function fileUri(rel: string): vscode.Uri {
  return vscode.Uri.file(path.join(root(), rel));
}

/** Opens a workspace file in an editor. */
export async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fileUri(rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** The position just inside `needle` (plus `offset` characters) in a document; fails when absent. */
export function positionOf(doc: vscode.TextDocument, needle: string, offset = 1, nth = 0): vscode.Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = doc.getText().indexOf(needle, at + 1);
    assert.ok(at >= 0, `"${needle}" (#${nth}) not found in ${doc.uri.fsPath}`);
  }
  return doc.positionAt(at + offset);
}

/** Polls until `probe` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The code of a VS Code diagnostic as a string. */
export function codeOf(d: vscode.Diagnostic): string | undefined {
  if (d.code === undefined) return undefined;
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** Waits for a diagnostic with `code` on a file and returns it. */
export function diagnostic(rel: string, code: string, timeoutMs?: number): Promise<vscode.Diagnostic> {
  const uri = fileUri(rel);
  return waitFor(`a ${code} diagnostic on ${rel}`, () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === code), timeoutMs);
}

/** The plain text of hover contents (markdown strings and marked strings alike). */
export function hoverText(hovers: readonly vscode.Hover[] | undefined): string {
  const parts: string[] = [];
  for (const h of hovers ?? []) {
    for (const c of h.contents) parts.push(typeof c === 'string' ? c : c.value);
  }
  return parts.join('\n');
}

type Win = { -readonly [K in keyof typeof vscode.window]: (typeof vscode.window)[K] };

/**
 * Replaces vscode.window functions for one test: quick picks answered by `pick` functions in
 * order (each gets the items and returns one), messages answered by `reply`. Returns what was
 * shown and a restore function.
 */
export function stubWindow(opts: {
  picks?: ((items: readonly vscode.QuickPickItem[], options?: vscode.QuickPickOptions) => vscode.QuickPickItem | undefined)[];
  reply?: (message: string, ...buttons: unknown[]) => string | undefined;
}): { shown: { kind: string; text: string; detail?: string; items?: string[] }[]; restore: () => void } {
  const win = vscode.window as unknown as Win;
  const saved = {
    showQuickPick: win.showQuickPick,
    showInformationMessage: win.showInformationMessage,
    showWarningMessage: win.showWarningMessage,
    showErrorMessage: win.showErrorMessage,
  };
  const shown: { kind: string; text: string; detail?: string; items?: string[] }[] = [];
  const picks = [...(opts.picks ?? [])];
  win.showQuickPick = (async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) => {
    const list = await items;
    shown.push({ kind: 'pick', text: options?.title ?? options?.placeHolder ?? '', items: list.map((i) => (typeof i === 'string' ? i : i.label)) });
    const next = picks.shift();
    assert.ok(next, `unexpected quick pick "${options?.title ?? ''}"`);
    return next(list, options);
  }) as unknown as Win['showQuickPick'];
  const message = (kind: string) =>
    (async (text: string, ...rest: unknown[]) => {
      const options = rest[0] && typeof rest[0] === 'object' && !('title' in (rest[0] as object)) ? (rest[0] as vscode.MessageOptions) : undefined;
      shown.push({ kind, text, detail: options?.detail });
      const buttons = rest.filter((r) => typeof r === 'string' || (r && typeof r === 'object' && 'title' in (r as object)));
      return opts.reply?.(text, ...buttons);
    }) as unknown as Win['showInformationMessage'];
  win.showInformationMessage = message('info');
  win.showWarningMessage = message('warning') as Win['showWarningMessage'];
  win.showErrorMessage = message('error') as Win['showErrorMessage'];
  return {
    shown,
    restore: () => Object.assign(win, saved),
  };
}

/** A quick-pick answer: the first item whose label (icons stripped) matches. */
export function byLabel(re: RegExp): (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined {
  return (items) => {
    const hit = items.find((i) => i.kind !== vscode.QuickPickItemKind.Separator && re.test(i.label.replace(/\$\([\w~-]+\)\s*/g, '')));
    assert.ok(hit, `no quick-pick item matches ${re}; items: ${items.map((i) => i.label).join(' | ')}`);
    return hit;
  };
}
