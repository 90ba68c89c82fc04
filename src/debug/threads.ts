// threads.ts - the one place that maps what gdb calls threads to the
// threads the debugger shows. Today QEMU's stub reports one gdb thread per
// vCPU, and that is what is listed; when the aerokernel keeps a thread table
// (the threads issue), the HRT threads are read from it here.
import { str, type MiTuple } from './mi';

/** A thread as the Threads view shows it; id is gdb's thread id. */
export interface ShownThread {
  id: number;
  name: string;
}

/** One gdb thread from -thread-info ("Thread 1.2", details "CPU#1 [halted ]"). */
export function threadFromMi(t: MiTuple): ShownThread | undefined {
  const id = Number(str(t, 'id'));
  if (!Number.isInteger(id)) return undefined;
  const details = str(t, 'details') ?? '';
  const cpu = /CPU#(\d+)/.exec(details) ?? /Thread \d+\.(\d+)/.exec(str(t, 'target-id') ?? '');
  const n = cpu ? (details ? Number(cpu[1]) : Number(cpu[1]) - 1) : id - 1;
  const halted = /halted/.test(details) ? ' (halted)' : '';
  return { id, name: `vCPU ${n}${halted}` };
}

/** While the target runs gdb cannot list threads; DAP still wants one: the
 * last one that stopped (gdb thread ids count vCPUs from 1). */
export function runningThread(id: number): ShownThread {
  return { id, name: `vCPU ${id - 1}` };
}
