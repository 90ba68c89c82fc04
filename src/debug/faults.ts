// faults.ts - words for the faults and panics the adapter stops at: Linux
// signal names and texts, x86 exception vector names (as the aerokernel's
// trap.c names them).

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
