// flame.ts - the flame graph webview of the current profile (an icicle of
// the sampled stacks, drawn by media/flame.js). Local assets only, a strict
// Content-Security-Policy with a nonce; clicking "Open source" in the panel
// opens the frame's line.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { flameTree, formatCount, summaryText } from './model';
import { ProfileStore } from './store';

export class FlameGraph implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: ProfileStore,
  ) {
    this.subscription = store.onDidChange(() => this.post());
  }

  show(): void {
    if (!this.store.current) {
      void vscode.window.showInformationMessage('Multiverse: no profile yet: run Multiverse: Profile first.');
      return;
    }
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.post();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('multiverse.flameGraph', 'Multiverse: Flame Graph', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: true,
    });
    this.panel = panel;
    panel.webview.html = this.html(panel.webview, media);
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage((m: unknown) => this.received(m));
  }

  private post(): void {
    const run = this.store.current;
    if (!this.panel || !run) return;
    const p = run.profile;
    const title = `${path.basename(p.program)} · ${summaryText(p)} · ${formatCount(p.rateHz)} Hz`;
    void this.panel.webview.postMessage({ type: 'profile', title, tree: flameTree(p) });
  }

  private received(m: unknown): void {
    const msg = m as { type?: string; file?: unknown; line?: unknown };
    if (msg.type === 'ready') {
      this.post();
    } else if (msg.type === 'open' && typeof msg.file === 'string' && path.isAbsolute(msg.file) && existsSync(msg.file)) {
      const line = typeof msg.line === 'number' ? Math.max(0, msg.line - 1) : 0;
      const pos = new vscode.Position(line, 0);
      void vscode.window.showTextDocument(vscode.Uri.file(msg.file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
    }
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.css'));
    const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.js'));
    const csp = `default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}'; img-src ${webview.cspSource};`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>Multiverse: Flame Graph</title>
</head>
<body>
<header>
  <div id="title">Waiting for the profile…</div>
  <div id="details"></div>
  <div class="buttons"><button id="reset" disabled>Reset zoom</button><button id="open" disabled>Open source</button></div>
</header>
<div id="graph" role="tree" aria-label="Flame graph of the sampled stacks"></div>
<footer>Outermost frame at the top; width = samples. Click a frame to zoom; <span class="legend program">program</span> <span class="legend kernel">aerokernel</span></footer>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
