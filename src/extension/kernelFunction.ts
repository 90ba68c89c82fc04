// kernelFunction.ts - the command Multiverse: Move Function into Kernel Mode (multiverse.moveFunctionIntoKernel):
// adapts src/core/kfunc.ts kernelize to VS Code (pick the function, write kernel-mode/NAME.c, open it).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { functionsIn } from '../core/csource';
import { KfuncError, kernelize } from '../core/kfunc';
import { MANIFEST_FILE } from '../core/manifest';
import { defaultManifest } from '../core/project';

/**
 * Moves FUNCTIONNAME, defined in the C file URI (default: the active editor's
 * file and the function under its cursor), into kernel mode. Refusals (static,
 * main, not found, already moved) are shown as error messages.
 */
async function moveFunction(uri?: vscode.Uri, functionName?: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const file = uri ?? editor?.document.uri;
  if (!file || file.scheme !== 'file') {
    void vscode.window.showErrorMessage('Multiverse: open the C file that defines the function to move into kernel mode.');
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(file);
  if (!folder) {
    void vscode.window.showErrorMessage(`Multiverse: ${path.basename(file.fsPath)} is not in a workspace folder.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(file);
  let name = functionName;
  if (!name) {
    const fns = await functionsIn(doc.getText());
    const line = editor && editor.document.uri.toString() === file.toString() ? editor.selection.active.line + 1 : 0;
    const under = fns.find((f) => f.startLine <= line && line <= f.endLine);
    name = under?.name ?? (await vscode.window.showQuickPick(fns.map((f) => ({ label: f.name, description: f.signature })), {
      placeHolder: 'Function to move into kernel mode',
    }))?.label;
    if (!name) return;
  }
  if (doc.isDirty) await doc.save();
  const dir = folder.uri.fsPath;
  try {
    const r = await kernelize(dir, name, { file: file.fsPath, makeManifest: () => defaultManifest(dir) });
    await vscode.window.showTextDocument(vscode.Uri.file(r.file));
    void vscode.window.showInformationMessage(
      `Multiverse: ${name} moved into kernel mode: ${path.relative(dir, r.file)} replaces it at the next Hybridize (${MANIFEST_FILE} updated).`,
    );
  } catch (e) {
    if (!(e instanceof KfuncError)) throw e;
    void vscode.window.showErrorMessage(`Multiverse: cannot move ${name} into kernel mode: ${e.message}.`);
  }
}

/** Registers multiverse.moveFunctionIntoKernel. */
export function registerKernelFunction(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('multiverse.moveFunctionIntoKernel', moveFunction));
}
