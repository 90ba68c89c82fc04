// aggregate.ts - a raw profile plus symbols -> the Profile of types.ts:
// frames, stacks, functions (self / total), lines (self), forwarded sites per
// (system call, first program frame with a source line, C library frames
// passed over), per-call totals and native counts. Pure: symbolization is
// done before (symbolize.ts).

import { syscallByNr } from '../generated/abi';
import { libraryMatcher } from '../libc';
import { USER_LIMIT, type RawProfile } from './raw';
import type { ElfSymbols, SourceFrame } from './symbolize';
import type { ForwardSite, Frame, FunctionStat, LineStat, Location, Profile, SyscallStat } from './types';

/** What the raw file does not say (or says wrongly) and the run knows. */
export interface ProfileContext {
  program?: string;
  args?: string[];
  kernel?: string;
  /** exit status when the raw file has no E line */
  exitStatus?: number;
  /** folders of C library sources (besides the system's, libc.ts):
   * frames in them are marked `library` */
  libraryDirs?: string[];
}

export interface Symbols {
  program: ElfSymbols;
  kernel: ElfSymbols;
}

/** The address to look up for address I of a chain: return addresses at addr - 1 (the call's line). */
export function queryAddress(addr: bigint, returnAddress: boolean): bigint {
  return returnAddress && addr > 0n ? addr - 1n : addr;
}

export const isKernelAddress = (a: bigint): boolean => a >= USER_LIMIT;

/** The query addresses of RAW, split by ELF. S: [0] exact, the rest return addresses; F: all return addresses. */
export function queryAddresses(raw: RawProfile): { program: Set<bigint>; kernel: Set<bigint> } {
  const out = { program: new Set<bigint>(), kernel: new Set<bigint>() };
  const add = (a: bigint, ret: boolean): void => void (isKernelAddress(a) ? out.kernel : out.program).add(queryAddress(a, ret));
  for (const s of raw.samples) s.addrs.forEach((a, i) => add(a, i > 0));
  for (const f of raw.forwarded) f.addrs.forEach((a) => add(a, true));
  return out;
}

const syscallName = (nr: number): string => syscallByNr(nr)?.name ?? `syscall_${nr}`;
const fnKey = (kernel: boolean, fn: string, file: string | undefined): string => `${kernel ? 'k' : 'p'}|${fn}|${file ?? ''}`;

/** The aerokernel function that posts a forwarded call and waits for its reply. */
export const FORWARD_WAIT = 'fwd_request';

/** Interns frames: one index per distinct (kernel, function, file, line, inlined). */
class FrameTable {
  readonly frames: Frame[] = [];
  private readonly index = new Map<string, number>();

  private readonly isLibrary: (file: string | undefined) => boolean;

  constructor(
    private readonly syms: Symbols,
    libraryDirs: readonly string[] = [],
  ) {
    this.isLibrary = libraryMatcher(libraryDirs);
  }

  /** The frame indexes of one raw chain, innermost first, inlined frames
   * expanded; a wait in fwd_request is one frame (FORWARD_WAIT). */
  chain(addrs: readonly bigint[], allReturn: boolean): number[] {
    const src: Array<{ f: SourceFrame; kernel: boolean }> = [];
    addrs.forEach((a, i) => {
      const kernel = isKernelAddress(a);
      const q = queryAddress(a, allReturn || i > 0);
      const frames = (kernel ? this.syms.kernel : this.syms.program).frames.get(q) ?? [{ function: `0x${a.toString(16)}`, inlined: false }];
      for (const f of frames) src.push({ f, kernel });
    });
    // the kernel waiting for a forwarded call's reply: what it calls while
    // waiting (the spin, the clock reads, the halt) is time of the wait itself
    const wait = src.findIndex((x) => x.kernel && x.f.function === FORWARD_WAIT && !x.f.inlined);
    return src.slice(wait > 0 ? wait : 0).map((x) => this.intern(x.f, x.kernel));
  }

