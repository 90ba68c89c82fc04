// types.ts - the profile file: what `multiverse profile` writes after a
// profiled run and what the editor reads (hotspots, code lenses, gutter heat,
// flame graph, placement deltas). Documented in docs/profiling.md; the raw
// file the launcher writes (`mv-launch --profile`) is parsed into this by
// src/core/profile/. Fields are only ever added; `version` changes when a
// field changes meaning.

/** A symbolized code location. `file` is absolute when the debug
 * information names one; lines are 1-based. */
export interface Location {
  function: string;
  file?: string;
  line?: number;
}

/** One distinct frame of the flame graph / stacks table. */
export interface Frame extends Location {
  /** true for aerokernel code, false for the program's own code */
  kernel: boolean;
  /** (added) true when this frame is a function inlined into the frame that
   * follows it on a stack (addr2line -i); absent otherwise */
  inlined?: boolean;
  /** (added) true for C library code (the musl that mvcc links, system
   * headers): a forwarded call's site and a sample's line are the first frame
   * that is program code proper; absent otherwise */
  library?: boolean;
}

/** Samples attributed to one function. */
export interface FunctionStat extends Location {
  kernel: boolean;
  /** samples whose innermost frame is in this function */
  self: number;
  /** samples with this function anywhere on the stack (counted once per sample) */
  total: number;
  /** first and last source line with samples (for the editor's ranges) */
  firstLine?: number;
  lastLine?: number;
}

/** Samples attributed to one source line (innermost frame with a line). */
export interface LineStat {
  file: string;
  line: number;
  function: string;
  self: number;
}

/** Forwarded calls made from one call site for one system call. */
export interface ForwardSite {
  syscall: string;
  nr: number;
  /** the first program frame with a source line on the call's chain */
  site: Location;
  count: number;
  /** round trip seen by the HRT = channel + host execution */
  totalNs: number;
  channelNs: number;
  hostNs: number;
  /** indexes into Profile.frames, innermost first */
  chain: number[];
}

/** Totals per system call (forwarded or natively handled). */
export interface SyscallStat {
  syscall: string;
  nr: number;
  count: number;
  totalNs: number;
  channelNs: number;
  hostNs: number;
}

export interface Profile {
  format: 'multiverse-profile';
  version: 1;
  program: string;
  args: string[];
  kernel: string;
  /** ISO 8601 */
  startedAt: string;
  durationMs: number;
  exitStatus: number;
  cpus: number;
  accel: string;
  rateHz: number;
  /** optional calls as placed in this run */
  placement: { native: string[]; forwarded: string[] };
  samples: { total: number; program: number; kernel: number; idle: number; dropped: number };
  /** distinct frames, referenced by index from stacks and forward sites */
  frames: Frame[];
  /** sampled stacks, innermost first, with how many samples had them */
  stacks: Array<{ frames: number[]; count: number }>;
  functions: FunctionStat[];
  lines: LineStat[];
  forwarded: { sites: ForwardSite[]; bySyscall: SyscallStat[] };
  /** natively handled calls (count only; times are 0 when not measured) */
  native: SyscallStat[];
  /** (added) true when the raw file ended before its E line (the launcher
   * was killed or the file was cut): counts are what was written until then */
  partial?: boolean;
  /** (added) what the reader or symbolizer could not use, one sentence each
   * (malformed lines, a missing ELF, addr2line failing) */
  warnings?: string[];
}
