// lenses.ts - code lenses from the current profile: above each hot program
// function its share of samples and the forwarded calls it causes (with the
// before/after delta once a placement changed), "Move into kernel mode" for
// the function; on each forwarded call's line its cost and "Move <syscall>
// into kernel mode" when the aerokernel can serve it. Function ranges come
// from parsing the source (functionsIn), so lenses stay put after edits.

import * as vscode from 'vscode';
import { placeableCalls } from '../../core/root';
import {
  FunctionRange, HotFunction, canMove, functionDeltaText, functionLensText, hotFunctions, remapLine, sameFile, siteChanged,
  siteDeltaText, siteLensText, sitesAt,
} from './model';
import { profileSettings } from './settings';
import { ProfileStore, functionRanges } from './store';

export const MOVE_FUNCTION_COMMAND = 'multiverse.moveFunctionIntoKernel';
export const MOVE_SYSCALL_COMMAND = 'multiverse.moveSyscallIntoKernel';
export const SHOW_HOTSPOTS_COMMAND = 'multiverse.showHotspots';

export class ProfileLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly store: ProfileStore) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('multiverse.profile')) this.changed.fire();
      }),
    ];
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const run = this.store.current;
    if (!run || doc.uri.scheme !== 'file') return [];
    const file = doc.uri.fsPath;
    const profile = run.profile;
    const s = profileSettings(doc.uri);
    const hot = hotFunctions(profile, s.lensThreshold).filter((h) => h.file !== undefined && sameFile(h.file, file));
    const sites = sitesAt(profile, file);
    const changes = this.store.changes;
    // Functions whose forwarded calls changed keep a lens with the delta even when no longer hot.
    const changed = (changes?.functions ?? []).filter((d) => d.before.count !== d.after.count && d.file !== undefined && sameFile(d.file, file));
    if (hot.length === 0 && sites.length === 0 && changed.length === 0) return [];

    const now = await functionRanges(doc.getText());
    const base = this.store.layoutOf(file) ?? [];
    const lenses: vscode.CodeLens[] = [];
    const canMoveFunction = (await vscode.commands.getCommands(true)).includes(MOVE_FUNCTION_COMMAND);
    const at = (line: number) => doc.lineAt(Math.min(Math.max(line, 1), doc.lineCount) - 1).range;

    for (const h of hot) {
      const fn = now.find((f) => f.name === h.name);
      const line = fn?.nameLine ?? h.line;
      if (line === undefined || line > doc.lineCount) continue;
      const range = at(line);
      const delta = changes?.functions.find((d) => d.name === h.name && d.before.count !== d.after.count);
      lenses.push(lens(range, delta ? functionDeltaText(delta) : functionLensText(h), SHOW_HOTSPOTS_COMMAND));
      if (canMoveFunction && fn && movable(h, fn, now, doc)) {
        lenses.push(lens(range, 'Move into kernel mode', MOVE_FUNCTION_COMMAND, [doc.uri, h.name], `Scaffold a kernel-mode implementation of ${h.name}`));
      }
    }

    for (const d of changed) {
      if (hot.some((h) => h.name === d.name)) continue;
      const line = now.find((f) => f.name === d.name)?.nameLine ?? d.line;
      if (line !== undefined && line <= doc.lineCount) lenses.push(lens(at(line), functionDeltaText(d), SHOW_HOTSPOTS_COMMAND));
    }

    // A site whose call became native has no site in the new run: show it from the delta.
    const shown = new Set<string>();
    const placeable = placeableCalls();
    for (const site of sites) {
      const line = remap(site.site.line!, base, now);
      if (line === undefined) continue;
      const range = at(line);
      const delta = changes?.sites.find((d) => d.syscall === site.syscall && d.function === site.site.function && d.line === site.site.line);
      shown.add(`${site.syscall}:${site.site.function}:${site.site.line}`);
      lenses.push(lens(range, delta && siteChanged(delta) ? siteDeltaText(delta) : siteLensText(site), SHOW_HOTSPOTS_COMMAND));
      if (canMove(profile, site.syscall, placeable)) {
        lenses.push(lens(range, `Move ${site.syscall} into kernel mode`, MOVE_SYSCALL_COMMAND, [site.syscall],
          `Add ${site.syscall} to the placement list in multiverse.json (the aerokernel serves it natively)`));
      }
    }
    for (const d of changes?.sites ?? []) {
      if (!siteChanged(d) || d.line === undefined || !d.file || !sameFile(d.file, file)) continue;
      if (shown.has(`${d.syscall}:${d.function}:${d.line}`)) continue;
      const line = remap(d.line, base, now);
      if (line !== undefined) lenses.push(lens(at(line), siteDeltaText(d), SHOW_HOTSPOTS_COMMAND));
    }
    return lenses;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}

function lens(range: vscode.Range, title: string, command: string, args: unknown[] = [], tooltip?: string): vscode.CodeLens {
  return new vscode.CodeLens(range, { title, command, arguments: args, tooltip });
}

function remap(line: number, base: readonly FunctionRange[], now: readonly FunctionRange[]): number | undefined {
  return base.length > 0 && now.length > 0 ? remapLine(line, base, now) : line;
}

/** A program function the linker can replace: with samples, not main, not static. */
function movable(h: HotFunction, fn: FunctionRange, now: readonly FunctionRange[], doc: vscode.TextDocument): boolean {
  if (h.samples === 0 || h.name === 'main') return false;
  const signature = (now.find((f) => f.name === fn.name) as { signature?: string } | undefined)?.signature ?? doc.lineAt(fn.startLine - 1).text;
  return !/^\s*static\b/.test(signature);
}
