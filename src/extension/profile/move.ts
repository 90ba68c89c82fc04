// move.ts - "Move <syscall> into kernel mode": adds the system call to the
// manifest's placement list (creating multiverse.json with detected defaults
// when there is none; otherwise one minimal edit that keeps its formatting),
// then offers to profile again so the editor can show the delta.

import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MANIFEST_FILE, renderManifest } from '../../core/manifest';
import { defaultManifest } from '../../core/project';
import { placeableCalls } from '../../core/root';
import { canMove, formatCount, formatNs, sitesByCost } from './model';
import { addPlacement } from './placement';
import { ProfileRunner, pickFolder } from './runner';
import { profileSettings } from './settings';
import { ProfileStore } from './store';

export class MoveSyscall {
  constructor(
    private readonly store: ProfileStore,
    private readonly runner: ProfileRunner,
  ) {}

  /** Moves SYSCALL (asked for when absent) into kernel mode in the profiled folder's manifest. */
  async run(syscall?: string): Promise<void> {
    const name = syscall ?? (await this.ask());
    if (!name) return;
    const placeable = placeableCalls();
    if (!placeable.includes(name)) {
      void vscode.window.showErrorMessage(`Multiverse: ${name} cannot run in kernel mode: the aerokernel serves ${placeable.join(', ')}.`);
      return;
    }
    const folder = this.store.current?.folder ?? (await pickFolder());
    if (!folder) return;
    const uri = vscode.Uri.file(path.join(folder.uri.fsPath, MANIFEST_FILE));
    const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
    if (!exists) {
      const manifest = await defaultManifest(folder.uri.fsPath);
      manifest.placement = [name];
      await writeFile(uri.fsPath, renderManifest(manifest));
    } else if (!(await this.edit(uri, name))) {
      return;
    }
    await this.offerRerun(folder.uri, name, exists);
  }

  /** Adds NAME to the placement list of the manifest at URI; false when nothing was changed. */
  private async edit(uri: vscode.Uri, name: string): Promise<boolean> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const r = addPlacement(doc.getText(), name);
    if (r.kind === 'present') {
      void vscode.window.showInformationMessage(`Multiverse: ${name} is already in the placement list of ${MANIFEST_FILE}.`);
      return false;
    }
    if (r.kind === 'error') {
      const pick = await vscode.window.showErrorMessage(`Multiverse: cannot move ${name} into kernel mode: ${r.message}.`, 'Open Manifest');
      if (pick) await vscode.window.showTextDocument(doc);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(r.edit.start), doc.positionAt(r.edit.end)), r.edit.text);
    if (!(await vscode.workspace.applyEdit(edit)) || !(await doc.save())) {
      void vscode.window.showErrorMessage(`Multiverse: could not save ${MANIFEST_FILE}.`);
      return false;
    }
    return true;
  }

  private async offerRerun(folder: vscode.Uri, name: string, existed: boolean): Promise<void> {
    const how = existed ? `added to the placement list in ${MANIFEST_FILE}` : `${MANIFEST_FILE} created with placement ["${name}"]`;
    const rerun = profileSettings(folder).rerunAfterPlacement;
    if (rerun === 'always') {
      void vscode.window.showInformationMessage(`Multiverse: ${name} moves into kernel mode (${how}); profiling again.`);
      await this.runner.profile(folder);
      return;
    }
    const message = `Multiverse: ${name} moves into kernel mode (${how}).`;
    if (rerun === 'never') {
      void vscode.window.showInformationMessage(message);
      return;
    }
    const pick = await vscode.window.showInformationMessage(`${message} Profile again to see the difference?`, 'Profile Again');
    if (pick) await this.runner.profile(folder);
  }

  /** The forwarded calls of the current profile that can move, most costly first, plus the other movable ones. */
  private async ask(): Promise<string | undefined> {
    const placeable = placeableCalls();
    const p = this.store.current?.profile;
    const hot = p ? sitesByCost(p).filter((s) => canMove(p, s.syscall, placeable)) : [];
    const items: vscode.QuickPickItem[] = [];
    const seen = new Set<string>();
    for (const s of hot) {
      if (seen.has(s.syscall)) continue;
      seen.add(s.syscall);
      items.push({ label: s.syscall, description: `${formatCount(s.count)} forwarded, ${formatNs(s.totalNs)} from ${s.site.function}` });
    }
    for (const n of placeable) {
      if (!seen.has(n) && !p?.placement.native.includes(n)) items.push({ label: n, description: p ? 'not forwarded in the last profile' : '' });
    }
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'System call to serve in kernel mode (the aerokernel\'s native implementation)' });
    return pick?.label;
  }
}
