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
  /** The frame's pc was put one byte into a call (regs' rip = the return
   * address minus one, so that gdb finds the calling line): its address as
   * shown is the return address, as for any caller. */
  inCall?: boolean;
}

const SCAN_WORDS = 128;

/** Does the code before ret end in a call instruction? (b = the 8 bytes before ret) */
function callBefore(b: Buffer): boolean {
  const at = (i: number) => b[b.length + i];
  return at(-5) === 0xe8 ||                                         // call rel32
    (at(-2) === 0xff && (at(-1) & 0xf8) === 0xd0) ||                 // call *%reg
    (at(-2) === 0xff && (at(-1) & 0xf8) === 0x10 && (at(-1) & 6) !== 4) || // call *(%reg)
    (at(-3) === 0xff && at(-2) === 0x14) ||                          // call *(%reg,%reg,s)
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
    if (!inImage(ret)) continue;
    if (!callBefore(await readBytes(t, thread, ret - 8n, 8).catch(() => Buffer.alloc(8)))) continue;
    if (!(await hasLine(t, thread, ret - 1n))) continue;
    const caller = new Map(regs);
    const callerSp = sp + BigInt(i) + 8n;
    // inside the call instruction, as gdb looks up a caller's line (the
    // return address may already belong to the next line)
    caller.set('rip', `0x${(ret - 1n).toString(16)}`);
    caller.set('rsp', `0x${callerSp.toString(16)}`);
    const fp = await callerFramePointer(t, thread, ret, BigInt(regs.get('rbp') ?? '0'), callerSp);
    if (fp !== undefined) caller.set('rbp', `0x${fp.toString(16)}`);
    return caller;
  }
  return undefined;
}

const inImage = (a: bigint) => a >= BigInt(MV_IMAGE_BASE) + 8n && a < MV_KERNEL_VIRT;
/** Bytes above a caller's rsp searched for its frame record. */
const FP_SCAN = 4096;
/** A frame larger than this is taken for a wrong frame pointer. */
const FRAME_MAX = 0x100000n;

/** Is there a frame record at fp, as code built with frame pointers (bin/mvcc
 * keeps them) pushes it: the outer frame's rbp (above fp, or 0 at the
 * outermost), then a return address right after a call? */
function frameRecord(t: Target, thread: number, fp: bigint, saved: bigint, ret: bigint): Promise<boolean> {
  if ((saved !== 0n && saved <= fp) || !inImage(ret)) return Promise.resolve(false);
  return readBytes(t, thread, ret - 8n, 8).then(callBefore, () => false);
}

/** How far above its rsp at a call a function built with frame pointers
 * keeps rbp: what its prologue pushes after `mov %rsp,%rbp` and subtracts
 * from rsp (gcc: push %rbp; mov %rsp,%rbp; push callee-saved...; sub $N,%rsp).
 * undefined: pc's function has no such prologue. */
async function prologueFrameSize(t: Target, thread: number, pc: bigint): Promise<bigint | undefined> {
  const here = await t.gdb.send(`-data-disassemble --thread ${thread} -s 0x${pc.toString(16)} -e 0x${(pc + 1n).toString(16)} -- 0`);
  const offset = str(list(here.results, 'asm_insns')[0], 'offset');
  if (offset === undefined) return undefined;
  const start = pc - BigInt(offset);
  const r = await t.gdb.send(`-data-disassemble --thread ${thread} -s 0x${start.toString(16)} -e 0x${(start + 48n).toString(16)} -- 0`);
  const insns = list(r.results, 'asm_insns').map((i) => (str(i, 'inst') ?? '').replace(/\s+/g, ' ').trim());
  let i = insns[0] === 'endbr64' ? 1 : 0;
  if (insns[i] !== 'push %rbp' || insns[i + 1] !== 'mov %rsp,%rbp') return undefined;
  let size = 0n;
  for (i += 2; i < insns.length; i++) {
    if (/^push %r\w+$/.test(insns[i])) size += 8n;
    else if (/^sub \$0x[0-9a-f]+,%rsp$/.test(insns[i])) return size + BigInt(insns[i].slice(5, insns[i].indexOf(',')));
    else break;
  }
  return size;
}

/** The frame pointer of a caller found by its return address ret (its rsp
 * is sp). musl's functions, built without frame pointers, may use rbp for
 * anything (restoring it only on return), so rbp as they left it need not
 * be the caller's. In order: sp plus the frame size the caller's prologue
 * sets up (bin/mvcc keeps frame pointers); rbp as left; the first frame
 * record above sp. Each must point to a frame record. */
async function callerFramePointer(t: Target, thread: number, ret: bigint, rbp: bigint, sp: bigint): Promise<bigint | undefined> {
  // (the outermost program frame's saved rbp is whatever musl's start code had there: with
  // the frame size known, only the return address is checked)
  const record = async (fp: bigint, anySaved: boolean) => {
    const b = await readBytes(t, thread, fp, 16).catch(() => Buffer.alloc(0));
    return b.length === 16 && frameRecord(t, thread, fp, anySaved ? 0n : b.readBigUInt64LE(0), b.readBigUInt64LE(8));
  };
  const size = await prologueFrameSize(t, thread, ret - 1n).catch(() => undefined);
  if (size !== undefined && (await record(sp + size, true))) return sp + size;
  if (rbp >= sp && rbp - sp < FRAME_MAX && (await record(rbp, false))) return rbp;
  const words = await readBytes(t, thread, sp, FP_SCAN).catch(() => Buffer.alloc(0));
  for (let i = 0; i + 16 <= words.length; i += 8) {
    if (await frameRecord(t, thread, sp + BigInt(i), words.readBigUInt64LE(i), words.readBigUInt64LE(i + 8))) return sp + BigInt(i);
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
  return [{ f: frames[0], regs }, ...rest.map((f, i) => ({ f, regs: caller, inCall: i === 0 }))];
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
  const own = (stub >= 0 ? frames.slice(0, stub + 1) : frames).map((f, i) => ({ f, regs: saved, inCall: !!saved && i === 0 }));
  if (stub < 0 || (kernelOnly && !saved)) return stub < 0 ? own : frames.map((f) => ({ f }));
  const user = kstackTop !== undefined ? await t.trapFrameBelow(thread, kstackTop) : await faultsSyscallFrame(t, thread);
  return [...own, ...(await programStack(t, thread, user, listFrames))];
}