  private intern(f: SourceFrame, kernel: boolean): number {
    const key = `${kernel ? 'k' : 'p'}|${f.function}|${f.file ?? ''}|${f.line ?? 0}|${f.inlined ? 1 : 0}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.frames.length;
      const fr: Frame = { function: f.function, kernel };
      if (f.file !== undefined) fr.file = f.file;
      if (f.line !== undefined) fr.line = f.line;
      if (f.inlined) fr.inlined = true;
      if (!kernel && this.isLibrary(f.file)) fr.library = true;
      this.frames.push(fr);
      this.index.set(key, i);
    }
    return i;
  }
}

interface SampleTotals {
  functions: Map<string, FunctionStat>;
  lines: Map<string, LineStat>;
  stacks: Array<{ frames: number[]; count: number }>;
  counts: { total: number; program: number; kernel: number; idle: number };
}

function aggregateSamples(raw: RawProfile, table: FrameTable, syms: Symbols): SampleTotals {
  const functions = new Map<string, FunctionStat>();
  const lines = new Map<string, LineStat>();
  const stacks = new Map<string, { frames: number[]; count: number }>();
  const counts = { total: 0, program: 0, kernel: 0, idle: 0 };
  const fn = (f: Frame): FunctionStat => {
    const key = fnKey(f.kernel, f.function, f.file);
    let s = functions.get(key);
    if (!s) {
      const entry = (f.kernel ? syms.kernel : syms.program).entries.get(f.function);
      s = { function: f.function, kernel: f.kernel, self: 0, total: 0 };
      const file = entry?.file ?? f.file;
      if (file !== undefined) s.file = file;
      if (entry?.line !== undefined && (f.file === undefined || entry.file === f.file)) s.line = entry.line;
      functions.set(key, s);
    }
    return s;
  };
  for (const s of raw.samples) {
    counts.total++;
    if (s.addrs.length === 0) {
      if (s.tid === 0) counts.idle++;
      else counts.kernel++; // a thread's sample without a chain: nothing to attribute
      continue;
    }
    if (isKernelAddress(s.addrs[0]!)) counts.kernel++;
    else counts.program++;
    const chain = table.chain(s.addrs, false);
    const key = chain.join(',');
    const st = stacks.get(key);
    if (st) st.count++;
    else stacks.set(key, { frames: chain, count: 1 });
    const frames = chain.map((i) => table.frames[i]!);
    fn(frames[0]!).self++;
    const seen = new Set<FunctionStat>();
    for (const f of frames) {
      const stat = fn(f);
      seen.add(stat);
      if (f.line !== undefined && f.file === stat.file) {
        stat.firstLine = Math.min(stat.firstLine ?? f.line, f.line);
        stat.lastLine = Math.max(stat.lastLine ?? f.line, f.line);
      }
    }
    for (const stat of seen) stat.total++;
    const hasLine = (f: Frame): boolean => f.line !== undefined && f.file !== undefined;
    const withLine = frames.find((f) => hasLine(f) && !f.library) ?? frames.find(hasLine);
    if (withLine) {
      const lk = `${withLine.file}:${withLine.line}`;
      const l = lines.get(lk) ?? { file: withLine.file!, line: withLine.line!, function: withLine.function, self: 0 };
      l.self++;
      lines.set(lk, l);
    }
  }
  return { functions, lines, stacks: [...stacks.values()], counts };
}

function aggregateForwarded(raw: RawProfile, table: FrameTable): { sites: ForwardSite[]; bySyscall: SyscallStat[] } {
  const sites = new Map<string, ForwardSite>();
  const calls = new Map<number, SyscallStat>();
  for (const f of raw.forwarded) {
    const chain = table.chain(f.addrs, true);
    // the site: the first frame of the program's own code with a line, else
    // of library code with a line, else the innermost
    const programLine = (lib: boolean) => (i: number): boolean => {
      const fr = table.frames[i]!;
      return !fr.kernel && fr.line !== undefined && (lib || !fr.library);
    };
    let at = chain.findIndex(programLine(false));
    if (at < 0) at = chain.findIndex(programLine(true));
    if (at < 0) at = 0;
    const fr: Location = chain.length > 0 ? table.frames[chain[at]!]! : { function: '[unknown]' };
    const site: Location = { function: fr.function };
    if (fr.file !== undefined) site.file = fr.file;
    if (fr.line !== undefined) site.line = fr.line;
    const name = syscallName(f.nr);
    const key = `${f.nr}|${site.function}|${site.file ?? ''}|${site.line ?? 0}`;
    const channel = Math.max(0, f.totalNs - f.hostNs);
    let s = sites.get(key);
    if (!s) {
      s = { syscall: name, nr: f.nr, site, count: 0, totalNs: 0, channelNs: 0, hostNs: 0, chain: chain.slice(at) };
      sites.set(key, s);
    }
    s.count++;
    s.totalNs += f.totalNs;
    s.hostNs += f.hostNs;
    s.channelNs += channel;
    const c = calls.get(f.nr) ?? { syscall: name, nr: f.nr, count: 0, totalNs: 0, channelNs: 0, hostNs: 0 };
    c.count++;
    c.totalNs += f.totalNs;
    c.hostNs += f.hostNs;
    c.channelNs += channel;
    calls.set(f.nr, c);
  }
  const byCost = (a: { totalNs: number; count: number }, b: { totalNs: number; count: number }): number => b.totalNs - a.totalNs || b.count - a.count;
  return { sites: [...sites.values()].sort(byCost), bySyscall: [...calls.values()].sort(byCost) };
}

/** Builds the profile of RAW with SYMS (from symbolizeElf on its query addresses). */
export function buildProfile(raw: RawProfile, syms: Symbols, ctx: ProfileContext = {}): Profile {
  const h = raw.header;
  const table = new FrameTable(syms, ctx.libraryDirs);
  const s = aggregateSamples(raw, table, syms);
  const forwarded = aggregateForwarded(raw, table);
  const native: SyscallStat[] = [...raw.native]
    .map(([nr, count]) => ({ syscall: syscallName(nr), nr, count, totalNs: 0, channelNs: 0, hostNs: 0 }))
    .sort((a, b) => b.count - a.count || a.nr - b.nr);
  const warnings = [...raw.warnings, ...syms.program.warnings, ...syms.kernel.warnings];
  const p: Profile = {
    format: 'multiverse-profile',
    version: 1,
    program: h.program ?? ctx.program ?? '',
    args: h.args ?? ctx.args ?? [],
    kernel: h.kernel ?? ctx.kernel ?? '',
    startedAt: new Date(h.start_unix_ms ?? Date.now()).toISOString(),
    durationMs: (raw.end?.duration_ns ?? 0) / 1e6,
    exitStatus: raw.end?.status ?? ctx.exitStatus ?? -1,
    cpus: h.cpus ?? 1,
    accel: h.accel ?? '',
    rateHz: h.hz ?? 0,
    placement: { native: h.native ?? [], forwarded: h.forwarded ?? [] },
    samples: { ...s.counts, dropped: raw.end?.dropped ?? 0 },
    frames: table.frames,
    stacks: s.stacks.sort((a, b) => b.count - a.count),
    functions: [...s.functions.values()].sort((a, b) => b.self - a.self || b.total - a.total || a.function.localeCompare(b.function)),
    lines: [...s.lines.values()].sort((a, b) => b.self - a.self || a.file.localeCompare(b.file) || a.line - b.line),
    forwarded,
    native,
  };
  if (raw.truncated) p.partial = true;
  if (warnings.length > 0) p.warnings = warnings;
  return p;
}
