// threads.ts - the one place that maps what gdb calls threads (QEMU's stub:
// one per vCPU) to the threads the debugger shows: the program's threads as
// the aerokernel knows them, read from its thread table (kernel/aero/sched.c:
// `threads[]`, `used`, `idle_of[]`; `k_cpus[i].cur`) through gdb/MI, plus one
// entry per vCPU that runs no program thread (idle, or still booting). Before
// the table exists, or if it cannot be read, the vCPUs alone are listed.
//
// Ids: a program thread's DAP id is its tid (stable for the run; Linux tids
// stay below 2^22), a vCPU's is VCPU_ID_BASE + gdb's thread id.
import { syscallByNr } from '../core/generated/abi';
import { list, str, type MiTuple } from './mi';
import type { Target } from './target';

export const VCPU_ID_BASE = 0x40000000;

/** A thread as the Threads view shows it. */
export interface ShownThread {
  id: number;
  name: string;
}

/** One vCPU as gdb lists it. */
export interface GdbThread {
  gdbId: number;
  /** QEMU's CPU index. */
  index: number;
  halted: boolean;
}

/** Where to look at a thread's stack: the vCPU gdb reads, and for a thread
 * that is switched out the registers of its saved context (to be put into
 * that vCPU while looking) and its kernel stack's top (where the trap frame
 * of the program's registers is). */
export interface Located {
  gdb: number;
  regs?: Map<string, string>;
  kstackTop?: bigint;
}

/** gdb thread id for a vCPU entry's DAP id (undefined: not a vCPU id). */
export function gdbOfVcpuId(id: number): number | undefined {
  return id > VCPU_ID_BASE ? id - VCPU_ID_BASE : undefined;
}

/** One gdb thread from -thread-info ("Thread 1.2", details "CPU#1 [halted ]"). */
export function gdbThreadFromMi(t: MiTuple): GdbThread | undefined {
  const id = Number(str(t, 'id'));
  if (!Number.isInteger(id)) return undefined;
  const details = str(t, 'details') ?? '';
  const cpu = /CPU#(\d+)/.exec(details) ?? /Thread \d+\.(\d+)/.exec(str(t, 'target-id') ?? '');
  const index = cpu ? (details ? Number(cpu[1]) : Number(cpu[1]) - 1) : id - 1;
  return { gdbId: id, index, halted: /halted/.test(details) };
}

/** The vCPU list, as shown before the kernel's thread table exists. */
export function vcpuThreads(gdb: readonly GdbThread[]): ShownThread[] {
  return gdb.map((g) => ({ id: VCPU_ID_BASE + g.gdbId, name: `vCPU ${g.index}${g.halted ? ' (halted)' : ''}` }));
}

/** What the table's words mean: sched.c's enumerators, read by name from
 * the kernel's debug information (a name it lacks is shown by number). */
const STATE_NAMES = ['T_FREE', 'T_RUNNABLE', 'T_RUNNING', 'T_BLOCKED', 'T_DEAD', 'T_IDLE'] as const;
const WAIT_NAMES = ['W_NONE', 'W_FUTEX', 'W_SLEEP', 'W_FWD', 'W_SLOT'] as const;
type StateName = (typeof STATE_NAMES)[number];
type WaitName = (typeof WAIT_NAMES)[number];

const FIELDS = ['state', 'wait', 'tid', 'idx', 'ksp', 'kstack_top', 'deadline', 'slot'] as const;
type Field = (typeof FIELDS)[number];

/** Where the kernel keeps its threads (addresses and offsets, once per session). */
interface Layout {
  threads: bigint;
  used: bigint;
  usedSize: number;
  size: number;
  off: Map<Field, number>;
  idle: bigint;
  idleEnd: bigint;
  cpus: bigint;
  cpuSize: number;
  cpuCur: number;
  cpuId: number;
  slotNr: number;
  states: Map<number, StateName>;
  waits: Map<number, WaitName>;
}

/** sched.c's statics, named with their file: the program may have a `threads` of its own. */
const T = `'sched.c'::threads`;
const USED = `'sched.c'::used`;
const IDLE = `'sched.c'::idle_of`;

/** One entry of the kernel's table. */
interface Entry {
  addr: bigint;
  idx: number;
  tid: number;
  state?: StateName;
  stateNum: number;
  wait?: WaitName;
  ksp: bigint;
  kstackTop: bigint;
  deadline: bigint;
  slot: bigint;
}

