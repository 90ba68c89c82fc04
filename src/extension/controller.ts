// controller.ts - what the commands do: hybridize (build task), boot (hybrid
// terminal), stop, create the manifest. One run at a time per window.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MANIFEST_FILE, renderManifest } from '../core/manifest';
import { Project, ProjectError, defaultManifest, openProject, projectBuild, projectProgram } from '../core/project';
import type { MultiverseRoot } from '../core/root';
import { FileTail, describeExit, runSpec } from '../core/run';
import { BOOT_TOOLS, OPTIONAL_BOOT_TOOLS, buildTools, missingTools } from '../core/tools';
import { buildTask, runTask } from './buildTask';
import { locateRoot, settings } from './config';
import { reportError, reportMissingTools } from './errors';
import { HybridTerminal, RunEnd } from './hybridTerminal';
import { checkManifest } from './manifestDiagnostics';
import { RunStatusBar } from './statusBar';

/** FILE relative to DIR when it lies inside it, else FILE. */
function shortPath(file: string, dir: string): string {
  const rel = path.relative(dir, file);
  return path.isAbsolute(file) && !rel.startsWith('..') ? rel : file;
}

interface CurrentRun {
  readonly terminal: vscode.Terminal;
  readonly pty: HybridTerminal;
}

export class Controller implements vscode.Disposable {
  private run: CurrentRun | undefined;
  private building: vscode.CancellationTokenSource | undefined;
  private readonly statusBar = new RunStatusBar();

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly hrtLog: vscode.OutputChannel,
    private readonly diagnostics: vscode.DiagnosticCollection,
  ) {}

  dispose(): void {
    this.building?.cancel();
    this.run?.pty.stop();
    this.statusBar.dispose();
  }

  /** Builds the workspace; true when it succeeded. */
  async hybridize(): Promise<boolean> {
    const target = await this.target();
    if (!target) return false;
    return this.build(target.folder, target.project);
  }

  async boot(): Promise<void> {
    const target = await this.target();
    if (target) await this.start(target.folder, target.project, 0);
  }

  async hybridizeAndBoot(): Promise<void> {
    const target = await this.target();
    if (!target) return;
    const started = Date.now();
    if (await this.build(target.folder, target.project)) await this.start(target.folder, target.project, started);
  }

  /** Stops the running hybrid (as Ctrl-C does) or the running build. */
  async stop(): Promise<void> {
    if (this.run?.pty.running) {
      this.run.pty.stop();
    } else if (this.building) {
      this.building.cancel();
    } else {
      void vscode.window.showInformationMessage('Multiverse: nothing is running.');
    }
  }

  async createManifest(): Promise<void> {
    const folder = await this.folder();
    if (!folder) return;
    const file = path.join(folder.uri.fsPath, MANIFEST_FILE);
    const uri = vscode.Uri.file(file);
    const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
    if (exists) {
      const pick = await vscode.window.showWarningMessage(`${MANIFEST_FILE} already exists in ${folder.name}.`, 'Open It', 'Overwrite');
      if (pick === undefined) return;
      if (pick === 'Open It') {
        await vscode.window.showTextDocument(uri);
        return;
      }
    }
    const manifest = await defaultManifest(folder.uri.fsPath);
    await writeFile(file, renderManifest(manifest));
    await vscode.window.showTextDocument(uri);
  }

  showLog(): void {
    this.hrtLog.show(true);
  }

  /** The folder to act on: the active editor's, else the only one, else asked. */
  private async folder(): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const active = vscode.window.activeTextEditor?.document.uri;
    const own = active && vscode.workspace.getWorkspaceFolder(active);
    if (own) return own;
    if (folders.length <= 1) {
      if (folders.length === 0) void vscode.window.showErrorMessage('Multiverse: open a folder with a C program first.');
      return folders[0];
    }
    return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to hybridize' });
  }

  private async target(): Promise<{ folder: vscode.WorkspaceFolder; project: Project } | undefined> {
    const folder = await this.folder();
    if (!folder) return undefined;
    const root = this.root(folder);
    if (!root) return undefined;
    try {
      return { folder, project: await openProject(folder.uri.fsPath, root) };
    } catch (e) {
      if (e instanceof ProjectError && e.file) {
        checkManifest(await vscode.workspace.openTextDocument(vscode.Uri.file(e.file)), this.diagnostics);
      }
      await reportError(e, this.hrtLog);
      return undefined;
    }
  }

  private root(folder: vscode.WorkspaceFolder): MultiverseRoot | undefined {
    const root = locateRoot(this.context.extensionPath, folder);
    if (!root) {
      const configured = settings(folder).root;
      const why = configured
        ? `the setting multiverse.root (${configured}) is not a Multiverse checkout (no bin/multiverse in it)`
        : 'no Multiverse checkout found: set multiverse.root to the folder that holds bin/multiverse';
      void vscode.window.showErrorMessage(`Multiverse: ${why}.`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'multiverse.root');
      });
    }
    return root;
  }

  private async build(folder: vscode.WorkspaceFolder, project: Project): Promise<boolean> {
    if (this.building) {
      void vscode.window.showWarningMessage('Multiverse: a build is already running.');
      return false;
    }
    try {
      const plan = projectBuild(project);
      const missing = missingTools(buildTools(plan.kind));
      if (missing.length > 0) {
        await reportMissingTools(missing, true);
        return false;
      }
      const building = new vscode.CancellationTokenSource();
      this.building = building;
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Multiverse: hybridizing ${folder.name}`, cancellable: true },
        (progress, token) => {
          progress.report({ message: plan.command });
          token.onCancellationRequested(() => building.cancel());
          return runTask(buildTask(folder, plan), building.token);
        },
      );
      if (outcome.cancelled) {
        void vscode.window.showInformationMessage('Multiverse: build cancelled.');
        return false;
      }
      if (outcome.exitCode !== 0) {
        const status = outcome.exitCode === undefined ? 'did not run' : `failed with status ${outcome.exitCode}`;
        const pick = await vscode.window.showErrorMessage(
          `Multiverse: the build of ${folder.name} ${status}: see the Problems panel and the task output.`,
          'Show Problems',
        );
        if (pick) await vscode.commands.executeCommand('workbench.actions.view.problems');
        return false;
      }
      return true;
    } catch (e) {
      await reportError(e, this.hrtLog);
      return false;
    } finally {
      this.building?.dispose();
      this.building = undefined;
    }
  }

  private async start(folder: vscode.WorkspaceFolder, project: Project, builtSince: number): Promise<void> {
    if (this.run?.pty.running) {
      const pick = await vscode.window.showWarningMessage('Multiverse: a hybrid is already running.', 'Stop It', 'Show It');
      if (pick === 'Stop It') this.run.pty.stop();
      if (pick === 'Show It') this.run.terminal.show();
      return;
    }
    try {
      const missing = missingTools(BOOT_TOOLS);
      if (missing.length > 0) {
        await reportMissingTools(missing, true);
        return;
      }
      const optional = missingTools(OPTIONAL_BOOT_TOOLS);
      if (optional.length > 0) void reportMissingTools(optional, false);

      const program = await projectProgram(project, builtSince);
      const s = settings(folder);
      const runDir = path.join(this.storageDir(), 'run');
      await mkdir(runDir, { recursive: true });
      const logFile = path.join(runDir, 'hrt.log');
      const statsFile = path.join(runDir, 'stats.jsonl');
      await Promise.all([rm(logFile, { force: true }), rm(statsFile, { force: true })]);
      const spec = runSpec(project.root, {
        program,
        workspace: project.dir,
        manifest: project.manifest,
        cpus: s.cpus,
        memory: s.memory,
        accel: s.accel,
        trace: s.trace,
        logFile,
        statsFile,
      });

      this.run?.terminal.dispose();
      this.hrtLog.clear();
      this.hrtLog.appendLine(`# ${path.basename(program)}: ${spec.cpus} vCPU, ${spec.accel.toUpperCase()}`);
      const tail = new FileTail(logFile, (t) => this.hrtLog.append(t));
      const name = path.basename(program);
      const pty = new HybridTerminal(spec, `multiverse: ${name}`, (proc) => {
        tail.start();
        this.statusBar.start({ program: name, cpus: spec.cpus, accel: spec.accel, started: proc.started, statsFile });
      });
      const terminal = vscode.window.createTerminal({ name: `Multiverse: ${name}`, pty, iconPath: new vscode.ThemeIcon('vm') });
      this.run = { terminal, pty };
      terminal.show();
      if (s.revealLog) this.hrtLog.show(true);

      const end = await pty.end;
      await tail.stop();
      this.statusBar.stop();
      await this.reportEnd(name, end, project, spec.cwd);
    } catch (e) {
      await reportError(e, this.hrtLog);
    }
  }

  private async reportEnd(name: string, end: RunEnd, project: Project, cwd: string): Promise<void> {
    const how = `Multiverse: ${name} ${describeExit(end.code, end.signal)} after ${(end.durationMs / 1000).toFixed(1)} s.`;
    if (end.fault) {
      const where = `${end.fault.file}:${end.fault.line}`;
      const open = `Open ${path.basename(end.fault.file)}:${end.fault.line}`;
      const message = end.fault.message.split(end.fault.file).join(shortPath(end.fault.file, project.dir));
      const pick = await vscode.window.showErrorMessage(`${how} ${message}`, open);
      if (pick === open) await this.openLocation(end.fault.file, end.fault.line, [project.dir, cwd], where);
      return;
    }
    if (end.code === 0) {
      void vscode.window.showInformationMessage(how);
    } else {
      const pick = await vscode.window.showWarningMessage(how, 'Show HRT Log');
      if (pick) this.showLog();
    }
  }

  private async openLocation(file: string, line: number, bases: readonly string[], where: string): Promise<void> {
    const candidates = path.isAbsolute(file) ? [file] : bases.map((b) => path.resolve(b, file));
    for (const c of candidates) {
      const uri = vscode.Uri.file(c);
      if (await vscode.workspace.fs.stat(uri).then(() => true, () => false)) {
        const pos = new vscode.Position(Math.max(0, line - 1), 0);
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos) });
        return;
      }
    }
    const found = await vscode.workspace.findFiles(`**/${path.basename(file)}`, '**/node_modules/**', 1);
    if (found[0]) {
      const pos = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(found[0], { selection: new vscode.Range(pos, pos) });
      return;
    }
    void vscode.window.showWarningMessage(`Multiverse: cannot find ${where} in the workspace.`);
  }

  private storageDir(): string {
    return (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
  }
}
