// bench.ts - debugger benchmarks for `npm run bench`: the built adapter
// (dist/debugAdapter.js) driven over DAP as an editor drives it, on
// test/debug/programs/steps.c built with bin/mvcc -O0. Figures are medians,
// each with a baseline from the same run; nothing here asserts.
//   debug_stop_to_variables_ms   breakpoint hit -> stackTrace + scopes + variables
//                                (Locals, Arguments) answered; baseline
//   debug_dap_roundtrip_ms       a threads request while stopped
//   debug_step_forwarded_ms      step over a line that makes a forwarded write;
//                                baseline
//   debug_step_plain_ms          step over a line without a call
//   debug_thread_stacks_ms       paused in test/debug/programs/workers.c (five
//                                threads, most of them switched out, read
//                                from the kernel's thread table): threads +
//                                every thread's stackTrace answered; against
//                                debug_dap_roundtrip_ms
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A minimal DAP client over a child's stdio (Content-Length framing). */
class DapClient {
  private seq = 1;
  private buf = Buffer.alloc(0);
  private readonly pending = new Map<number, { res: (b: unknown) => void; rej: (e: Error) => void }>();
  private readonly waiters: { event: string; res: (b: unknown) => void }[] = [];
  /** Called with every event. */
  onEvent: ((event: string, body: Record<string, unknown>) => void) | undefined;

  constructor(private readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => this.onData(d));
  }

  request<T = Record<string, unknown>>(command: string, args: unknown = {}): Promise<T> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return new Promise((res, rej) => this.pending.set(seq, { res: res as (b: unknown) => void, rej }));
  }

  /** Resolves with the next event's body; call before the action that causes it. */
  event<T = Record<string, unknown>>(event: string): Promise<T> {
    return new Promise((res) => this.waiters.push({ event, res: res as (b: unknown) => void }));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const head = this.buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, head).toString())?.[1]);
      if (this.buf.length < head + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(head + 4, head + 4 + len).toString('utf8'));
      this.buf = this.buf.subarray(head + 4 + len);
      if (msg.type === 'response') {
        const p = this.pending.get(msg.request_seq);
        this.pending.delete(msg.request_seq);
        if (msg.success) p?.res(msg.body ?? {});
        else p?.rej(new Error(`${msg.command}: ${msg.message}`));
      } else if (msg.type === 'event') {
        this.onEvent?.(msg.event, msg.body ?? {});
        const i = this.waiters.findIndex((w) => w.event === msg.event);
        if (i >= 0) this.waiters.splice(i, 1)[0].res(msg.body ?? {});
      }
    }
  }
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Frame {
  id: number;
  line: number;
}

/** One debug session on elf: the four figures of one run. */
async function oneRun(root: string, elf: string, source: string, lines: Record<string, number>): Promise<number[]> {
  const proc = spawn(process.execPath, [join(root, 'dist', 'debugAdapter.js')], { stdio: ['pipe', 'pipe', 'ignore'] });
  const dap = new DapClient(proc);
  const gone = new Promise((r) => proc.once('exit', r));
  try {
    await dap.request('initialize', { adapterID: 'multiverse', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dap.event('initialized');
    const launched = dap.request('launch', { program: elf, multiverseRoot: root, kernelLog: false });
    await initialized;
    await dap.request('setBreakpoints', { source: { path: source }, breakpoints: [{ line: lines.area }] });
    let stopped = dap.event<{ threadId: number }>('stopped');
    await dap.request('configurationDone');
    await launched;
    const s = await stopped;
    const t0 = process.hrtime.bigint();
    const st = await dap.request<{ stackFrames: Frame[] }>('stackTrace', { threadId: s.threadId });
    const sc = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: st.stackFrames[0].id });
    for (const scope of sc.scopes.filter((x) => x.name !== 'Registers')) await dap.request('variables', { variablesReference: scope.variablesReference });
    const toVariables = ms(t0);
    const t1 = process.hrtime.bigint();
    await dap.request('threads');
    const roundtrip = ms(t1);
    const step = async () => {
      stopped = dap.event('stopped');
      const t = process.hrtime.bigint();
      await dap.request('next', { threadId: s.threadId });
      await stopped;
      const took = ms(t);
      const top = await dap.request<{ stackFrames: Frame[] }>('stackTrace', { threadId: s.threadId });
      return { took, line: top.stackFrames[0].line };
    };
    let at = st.stackFrames[0].line;
    let forwarded = NaN;
    let plain = NaN;
    for (let guard = 0; guard < 6 && (Number.isNaN(forwarded) || Number.isNaN(plain)); guard++) {
      const from = at;
      const r = await step();
      at = r.line;
      if (from === lines.write) forwarded = r.took;
      if (from === lines.after) plain = r.took;
    }
    const exited = dap.event('terminated');
    await dap.request('continue', { threadId: s.threadId });
    await exited;
    return [toVariables, roundtrip, forwarded, plain];
  } finally {
    await dap.request('disconnect', {}).catch(() => undefined);
    proc.stdin!.end();
    await gone;
  }
}

