// errors.ts - turning failures into messages a user can act on.

import * as vscode from 'vscode';
import { ProjectError } from '../core/project';
import { Tool, installCommand, missingToolsMessage } from '../core/tools';

export const COPY_INSTALL = 'Copy Install Command';

/**
 * Tells the user which tools are missing and which Debian packages provide them;
 * the button copies the apt-get command. Resolves once the message is handled.
 */
export async function reportMissingTools(tools: readonly Tool[], blocking: boolean): Promise<void> {
  const cmd = installCommand(tools);
  const show = blocking ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  const pick = await show(`${missingToolsMessage(tools)} Install with: ${cmd}`, COPY_INSTALL);
  if (pick === COPY_INSTALL) {
    await vscode.env.clipboard.writeText(cmd);
    void vscode.window.showInformationMessage(`Copied to the clipboard: ${cmd}`);
  }
}

/** Shows any error; a ProjectError from the manifest offers to open it. */
export async function reportError(e: unknown, output: vscode.OutputChannel): Promise<void> {
  if (e instanceof ProjectError) {
    for (const d of e.details) output.appendLine(d);
    const actions = e.file ? ['Open Manifest'] : [];
    const detail = e.details.length > 0 ? `: ${e.details[0]}` : '';
    const pick = await vscode.window.showErrorMessage(`Multiverse: ${e.message}${detail}`, ...actions);
    if (pick === 'Open Manifest' && e.file) await vscode.window.showTextDocument(vscode.Uri.file(e.file));
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  output.appendLine(`error: ${e instanceof Error && e.stack ? e.stack : message}`);
  await vscode.window.showErrorMessage(`Multiverse: ${message}`);
}
