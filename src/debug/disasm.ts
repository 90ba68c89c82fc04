// disasm.ts - instructions and memory for the disassembly and memory views:
// DAP disassemble (with negative instruction offsets on x86's variable-length
// code: disassemble from further back and resynchronise on the wanted
// address) and readMemory, through gdb/MI.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { list, str, type MiClient, type MiTuple, type MiValue } from './mi';

/** x86-64 instructions are at most 15 bytes; 8 per instruction is plenty on average. */
const BACK_BYTES = 8;
const MAX_INSN = 15n;

interface Insn {
  addr: bigint;
  text: DebugProtocol.DisassembledInstruction;
}

const hex = (a: bigint) => `0x${a.toString(16).padStart(16, '0')}`;

/** Flatten gdb's mode-5 answer: source lines with their instructions, or bare instructions. */
function flatten(asm: MiValue[]): Insn[] {
  const out: Insn[] = [];
  const add = (i: MiTuple, line?: MiTuple) => {
    const addr = BigInt(str(i, 'address') ?? '0');
    const fn = str(i, 'func-name');
    const file = str(line, 'fullname');
    const text: DebugProtocol.DisassembledInstruction = {
      address: hex(addr),
      instruction: str(i, 'inst') ?? '',
      instructionBytes: str(i, 'opcodes'),
      symbol: fn ? `${fn}+${str(i, 'offset') ?? '0'}` : undefined,
    };
    if (file && str(line, 'line')) {
      text.location = { name: file.split('/').pop(), path: file };
      text.line = Number(str(line, 'line'));
    }
    out.push({ addr, text });
  };
  for (const e of asm as MiTuple[]) {
    const insns = list(e, 'line_asm_insn');
    if (insns.length || str(e, 'line')) for (const i of insns as MiTuple[]) add(i, e);
    else add(e);
  }
  return out;
}

async function range(gdb: MiClient, from: bigint, to: bigint): Promise<Insn[]> {
  const r = await gdb.send(`-data-disassemble -s ${hex(from)} -e ${hex(to)} -- 5`);
  return flatten(list(r.results, 'asm_insns'));
}

/** count instructions starting instructionOffset instructions from base;
 * where memory cannot be read, placeholders marked invalid. */
export async function disassemble(gdb: MiClient, base: bigint, instructionOffset: number, count: number): Promise<DebugProtocol.DisassembledInstruction[]> {
  const before = BigInt(Math.max(0, -instructionOffset) * BACK_BYTES + 64);
  const after = BigInt(Math.max(0, instructionOffset + count)) * MAX_INSN + 16n;
  let insns: Insn[] = [];
  let at = -1;
  // a start inside an instruction decodes garbage until it falls into step
  // with the real stream; shift the start until the stream meets base
  for (let shift = 0n; shift < MAX_INSN && at < 0; shift++) {
    const from = base > before + shift ? base - before - shift : 0n;
    insns = await range(gdb, from, base + after).catch(() => []);
    at = insns.findIndex((i) => i.addr === base);
  }
  if (at < 0) {
    insns = await range(gdb, base, base + after).catch(() => []);
    at = insns.length ? 0 : -1;
  }
  if (at >= 0 && !insns[at].text.location) {
    // gdb gives source lines only when the range starts in code that has
    // them: ask again from base for the lines from there on
    const lines = new Map((await range(gdb, base, base + after).catch(() => [])).map((i) => [i.addr, i.text]));
    for (const i of insns) {
      const l = lines.get(i.addr);
      if (l?.location) Object.assign(i.text, { location: l.location, line: l.line });
    }
  }
  const out: DebugProtocol.DisassembledInstruction[] = [];
  for (let k = 0; k < count; k++) {
    const i = at < 0 ? undefined : insns[at + instructionOffset + k];
    out.push(i?.text ?? { address: hex(base), instruction: '??', presentationHint: 'invalid' });
  }
  return out;
}

/** count bytes at base as DAP readMemory wants them (base64; unreadable bytes cut the answer short). */
export async function readMemory(gdb: MiClient, base: bigint, count: number): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  try {
    const r = await gdb.send(`-data-read-memory-bytes ${hex(base)} ${count}`);
    const first = list(r.results, 'memory')[0];
    const start = BigInt(str(first, 'begin') ?? hex(base));
    const bytes = Buffer.from(str(first, 'contents') ?? '', 'hex');
    return { address: hex(start), data: bytes.toString('base64'), unreadableBytes: count - bytes.length };
  } catch {
    return { address: hex(base), unreadableBytes: count };
  }
}
