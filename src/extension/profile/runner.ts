// runner.ts - Multiverse: Profile: hybridize (the controller's build task),
// run the profiled hybrid in an integrated terminal the way Boot does
// (`multiverse profile`, stdio in the terminal, kernel log in the HRT
// channel), then load the profile it wrote into the store.

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Project, openProject, projectProgram } from '../../core/project';
import type { Profile } from '../../core/profile/types';
import { FileTail, describeExit, runSpec } from '../../core/run';
import { BOOT_TOOLS, missingTools } from '../../core/tools';
import { locateRoot, settings } from '../config';
import type { Controller } from '../controller';
import { reportError, reportMissingTools } from '../errors';
import { HybridTerminal } from '../hybridTerminal';
import { RunStatusBar } from '../statusBar';
import { profileArgs, profileFileName } from './command';
import { summaryText } from './model';
import { profileSettings } from './settings';
import { ProfileStore } from './store';

/** Reads a profile file (the JSON `multiverse profile` writes). */
export type ProfileLoader = (file: string) => Promise<Profile> | Profile;

export class ProfileRunner implements vscode.Disposable {
  private running = false;
  private readonly statusBar = new RunStatusBar();
  private terminal: vscode.Terminal | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly controller: Controller,
    private readonly store: ProfileStore,
    private readonly load: ProfileLoader,
  ) {}

  /** Profiles the folder of HINT (or the active one). Resolves true when a profile was loaded. */
  async profile(hint?: vscode.Uri): Promise<boolean> {
    if (this.running) {
      void vscode.window.showWarningMessage('Multiverse: a profiled run is already going on.');
      return false;
    }
    this.running = true;
    try {
      const folder = await pickFolder(hint);
      if (!folder) return false;
      const root = locateRoot(this.context.extensionPath, folder);
      if (!root) {
        void vscode.window.showErrorMessage('Multiverse: no Multiverse checkout found: set multiverse.root to the folder that holds bin/multiverse.');
        return false;
      }
      const started = Date.now();
      if (profileSettings(folder.uri).hybridize && !(await this.controller.hybridize())) return false;
      const project = await openProject(folder.uri.fsPath, root);
      return await this.run(folder, project, started);
    } catch (e) {
      await reportError(e, this.controller.hrtLog);
      return false;
    } finally {
      this.running = false;
    }
  }

  private async run(folder: vscode.WorkspaceFolder, project: Project, builtSince: number): Promise<boolean> {
    const missing = missingTools(BOOT_TOOLS);
    if (missing.length > 0) {
      await reportMissingTools(missing, true);
      return false;
    }
    const program = await projectProgram(project, builtSince);
    const name = path.basename(program);
    const s = settings(folder);
    const dir = path.join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'profile');
    await mkdir(dir, { recursive: true });
    await this.prune(dir);
    const out = path.join(dir, profileFileName(name, Date.now()));
    const logFile = path.join(dir, 'hrt.log');
    const statsFile = path.join(dir, 'stats.jsonl');
    await Promise.all([rm(logFile, { force: true }), rm(statsFile, { force: true })]);
    const spec = runSpec(project.root, {
      program, workspace: project.dir, manifest: project.manifest, cpus: s.cpus, memory: s.memory, accel: s.accel,
      trace: s.trace, logFile, statsFile,
    });
    const profiled = { ...spec, args: profileArgs(spec.args, out, profileSettings(folder.uri).rate) };

    const log = this.controller.hrtLog;
    log.clear();
    log.appendLine(`# profile ${name}: ${spec.cpus} vCPU, ${spec.accel.toUpperCase()}`);
    const tail = new FileTail(logFile, (t) => log.append(t));
    const pty = new HybridTerminal(profiled, `multiverse profile: ${name}`, (proc) => {
      tail.start();
      this.statusBar.start({ program: name, cpus: spec.cpus, accel: spec.accel, started: proc.started, statsFile });
    });
    this.terminal?.dispose();
    this.terminal = vscode.window.createTerminal({ name: `Multiverse: Profile ${name}`, pty, iconPath: new vscode.ThemeIcon('flame') });
    this.terminal.show(true);
    const end = await pty.end;
    await tail.stop();
    this.statusBar.stop();

    const how = `${name} ${describeExit(end.code, end.signal)}`;
    if (!existsSync(out)) {
      const pick = await vscode.window.showErrorMessage(`Multiverse: the profiled run of ${how} without writing a profile: see its terminal and the HRT log.`, 'Show HRT Log');
      if (pick) log.show(true);
      return false;
    }
    const profile = await this.load(out);
    await this.store.set(profile, out, folder);
    void vscode.window.showInformationMessage(`Multiverse: profiled ${how}: ${summaryText(profile)}.`, 'Show Hotspots', 'Flame Graph').then((pick) => {
      if (pick === 'Show Hotspots') void vscode.commands.executeCommand('multiverse.showHotspots');
      if (pick === 'Flame Graph') void vscode.commands.executeCommand('multiverse.showFlameGraph');
    });
    return true;
  }

  /** Keeps the profile files of the current and previous run, removes older ones. */
  private async prune(dir: string): Promise<void> {
    const keep = new Set([this.store.current?.file, this.store.previous?.file].filter((f): f is string => !!f));
    for (const f of await readdir(dir)) {
      const file = path.join(dir, f);
      if (f.endsWith('.mvprof.json') && !keep.has(file)) await rm(file, { force: true });
    }
  }

  dispose(): void {
    this.statusBar.dispose();
  }
}

/** The folder of HINT, else of the active editor, else the only one, else asked. */
export async function pickFolder(hint?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  const own = (hint && vscode.workspace.getWorkspaceFolder(hint)) ?? (vscode.window.activeTextEditor && vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri));
  if (own) return own;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    if (folders.length === 0) void vscode.window.showErrorMessage('Multiverse: open a folder with a C program first.');
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to profile' });
}