/** One debug session on workers (bin/mvcc -O0, one vCPU): once it says
 * "started", pause; the time to list the threads and every thread's stack. */
async function threadsRun(root: string, elf: string): Promise<number> {
  const proc = spawn(process.execPath, [join(root, 'dist', 'debugAdapter.js')], { stdio: ['pipe', 'pipe', 'ignore'] });
  const dap = new DapClient(proc);
  const gone = new Promise((r) => proc.once('exit', r));
  let out = '';
  let started: () => void = () => undefined;
  const isStarted = new Promise<void>((r) => (started = r));
  dap.onEvent = (event, body) => {
    if (event === 'output' && body.category === 'stdout') out += String(body.output);
    if (out.includes('started')) started();
  };
  try {
    await dap.request('initialize', { adapterID: 'multiverse', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dap.event('initialized');
    const launched = dap.request('launch', { program: elf, multiverseRoot: root, kernelLog: false, cpus: 1 });
    await initialized;
    await dap.request('configurationDone');
    await launched;
    await isStarted;
    await new Promise((r) => setTimeout(r, 300)); // the threads reach their waits
    const stopped = dap.event<{ threadId: number }>('stopped');
    await dap.request('pause', { threadId: 1 });
    await stopped;
    const t0 = process.hrtime.bigint();
    const th = await dap.request<{ threads: { id: number }[] }>('threads');
    for (const t of th.threads) await dap.request('stackTrace', { threadId: t.id });
    const took = ms(t0);
    const exited = dap.event('terminated');
    await dap.request('continue', { threadId: th.threads[0].id });
    await exited;
    return took;
  } finally {
    await dap.request('disconnect', {}).catch(() => undefined);
    proc.stdin!.end();
    await gone;
  }
}

/** The debugger figures, medians of runs sessions on elf (steps.c built with
 * bin/mvcc -O0); needs dist/debugAdapter.js (npm run build). */
export async function benchDebug(root: string, elf: string, runs: number): Promise<Record<string, number>> {
  const source = join(root, 'test', 'debug', 'programs', 'steps.c');
  const text = readFileSync(source, 'utf8').split('\n');
  const line = (marker: string) => text.findIndex((l) => l.includes(marker)) + 1;
  const lines = { area: line('MARK main area'), write: line('MARK main write'), after: line('MARK after write') };
  const all: number[][] = [];
  for (let i = 0; i < runs; i++) all.push(await oneRun(root, elf, source, lines));
  const col = (k: number) => Number(median(all.map((r) => r[k])).toFixed(2));
  // workers.c sleeps 4 s: at most 3 of these sessions
  const workers = join(dirname(elf), 'workers');
  const cc = spawnSync(join(root, 'bin', 'mvcc'), ['-O0', '-o', workers, join(root, 'test', 'debug', 'programs', 'workers.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`bin/mvcc workers.c failed:\n${cc.stdout}${cc.stderr}`);
  const stacks: number[] = [];
  for (let i = 0; i < Math.min(runs, 3); i++) stacks.push(await threadsRun(root, workers));
  return {
    debug_stop_to_variables_ms: col(0),
    debug_dap_roundtrip_ms: col(1),
    debug_step_forwarded_ms: col(2),
    debug_step_plain_ms: col(3),
    debug_thread_stacks_ms: Number(median(stacks).toFixed(2)),
  };
}
