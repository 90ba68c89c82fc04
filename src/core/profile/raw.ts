// raw.ts - reads the raw profile `mv-launch --profile FILE` writes (format in
// docs/profiling.md, "The raw profile"). Tolerant: unknown record types and
// comments are skipped, a malformed line becomes a warning, a file without
// its E line (launcher killed, file cut) is returned marked `truncated`.

/** Program addresses are below this; aerokernel addresses are at or above MV_KERNEL_VIRT. */
export const USER_LIMIT = 0x800000000000n;

/** The H line. Fields the launcher does not write are left undefined. */
export interface RawHeader {
  program?: string;
  kernel?: string;
  args?: string[];
  cpus?: number;
  hz?: number;
  accel?: string;
  native?: string[];
  forwarded?: string[];
  start_unix_ms?: number;
}

/** The E line. */
export interface RawEnd {
  duration_ns?: number;
  samples?: number;
  dropped?: number;
  status?: number;
}

export interface RawSample {
  cpu: number;
  /** 0 with no addresses: the vCPU was idle */
  tid: number;
  /** innermost first; [0] is the interrupted pc, the rest are return addresses */
  addrs: bigint[];
}

export interface RawForward {
  tid: number;
  nr: number;
  totalNs: number;
  hostNs: number;
  /** innermost first; all are return addresses ([0]: after the `syscall`) */
  addrs: bigint[];
}

export interface RawProfile {
  header: RawHeader;
  samples: RawSample[];
  forwarded: RawForward[];
  /** natively handled calls: number -> count */
  native: Map<number, number>;
  end?: RawEnd;
  /** no E line: the run did not end cleanly or the file was cut */
  truncated: boolean;
  /** one sentence per line that could not be used */
  warnings: string[];
}

/** A file that is not a raw profile at all. */
export class RawProfileError extends Error {
  override readonly name = 'RawProfileError';
}

const HEX = /^[0-9a-f]{1,16}$/;
const INT = /^\d+$/;

function addresses(fields: readonly string[]): bigint[] | undefined {
  const out: bigint[] = [];
  for (const f of fields) {
    if (!HEX.test(f)) return undefined;
    out.push(BigInt(`0x${f}`));
  }
  return out;
}

function ints(fields: readonly string[]): number[] | undefined {
  return fields.every((f) => INT.test(f)) ? fields.map(Number) : undefined;
}

function json(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one record into p; returns false when the line is malformed. */
function record(p: RawProfile, line: string): boolean {
  const type = line.split(' ', 1)[0]!;
  const rest = line.slice(type.length + 1);
  if (type === 'H' || type === 'E') {
    const v = json(rest);
    if (!v) return false;
    if (type === 'H') p.header = v as RawHeader;
    else p.end = v as RawEnd;
    return true;
  }
  const f = rest.split(' ');
  if (type === 'S') {
    const head = ints(f.slice(0, 2));
    const a = addresses(f.slice(2));
    if (!head || head.length < 2 || !a) return false;
    p.samples.push({ cpu: head[0]!, tid: head[1]!, addrs: a });
  } else if (type === 'F') {
    const head = ints(f.slice(0, 4));
    const a = addresses(f.slice(4));
    if (!head || head.length < 4 || !a) return false;
    p.forwarded.push({ tid: head[0]!, nr: head[1]!, totalNs: head[2]!, hostNs: head[3]!, addrs: a });
  } else if (type === 'N') {
    const v = ints(f);
    if (!v || v.length !== 2) return false;
    p.native.set(v[0]!, (p.native.get(v[0]!) ?? 0) + v[1]!);
  }
  // Any other type: a record of a later format version, ignored.
  return true;
}

/**
 * Parses the text of a raw profile. Throws RawProfileError when the first
 * line is not "mvprof 1". A last line without its newline (a cut file) is
 * dropped unless it is the E line.
 */
export function parseRawProfile(text: string): RawProfile {
  const lines = text.split('\n');
  let last = lines.pop() ?? '';
  if (lines.length === 0) {
    if (last === '') throw new RawProfileError('the raw profile is empty (the launcher wrote nothing)');
    lines.push(last);
    last = '';
  }
  const first = lines[0]!;
  if (first !== 'mvprof 1') {
    const what = /^mvprof \d+$/.test(first) ? `a raw profile of another version (${first})` : 'not a raw profile';
    throw new RawProfileError(`${what}: the first line is "${first.slice(0, 40)}", not "mvprof 1"`);
  }
  const p: RawProfile = { header: {}, samples: [], forwarded: [], native: new Map(), truncated: false, warnings: [] };
  let bad = 0;
  const consider = (line: string, n: number): void => {
    if (line === '' || line.startsWith('#')) return;
    if (p.end) {
      p.warnings.push(`line ${n}: a record after the E line, ignored`);
      return;
    }
    if (!record(p, line) && bad++ < 5) p.warnings.push(`line ${n}: malformed record ignored: ${line.slice(0, 80)}`);
  };
  lines.slice(1).forEach((l, i) => consider(l, i + 2));
  if (last !== '') {
    if (last.startsWith('E ') && json(last.slice(2))) consider(last, lines.length + 1);
    else p.warnings.push(`line ${lines.length + 1}: cut short (no newline), ignored`);
  }
  if (bad > 5) p.warnings.push(`${bad - 5} more malformed records ignored`);
  if (!p.end) {
    p.truncated = true;
    p.warnings.push('the raw profile has no E line: the run did not end cleanly; the profile holds what was written until then');
  }
  return p;
}
