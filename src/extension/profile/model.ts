// model.ts - what the editor shows of a profile, computed without VS Code:
// heat levels of source lines, the text of the code lenses, hotspot lists and
// the before/after delta of two runs. Pure functions over the Profile type.

import * as path from 'node:path';
import type { ForwardSite, FunctionStat, Profile } from '../../core/profile/types';

/** 0: not hot; 1..HEAT_LEVELS: hotter and hotter. */
export type HeatLevel = 0 | 1 | 2 | 3 | 4;
export const HEAT_LEVELS = 4;

/**
 * Heat level of a line with SELF samples, where the hottest line has MAX and
 * the program TOTAL: 0 below THRESHOLD percent of TOTAL, else 1..4 by
 * quarters of MAX (the hottest line is always 4).
 */
export function heatLevel(self: number, max: number, total: number, thresholdPct: number): HeatLevel {
  if (self <= 0 || max <= 0 || total <= 0) return 0;
  if ((100 * self) / total < thresholdPct) return 0;
  return Math.min(HEAT_LEVELS, Math.max(1, Math.ceil((HEAT_LEVELS * self) / max))) as HeatLevel;
}

/** True when FILE (a document's path) is the source file WANTED named by the debug information. */
export function sameFile(wanted: string, file: string): boolean {
  const a = path.normalize(wanted);
  const b = path.normalize(file);
  if (a === b) return true;
  // A relative name (or a build in another folder): match the longest tail.
  const rel = path.isAbsolute(a) ? undefined : a;
  if (rel) return b === rel || b.endsWith(path.sep + rel);
  return false;
}

export interface LineHeat {
  /** 1-based */
  readonly line: number;
  readonly level: HeatLevel;
  readonly self: number;
  /** percent of the program's samples */
  readonly share: number;
  readonly function: string;
}

/** The sampled lines of FILE with their heat, hottest first; lines below the threshold are left out. */
export function linesOf(profile: Profile, file: string, thresholdPct: number): LineHeat[] {
  const total = programSamples(profile);
  const max = Math.max(0, ...profile.lines.map((l) => l.self));
  return profile.lines
    .filter((l) => sameFile(l.file, file))
    .map((l) => ({ line: l.line, self: l.self, function: l.function, share: pct(l.self, total), level: heatLevel(l.self, max, total, thresholdPct) }))
    .filter((l) => l.level > 0)
    .sort((a, b) => b.self - a.self);
}

/** Samples in program code (the base of every share the editor shows). */
export function programSamples(profile: Profile): number {
  return profile.samples.program > 0 ? profile.samples.program : profile.samples.total - profile.samples.idle;
}

function pct(n: number, total: number): number {
  return total > 0 ? (100 * n) / total : 0;
}

