// unwind.ts - the program's frames below a system call the kernel is
// serving: gdb cannot unwind through the kernel's syscall entry (entry.S has
// no CFI), so the program's registers come from the trap frame the entry
// built, and where gdb's unwinding stops in code without unwind information
// (musl's syscall wrappers), the stack is scanned for the first return
// address, right after a call, into code with line information.
import { MV_IMAGE_BASE, MV_KERNEL_VIRT } from '../core/generated/abi';
import { faultsSyscallFrame } from './faults';
import { list, str, type MiTuple } from './mi';
import type { Target } from './target';

/** One listed frame and the registers to put into the vCPU to look at it. */
export interface BelowFrame {
  f: MiTuple;
  regs: Map<string, string>;
}

const SCAN_WORDS = 128;

/** Does the code before ret end in a call instruction? (bytes = the 8 before ret) */
function callBefore(b: Buffer): boolean {
  const at = (i: number) => b[b.length + i];
  return at(-5) === 0xe8 ||                                         // call rel32
    (at(-2) === 0xff && (at(-1) & 0xf8) === 0xd0) ||                 // call *%reg
    (at(-3) === 0xff && (at(-2) & 0xf8) === 0x50) ||                 // call *d8(%reg)
    (at(-6) === 0xff && (at(-5) === 0x15 || (at(-5) & 0xf8) === 0x90)); // call *d32(...)
}

async function readBytes(t: Target, thread: number, addr: bigint, n: number): Promise<Buffer> {
  const r = await t.gdb.send(`-data-read-memory-bytes --thread ${thread} 0x${addr.toString(16)} ${n}`);
  return Buffer.from(str(list(r.results, 'memory')[0], 'contents') ?? '', 'hex');
}

/** Has the code at addr line information? */
async function hasLine(t: Target, thread: number, addr: bigint): Promise<boolean> {
  const r = await t.gdb.send(`-data-disassemble --thread ${thread} -s 0x${addr.toString(16)} -e 0x${(addr + 1n).toString(16)} -- 4`);
  return list(r.results, 'asm_insns').some((l) => str(l, 'line') !== undefined);
}

/** The frames of the program that made the system call this vCPU's kernel
 * code serves; listFrames lists gdb's frames for the vCPU's registers. */
export async function framesBelowSyscall(t: Target, thread: number, listFrames: () => Promise<MiTuple[]>): Promise<BelowFrame[]> {
  const regs = await faultsSyscallFrame(t, thread);
  const first = (await t.withRegisters(thread, regs, listFrames)).map((f) => ({ f, regs }));
  const last = first[first.length - 1]?.f;
  if (last && str(last, 'fullname')) return first;
  // gdb stopped in code without line information: find its caller on the stack
  // candidates: program addresses (the image is linked at MV_IMAGE_BASE; the kernel is in the upper half)
  const lo = BigInt(MV_IMAGE_BASE);
  const hi = MV_KERNEL_VIRT;
  const sp = BigInt(regs.get('rsp') ?? '0');
  let stack: Buffer = Buffer.alloc(0);
  for (const n of [SCAN_WORDS * 8, 256, 64]) {
    stack = await readBytes(t, thread, sp, n).catch(() => Buffer.alloc(0));
    if (stack.length) break;
  }
  for (let i = 0; i + 8 <= stack.length; i += 8) {
    const ret = stack.readBigUInt64LE(i);
    if (ret < lo + 8n || ret >= hi) continue;
    if (!callBefore(await readBytes(t, thread, ret - 8n, 8).catch(() => Buffer.alloc(8)))) continue;
    if (!(await hasLine(t, thread, ret))) continue;
    const caller = new Map(regs);
    // inside the call instruction, as gdb looks up a caller's line (the return
    // address may already belong to the next line)
    caller.set('rip', `0x${(ret - 1n).toString(16)}`);
    caller.set('rsp', `0x${(sp + BigInt(i) + 8n).toString(16)}`);
    const rest = (await t.withRegisters(thread, caller, listFrames)).map((f) => ({ f, regs: caller }));
    return [...first, ...rest];
  }
  return first;
}