/** A vCPU with what the kernel runs on it. */
interface Vcpu extends GdbThread {
  /** The kernel's number for it (struct cpu id); gdb's index if unknown. */
  kid: number;
  cur: bigint;
}

/** The threads of one stop. */
export class Snapshot {
  constructor(
    private readonly t: Target,
    readonly threads: ShownThread[],
    private readonly entries: Map<number, { e: Entry; vcpu?: Vcpu }>,
    private readonly vcpus: Vcpu[],
    /** false: the kernel's table could not be used; threads are vCPUs. */
    readonly fromTable: boolean,
  ) {}

  /** The DAP id of the thread running on a stopped vCPU; with preferProgram
   * (a pause), a program thread even if that vCPU idles: one on another
   * vCPU, else the first in the table. */
  idOfStop(gdbId: number, preferProgram = false): number {
    const own = this.threadOn(gdbId);
    if (own !== undefined || !preferProgram) return own ?? VCPU_ID_BASE + gdbId;
    for (const v of this.vcpus) {
      const id = this.threadOn(v.gdbId);
      if (id !== undefined) return id;
    }
    const first = this.entries.keys().next();
    return first.done ? VCPU_ID_BASE + gdbId : first.value;
  }

  private threadOn(gdbId: number): number | undefined {
    for (const [id, x] of this.entries) if (x.vcpu?.gdbId === gdbId) return id;
    return undefined;
  }

  /** The gdb thread of the vCPU that runs thread id, if one does. */
  vcpuOf(id: number): number | undefined {
    const x = this.entries.get(id);
    if (x) return x.vcpu?.gdbId;
    const g = gdbOfVcpuId(id);
    return g !== undefined && (!this.fromTable || this.vcpus.some((v) => v.gdbId === g)) ? g : undefined;
  }

  nameOf(id: number): string | undefined {
    return this.threads.find((x) => x.id === id)?.name;
  }

  /** Where thread id's stack is; stopped is the vCPU that stopped (used to
   * look at switched-out threads). */
  async locate(id: number, stopped: number): Promise<Located> {
    const x = this.entries.get(id);
    if (!x) {
      const g = gdbOfVcpuId(id);
      const v = this.vcpus.find((c) => c.gdbId === g);
      if (g === undefined || (!v && this.fromTable)) throw new Error(`no thread ${id} at this stop`);
      return { gdb: g };
    }
    if (x.vcpu) return { gdb: x.vcpu.gdbId };
    return { gdb: stopped, regs: await savedContext(this.t, stopped, x.e.ksp), kstackTop: x.e.kstackTop };
  }
}

/** The registers ctx_switch (kernel/aero/entry.S) left at a switched-out
 * thread's ksp: r15, r14, r13, r12, rbx, rbp, then the return address; the
 * thread resumes there with rsp = ksp + 7 * 8. rip is the return address
 * minus one, inside the call that switched the thread out: the call is
 * often the last instruction of an inlined block (schedule() in its caller)
 * or a tail call (switch_to's ctx_switch), and gdb looks up frame 0's
 * function, inlined frames and line at rip itself (a caller's at its
 * return address minus one). The unwinding rules there are those after the
 * call. */
async function savedContext(t: Target, gdb: number, ksp: bigint): Promise<Map<string, string>> {
  const b = await t.readBytes(gdb, ksp, 56);
  if (b.length < 56) throw new Error(`cannot read the saved context at 0x${ksp.toString(16)}`);
  const w = (i: number) => `0x${b.readBigUInt64LE(i * 8).toString(16)}`;
  return new Map([
    ['r15', w(0)], ['r14', w(1)], ['r13', w(2)], ['r12', w(3)], ['rbx', w(4)], ['rbp', w(5)],
    ['rip', `0x${(b.readBigUInt64LE(48) - 1n).toString(16)}`], ['rsp', `0x${(ksp + 56n).toString(16)}`],
  ]);
}

