// symbolize.ts - addresses to function, file and line with binutils: `nm` for
// the function symbols of an ELF (entry addresses, the fallback name), then
// ONE `addr2line -f -i -C -a -e ELF` process per ELF for every distinct
// address of that ELF (fed on stdin). Inlined frames (-i) are kept as frames
// of their own, innermost first, marked `inlined`, so that a sample in an
// inlined helper lands on the helper's line and the caller's line alike.

import { spawn } from 'node:child_process';
import { posix } from 'node:path';

/** One source frame of an address; several when functions were inlined. */
export interface SourceFrame {
  function: string;
  /** absent when the debug information has no line for the address */
  file?: string;
  line?: number;
  /** a function inlined into the next frame of the same address */
  inlined: boolean;
}

export interface ElfSymbols {
  /** query address -> its frames, innermost (most inlined) first; never empty */
  frames: Map<bigint, SourceFrame[]>;
  /** function name -> where it starts (the line of its entry address) */
  entries: Map<string, { file?: string; line?: number }>;
  warnings: string[];
}

interface FunctionSymbol {
  addr: bigint;
  size: bigint;
  name: string;
}

/** Runs a binutils tool; resolves with stdout, rejects with a message that says what to install. */
function tool(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdin.on('error', () => undefined);
    child.once('error', (e) => reject(new Error(`cannot run ${cmd} (${e.message}): install binutils (apt-get install binutils)`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} failed with status ${code}: ${err.trim().split('\n')[0] ?? ''}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** The function symbols of ELF (nm types T, t, W), sorted by address. */
async function functionSymbols(elf: string): Promise<FunctionSymbol[]> {
  const text = await tool('nm', ['-C', '-S', '--defined-only', elf]);
  const out: FunctionSymbol[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?([TtWw]) (.+)$/.exec(line);
    if (m) out.push({ addr: BigInt(`0x${m[1]}`), size: m[2] ? BigInt(`0x${m[2]}`) : 0n, name: m[4]! });
  }
  return out.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

/** The symbol holding ADDR (within its size when nm gave one), by binary search. */
function containing(syms: readonly FunctionSymbol[], addr: bigint): FunctionSymbol | undefined {
  let lo = 0;
  let hi = syms.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (syms[mid]!.addr <= addr) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const s = best >= 0 ? syms[best]! : undefined;
  if (!s || (s.size > 0n && addr >= s.addr + s.size)) return undefined;
  return s;
}

/** "file:line", "file:line (discriminator N)", "??:?", "??:0" -> file and line when known. */
function parseWhere(text: string): { file?: string; line?: number } {
  const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(text);
  if (!m) return {};
  const line = m[2] === '?' ? 0 : Number(m[2]);
  if (line <= 0 || m[1] === '??') return {};
  // "/dir/./arch/x.h" (a path the compiler was given as ./arch/x.h) -> "/dir/arch/x.h"
  const file = m[1]!.startsWith('/') ? posix.normalize(m[1]!) : m[1]!;
  return { file, line };
}

/**
 * Parses `addr2line -f -i -a` output: per address a "0x..." line, then
 * (function, where) pairs, innermost first. Returns the frames per address,
 * in the order of the output.
 */
export function parseAddr2line(text: string): Array<{ addr: bigint; frames: Array<{ function: string; file?: string; line?: number }> }> {
  const out: Array<{ addr: bigint; frames: Array<{ function: string; file?: string; line?: number }> }> = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const head = lines[i]!;
    if (!/^0x[0-9a-f]+$/.test(head)) {
      i++;
      continue;
    }
    const cur = { addr: BigInt(head), frames: [] as Array<{ function: string; file?: string; line?: number }> };
    i++;
    while (i + 1 < lines.length && !/^0x[0-9a-f]+$/.test(lines[i]!)) {
      cur.frames.push({ function: lines[i]!, ...parseWhere(lines[i + 1]!) });
      i += 2;
    }
    out.push(cur);
  }
  return out;
}

const hex = (a: bigint): string => `0x${a.toString(16)}`;

/**
 * Symbolizes ADDRS (query addresses: a return address must already be
 * address - 1) in ELF. Never throws: a missing tool or ELF gives hex names and
 * a warning.
 */
export async function symbolizeElf(elf: string, addrs: Iterable<bigint>): Promise<ElfSymbols> {
  const res: ElfSymbols = { frames: new Map(), entries: new Map(), warnings: [] };
  const wanted = [...new Set(addrs)];
  let syms: FunctionSymbol[] = [];
  try {
    syms = await functionSymbols(elf);
  } catch (e) {
    res.warnings.push(`no symbols for ${elf}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Entry addresses of the functions that hold the wanted addresses go in
  // the same batch: their line is where the function starts.
  const entries = new Map<bigint, string>();
  for (const a of wanted) {
    const s = containing(syms, a);
    if (s) entries.set(s.addr, s.name);
  }
  const batch = [...new Set([...wanted, ...entries.keys()])];
  let parsed: ReturnType<typeof parseAddr2line> = [];
  if (batch.length > 0) {
    try {
      parsed = parseAddr2line(await tool('addr2line', ['-f', '-i', '-C', '-a', '-e', elf], batch.map(hex).join('\n') + '\n'));
    } catch (e) {
      res.warnings.push(`no line information for ${elf}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const byAddr = new Map(parsed.map((p) => [p.addr, p.frames] as const));
  for (const [addr, name] of entries) {
    const f = byAddr.get(addr)?.at(-1);
    if (f && f.line !== undefined && !res.entries.has(name)) res.entries.set(name, { file: f.file, line: f.line });
  }
  for (const a of wanted) {
    const got = byAddr.get(a) ?? [];
    const frames: SourceFrame[] = got.map((f, i) => ({ ...f, inlined: i < got.length - 1 }));
    const sym = containing(syms, a);
    for (const f of frames) if (f.function === '??') f.function = sym?.name ?? hex(a);
    res.frames.set(a, frames.length > 0 ? frames : [{ function: sym?.name ?? hex(a), inlined: false }]);
  }
  return res;
}
