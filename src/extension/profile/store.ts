// store.ts - the profiles the editor shows: the current run and the one
// before it (for the before/after delta), with the function layout of each
// profiled source file as it was at profile time, so that lenses and heat
// follow later edits (see model.ts remapLine).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Profile } from '../../core/profile/types';
import { FunctionDelta, FunctionRange, SiteDelta, comparable, functionDeltas, sameFile, siteDeltas } from './model';

export interface ProfileRun {
  readonly profile: Profile;
  /** the profile file it was read from */
  readonly file: string;
  /** the workspace folder it was run for (where the manifest is) */
  readonly folder?: vscode.WorkspaceFolder;
  /** source file -> its functions when the profile was taken */
  readonly layouts: ReadonlyMap<string, readonly FunctionRange[]>;
}

export interface Delta {
  readonly sites: readonly SiteDelta[];
  readonly functions: readonly FunctionDelta[];
}

/** Finds the functions of a C source text (src/core/csource.ts functionsIn, given by index.ts). */
export type FunctionParser = (text: string) => Promise<FunctionRange[]>;
let parser: FunctionParser | undefined;

export function useFunctionParser(p: FunctionParser): void {
  parser = p;
}

/** Functions of a C source text; [] when the parser is unavailable (lines are then not remapped). */
export async function functionRanges(text: string): Promise<FunctionRange[]> {
  try {
    return parser ? await parser(text) : [];
  } catch {
    return [];
  }
}

export class ProfileStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private cur: ProfileRun | undefined;
  private prev: ProfileRun | undefined;
  private delta: Delta | undefined;

  get current(): ProfileRun | undefined {
    return this.cur;
  }

  get previous(): ProfileRun | undefined {
    return this.prev;
  }

  /** The change from the previous run of the same program to the current one, if there are both. */
  get changes(): Delta | undefined {
    return this.delta;
  }

  /** Makes PROFILE the current run; the current one becomes the previous when it is of the same program. */
  async set(profile: Profile, file: string, folder?: vscode.WorkspaceFolder): Promise<void> {
    const layouts = new Map<string, FunctionRange[]>();
    for (const src of sourceFiles(profile)) {
      const text = await readFile(src, 'utf8').catch(() => undefined);
      if (text !== undefined) layouts.set(src, await functionRanges(text));
    }
    const run: ProfileRun = { profile, file, folder, layouts };
    this.prev = this.cur && comparable(this.cur.profile, profile) ? this.cur : undefined;
    this.cur = run;
    this.delta = this.prev ? { sites: siteDeltas(this.prev.profile, profile), functions: functionDeltas(this.prev.profile, profile) } : undefined;
    this.changed.fire();
  }

  clear(): void {
    this.cur = undefined;
    this.prev = undefined;
    this.delta = undefined;
    this.changed.fire();
  }

  /** The layout at profile time of the profiled file that DOC is, if any. */
  layoutOf(doc: string): readonly FunctionRange[] | undefined {
    for (const [file, fns] of this.cur?.layouts ?? []) if (sameFile(file, doc)) return fns;
    return undefined;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The program's source files the profile names that exist on this machine. */
function sourceFiles(profile: Profile): string[] {
  const names = new Set<string>();
  for (const l of profile.lines) names.add(l.file);
  for (const f of profile.functions) if (!f.kernel && f.file) names.add(f.file);
  for (const s of profile.forwarded.sites) if (s.site.file) names.add(s.site.file);
  return [...names].filter((f) => path.isAbsolute(f) && existsSync(f));
}