/** What a thread is doing, as the Threads view says it. */
function describe(e: Entry, vcpu: Vcpu | undefined, fwdName: string | undefined): string {
  const on = vcpu ? ` (on vCPU ${vcpu.kid})` : '';
  switch (e.state) {
    case 'T_RUNNING':
      return vcpu ? `running on vCPU ${vcpu.kid}` : 'running';
    case 'T_RUNNABLE':
      return `runnable${on}`;
    case 'T_BLOCKED':
      switch (e.wait) {
        case 'W_FUTEX':
          return `blocked in a futex wait${e.deadline ? ' with a timeout' : ''}${on}`;
        case 'W_SLEEP':
          return `sleeping${on}`;
        case 'W_FWD':
          return `waiting for a forwarded ${fwdName ?? 'call'}${on}`;
        case 'W_SLOT':
          return `waiting for its forwarding slot${on}`;
        default:
          return `blocked${on}`;
      }
    default:
      return `state ${e.stateNum}${on}`;
  }
}

/** Reads the aerokernel's thread table through gdb. */
export class ThreadTable {
  private layout: Layout | undefined;
  /** Each vCPU's GS base once the kernel has set it (it never changes after). */
  private readonly gsOf = new Map<number, bigint>();

  constructor(private readonly t: Target) {}

  /** The threads at this stop: the kernel's if its table is in use, else the
   * vCPUs (also when reading fails: why goes to warn). */
  async snapshot(gdb: readonly GdbThread[], warn: (text: string) => void): Promise<Snapshot> {
    try {
      const s = await this.read(gdb);
      if (s) return s;
    } catch (e) {
      warn(`multiverse: the kernel's thread table could not be read (${e instanceof Error ? e.message : String(e)}); showing vCPUs\n`);
    }
    return new Snapshot(this.t, vcpuThreads(gdb), new Map(), [], false);
  }

  private async num(gdb: number, expr: string): Promise<bigint> {
    return this.t.evalNum(gdb, expr);
  }

  private async readLayout(gdb: number): Promise<Layout> {
    if (this.layout) return this.layout;
    const n = (e: string) => this.num(gdb, e).then(Number);
    const off = new Map<Field, number>();
    for (const f of FIELDS) off.set(f, await n(`(char *)&${T}[0].${f} - (char *)&${T}[0]`));
    const enumOf = async <N extends string>(names: readonly N[]) => {
      const m = new Map<number, N>();
      for (const name of names) {
        const v = await n(`(int)'sched.c'::${name}`).catch(() => undefined);
        if (v !== undefined) m.set(v, name);
      }
      return m;
    };
    const idle = await this.num(gdb, `&${IDLE}`);
    this.layout = {
      threads: await this.num(gdb, `&${T}`),
      used: await this.num(gdb, `&${USED}`),
      usedSize: await n(`sizeof(${USED})`),
      size: await n(`sizeof(${T}[0])`),
      off,
      idle,
      idleEnd: idle + (await this.num(gdb, `sizeof(${IDLE})`)),
      cpus: await this.num(gdb, '&k_cpus'),
      cpuSize: await n('sizeof(k_cpus[0])'),
      cpuCur: await n('(char *)&k_cpus[0].cur - (char *)&k_cpus[0]'),
      cpuId: await n('(char *)&k_cpus[0].id - (char *)&k_cpus[0]'),
      slotNr: await n('&((struct mv_slot *)0)->nr'),
      states: await enumOf(STATE_NAMES),
      waits: await enumOf(WAIT_NAMES),
    };
    return this.layout;
  }

  /** Each vCPU's struct cpu (its GS base: the kernel keeps GS on it) and current thread. */
  private vcpus(L: Layout, gdb: readonly GdbThread[]): Promise<Vcpu[]> {
    return Promise.all(gdb.map(async (g): Promise<Vcpu> => {
      let gs = this.gsOf.get(g.gdbId);
      if (gs === undefined) {
        gs = await this.num(g.gdbId, '$gs_base');
        const i = gs >= L.cpus ? (gs - L.cpus) / BigInt(L.cpuSize) : -1n;
        if (i < 0n || i > 255n || (gs - L.cpus) % BigInt(L.cpuSize) !== 0n) return { ...g, kid: g.index, cur: 0n };
        this.gsOf.set(g.gdbId, gs);
      }
      const b = await this.t.readBytes(g.gdbId, gs, L.cpuSize);
      return { ...g, kid: b.readUInt32LE(L.cpuId), cur: b.readBigUInt64LE(L.cpuCur) };
    }));
  }