/** "2,000" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "850 ns", "3.4 µs", "3.1 ms", "1.25 s". */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** "85%", "3.1%", "0.4%". */
export function formatPct(p: number): string {
  return p >= 10 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

/** Forwarded calls whose call site lies in one function, by system call. */
export interface CallsFrom {
  readonly count: number;
  readonly totalNs: number;
  /** most costly first */
  readonly bySyscall: ReadonlyArray<{ syscall: string; count: number; totalNs: number }>;
}

export function callsFrom(profile: Profile, fn: string): CallsFrom {
  const per = new Map<string, { syscall: string; count: number; totalNs: number }>();
  let count = 0;
  let totalNs = 0;
  for (const s of profile.forwarded.sites) {
    if (s.site.function !== fn) continue;
    count += s.count;
    totalNs += s.totalNs;
    const e = per.get(s.syscall) ?? { syscall: s.syscall, count: 0, totalNs: 0 };
    e.count += s.count;
    e.totalNs += s.totalNs;
    per.set(s.syscall, e);
  }
  return { count, totalNs, bySyscall: [...per.values()].sort((a, b) => b.totalNs - a.totalNs || b.count - a.count) };
}

/** A program function worth a code lens: enough samples, or forwarded calls made from it. */
export interface HotFunction {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  /** percent of program samples with the function on the stack / innermost */
  readonly totalPct: number;
  readonly selfPct: number;
  readonly samples: number;
  readonly calls: CallsFrom;
}

/**
 * The program's functions with at least THRESHOLD percent of the samples
 * (total) or with forwarded calls, hottest first. Kernel functions are left
 * out: they have no source in the workspace.
 */
export function hotFunctions(profile: Profile, thresholdPct: number): HotFunction[] {
  const total = programSamples(profile);
  const byName = new Map<string, FunctionStat>();
  for (const f of profile.functions) if (!f.kernel) byName.set(f.function, f);
  const names = new Set<string>([...byName.keys(), ...profile.forwarded.sites.map((s) => s.site.function)]);
  const out: HotFunction[] = [];
  for (const name of names) {
    const f = byName.get(name);
    const site = profile.forwarded.sites.find((s) => s.site.function === name)?.site;
    const calls = callsFrom(profile, name);
    const h: HotFunction = {
      name,
      file: f?.file ?? site?.file,
      line: f?.line ?? f?.firstLine ?? site?.line,
      totalPct: pct(f?.total ?? 0, total),
      selfPct: pct(f?.self ?? 0, total),
      samples: f?.total ?? 0,
      calls,
    };
    if (h.totalPct >= thresholdPct || calls.count > 0) out.push(h);
  }
  return out.sort((a, b) => b.totalPct - a.totalPct || b.calls.totalNs - a.calls.totalNs);
}

/** The code lens above a hot function: "crunch: 85% of samples (self 84%) · no forwarded calls". */
export function functionLensText(h: HotFunction): string {
  const share = `${formatPct(h.totalPct)} of samples${Math.abs(h.selfPct - h.totalPct) >= 0.05 ? ` (self ${formatPct(h.selfPct)})` : ''}`;
  return `${h.name}: ${share} · ${callsText(h.calls)}`;
}

/** "no forwarded calls" or "2,000 forwarded calls, 3.4 ms (getpid 2,000, write 3)". */
export function callsText(c: CallsFrom, top = 3): string {
  if (c.count === 0) return 'no forwarded calls';
  const tops = c.bySyscall.slice(0, top).map((s) => `${s.syscall} ${formatCount(s.count)}`);
  const more = c.bySyscall.length > top ? ', …' : '';
  return `${formatCount(c.count)} forwarded call${c.count === 1 ? '' : 's'}, ${formatNs(c.totalNs)} (${tops.join(', ')}${more})`;
}

/** The code lens on a forwarded call's line: "getpid: 2,000 forwarded, 3.4 ms (channel 1.2 ms, host 2.2 ms)". */
export function siteLensText(s: ForwardSite): string {
  return `${s.syscall}: ${formatCount(s.count)} forwarded, ${formatNs(s.totalNs)} (channel ${formatNs(s.channelNs)}, host ${formatNs(s.hostNs)})`;
}

/** Forwarded call sites, most costly first. */
export function sitesByCost(profile: Profile): ForwardSite[] {
  return [...profile.forwarded.sites].sort((a, b) => b.totalNs - a.totalNs || b.count - a.count);
}

/** The forwarded sites on a line of FILE. */
export function sitesAt(profile: Profile, file: string): ForwardSite[] {
  return sitesByCost(profile).filter((s) => s.site.file !== undefined && s.site.line !== undefined && sameFile(s.site.file, file));
}

/** Whether SYSCALL can be placed in kernel mode and is not already. */
export function canMove(profile: Profile, syscall: string, placeable: readonly string[]): boolean {
  return placeable.includes(syscall) && !profile.placement.native.includes(syscall);
}

// ---- before/after ----

export interface Cost {
  readonly count: number;
  readonly totalNs: number;
}

export interface SiteDelta {
  readonly syscall: string;
  readonly function: string;
  readonly file?: string;
  readonly line?: number;
  readonly before: Cost;
  readonly after: Cost;
  /** the call is native in the later run */
  readonly native: boolean;
}

export interface FunctionDelta {
  readonly name: string;
  readonly file?: string;
  /** the function's line as the profiles give it */
  readonly line?: number;
  readonly beforePct: number;
  readonly afterPct: number;
  readonly before: Cost;
  readonly after: Cost;
}

const siteKey = (syscall: string, fn: string, line: number | undefined) => `${syscall}\u0000${fn}\u0000${line ?? ''}`;

/**
 * Per call site (system call, function, line), the forwarded cost BEFORE and
 * AFTER; sites present in either run. A site that disappeared shows 0 after.
 */
export function siteDeltas(before: Profile, after: Profile): SiteDelta[] {
  const out = new Map<string, { syscall: string; function: string; file?: string; line?: number; before: Cost; after: Cost }>();
  const add = (s: ForwardSite, which: 'before' | 'after') => {
    const key = siteKey(s.syscall, s.site.function, s.site.line);
    const e = out.get(key) ?? { syscall: s.syscall, function: s.site.function, file: s.site.file, line: s.site.line, before: zero, after: zero };
    e[which] = { count: e[which].count + s.count, totalNs: e[which].totalNs + s.totalNs };
    out.set(key, e);
  };
  before.forwarded.sites.forEach((s) => add(s, 'before'));
  after.forwarded.sites.forEach((s) => add(s, 'after'));
  return [...out.values()]
    .map((e) => ({ ...e, native: after.placement.native.includes(e.syscall) }))
    .sort((a, b) => b.before.totalNs - a.before.totalNs || b.after.totalNs - a.after.totalNs);
}

const zero: Cost = { count: 0, totalNs: 0 };

/** Per program function: share of samples and forwarded cost before and after. */
export function functionDeltas(before: Profile, after: Profile): FunctionDelta[] {
  const names = new Set<string>();
  for (const p of [before, after]) {
    for (const f of p.functions) if (!f.kernel) names.add(f.function);
    for (const s of p.forwarded.sites) names.add(s.site.function);
  }
  const share = (p: Profile, n: string) => pct(p.functions.find((f) => f.function === n && !f.kernel)?.total ?? 0, programSamples(p));
  const cost = (p: Profile, n: string): Cost => {
    const c = callsFrom(p, n);
    return { count: c.count, totalNs: c.totalNs };
  };
  const where = (n: string): { file?: string; line?: number } => {
    for (const p of [after, before]) {
      const f = p.functions.find((x) => x.function === n && !x.kernel);
      if (f?.file) return { file: f.file, line: f.line ?? f.firstLine };
      const s = p.forwarded.sites.find((x) => x.site.function === n);
      if (s?.site.file) return { file: s.site.file, line: s.site.line };
    }
    return {};
  };
  return [...names].map((name) => ({
    name,
    ...where(name),
    beforePct: share(before, name),
    afterPct: share(after, name),
    before: cost(before, name),
    after: cost(after, name),
  }));
}

/** Whether anything the editor shows changed between two runs for this site. */
export function siteChanged(d: SiteDelta): boolean {
  return d.before.count !== d.after.count;
}

/** "getpid: 2000 fwd, 3.1 ms → 0 fwd (native)" or "… → 1500 fwd, 2.0 ms". */
export function siteDeltaText(d: SiteDelta): string {
  const was = `${d.before.count} fwd, ${formatNs(d.before.totalNs)}`;
  const now = d.after.count === 0 ? `0 fwd${d.native ? ' (native)' : ''}` : `${d.after.count} fwd, ${formatNs(d.after.totalNs)}`;
  return `${d.syscall}: ${was} → ${now}`;
}

/** "ask_pid: 4.0% → 0.5% of samples · 2000 fwd, 3.1 ms → 0 fwd". */
export function functionDeltaText(d: FunctionDelta): string {
  const share = `${formatPct(d.beforePct)} → ${formatPct(d.afterPct)} of samples`;
  if (d.before.count === 0 && d.after.count === 0) return `${d.name}: ${share}`;
  const was = `${d.before.count} fwd, ${formatNs(d.before.totalNs)}`;
  const now = d.after.count === 0 ? '0 fwd' : `${d.after.count} fwd, ${formatNs(d.after.totalNs)}`;
  return `${d.name}: ${share} · ${was} → ${now}`;
}

/** Whether two profiles are runs of the same program (a delta between them makes sense). */
export function comparable(a: Profile, b: Profile): boolean {
  return path.basename(a.program) === path.basename(b.program);
}

/** Syscalls placed native in AFTER that were forwarded in BEFORE. */
export function newlyNative(before: Profile, after: Profile): string[] {
  return after.placement.native.filter((n) => !before.placement.native.includes(n));
}

/** A short one-line summary of a run, for the notification after Profile. */
export function summaryText(p: Profile): string {
  const fwd = p.forwarded.bySyscall.reduce((n, s) => n + s.count, 0);
  const fwdNs = p.forwarded.bySyscall.reduce((n, s) => n + s.totalNs, 0);
  const top = hotFunctions(p, 0).filter((f) => f.selfPct > 0).sort((a, b) => b.selfPct - a.selfPct)[0];
  const hot = top ? `, hottest ${top.name} (${formatPct(top.selfPct)} self)` : '';
  return `${formatCount(p.samples.total)} samples${hot}, ${formatCount(fwd)} forwarded calls (${formatNs(fwdNs)})`;
}

// ---- following edits ----

/** A function's lines in a source file (as src/core/csource.ts functionsIn gives them; 1-based). */
export interface FunctionRange {
  readonly name: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly nameLine: number;
}

/**
 * Where LINE of a source file as profiled (its functions BASE) is in the file
 * as it is now (functions NOW): moved with its enclosing function. undefined
 * when that function is gone; a line outside every function is kept.
 */
export function remapLine(line: number, base: readonly FunctionRange[], now: readonly FunctionRange[]): number | undefined {
  const was = base.find((f) => f.startLine <= line && line <= f.endLine);
  if (!was) return line;
  const is = now.find((f) => f.name === was.name);
  if (!is) return undefined;
  const moved = line + (is.startLine - was.startLine);
  return moved <= is.endLine ? moved : undefined;
}

// ---- flame graph ----

export interface FlameNode {
  readonly name: string;
  readonly kernel: boolean;
  file?: string;
  line?: number;
  value: number;
  readonly children: FlameNode[];
}

/**
 * The sampled stacks as a tree, outermost frame at the root's children,
 * frames of one function merged at each level, children by samples. Idle
 * samples are not part of it.
 */
export function flameTree(profile: Profile): FlameNode {
  const root: FlameNode = { name: 'all', kernel: false, value: 0, children: [] };
  for (const st of profile.stacks) {
    root.value += st.count;
    let node = root;
    for (let i = st.frames.length - 1; i >= 0; i--) {
      const f = profile.frames[st.frames[i]!];
      if (!f) continue;
      let child = node.children.find((c) => c.name === f.function && c.kernel === f.kernel);
      if (!child) {
        child = { name: f.function, kernel: f.kernel, file: f.file, line: f.line, value: 0, children: [] };
        node.children.push(child);
      }
      child.value += st.count;
      node = child;
    }
  }
  const sort = (n: FlameNode): void => {
    n.children.sort((a, b) => b.value - a.value);
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}
