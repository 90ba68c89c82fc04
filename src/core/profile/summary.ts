// summary.ts - the text `multiverse profile` prints to stderr (functions by
// samples, forwarded calls per system call with their top site, call sites by
// forwarded cost, native counts) and the JSON summary of `--json`.

import * as path from 'node:path';
import { FORWARD_WAIT } from './aggregate';
import type { Location, Profile } from './types';

/** "12.3 ms", "850 us", "2.05 s" */
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)} us`;
  return `${Math.round(ns)} ns`;
}

const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '-');

/** "file.c:12" (basename), "?" without a file. */
export function where(l: { file?: string; line?: number }): string {
  if (l.file === undefined) return '?';
  return l.line !== undefined ? `${path.basename(l.file)}:${l.line}` : path.basename(l.file);
}

function table(rows: string[][], right: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd() + '\n').join('');
}

/** Busy samples: the ones of program or kernel code (percentages are of these). */
export const busySamples = (p: Profile): number => p.samples.program + p.samples.kernel;

/** The top-N summary, plain text, one section per table. */
export function summaryText(p: Profile, top = 10): string {
  const out: string[] = [];
  const s = p.samples;
  const busy = busySamples(p);
  out.push(
    `multiverse profile: ${path.basename(p.program)} ${p.exitStatus === 0 ? 'exited with status 0' : `ended with status ${p.exitStatus}`} after ${formatNs(p.durationMs * 1e6)}; ` +
      `${s.total} samples at ${p.rateHz} Hz on ${p.cpus} vCPU${p.cpus === 1 ? '' : 's'} (program ${s.program}, kernel ${s.kernel}, idle ${s.idle}, dropped ${s.dropped})\n`,
  );
  if (p.partial) out.push('  (partial profile: the raw file has no end record)\n');
  if (busy > 0) {
    out.push(`functions by samples (% of ${busy} busy samples):\n`);
    const rows = [['self', 'total', 'function', 'where']];
    for (const f of p.functions.slice(0, top)) rows.push([pct(f.self, busy), pct(f.total, busy), f.kernel ? `${f.function} [kernel${f.function === FORWARD_WAIT ? ': waiting for forwarded calls' : ''}]` : f.function, where({ file: f.file, line: f.line ?? f.firstLine })]);
    out.push(table(rows, new Set([0, 1])));
  }
  const calls = p.forwarded.bySyscall;
  if (calls.length > 0) {
    out.push('forwarded system calls:\n');
    const rows = [['call', 'count', 'total', 'channel', 'host', 'top site']];
    for (const c of calls.slice(0, top)) {
      const site = p.forwarded.sites.find((x) => x.nr === c.nr);
      const at = site ? `${site.site.function} ${where(site.site)}` : '?';
      rows.push([c.syscall, String(c.count), formatNs(c.totalNs), formatNs(c.channelNs), formatNs(c.hostNs), at]);
    }
    out.push(table(rows, new Set([1, 2, 3, 4])));
    out.push('call sites by forwarded cost:\n');
    const srows = [['call', 'count', 'total ms', 'channel', 'host', 'site']];
    for (const x of p.forwarded.sites.slice(0, top)) {
      srows.push([x.syscall, String(x.count), (x.totalNs / 1e6).toFixed(3), pct(x.channelNs, x.totalNs), pct(x.hostNs, x.totalNs), `${x.site.function} ${where(x.site)}`]);
    }
    out.push(table(srows, new Set([1, 2, 3, 4])));
  } else out.push('forwarded system calls: none\n');
  if (p.native.length > 0) {
    out.push(`native system calls: ${p.native.slice(0, top).map((n) => `${n.syscall} ${n.count}`).join(', ')}${p.native.length > top ? ', ...' : ''}\n`);
  }
  for (const w of p.warnings ?? []) out.push(`  warning: ${w}\n`);
  return out.join('');
}

export interface JsonSummary {
  profile: string;
  speedscope: string;
  folded: string;
  exitStatus: number;
  partial: boolean;
  samples: Profile['samples'];
  functions: Array<Location & { kernel: boolean; self: number; total: number }>;
  forwarded: Array<{ syscall: string; count: number; totalNs: number; channelNs: number; hostNs: number; site?: Location }>;
  sites: Array<{ syscall: string; count: number; totalNs: number; channelNs: number; hostNs: number; site: Location }>;
  native: Array<{ syscall: string; count: number }>;
}

/** The `--json` summary (one object; paths of the files written, the top N of each table). */
export function jsonSummary(p: Profile, files: { profile: string; speedscope: string; folded: string }, top = 10): JsonSummary {
  return {
    ...files,
    exitStatus: p.exitStatus,
    partial: p.partial === true,
    samples: p.samples,
    functions: p.functions.slice(0, top).map((f) => ({ function: f.function, file: f.file, line: f.line, kernel: f.kernel, self: f.self, total: f.total })),
    forwarded: p.forwarded.bySyscall.slice(0, top).map((c) => ({
      syscall: c.syscall,
      count: c.count,
      totalNs: c.totalNs,
      channelNs: c.channelNs,
      hostNs: c.hostNs,
      site: p.forwarded.sites.find((x) => x.nr === c.nr)?.site,
    })),
    sites: p.forwarded.sites.slice(0, top).map((x) => ({ syscall: x.syscall, count: x.count, totalNs: x.totalNs, channelNs: x.channelNs, hostNs: x.hostNs, site: x.site })),
    native: p.native.map((n) => ({ syscall: n.syscall, count: n.count })),
  };
}
