// extension.ts - the VS Code entry point: registers the commands, the build
// task provider, the manifest diagnostics and the HRT log channel. All real work
// is in ../core; this layer adapts it to VS Code.

import * as vscode from 'vscode';
import { openProject, projectBuild } from '../core/project';
import { HybridizeTaskProvider, TASK_TYPE } from './buildTask';
import { locateRoot } from './config';
import { Controller } from './controller';
import { registerManifestDiagnostics } from './manifestDiagnostics';
import { registerProfiling } from './profile';
import { registerKernelFunction } from './kernelFunction';

/** Language id of the HRT log channel; coloured by syntaxes/hrt-log.tmLanguage.json. */
export const HRT_LOG_LANGUAGE = 'multiverse-hrt-log';

export function activate(context: vscode.ExtensionContext): void {
  const hrtLog = vscode.window.createOutputChannel('Multiverse: HRT', HRT_LOG_LANGUAGE);
  const diagnostics = registerManifestDiagnostics(context);
  const controller = new Controller(context, hrtLog, diagnostics);
  const command = (id: string, fn: () => unknown) => vscode.commands.registerCommand(id, fn);

  context.subscriptions.push(
    hrtLog,
    controller,
    command('multiverse.hybridize', () => controller.hybridize()),
    command('multiverse.boot', () => controller.boot()),
    command('multiverse.hybridizeAndBoot', () => controller.hybridizeAndBoot()),
    command('multiverse.stop', () => controller.stop()),
    command('multiverse.createManifest', () => controller.createManifest()),
    command('multiverse.showLog', () => controller.showLog()),
    vscode.tasks.registerTaskProvider(
      TASK_TYPE,
      new HybridizeTaskProvider(async (folder) => {
        const root = locateRoot(context.extensionPath, folder);
        return root ? projectBuild(await openProject(folder.uri.fsPath, root)) : undefined;
      }),
    ),
  );
  registerProfiling(context, controller);
  registerKernelFunction(context);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
