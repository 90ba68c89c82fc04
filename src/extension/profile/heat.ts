// heat.ts - gutter heat on hot source lines: one decoration type per heat
// level (a gutter bar from media/heat-N.svg, a whole-line background and an
// overview-ruler mark in the themable colours multiverse.profile.heatN), with
// a hover giving the line's samples.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { HEAT_LEVELS, formatCount, formatPct, linesOf, remapLine } from './model';
import { profileSettings } from './settings';
import { ProfileStore, functionRanges } from './store';

export class HeatDecorations implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    extensionPath: string,
    private readonly store: ProfileStore,
  ) {
    for (let level = 1; level <= HEAT_LEVELS; level++) {
      const colour = new vscode.ThemeColor(`multiverse.profile.heat${level}`);
      this.types.push(
        vscode.window.createTextEditorDecorationType({
          gutterIconPath: vscode.Uri.file(path.join(extensionPath, 'media', `heat-${level}.svg`)),
          gutterIconSize: 'contain',
          isWholeLine: true,
          backgroundColor: colour,
          overviewRulerColor: colour,
          overviewRulerLane: vscode.OverviewRulerLane.Right,
        }),
      );
    }
    this.subscriptions.push(
      store.onDidChange(() => this.refreshAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
      vscode.workspace.onDidChangeTextDocument((e) => this.later(e.document)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('multiverse.profile')) this.refreshAll();
      }),
    );
    this.refreshAll();
  }

  refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) void this.refresh(editor);
  }

  /** Redecorates DOC's editors shortly after typing stops. */
  private later(doc: vscode.TextDocument): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      for (const e of vscode.window.visibleTextEditors) if (e.document === doc) void this.refresh(e);
    }, 300);
  }

  private async refresh(editor: vscode.TextEditor): Promise<void> {
    const doc = editor.document;
    const run = this.store.current;
    const s = profileSettings(doc.uri);
    const ranges: vscode.DecorationOptions[][] = this.types.map(() => []);
    if (run && s.showHeat && doc.uri.scheme === 'file') {
      const lines = linesOf(run.profile, doc.uri.fsPath, s.heatThreshold);
      const base = lines.length > 0 ? this.store.layoutOf(doc.uri.fsPath) : undefined;
      const now = base && base.length > 0 ? await functionRanges(doc.getText()) : undefined;
      for (const l of lines) {
        const line = base && now ? remapLine(l.line, base, now) : l.line;
        if (line === undefined || line < 1 || line > doc.lineCount) continue;
        const hover = new vscode.MarkdownString(
          `**Multiverse profile**: ${formatPct(l.share)} of program samples (${formatCount(l.self)}) in \`${l.function}\``,
        );
        ranges[l.level - 1]!.push({ range: new vscode.Range(line - 1, 0, line - 1, 0), hoverMessage: hover });
      }
    }
    this.types.forEach((t, i) => editor.setDecorations(t, ranges[i]!));
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.subscriptions.forEach((d) => d.dispose());
    this.types.forEach((t) => t.dispose());
  }
}
