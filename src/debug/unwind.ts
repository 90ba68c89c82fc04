// unwind.ts - call stacks gdb cannot unwind by itself. Program code runs
// with musl's functions, which have no unwind information, and the kernel's
// syscall entry (entry.S) has no CFI. So: below a system call the program's
// registers come from the trap frame the entry built; and where the stack
// stops in code without line information, only its innermost frame is
// taken from gdb, and the stack is scanned for the first return address,
// right after a call, into code with line information, from which gdb
// unwinds again.
import { MV_IMAGE_BASE, MV_KERNEL_VIRT } from '../core/generated/abi';
import { faultsSyscallFrame } from './faults';
import { list, str, type MiTuple } from './mi';
import { FRAME_REGS, type Target } from './target';

/** One listed frame, and for a frame not on gdb's own stack the registers to
 * put into the vCPU to look at it. */
export interface StackEntry {
  f: MiTuple;
  regs?: Map<string, string>;
}

const SCAN_WORDS = 128;

/** Does the code before ret end in a call instruction? (b = the 8 bytes before ret) */
function callBefore(b: Buffer): boolean {
  const at = (i: number) => b[b.length + i];
  return at(-5) === 0xe8 ||                                         // call rel32
    (at(-2) === 0xff && (at(-1) & 0xf8) === 0xd0) ||                 // call *%reg
    (at(-3) === 0xff && (at(-2) & 0xf8) === 0x50) ||                 // call *d8(%reg)
    (at(-6) === 0xff && (at(-5) === 0x15 || (at(-5) & 0xf8) === 0x90)); // call *d32(...)
}

function readBytes(t: Target, thread: number, addr: bigint, n: number): Promise<Buffer> {
  return t.readBytes(thread, addr, n);
}

/** Has the code at addr line information? */
async function hasLine(t: Target, thread: number, addr: bigint): Promise<boolean> {
  const r = await t.gdb.send(`-data-disassemble --thread ${thread} -s 0x${addr.toString(16)} -e 0x${(addr + 1n).toString(16)} -- 4`);
  return list(r.results, 'asm_insns').some((l) => str(l, 'line') !== undefined);
}

/** Is a frame in program code (the image at its link address, below the kernel's half)? */
export function inProgram(f: MiTuple | undefined): boolean {
  const a = BigInt(str(f, 'addr') ?? '0');
  return a >= BigInt(MV_IMAGE_BASE) && a < MV_KERNEL_VIRT;
}

/** The registers of the nearest caller with line information of code
 * stopped with regs (found on the stack above regs' rsp), or undefined. */
async function callerWithLines(t: Target, thread: number, regs: Map<string, string>): Promise<Map<string, string> | undefined> {
  const sp = BigInt(regs.get('rsp') ?? '0');
  let stack: Buffer = Buffer.alloc(0);
  for (const n of [SCAN_WORDS * 8, 256, 64]) {
    stack = await readBytes(t, thread, sp, n).catch(() => Buffer.alloc(0));
    if (stack.length) break;
  }
  for (let i = 0; i + 8 <= stack.length; i += 8) {
    const ret = stack.readBigUInt64LE(i);
    if (ret < BigInt(MV_IMAGE_BASE) + 8n || ret >= MV_KERNEL_VIRT) continue;
    if (!callBefore(await readBytes(t, thread, ret - 8n, 8).catch(() => Buffer.alloc(8)))) continue;
    if (!(await hasLine(t, thread, ret - 1n))) continue;
    const caller = new Map(regs);
    // inside the call instruction, as gdb looks up a caller's line (the
    // return address may already belong to the next line)
    caller.set('rip', `0x${(ret - 1n).toString(16)}`);
    caller.set('rsp', `0x${(sp + BigInt(i) + 8n).toString(16)}`);
    return caller;
  }
  return undefined;
}

/** The program's stack for registers regs (undefined: the vCPU's own);
 * listFrames lists gdb's frames for the registers in the vCPU. */
export async function programStack(t: Target, thread: number, regs: Map<string, string> | undefined, listFrames: () => Promise<MiTuple[]>): Promise<StackEntry[]> {
  const frames = regs ? await t.withRegisters(thread, regs, listFrames) : await listFrames();
  if (!frames.length || str(frames[0], 'fullname') || !inProgram(frames[0])) return frames.map((f) => ({ f, regs }));
  // stopped in code without line information: gdb's unwinding from there is guesswork
  const here = regs ?? (await t.readRegisters(thread, FRAME_REGS, 'x'));
  const caller = await callerWithLines(t, thread, here);
  if (!caller) return [{ f: frames[0], regs }];
  const rest = await t.withRegisters(thread, caller, listFrames);
  return [{ f: frames[0], regs }, ...rest.map((f) => ({ f, regs: caller }))];
}

/** The kernel's entry stubs (kernel/aero/entry.S, no CFI) where a thread's
 * kernel stack begins: below them, the program's registers are in the trap
 * frame at the top of that stack (a system call; a preemption by the tick;
 * a new thread's first return). gdb's unwinding past them is guesswork. */
const ENTRY_STUBS = new Set(['mv_syscall_entry', 'preempt_switch', 'thread_first']);

/** A thread's whole stack, listed with listFrames (gdb's frames of vCPU
 * thread). saved: the registers of a switched-out thread's context (put
 * into the vCPU while listing), with kstackTop its kernel stack's top;
 * neither for the thread the vCPU runs. Kernel frames end at the entry stub
 * and continue with the program's frames that entered the kernel;
 * stopped in program code without line information, from the nearest
 * caller with lines. kernelOnly: keep gdb's frames as they are below the
 * kernel's (a fault's context is in the vCPU). */
export async function threadStack(t: Target, thread: number, listFrames: () => Promise<MiTuple[]>, saved?: Map<string, string>, kstackTop?: bigint, kernelOnly = false): Promise<StackEntry[]> {
  const frames = saved ? await t.withRegisters(thread, saved, listFrames) : await listFrames();
  if (!saved && inProgram(frames[0]) && !str(frames[0], 'fullname')) return programStack(t, thread, undefined, listFrames);
  const stub = frames.findIndex((f) => ENTRY_STUBS.has(str(f, 'func') ?? ''));
  const own = (stub >= 0 ? frames.slice(0, stub + 1) : frames).map((f) => ({ f, regs: saved }));
  if (stub < 0 || (kernelOnly && !saved)) return stub < 0 ? own : frames.map((f) => ({ f }));
  const user = kstackTop !== undefined ? await t.trapFrameBelow(thread, kstackTop) : await faultsSyscallFrame(t, thread);
  return [...own, ...(await programStack(t, thread, user, listFrames))];
}
