// statusBar.ts - the status bar item shown while a hybrid runs: vCPUs,
// accelerator, elapsed time and forwarded calls per second.

import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { parseStats } from '../core/run';

/** "m:ss" (or "h:mm:ss") for a duration. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** "950", "12.3k", "1.2M" per second. */
export function formatRate(perSecond: number): string {
  if (perSecond < 1000) return `${Math.round(perSecond)}`;
  if (perSecond < 1e6) return `${(perSecond / 1000).toFixed(1)}k`;
  return `${(perSecond / 1e6).toFixed(1)}M`;
}

export interface RunInfo {
  readonly program: string;
  readonly cpus: number;
  readonly accel: 'kvm' | 'tcg';
  readonly started: number;
  readonly statsFile?: string;
}

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('multiverse.run', vscode.StatusBarAlignment.Left, 50);
  private timer: NodeJS.Timeout | undefined;
  private run: RunInfo | undefined;
  private last: { t: number; forwarded: number } | undefined;
  private rate: number | undefined;

  constructor() {
    this.item.name = 'Multiverse: running hybrid';
    this.item.command = 'multiverse.showLog';
  }

  start(run: RunInfo): void {
    this.stop();
    this.run = run;
    this.last = undefined;
    this.rate = undefined;
    this.render();
    this.item.show();
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.run = undefined;
    this.item.hide();
  }

  dispose(): void {
    this.stop();
    this.item.dispose();
  }

  private async tick(): Promise<void> {
    const run = this.run;
    if (!run) return;
    if (run.statsFile) {
      const stats = parseStats(await readFile(run.statsFile, 'utf8').catch(() => ''));
      if (stats) {
        const now = Date.now();
        if (this.last && now > this.last.t) this.rate = ((stats.forwarded - this.last.forwarded) * 1000) / (now - this.last.t);
        this.last = { t: now, forwarded: stats.forwarded };
      }
    }
    if (this.run === run) this.render();
  }

  private render(): void {
    const run = this.run;
    if (!run) return;
    const parts = [
      `${run.cpus} vCPU${run.cpus === 1 ? '' : 's'}`,
      run.accel.toUpperCase(),
      formatElapsed(Date.now() - run.started),
    ];
    if (this.rate !== undefined) parts.push(`${formatRate(this.rate)} fwd/s`);
    this.item.text = `$(vm-running) ${parts.join(' · ')}`;
    this.item.tooltip = `Multiverse: ${run.program} is running as a hybrid. Click for the HRT log; "Multiverse: Stop" ends it.`;
  }
}
