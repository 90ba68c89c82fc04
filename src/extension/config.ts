// config.ts - the multiverse.* settings and the Multiverse checkout they point at.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Accel } from '../core/manifest';
import { MultiverseRoot, findRoot } from '../core/root';

export interface Settings {
  readonly root: string;
  readonly cpus: number;
  readonly memory: string;
  readonly accel: Accel;
  readonly trace: boolean;
  readonly revealLog: boolean;
}

export function settings(folder?: vscode.WorkspaceFolder): Settings {
  const c = vscode.workspace.getConfiguration('multiverse', folder?.uri);
  return {
    root: c.get<string>('root', ''),
    cpus: c.get<number>('cpus', 1),
    memory: c.get<string>('memory', '512M'),
    accel: c.get<Accel>('accel', 'auto'),
    trace: c.get<boolean>('trace', false),
    revealLog: c.get<boolean>('revealLogOnBoot', false),
  };
}

/**
 * The checkout to use: the multiverse.root setting; else $MULTIVERSE_ROOT;
 * else one above the extension's own folder or above the workspace folder.
 */
export function locateRoot(extensionPath: string, folder: vscode.WorkspaceFolder | undefined): MultiverseRoot | undefined {
  const configured = settings(folder).root;
  if (configured) {
    const base = folder?.uri.fsPath ?? process.cwd();
    return findRoot(path.resolve(base, configured), undefined);
  }
  return findRoot(undefined, extensionPath) ?? (folder ? findRoot(undefined, folder.uri.fsPath) : undefined);
}
