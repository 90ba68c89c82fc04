// target.ts - reading and writing the stopped target through gdb/MI:
// numbers, strings and registers of a thread's frame. No DAP here.
import { list, miQuote, str, type MiClient } from './mi';

export class Target {
  private regNames: string[] | undefined;

  constructor(readonly gdb: MiClient) {}

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
}
