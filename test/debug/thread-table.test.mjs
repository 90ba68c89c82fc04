// thread-table.test.mjs - src/debug/threads.ts on a made-up kernel: a fake
// Target answers gdb's expressions and memory reads from a synthetic thread
// table, so every state word, the vCPU entries, the stop's thread, a
// switched-out thread's saved context and the fall back to the vCPU list
// are checked without QEMU (threads.test.mjs does it for real).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from '../unit/lib/load.mjs';

let th;
before(async () => {
  th = await load('debug/threads.ts');
});

// a layout unlike today's sched.c (other offsets and enumerator values): all is read by name
const THREADS = 0x10000n;
const SIZE = 0x100;
const OFF = { state: 0x80, wait: 0x84, tid: 0x88, idx: 0x8c, ksp: 0x90, kstack_top: 0x98, deadline: 0xa0, slot: 0xa8 };
const STATES = { T_FREE: 10, T_RUNNABLE: 11, T_RUNNING: 12, T_BLOCKED: 13, T_DEAD: 14, T_IDLE: 15 };
const WAITS = { W_NONE: 20, W_FUTEX: 21, W_SLEEP: 22, W_FWD: 23, W_SLOT: 24 };
const IDLE = 0x20000n;
const CPUS = 0x30000n;
const CPU_SIZE = 0x40;
const SLOT = 0x40000n;
const USED = 0x48000n;

/** A fake Target over memory and per-vCPU GS bases. */
function fakeTarget({ used, entries, gs, cpus, failOn }) {
  const mem = new Map(); // address -> byte
  const put = (addr, buf) => buf.forEach((b, i) => mem.set(addr + BigInt(i), b));
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
  entries.forEach((e, i) => {
    const at = THREADS + BigInt(i * SIZE);
    put(at + BigInt(OFF.state), u32(STATES[e.state] ?? e.state));
    put(at + BigInt(OFF.wait), u32(WAITS[e.wait ?? 'W_NONE']));
    put(at + BigInt(OFF.tid), u32(e.tid));
    put(at + BigInt(OFF.idx), u32(i));
    put(at + BigInt(OFF.ksp), u64(e.ksp ?? 0));
    put(at + BigInt(OFF.kstack_top), u64(e.kstackTop ?? 0));
    put(at + BigInt(OFF.deadline), u64(e.deadline ?? 0));
    put(at + BigInt(OFF.slot), u64(e.slot ?? 0));
    if (e.saved) put(e.ksp, Buffer.concat(e.saved.map(u64)));
  });
  cpus.forEach((c, i) => {
    put(CPUS + BigInt(i * CPU_SIZE) + 0x28n, u64(c.cur));
    put(CPUS + BigInt(i * CPU_SIZE) + 0x20n, u32(c.id));
  });
  put(SLOT + 0x10n, u64(35)); // nanosleep
  put(USED, u32(used));
  const exprs = new Map([
    ["&'sched.c'::threads", THREADS], ["sizeof('sched.c'::threads[0])", SIZE], ["&'sched.c'::used", USED], ["sizeof('sched.c'::used)", 4],
    ["&'sched.c'::idle_of", IDLE], ["sizeof('sched.c'::idle_of)", 8 * SIZE],
    ['&k_cpus', CPUS], ['sizeof(k_cpus[0])', CPU_SIZE],
    ['(char *)&k_cpus[0].cur - (char *)&k_cpus[0]', 0x28], ['(char *)&k_cpus[0].id - (char *)&k_cpus[0]', 0x20],
    ['&((struct mv_slot *)0)->nr', 0x10],
    ...Object.entries(OFF).map(([f, o]) => [`(char *)&'sched.c'::threads[0].${f} - (char *)&'sched.c'::threads[0]`, o]),
    ...Object.entries({ ...STATES, ...WAITS }).map(([n, v]) => [`(int)'sched.c'::${n}`, v]),
  ]);
  return {
    async evalNum(thread, expr) {
      if (failOn && expr.includes(failOn)) throw new Error(`No symbol "${failOn}" in current context.`);
      if (expr === '$gs_base') return gs[thread - 1];
      if (!exprs.has(expr)) throw new Error(`unexpected expression ${expr}`);
      return BigInt(exprs.get(expr));
    },
    async readBytes(thread, addr, n) {
      return Buffer.from(Array.from({ length: n }, (_, i) => mem.get(addr + BigInt(i)) ?? 0));
    },
  };
}