  /** The number of table entries ever taken. */
  private async used(L: Layout, gdb: number): Promise<number> {
    const b = await this.t.readBytes(gdb, L.used, L.usedSize);
    return b.length === L.usedSize ? b.readUIntLE(0, Math.min(L.usedSize, 6)) : 0;
  }

  /** The table's entries [0, used): a few entries one by one, only the
   * fields read (the FPU area is most of an entry); many in large reads. */
  private async entries(L: Layout, gdb: number, used: number): Promise<Entry[]> {
    const offs = [...L.off.values()];
    const lo = Math.min(...offs);
    const win = Math.max(...offs) + 8 - lo;
    const few = used <= 8;
    const per = few ? 1 : Math.max(1, Math.floor(65536 / L.size));
    const firsts: number[] = [];
    for (let first = 0; first < used; first += per) firsts.push(first);
    // (MI commands sent together: gdb answers them in order, without a round trip each)
    const chunks = await Promise.all(firsts.map(async (first) => {
      const out: Entry[] = [];
      const n = Math.min(per, used - first);
      const base = L.threads + BigInt(first * L.size);
      const [from, len, skip] = few ? [base + BigInt(lo), win, lo] : [base, n * L.size, 0];
      const b = await this.t.readBytes(gdb, from, len);
      if (b.length < len) throw new Error(`cannot read threads[${first}..${first + n})`);
      for (let k = 0; k < n; k++) {
        const at = (f: Field) => k * L.size + L.off.get(f)! - skip;
        const int = (f: Field) => b.readInt32LE(at(f));
        const u64 = (f: Field) => b.readBigUInt64LE(at(f));
        const stateNum = int('state');
        out.push({
          addr: base + BigInt(k * L.size), idx: first + k, tid: int('tid'), stateNum,
          state: L.states.get(stateNum), wait: L.waits.get(int('wait')),
          ksp: u64('ksp'), kstackTop: u64('kstack_top'), deadline: u64('deadline'), slot: u64('slot'),
        });
      }
      return out;
    }));
    return chunks.flat();
  }

  private async read(gdb: readonly GdbThread[]): Promise<Snapshot | undefined> {
    if (!gdb.length) return undefined;
    const g0 = gdb[0].gdbId;
    const L = await this.readLayout(g0);
    const [vcpus, used] = await Promise.all([this.vcpus(L, gdb), this.used(L, g0)]);
    if (!vcpus.some((v) => v.cur !== 0n)) return undefined;     // before sched_init
    if (!(used > 0) || used > 65536) return undefined;
    const live = (await this.entries(L, g0, used)).filter((e) => e.tid > 0 && e.state !== 'T_FREE' && e.state !== 'T_DEAD');
    if (!live.length) return undefined;
    // the system call each thread waiting for a forwarded call waits for (its slot's nr)
    const fwds = await Promise.all(live.map((e) => e.wait === 'W_FWD' && e.slot
      ? this.t.readBytes(g0, e.slot + BigInt(L.slotNr), 8).then((b) => (b.length === 8 ? syscallByNr(Number(b.readBigInt64LE(0)))?.name : undefined))
      : undefined));
    const shown: ShownThread[] = [];
    const byId = new Map<number, { e: Entry; vcpu?: Vcpu }>();
    for (const [i, e] of live.entries()) {
      const vcpu = vcpus.find((v) => v.cur === e.addr);
      const fwd = fwds[i];
      const name = `${e.idx === 0 ? `main (tid ${e.tid})` : `thread ${e.tid}`}: ${describe(e, vcpu, fwd)}`;
      byId.set(e.tid, { e, vcpu });
      shown.push({ id: e.tid, name });
    }
    for (const v of vcpus) {
      if ([...byId.values()].some((x) => x.vcpu === v)) continue;
      const idle = v.cur >= L.idle && v.cur < L.idleEnd;
      shown.push({ id: VCPU_ID_BASE + v.gdbId, name: `vCPU ${v.kid}: ${idle ? 'idle' : v.cur ? 'in the kernel' : 'starting'}` });
    }
    return new Snapshot(this.t, shown, byId, vcpus, true);
  }
}

/** The gdb threads of -thread-info's answer. */
export function gdbThreads(r: MiTuple): GdbThread[] {
  return list(r, 'threads').map((t) => gdbThreadFromMi(t as MiTuple)).filter((t): t is GdbThread => t !== undefined);
}
