// hotspots.ts - the Hotspots tree view: program functions by samples,
// forwarded call sites by cost (with the before/after delta), natively
// handled calls; clicking an entry opens its source line.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ForwardSite, Profile } from '../../core/profile/types';
import { placeableCalls } from '../../core/root';
import { SiteDelta, canMove, formatCount, formatNs, formatPct, programSamples, siteChanged, siteDeltaText, sitesByCost } from './model';
import { ProfileStore } from './store';

export const HOTSPOTS_VIEW = 'multiverse.hotspots';

type Node =
  | { kind: 'group'; id: 'functions' | 'sites' | 'native'; label: string; count: number }
  | { kind: 'function'; name: string; file?: string; line?: number; self: number; total: number; kernel: boolean }
  | { kind: 'site'; site: ForwardSite }
  | { kind: 'gone'; delta: SiteDelta }
  | { kind: 'native'; syscall: string; count: number };

const MAX_FUNCTIONS = 50;

export class HotspotsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ProfileStore) {
    this.subscription = store.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    const p = this.store.current?.profile;
    if (!p) return [];
    if (!node) {
      const fns = p.functions.filter((f) => f.self > 0);
      return [
        { kind: 'group', id: 'functions', label: 'Functions by samples', count: fns.length },
        { kind: 'group', id: 'sites', label: 'Forwarded calls by cost', count: this.getChildren({ kind: 'group', id: 'sites', label: '', count: 0 }).length },
        { kind: 'group', id: 'native', label: 'Calls handled in kernel mode', count: p.native.length },
      ];
    }
    if (node.kind !== 'group') return [];
    if (node.id === 'functions') {
      return [...p.functions]
        .filter((f) => f.self > 0)
        .sort((a, b) => b.self - a.self || b.total - a.total)
        .slice(0, MAX_FUNCTIONS)
        .map((f) => ({ kind: 'function', name: f.function, file: f.file, line: f.line ?? f.firstLine, self: f.self, total: f.total, kernel: f.kernel }));
    }
    if (node.id === 'sites') {
      // Sites of the previous run that no longer forward (moved into kernel mode) stay listed with their delta.
      const gone = (this.store.changes?.sites ?? []).filter((d) => d.after.count === 0 && d.before.count > 0);
      return [...sitesByCost(p).map((site): Node => ({ kind: 'site', site })), ...gone.map((delta): Node => ({ kind: 'gone', delta }))];
    }
    return [...p.native].sort((a, b) => b.count - a.count).map((s) => ({ kind: 'native', syscall: s.syscall, count: s.count }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const p = this.store.current!.profile;
    switch (node.kind) {
      case 'group': {
        const item = new vscode.TreeItem(node.label, node.count > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.description = node.count > 0 ? String(node.count) : 'none';
        item.id = `group:${node.id}`;
        return item;
      }
      case 'function':
        return this.functionItem(p, node);
      case 'site':
        return this.siteItem(p, node.site);
      case 'gone': {
        const d = node.delta;
        const item = new vscode.TreeItem(`${d.syscall} × 0`);
        item.description = `${siteDeltaText(d)} · ${d.file ? `${path.basename(d.file)}:${d.line ?? '?'}` : 'no line info'}`;
        item.tooltip = `${d.syscall} from ${d.function}: no longer forwarded (${d.native ? 'handled in kernel mode' : 'not called'})`;
        item.iconPath = new vscode.ThemeIcon('zap');
        item.command = openCommand(d.file, d.line);
        return item;
      }
      case 'native': {
        const item = new vscode.TreeItem(node.syscall);
        item.description = `${formatCount(node.count)} call${node.count === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('zap');
        return item;
      }
    }
  }

  private functionItem(p: Profile, f: Extract<Node, { kind: 'function' }>): vscode.TreeItem {
    const total = programSamples(p) + (f.kernel ? p.samples.kernel : 0);
    const item = new vscode.TreeItem(f.name);
    item.description = `${formatPct((100 * f.self) / Math.max(1, total))} self · ${formatCount(f.self)} samples${f.kernel ? ' · aerokernel' : ''}`;
    item.tooltip = `${f.name}: ${formatCount(f.self)} samples innermost, ${formatCount(f.total)} on the stack${f.file ? `\n${f.file}:${f.line ?? ''}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(f.kernel ? 'server-process' : 'symbol-function');
    item.contextValue = 'multiverse.function';
    item.command = openCommand(f.file, f.line);
    return item;
  }

  private siteItem(p: Profile, s: ForwardSite): vscode.TreeItem {
    const where = s.site.file ? `${path.basename(s.site.file)}:${s.site.line ?? '?'}` : 'no line info';
    const item = new vscode.TreeItem(`${s.syscall} × ${formatCount(s.count)}`);
    const delta = this.store.changes?.sites.find((d) => d.syscall === s.syscall && d.function === s.site.function && d.line === s.site.line);
    item.description = delta && siteChanged(delta) ? `${siteDeltaText(delta)} · ${where}` : `${formatNs(s.totalNs)} · ${s.site.function} · ${where}`;
    item.tooltip = `${s.syscall} from ${s.site.function} (${where}): ${formatCount(s.count)} forwarded calls, ` +
      `${formatNs(s.totalNs)} (channel ${formatNs(s.channelNs)}, host ${formatNs(s.hostNs)})`;
    item.iconPath = new vscode.ThemeIcon('arrow-swap');
    item.contextValue = canMove(p, s.syscall, placeableCalls()) ? 'multiverse.site.movable' : 'multiverse.site';
    item.command = openCommand(s.site.file, s.site.line);
    return item;
  }

  /** The system call of a site node (for the view's inline "Move into kernel mode"). */
  static syscallOf(node: unknown): string | undefined {
    const n = node as Node | undefined;
    return n?.kind === 'site' ? n.site.syscall : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function openCommand(file: string | undefined, line: number | undefined): vscode.Command | undefined {
  if (!file || !path.isAbsolute(file) || !existsSync(file)) return undefined;
  const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  return { title: 'Open', command: 'vscode.open', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(pos, pos) }] };
}