const gdb = (n) => Array.from({ length: n }, (_, i) => ({ gdbId: i + 1, index: i, halted: false }));
const cpu = (i) => CPUS + BigInt(i * CPU_SIZE);
const entry = (i) => THREADS + BigInt(i * SIZE);

test('every state word, a vCPU that idles and one still starting; ids are tids', async () => {
  const t = fakeTarget({
    used: 9,
    entries: [
      { state: 'T_BLOCKED', wait: 'W_FUTEX', tid: 500 },
      { state: 'T_RUNNING', tid: 501 },
      { state: 'T_RUNNABLE', tid: 502 },
      { state: 'T_BLOCKED', wait: 'W_SLEEP', tid: 503 },
      { state: 'T_BLOCKED', wait: 'W_FWD', tid: 504, slot: SLOT },
      { state: 'T_BLOCKED', wait: 'W_SLOT', tid: 505 },
      { state: 'T_BLOCKED', wait: 'W_FUTEX', tid: 506, deadline: 12345 },
      { state: 'T_DEAD', tid: 0 },
      { state: 99, tid: 508 },
    ],
    gs: [cpu(0), cpu(1), 0n],
    cpus: [{ cur: entry(1), id: 0 }, { cur: IDLE + BigInt(SIZE), id: 1 }],
  });
  const warned = [];
  const s = await new th.ThreadTable(t).snapshot(gdb(3), (w) => warned.push(w));
  assert.deepEqual(warned, []);
  assert.equal(s.fromTable, true);
  assert.deepEqual(s.threads, [
    { id: 500, name: 'main (tid 500): blocked in a futex wait' },
    { id: 501, name: 'thread 501: running on vCPU 0' },
    { id: 502, name: 'thread 502: runnable' },
    { id: 503, name: 'thread 503: sleeping' },
    { id: 504, name: 'thread 504: waiting for a forwarded nanosleep' },
    { id: 505, name: 'thread 505: waiting for its forwarding slot' },
    { id: 506, name: 'thread 506: blocked in a futex wait with a timeout' },
    { id: 508, name: 'thread 508: state 99' },
    { id: th.VCPU_ID_BASE + 2, name: 'vCPU 1: idle' },
    { id: th.VCPU_ID_BASE + 3, name: 'vCPU 2: starting' },
  ]);
  // the stop's thread: the one on that vCPU; an idle vCPU's own entry, or for a
  // pause the program thread that runs
  assert.equal(s.idOfStop(1), 501);
  assert.equal(s.idOfStop(2), th.VCPU_ID_BASE + 2);
  assert.equal(s.idOfStop(2, true), 501);
  // stepping: on a vCPU or not
  assert.equal(s.vcpuOf(501), 1);
  assert.equal(s.vcpuOf(500), undefined);
  assert.equal(s.vcpuOf(th.VCPU_ID_BASE + 2), 2);
  assert.equal(s.vcpuOf(th.VCPU_ID_BASE + 9), undefined);
});

test('a blocked thread that is still its vCPU\'s current thread is read from that vCPU', async () => {
  const t = fakeTarget({
    used: 1,
    entries: [{ state: 'T_BLOCKED', wait: 'W_FWD', tid: 700, slot: SLOT }],
    gs: [cpu(0)],
    cpus: [{ cur: entry(0), id: 0 }],
  });
  const s = await new th.ThreadTable(t).snapshot(gdb(1), () => {});
  assert.deepEqual(s.threads, [{ id: 700, name: 'main (tid 700): waiting for a forwarded nanosleep (on vCPU 0)' }]);
  assert.equal(s.idOfStop(1, true), 700);
  assert.deepEqual(await s.locate(700, 1), { gdb: 1 });
});

