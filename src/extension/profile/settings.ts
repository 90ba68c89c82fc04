// settings.ts - the multiverse.profile.* settings.

import * as vscode from 'vscode';

export type Rerun = 'ask' | 'always' | 'never';

export interface ProfileSettings {
  /** samples per second per vCPU; 0: the launcher's default */
  readonly rate: number;
  /** percent of program samples a line needs for gutter heat */
  readonly heatThreshold: number;
  /** percent of program samples a function needs for its code lens */
  readonly lensThreshold: number;
  readonly showHeat: boolean;
  /** rebuild (Hybridize) before each Profile */
  readonly hybridize: boolean;
  readonly rerunAfterPlacement: Rerun;
}

export function profileSettings(scope?: vscode.Uri): ProfileSettings {
  const c = vscode.workspace.getConfiguration('multiverse.profile', scope);
  return {
    rate: Math.max(0, Math.round(c.get<number>('rate', 0))),
    heatThreshold: Math.max(0, c.get<number>('heatThreshold', 1)),
    lensThreshold: Math.max(0, c.get<number>('lensThreshold', 2)),
    showHeat: c.get<boolean>('showHeat', true),
    hybridize: c.get<boolean>('hybridize', true),
    rerunAfterPlacement: c.get<Rerun>('rerunAfterPlacement', 'ask'),
  };
}

/** Whether a configuration change touches these settings. */
export function affectsProfileSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('multiverse.profile');
}
