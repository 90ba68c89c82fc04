// index.ts - registers profiling and placement in the editor: the Profile
// command (also from multiverse.json), gutter heat, code lenses, the
// Hotspots view, the flame graph and "Move <syscall> into kernel mode".

import * as vscode from 'vscode';
import { functionsIn } from '../../core/csource';
import { loadProfile } from '../../core/profile';
import type { Controller } from '../controller';
import { FlameGraph } from './flame';
import { HeatDecorations } from './heat';
import { HOTSPOTS_VIEW, HotspotsProvider } from './hotspots';
import { ProfileLenses } from './lenses';
import { MoveSyscall } from './move';
import { ProfileRunner } from './runner';
import { ProfileStore, useFunctionParser } from './store';

const C_FILES: vscode.DocumentSelector = [
  { scheme: 'file', language: 'c' },
  { scheme: 'file', language: 'cpp' },
];

export function registerProfiling(context: vscode.ExtensionContext, controller: Controller): void {
  useFunctionParser(functionsIn);
  const store = new ProfileStore();
  const runner = new ProfileRunner(context, controller, store, loadProfile);
  const move = new MoveSyscall(store, runner);
  const hotspots = new HotspotsProvider(store);
  const lenses = new ProfileLenses(store);
  const flame = new FlameGraph(context.extensionUri, store);
  const command = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);

  context.subscriptions.push(
    store,
    runner,
    hotspots,
    lenses,
    flame,
    new HeatDecorations(context.extensionPath, store),
    vscode.window.registerTreeDataProvider(HOTSPOTS_VIEW, hotspots),
    vscode.languages.registerCodeLensProvider(C_FILES, lenses),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/multiverse.json' }, new ManifestLenses()),
    command('multiverse.profile', (uri?: vscode.Uri) => runner.profile(uri instanceof vscode.Uri ? uri : undefined)),
    command('multiverse.showHotspots', () => vscode.commands.executeCommand(`${HOTSPOTS_VIEW}.focus`)),
    command('multiverse.showFlameGraph', () => flame.show()),
    command('multiverse.clearProfile', () => store.clear()),
    command('multiverse.openProfile', () => openProfile(store)),
    command('multiverse.moveSyscallIntoKernel', (arg?: unknown) => move.run(typeof arg === 'string' ? arg : HotspotsProvider.syscallOf(arg))),
  );
}

/** "Profile" at the top of multiverse.json: the manifest's run configuration, profiled. */
class ManifestLenses implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [new vscode.CodeLens(top, { title: '$(flame) Profile', command: 'multiverse.profile', arguments: [doc.uri], tooltip: 'Hybridize, boot with the profiler, show hotspots' })];
  }
}

/** Loads a profile file written by `multiverse profile` (headless) into the editor. */
async function openProfile(store: ProfileStore): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Multiverse profile': ['json'] }, title: 'Open a Multiverse profile' });
  const uri = picked?.[0];
  if (!uri) return;
  try {
    await store.set(loadProfile(uri.fsPath), uri.fsPath, vscode.workspace.getWorkspaceFolder(uri));
  } catch (e) {
    void vscode.window.showErrorMessage(`Multiverse: ${e instanceof Error ? e.message : String(e)}`);
  }
}