test('a switched-out thread: its saved context from ksp, its kernel stack top; a pause with all blocked shows main', async () => {
  const ksp = 0x50000n;
  // at ksp: r15, r14, r13, r12, rbx, rbp, return address
  const saved = [0xf15, 0xf14, 0xf13, 0xf12, 0xb0, 0x5ff00, 0xffffffff80101234n];
  const t = fakeTarget({
    used: 2,
    entries: [
      { state: 'T_BLOCKED', wait: 'W_FUTEX', tid: 800, ksp, kstackTop: 0x54000n, saved },
      { state: 'T_BLOCKED', wait: 'W_SLEEP', tid: 801 },
    ],
    gs: [cpu(0)],
    cpus: [{ cur: IDLE, id: 0 }],
  });
  const s = await new th.ThreadTable(t).snapshot(gdb(1), () => {});
  assert.deepEqual(s.threads.map((x) => x.name), ['main (tid 800): blocked in a futex wait', 'thread 801: sleeping', 'vCPU 0: idle']);
  assert.equal(s.idOfStop(1), th.VCPU_ID_BASE + 1);
  assert.equal(s.idOfStop(1, true), 800);
  const where = await s.locate(800, 1);
  assert.equal(where.gdb, 1);
  assert.equal(where.kstackTop, 0x54000n);
  assert.deepEqual(Object.fromEntries(where.regs), {
    r15: '0xf15', r14: '0xf14', r13: '0xf13', r12: '0xf12', rbx: '0xb0', rbp: '0x5ff00',
    rip: '0xffffffff80101233', rsp: '0x50038',
  });
  await assert.rejects(s.locate(999, 1), /no thread 999 at this stop/);
});

test('before the table is in use, and when it cannot be read, the vCPUs are listed', async () => {
  const early = fakeTarget({ used: 1, entries: [{ state: 'T_FREE', tid: 0 }], gs: [0n, 0n], cpus: [] });
  const warned = [];
  const gdbs = [{ gdbId: 1, index: 0, halted: false }, { gdbId: 2, index: 1, halted: true }];
  let s = await new th.ThreadTable(early).snapshot(gdbs, (w) => warned.push(w));
  assert.equal(s.fromTable, false);
  assert.deepEqual(s.threads, [{ id: th.VCPU_ID_BASE + 1, name: 'vCPU 0' }, { id: th.VCPU_ID_BASE + 2, name: 'vCPU 1 (halted)' }]);
  assert.deepEqual(warned, []);
  assert.equal(s.idOfStop(2, true), th.VCPU_ID_BASE + 2);
  assert.equal(s.vcpuOf(th.VCPU_ID_BASE + 2), 2);
  assert.deepEqual(await s.locate(th.VCPU_ID_BASE + 2, 1), { gdb: 2 });

  const broken = fakeTarget({ used: 1, entries: [{ state: 'T_RUNNING', tid: 5 }], gs: [cpu(0)], cpus: [{ cur: entry(0), id: 0 }], failOn: 'idle_of' });
  s = await new th.ThreadTable(broken).snapshot(gdbs, (w) => warned.push(w));
  assert.equal(s.fromTable, false);
  assert.equal(s.threads.length, 2);
  assert.equal(warned.length, 1);
  assert.match(warned[0], /thread table could not be read \(No symbol "idle_of" in current context\.\); showing vCPUs/);
});

test('gdb thread records of QEMU\'s stub', () => {
  assert.deepEqual(th.gdbThreadFromMi({ id: '2', 'target-id': 'Thread 1.2', details: 'CPU#1 [halted ]' }), { gdbId: 2, index: 1, halted: true });
  assert.deepEqual(th.gdbThreadFromMi({ id: '1', 'target-id': 'Thread 1.1' }), { gdbId: 1, index: 0, halted: false });
  assert.equal(th.gdbThreadFromMi({ id: 'x' }), undefined);
  assert.deepEqual(th.gdbThreads({ threads: [{ id: '1', 'target-id': 'Thread 1.1' }, { id: '2', 'target-id': 'Thread 1.2' }] }).map((g) => g.gdbId), [1, 2]);
});
