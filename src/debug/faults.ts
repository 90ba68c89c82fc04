// faults.ts - stopping at the program's faults and the kernel's panics: the
// internal breakpoints on the aerokernel's reporting functions, the faulting
// context put into the vCPU while stopped (and taken out again), and the
// words for it: Linux signal names, x86 exception vector names (as the
// aerokernel's trap.c names them).
import { MV_KERNEL_VIRT, MV_REPORT_ADDR } from '../core/generated/abi';
import type { Target } from './target';

const MV_REQ_PANIC = 4; // enum mv_req in kernel/include/mv_abi.h

const SIGNALS: Record<number, [string, string]> = {
  1: ['SIGHUP', 'Hangup'], 2: ['SIGINT', 'Interrupt'], 3: ['SIGQUIT', 'Quit'],
  4: ['SIGILL', 'Illegal instruction'], 5: ['SIGTRAP', 'Trace/breakpoint trap'], 6: ['SIGABRT', 'Aborted'],
  7: ['SIGBUS', 'Bus error'], 8: ['SIGFPE', 'Floating point exception'], 9: ['SIGKILL', 'Killed'],
  10: ['SIGUSR1', 'User defined signal 1'], 11: ['SIGSEGV', 'Segmentation fault'], 12: ['SIGUSR2', 'User defined signal 2'],
  13: ['SIGPIPE', 'Broken pipe'], 14: ['SIGALRM', 'Alarm clock'], 15: ['SIGTERM', 'Terminated'],
  16: ['SIGSTKFLT', 'Stack fault'], 24: ['SIGXCPU', 'CPU time limit exceeded'], 25: ['SIGXFSZ', 'File size limit exceeded'],
  26: ['SIGVTALRM', 'Virtual timer expired'], 27: ['SIGPROF', 'Profiling timer expired'], 31: ['SIGSYS', 'Bad system call'],
};

const VECTORS = [
  'divide error', 'debug', 'NMI', 'breakpoint', 'overflow', 'bound range', 'invalid opcode',
  'device not available', 'double fault', 'coprocessor overrun', 'invalid TSS', 'segment not present',
  'stack fault', 'general protection', 'page fault', 'reserved 15', 'x87 error', 'alignment check',
  'machine check', 'SIMD error', 'virtualization', 'control protection',
];

/** "SIGSEGV" for 11; "signal N" for numbers without a name here. */
export function signalName(sig: number): string {
  return SIGNALS[sig]?.[0] ?? `signal ${sig}`;
}

/** "page fault" for 14; "exception N" otherwise. */
export function describeVector(vector: number): string {
  return VECTORS[vector] ?? `exception ${vector}`;
}

/** The text of a fatal signal as the debugger shows it, e.g.
 * "SIGSEGV (Segmentation fault): page fault at address 0x0"; vector -1 for a
 * signal that no exception caused (abort, kill). */
export function describeSignal(sig: number, vector: number, addr: bigint): string {
  const head = `${signalName(sig)} (${SIGNALS[sig]?.[1] ?? 'signal'})`;
  if (vector < 0) return `${head}: raised by the program`;
  const at = vector === 14 || addr !== 0n ? ` at address 0x${addr.toString(16)}` : '';
  return `${head}: ${describeVector(vector)}${at}`;
}

/** A fault or panic the debugger stopped at. */
export interface Exception {
  /** "SIGSEGV", "kernel panic". */
  id: string;
  description: string;
  thread: number;
  /** The vCPU's own registers, to put back before it runs again, when the
   * faulting context's were put in their place. */
  saved?: Map<string, string>;
}

/** Which kernel function an internal breakpoint catches. */
export type Catch = 'fault' | 'panic-trap' | 'panic-post';

/** The internal breakpoints: at the functions' first instructions, where the
 * arguments are still in rdi, rsi, rdx, rcx (kernel/aero/trap.c, panic.c,
 * forward.c). */
export const CATCHES: readonly { location: string; what: Catch; condition?: string }[] = [
  { location: '*trap_program_dies', what: 'fault' },              // (tf, sig, vector, addr)
  { location: '*panic_trap', what: 'panic-trap' },                // (tf, what)
  { location: '*fwd_post_final', what: 'panic-post', condition: `(unsigned int)$rdi == ${MV_REQ_PANIC}` },
];

/** Describe the fault or panic thread stopped at; for a trap frame, load its
 * registers into the vCPU (saving the vCPU's) so that gdb unwinds, lists and
 * evaluates the faulting frame itself. */
export async function catchException(t: Target, what: Catch, thread: number): Promise<Exception> {
  if (what === 'fault') {
    const sig = Number(await t.evalNum(thread, '$rsi'));
    const vector = Number(BigInt.asIntN(32, await t.evalNum(thread, '$rdx')));
    const addr = await t.evalNum(thread, '$rcx');
    const saved = await enterTrapFrame(t, thread, '$rdi');
    return { id: signalName(sig), description: describeSignal(sig, vector, addr), thread, saved };
  }
  if (what === 'panic-trap') {
    const vector = Number(await t.evalNum(thread, '((struct trapframe *)$rdi)->vector'));
    const rip = await t.evalNum(thread, '((struct trapframe *)$rdi)->rip');
    const text = (await t.readString(thread, '$rsi', 128)) || describeVector(vector);
    const saved = await enterTrapFrame(t, thread, '$rdi');
    return { id: 'kernel panic', description: `kernel panic: ${text} in kernel code at 0x${rip.toString(16)}`, thread, saved };
  }
  const text = await t.readString(thread, `((struct mv_report *)${MV_KERNEL_VIRT + BigInt(MV_REPORT_ADDR)})->text`, 1024);
  return { id: 'kernel panic', description: `kernel panic: ${text}`, thread };
}

async function enterTrapFrame(t: Target, thread: number, tfExpr: string): Promise<Map<string, string>> {
  return t.swapRegisters(thread, await t.trapFrame(thread, await t.evalNum(thread, tfExpr)));
}

/** Where the program's registers are while the kernel serves its system call
 * on this vCPU: the trap frame mv_syscall_entry builds at the top of the
 * kernel stack (kernel/aero/entry.S). */
export async function faultsSyscallFrame(t: Target, thread: number): Promise<Map<string, string>> {
  return t.trapFrame(thread, await t.evalNum(thread, '((struct cpu *)$gs_base)->kstack_top - sizeof(struct trapframe)'));
}

/** Put back the registers catchException saved (before the vCPU runs again). */
export async function leaveException(t: Target, e: Exception): Promise<void> {
  if (!e.saved) return;
  await t.writeRegisters(e.thread, e.saved);
}
