// target.ts - reading and writing the stopped target through gdb/MI:
// numbers, strings and registers of a thread's frame. No DAP here.
import { list, miQuote, str, type MiClient } from './mi';

/** The registers a struct trapframe (kernel/aero/kern.h) holds, as gdb names
 * them; the frame's field for eflags is rflags. */
export const FRAME_REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags'];

export class Target {
  private regNames: string[] | undefined;
  private frameLayout: { size: number; offsets: Map<string, number> } | undefined;

  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly gdb: MiClient) {}

  /** Run fn alone: no other exclusive fn starts before it ends. Whatever
   * puts other registers into a vCPU for a while, or reads registers or
   * frames that such a swap would change, or lets the target run, goes
   * through here (not nested), so that no request sees another's swap and
   * no vCPU runs with borrowed registers. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** n bytes at addr (fewer, or none, where memory cannot be read). */
  async readBytes(thread: number, addr: bigint, n: number): Promise<Buffer> {
    const r = await this.gdb.send(`-data-read-memory-bytes --thread ${thread} 0x${addr.toString(16)} ${n}`);
    return Buffer.from(str(list(r.results, 'memory')[0], 'contents') ?? '', 'hex');
  }

  /** A gdb expression's value as an unsigned 64-bit number, in a thread's frame. */
  async evalNum(thread: number, expr: string, level = 0): Promise<bigint> {
    const r = await this.gdb.send(`-data-evaluate-expression --thread ${thread} --frame ${level} ${miQuote(`(unsigned long)(${expr})`)}`);
    return BigInt(str(r.results, 'value') ?? '0');
  }

  /** The NUL-terminated string (at most max bytes) at the address expr evaluates to. */
  async readString(thread: number, expr: string, max: number): Promise<string> {
    const addr = await this.evalNum(thread, expr);
    const r = await this.gdb.send(`-data-read-memory-bytes --thread ${thread} 0x${addr.toString(16)} ${max}`);
    const bytes = Buffer.from(str(list(r.results, 'memory')[0], 'contents') ?? '', 'hex');
    const nul = bytes.indexOf(0);
    return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString('utf8');
  }

  /** gdb's register names by number ('' for unnamed numbers). */
  async registerNames(): Promise<string[]> {
    if (!this.regNames) {
      const r = await this.gdb.send('-data-list-register-names');
      this.regNames = list(r.results, 'register-names').map((v) => (typeof v === 'string' ? v : ''));
    }
    return this.regNames;
  }

  /** Registers by name in a format (x: hex, N: natural) for a frame; names
   * the target lacks are left out. */
  async readRegisters(thread: number, names: readonly string[], fmt: 'x' | 'N', level = 0): Promise<Map<string, string>> {
    const all = await this.registerNames();
    const nums = names.map((n) => all.indexOf(n)).filter((i) => i >= 0);
    const r = await this.gdb.send(`-data-list-register-values --thread ${thread} --frame ${level} --skip-unavailable ${fmt} ${nums.join(' ')}`);
    const out = new Map<string, string>();
    for (const v of list(r.results, 'register-values')) {
      const name = all[Number(str(v, 'number'))];
      const value = str(v, 'value');
      if (name && value !== undefined) out.set(name, value);
    }
    return out;
  }

  /** Set a register (in frame level: 0 is the vCPU itself) to a gdb expression's value. */
  async writeRegister(thread: number, reg: string, value: string, level = 0): Promise<void> {
    await this.gdb.send(`-data-evaluate-expression --thread ${thread} --frame ${level} ${miQuote(`$${reg} = ${value}`)}`);
  }

  /** The registers saved in the kernel's struct trapframe at addr, as hex
   * strings by gdb register name (one memory read; the field offsets come
   * from the kernel's debug information, once). */
  async trapFrame(thread: number, addr: bigint): Promise<Map<string, string>> {
    await this.readFrameLayout(thread);
    const size = this.frameLayout!.size;
    const bytes = await this.readBytes(thread, addr, size);
    if (bytes.length < size) throw new Error(`cannot read the trap frame at 0x${addr.toString(16)}`);
    const out = new Map<string, string>();
    for (const [reg, off] of this.frameLayout!.offsets) out.set(reg, `0x${bytes.readBigUInt64LE(off).toString(16)}`);
    return out;
  }

  /** The registers of the trap frame at the top of a kernel stack (where
   * the system-call entry, a preemption and a new thread keep the program's
   * registers). */
  async trapFrameBelow(thread: number, kstackTop: bigint): Promise<Map<string, string>> {
    await this.readFrameLayout(thread);
    return this.trapFrame(thread, kstackTop - BigInt(this.frameLayout!.size));
  }

  private async readFrameLayout(thread: number): Promise<void> {
    if (!this.frameLayout) {
      const offsets = new Map<string, number>();
      for (const reg of FRAME_REGS) {
        offsets.set(reg, Number(await this.evalNum(thread, `&((struct trapframe *)0)->${reg === 'eflags' ? 'rflags' : reg}`)));
      }
      this.frameLayout = { size: Number(await this.evalNum(thread, 'sizeof(struct trapframe)')), offsets };
    }
  }

  /** Set the vCPU's registers (values: hex strings) in one gdb expression
   * (C's comma operator: one MI round trip however many registers). */
  async writeRegisters(thread: number, values: Map<string, string>): Promise<void> {
    if (!values.size) return;
    const expr = [...values].map(([reg, v]) => `$${reg} = ${v}`).join(', ');
    await this.gdb.send(`-data-evaluate-expression --thread ${thread} ${miQuote(expr)}`);
  }

  /** Put values into the vCPU's registers; returns the registers they
   * replaced (only those that changed: putting them back restores the vCPU). */
  async swapRegisters(thread: number, values: Map<string, string>): Promise<Map<string, string>> {
    const current = await this.readRegisters(thread, [...values.keys()], 'x');
    const same = (a: string, b: string) => {
      try {
        return BigInt(a) === BigInt(b);
      } catch {
        return a === b;
      }
    };
    const changed = new Map([...values].filter(([reg, v]) => current.has(reg) && !same(current.get(reg)!, v)));
    await this.writeRegisters(thread, changed);
    return new Map([...changed.keys()].map((reg) => [reg, current.get(reg)!]));
  }

  /** Run fn with the vCPU's registers set to values, then put them back. */
  async withRegisters<T>(thread: number, values: Map<string, string>, fn: () => Promise<T>): Promise<T> {
    const saved = await this.swapRegisters(thread, values);
    try {
      return await fn();
    } finally {
      await this.writeRegisters(thread, saved);
    }
  }
}
