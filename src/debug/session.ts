// session.ts - the `multiverse` debug adapter: a DAP session that boots the
// hybrid with QEMU's gdb stub waiting (hybrid.ts), drives Debian's gdb through
// MI (mi.ts) and maps each DAP request to MI commands; what a stop shows is in
// variables.ts, faults and panics in faults.ts. The program and the
// aerokernel run in ring 0 in one address space, so one gdb with both symbol
// files sees and stops in either.
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import {
  DebugSession,
  ExitedEvent,
  InitializedEvent,
  OutputEvent,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { locateLauncher, type LauncherPaths } from '../core/launcher';
import { libcSourceDirs, libraryMatcher } from '../core/libc';
import { findRoot, rootAt } from '../core/root';
import { resolveLaunch, type LaunchArgs } from './config';
import { disassemble, readMemory } from './disasm';
import { Breakpoints } from './breakpoints';
import { CATCHES, catchException, leaveException, type Catch, type Exception } from './faults';
import { Hybrid, freePort } from './hybrid';
import { MiClient, list, miQuote, str, tup, type MiAsyncRecord, type MiTuple } from './mi';
import { Target } from './target';
import { ThreadTable, VCPU_ID_BASE, gdbThreads, type GdbThread, type Snapshot } from './threads';
import { threadStack, type StackEntry } from './unwind';
import { Variables } from './variables';

/** Attributes of a `multiverse` attach configuration: a hybrid started with
 * `mv-launch --gdb PORT` (with or without --wait-gdb). */
export interface AttachArgs extends DebugProtocol.AttachRequestArguments {
  port: number;
  host?: string;
  program: string;
  kernel?: string;
  multiverseRoot?: string;
  gdb?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MultiverseSession extends DebugSession {
  private readonly gdb = new MiClient();
  private readonly target = new Target(this.gdb);
  private readonly view = new Variables(this.target);
  private hybrid: Hybrid | undefined;
  private attached = false;
  private state: 'init' | 'stopped' | 'running' | 'ended' = 'init';
  private ended = false;
  private stopOnEntry = false;
  private entryBp: string | undefined;
  private pausing = false;
  private exception: Exception | undefined;
  /** A panic was shown (its final post to the launcher then needs no stop). */
  private panicShown = false;
  /** Internal breakpoints: number -> what they catch. */
  private readonly internal = new Map<string, Catch>();
  private readonly bps = new Breakpoints(this.gdb);
  /** gdb's thread (vCPU) of the last stop. */
  private lastGdb = 1;
  /** The thread shown as stopped at the last stop (DAP id), and its name. */
  private lastId = VCPU_ID_BASE + 1;
  private lastName = 'vCPU 0';
  private readonly table = new ThreadTable(this.target);
  /** The threads of this stop (threads.ts), read once per stop. */
  private snap: Promise<Snapshot> | undefined;
  /** gdb's threads (QEMU creates every vCPU at start: listed once while the
   * kernel's table is read, each stop while the vCPUs themselves are shown). */
  private gdbList: GdbThread[] | undefined;
  private tableWarned = false;
  /** Stacks listed during this stop, by thread: the vCPU gdb reads and the frames. */
  private readonly stacks = new Map<number, { gdb: number; frames: StackEntry[] }>();
  /** The C library's source folders (libc.ts): not stepped into, frames de-emphasized. */
  private libcDirs: string[] = [];
  private isLibrary: (file: string | undefined) => boolean = libraryMatcher();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.gdb.on('exec', (r) => this.onExec(r));
    this.gdb.on('notify', (r) => this.onNotify(r));
    this.gdb.on('error', (e) => this.log(`gdb/MI: ${e.message}\n`));
    this.gdb.on('exit', (code, sig) => {
      if (!this.ended && this.state !== 'init') {
        this.log(`gdb exited (${code ?? sig})\n`);
        void this.finish();
      }
    });
  }

  private log(text: string, category = 'console'): void {
    this.sendEvent(new OutputEvent(text, category));
  }

  private mi(cmd: string) {
    return this.gdb.send(cmd);
  }

  /** Run fn for a request; its failure becomes an error response. */
  private async guard(response: DebugProtocol.Response, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 1001, format: errText(e).replace(/[{}]/g, ''), showUser: true });
    }
  }

  // ---- initialize, launch, attach -----------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsSteppingGranularity: true,
      supportTerminateDebuggee: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsInstructionBreakpoints: true,
      exceptionBreakpointFilters: [
        { filter: 'fault', label: 'Program faults', description: 'Stop where the program dies of a signal (SIGSEGV, SIGFPE, abort...)', default: true },
        { filter: 'panic', label: 'Kernel panics', description: 'Stop where the aerokernel panics', default: true },
      ],
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    await this.guard(response, async () => {
      try {
        await this.launch(args);
      } catch (e) {
        this.ended = true;
        await this.cleanup();
        throw e;
      }
      this.sendEvent(new InitializedEvent());
    });
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse, args: AttachArgs): Promise<void> {
    await this.guard(response, async () => {
      this.attached = true;
      const paths = this.paths(args.multiverseRoot, args.kernel, args.program);
      this.gdb.start(args.gdb ?? 'gdb');
      await this.loadSymbols(resolve(args.program), paths.kernel);
      await this.mi(`-target-select remote ${args.host ?? '127.0.0.1'}:${args.port}`);
      await this.setInternalBreakpoints();
      this.sendEvent(new InitializedEvent());
    });
  }

  /** The launcher and kernel of the checkout. A relative rootDir (the
   * multiverse.root setting may be relative to the workspace folder) is taken
   * from the first of bases that has a checkout there. */
  private paths(rootDir: string | undefined, kernel: string | undefined, program: string, bases: readonly string[] = []): LauncherPaths {
    const rel = rootDir;
    if (rel && !isAbsolute(rel)) {
      const found = [...bases, dirname(resolve(program))].map((b) => resolve(b, rel)).find((d) => rootAt(d));
      if (found) rootDir = found;
    }
    const root = findRoot(rootDir, __dirname) ?? findRoot(undefined, dirname(resolve(program)));
    if (!root) {
      const tried = rootDir ? `multiverseRoot ${rootDir} has no bin/multiverse` : 'multiverseRoot is not set';
      throw new Error(`no Multiverse checkout found (${tried}; none above ${__dirname} or ${dirname(resolve(program))}): set multiverseRoot in the launch configuration, the multiverse.root setting, or $MULTIVERSE_ROOT`);
    }
    this.libcDirs = libcSourceDirs(root.dir).filter((d) => existsSync(d));
    this.isLibrary = libraryMatcher(this.libcDirs);
    return locateLauncher(root.dir, kernel);
  }

  private async launch(args: LaunchArgs): Promise<void> {
    const run = resolveLaunch(args);
    const bases = [args.cwd, args.manifest && dirname(resolve(args.cwd ?? '.', args.manifest))].filter((b): b is string => !!b);
    const paths = this.paths(args.multiverseRoot, args.kernel, run.program, bases);
    this.stopOnEntry = !!args.stopOnEntry;
    const h = new Hybrid(paths, run, await freePort(), args.kernelLog !== false, (text, category) => this.log(text, category));
    this.hybrid = h;
    void h.done.then((status) => this.onHybridExit(status));
    this.gdb.start(args.gdb ?? 'gdb', [], run.cwd);
    await this.loadSymbols(run.program, paths.kernel);
    await h.waitListening();
    await this.mi(`-target-select remote 127.0.0.1:${h.port}`);
    await this.setInternalBreakpoints();
  }

  private async loadSymbols(program: string, kernel: string): Promise<void> {
    await this.mi('-gdb-set mi-async on');
    await this.mi('-gdb-set pagination off');
    await this.mi('-gdb-set confirm off');
    await this.mi(`-file-exec-and-symbols ${miQuote(program)}`);
    // MI has no command for a second symbol file; the CLI command's output is not read
    await this.mi(`-interpreter-exec console ${miQuote(`add-symbol-file ${kernel.replace(/([\\" ])/g, '\\$1')}`)}`);
    // step does not enter the C library (it has line information, as the
    // program has): one glob per depth, gdb's * does not cross a '/'
    for (const dir of this.libcDirs) {
      for (let depth = 1; depth <= 4; depth++) {
        const glob = `${dir}${'/*'.repeat(depth)}`.replace(/([\\" ])/g, '\\$1');
        await this.mi(`-interpreter-exec console ${miQuote(`skip -gfi ${glob}`)}`);
      }
    }
  }

  /** Breakpoints that turn a dying program or a panicking kernel into a stop. */
  private async setInternalBreakpoints(): Promise<void> {
    for (const c of CATCHES) {
      try {
        const r = await this.mi(`-break-insert ${c.condition ? `-c ${miQuote(c.condition)} ` : ''}${miQuote(c.location)}`);
        const n = str(tup(r.results, 'bkpt'), 'number');
        if (n) this.internal.set(n, c.what);
      } catch (e) {
        this.log(`multiverse: no stop at ${c.what} (${errText(e)}): is the kernel ELF the aerokernel?\n`, 'stderr');
      }
    }
  }

  /** Turn the fault and panic stops on or off (the Breakpoints view's exception filters). */
  protected override async setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<void> {
    await this.guard(response, async () => {
      const on = new Set(args.filters);
      await this.withStopped(async () => {
        for (const [n, what] of this.internal) {
          const enable = on.has(what === 'fault' ? 'fault' : 'panic');
          await this.mi(`${enable ? '-break-enable' : '-break-disable'} ${n}`);
        }
      });
    });
  }

  protected override async configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): Promise<void> {
    await this.guard(response, async () => {
      if (this.stopOnEntry) {
        // main, or the ELF's entry point in a program without one
        const r = await this.mi('-break-insert -t main').catch(() => this.mi('-break-insert -t *_start'));
        this.entryBp = str(tup(r.results, 'bkpt'), 'number');
      }
      await this.resume('-exec-continue');
    });
  }

  // ---- ending ---------------------------------------------------------------

  private async onHybridExit(status: number): Promise<void> {
    if (!this.ended) this.sendEvent(new ExitedEvent(status));
    await this.finish();
  }

  /** The run is over: end what is left, tell the client once. */
  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.state = 'ended';
    await this.cleanup();
    this.sendEvent(new TerminatedEvent());
  }

  /** End the launcher (which ends QEMU) and gdb; remove temporary files. */
  private async cleanup(): Promise<void> {
    await this.hybrid?.stop();
    await this.gdb.stop();
  }

  /** The adapter is going away (client gone): end the children now, synchronously. */
  killChildren(): void {
    this.hybrid?.dispose();
    const gdbPid = this.gdb.pid;
    if (gdbPid && this.gdb.running) {
      try {
        process.kill(gdbPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  override shutdown(): void {
    this.killChildren();
    super.shutdown();
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.guard(response, async () => {
      if (this.attached) await this.detach();
      await this.finish();
    });
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): Promise<void> {
    await this.guard(response, async () => {
      if (this.attached && args?.terminateDebuggee !== true) await this.detach();
      this.ended = true;
      await this.cleanup();
    });
  }

  private async detach(): Promise<void> {
    if (!this.gdb.running) return;
    try {
      await this.leaveException();
      if (this.state === 'running') await this.interrupt();
      await this.mi('-break-delete');
      await this.mi('-target-detach');
    } catch (e) {
      this.log(`detach: ${errText(e)}\n`, 'stderr');
    }
  }

  // ---- breakpoints -----------------------------------------------------------

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    await this.guard(response, async () => {
      const path = args.source.path;
      if (!path) throw new Error('breakpoints need a source file on disk');
      await this.withStopped(async () => {
        response.body = { breakpoints: await this.bps.setSource(path, args.breakpoints ?? []) };
      });
    });
  }

  protected override async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    await this.guard(response, () => this.withStopped(async () => {
      response.body = { breakpoints: await this.bps.setFunctions(args.breakpoints) };
    }));
  }

  protected override async setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): Promise<void> {
    await this.guard(response, () => this.withStopped(async () => {
      response.body = { breakpoints: await this.bps.setInstructions(args.breakpoints) };
    }));
  }

  /** gdb changes breakpoints only while the target is stopped: interrupt a
   * running target for fn, then let it run on (or, if it stopped by itself
   * meanwhile, at a breakpoint say, report that stop). */
  private async withStopped(fn: () => Promise<void>): Promise<void> {
    if (this.state !== 'running') return fn();
    const stop = await this.interrupt();
    let own: MiTuple | undefined;
    try {
      await fn();
      if (stop && str(stop, 'reason') !== 'signal-received') own = stop;
    } finally {
      if (!own) await this.resume('-exec-continue');
    }
    if (own) await this.onStopped(own);
  }

  /** Stop a running target without a stopped event; resolves with gdb's stop record. */
  private quietStop: ((s: MiTuple) => void) | undefined;
  private async interrupt(): Promise<MiTuple | undefined> {
    const stopped = new Promise<MiTuple>((res) => (this.quietStop = res));
    await this.mi('-exec-interrupt --all');
    const s = await Promise.race([stopped, sleep(5000).then(() => undefined)]);
    this.quietStop = undefined;
    return s;
  }

  // ---- execution --------------------------------------------------------------

  /** Let the target run: after every register borrowed for a look at a
   * frame has been put back (target.exclusive), with this stop forgotten. */
  private async resume(cmd: string): Promise<void> {
    await this.target.exclusive(async () => {
      await this.leaveException();
      await this.view.reset();
      this.stacks.clear();
      this.snap = undefined;
      this.state = 'running';
      await this.mi(cmd);
    });
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    response.body = { allThreadsContinued: true };
    await this.guard(response, () => this.resume('-exec-continue'));
  }

  /** A step from a fault or panic stop has nowhere to go: the run ends. A
   * step applies to the vCPU that runs the thread; a thread that is on no
   * vCPU (blocked, runnable) cannot be stepped: all threads continue
   * instead (it stops at the next breakpoint it reaches). */
  private async step(id: number, cmd: string): Promise<void> {
    if (this.exception) return this.resume('-exec-continue');
    const snap = await this.snapshot();
    const gdb = snap.vcpuOf(id);
    if (gdb === undefined) {
      this.log(`multiverse: ${snap.nameOf(id) ?? `thread ${id}`} is on no vCPU and cannot be stepped: continuing all threads\n`);
      return this.resume('-exec-continue');
    }
    await this.resume(`${cmd} --thread ${gdb}`);
  }

  protected override async nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): Promise<void> {
    await this.guard(response, () => this.step(args.threadId, args.granularity === 'instruction' ? '-exec-next-instruction' : '-exec-next'));
  }

  protected override async stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): Promise<void> {
    await this.guard(response, () => this.step(args.threadId, args.granularity === 'instruction' ? '-exec-step-instruction' : '-exec-step'));
  }

  protected override async stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): Promise<void> {
    await this.guard(response, () => this.step(args.threadId, '-exec-finish'));
  }

  protected override async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    await this.guard(response, async () => {
      if (this.state !== 'running') return;
      this.pausing = true;
      await this.mi('-exec-interrupt --all');
    });
  }

  private onNotify(r: MiAsyncRecord): void {
    if (r.cls === 'thread-group-exited' && this.attached) void this.finish();
  }

  private onExec(r: MiAsyncRecord): void {
    if (r.cls === 'running') {
      this.state = 'running';
      return;
    }
    if (r.cls !== 'stopped') return;
    if (this.state === 'init' || this.ended) return; // the stop at connection
    this.state = 'stopped';
    this.stacks.clear();
    this.snap = undefined;
    if (this.quietStop) {
      this.quietStop(r.results);
      return;
    }
    void this.onStopped(r.results).catch((e) => this.log(`multiverse: handling a stop failed: ${errText(e)}\n`, 'stderr'));
  }

  private async onStopped(s: MiTuple): Promise<void> {
    const reason = str(s, 'reason') ?? '';
    const thread = Number(str(s, 'thread-id') ?? this.lastGdb);
    this.lastGdb = thread;
    const bkpt = str(s, 'bkptno');
    if (reason === 'breakpoint-hit' && bkpt && this.internal.has(bkpt)) {
      await this.onInternalStop(this.internal.get(bkpt)!, thread);
      return;
    }
    if (reason === 'exited' || reason === 'exited-normally' || reason === 'exited-signalled') return;
    let dapReason = 'step';
    let text: string | undefined;
    if (reason === 'breakpoint-hit') {
      dapReason = bkpt === this.entryBp ? 'entry' : bkpt && this.bps.isFunction(bkpt) ? 'function breakpoint' : 'breakpoint';
    } else if (reason === 'signal-received') {
      dapReason = this.pausing ? 'pause' : 'exception';
      text = this.pausing ? undefined : str(s, 'signal-name');
    } else if (!reason && this.pausing) {
      dapReason = 'pause';
    }
    this.pausing = false;
    // a pause shows a program thread even when the vCPU that stopped idles
    const ev = new StoppedEvent(dapReason, await this.stoppedThread(thread, dapReason === 'pause'), text) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (dapReason.endsWith('breakpoint') && bkpt) ev.body.hitBreakpointIds = [Number(bkpt)];
    this.sendEvent(ev);
  }

  // ---- faults and panics ---------------------------------------------------------

  private async onInternalStop(what: Catch, thread: number): Promise<void> {
    if (what === 'panic-post' && this.panicShown) {
      await this.resume('-exec-continue'); // panic_trap already stopped for this panic
      return;
    }
    this.panicShown ||= what !== 'fault';
    const exc = await catchException(this.target, what, thread);
    this.exception = exc;
    const ev = new StoppedEvent('exception', await this.stoppedThread(thread), exc.id) as DebugProtocol.StoppedEvent;
    ev.body.description = exc.description;
    ev.body.allThreadsStopped = true;
    this.sendEvent(ev);
  }

  private async leaveException(): Promise<void> {
    const e = this.exception;
    this.exception = undefined;
    if (e) await leaveException(this.target, e);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const e = this.exception;
    response.body = { exceptionId: e?.id ?? 'unknown', description: e?.description ?? 'no exception', breakMode: 'always' };
    this.sendResponse(response);
  }

  // ---- threads, stacks, variables ---------------------------------------------------

  protected override async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    await this.guard(response, async () => {
      // while the target runs gdb cannot list threads; DAP still wants one
      if (this.state !== 'stopped') {
        response.body = { threads: [new Thread(this.lastId, this.lastName)] };
        return;
      }
      const snap = await this.snapshot();
      response.body = { threads: snap.threads.map((t) => new Thread(t.id, t.name)) };
    });
  }

  /** The threads of this stop: the aerokernel's (threads.ts), or the vCPUs. */
  private snapshot(): Promise<Snapshot> {
    this.snap ??= (async () => {
      this.gdbList ??= gdbThreads((await this.mi('-thread-info')).results);
      const snap = await this.table.snapshot(this.gdbList, (text) => {
        if (!this.tableWarned) this.log(text, 'stderr');
        this.tableWarned = true;
      });
      if (!snap.fromTable) this.gdbList = undefined;
      return snap;
    })();
    return this.snap;
  }

  /** The DAP thread to report for a stop of gdb thread (vCPU) gdb. */
  private async stoppedThread(gdb: number, preferProgram = false): Promise<number> {
    let id = VCPU_ID_BASE + gdb;
    let name = `vCPU ${gdb - 1}`;
    try {
      const snap = await this.snapshot();
      id = snap.idOfStop(gdb, preferProgram);
      name = snap.nameOf(id) ?? name;
    } catch (e) {
      this.log(`multiverse: no thread list at this stop (${errText(e)})\n`, 'stderr');
    }
    this.lastId = id;
    this.lastName = name;
    return id;
  }

  /** gdb's frames of a thread (to 200), without a final frame at address 0. */
  private async gdbFrames(thread: number): Promise<MiTuple[]> {
    const r = await this.mi(`-stack-list-frames --thread ${thread} 0 199`);
    const frames = list(r.results, 'stack') as MiTuple[];
    while (frames.length > 1 && /^0x0+$/.test(str(frames[frames.length - 1], 'addr') ?? '')) frames.pop();
    return frames;
  }

  /** Thread id's stack for this stop (unwind.ts), and the vCPU gdb reads it
   * on: gdb's frames of the vCPU that runs the thread, or, for a thread on
   * no vCPU, of the stopped vCPU with the thread's saved context put in;
   * stopped in program code without line information, that frame and its
   * nearest caller with lines and on; below the kernel's entry stub, the
   * program's frames that entered the kernel. Cached until the target runs. */
  private async stack(id: number): Promise<{ gdb: number; frames: StackEntry[] }> {
    const cached = this.stacks.get(id);
    if (cached) return cached;
    const where = await (await this.snapshot()).locate(id, this.lastGdb);
    const gdb = where.gdb;
    const list = () => this.gdbFrames(gdb);
    const frames = await this.target.exclusive(async () => {
      try {
        return await threadStack(this.target, gdb, list, where.regs, where.kstackTop, !!this.exception);
      } catch (e) {
        this.log(`multiverse: the program's frames could not be completed (${errText(e)})\n`, 'stderr');
        // gdb's own frames (for a switched-out thread, from its saved context)
        return where.regs ? (await this.target.withRegisters(gdb, where.regs, list)).map((f, i) => ({ f, regs: where.regs, inCall: i === 0 })) : (await list()).map((f) => ({ f }));
      }
    });
    const out = { gdb, frames };
    this.stacks.set(id, out);
    return out;
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    await this.guard(response, async () => {
      const { gdb, frames } = await this.stack(args.threadId);
      const panicking = this.exception && !this.exception.saved;
      const start = args.startFrame ?? 0;
      const count = args.levels ? Math.min(args.levels, frames.length - start) : frames.length - start;
      const out: DebugProtocol.StackFrame[] = [];
      for (const { f, regs, inCall } of frames.slice(start, start + count)) {
        const level = Number(str(f, 'level'));
        const func = str(f, 'func');
        const at = str(f, 'addr') ?? '';
        const addr = inCall && at ? `0x${(BigInt(at) + 1n).toString(16).padStart(16, '0')}` : at;
        const file = str(f, 'fullname') ?? str(f, 'file');
        const line = Number(str(f, 'line') ?? 0);
        const id = this.view.frameId({ thread: gdb, level, regs });
        const src = file && existsSync(file) ? new Source(basename(file), file) : undefined;
        const sf: DebugProtocol.StackFrame = new StackFrame(id, func && func !== '??' ? func : addr, src, line, 1);
        sf.instructionPointerReference = addr;
        // at a panic the panic machinery's own frames are not the place to look
        if (!src || this.isLibrary(file) || (panicking && (func === 'fwd_post_final' || func === 'mv_panic'))) {
          sf.presentationHint = 'subtle';
          if (src) (src as DebugProtocol.Source).presentationHint = 'deemphasize';
        }
        out.push(sf);
      }
      response.body = { stackFrames: out, totalFrames: frames.length };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    try {
      response.body = { scopes: this.view.scopes(args.frameId) };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1002, errText(e));
    }
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.guard(response, async () => {
      response.body = { variables: await this.view.variables(args.variablesReference, args.start, args.count) };
    });
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.guard(response, async () => {
      response.body = { value: await this.view.setVariable(args.variablesReference, args.name, args.value) };
    });
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.guard(response, async () => {
      if (this.state !== 'stopped') throw new Error('the hybrid is running: pause it to evaluate');
      const f = args.frameId !== undefined ? this.view.frame(args.frameId) : { thread: this.lastGdb, level: 0 };
      if (args.context === 'repl' && args.expression.startsWith('-exec ')) {
        response.body = { result: await this.view.command(args.expression.slice(6), f), variablesReference: 0 };
        return;
      }
      const v = await this.view.evaluate(args.expression, f);
      response.body = {
        result: v.value, type: v.type, variablesReference: v.variablesReference,
        indexedVariables: v.indexedVariables, memoryReference: v.memoryReference,
      };
    });
  }

  protected override async disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): Promise<void> {
    await this.guard(response, async () => {
      if (this.state !== 'stopped') throw new Error('the hybrid is running: pause it to disassemble');
      const base = BigInt(args.memoryReference) + BigInt(args.offset ?? 0);
      response.body = { instructions: await disassemble(this.gdb, base, args.instructionOffset ?? 0, args.instructionCount) };
    });
  }

  protected override async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    await this.guard(response, async () => {
      if (this.state !== 'stopped') throw new Error('the hybrid is running: pause it to read memory');
      response.body = await readMemory(this.gdb, BigInt(args.memoryReference) + BigInt(args.offset ?? 0), args.count);
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response): void {
    if (command === 'multiverse/processes') {
      response.body = { launcher: this.hybrid?.pid, gdb: this.gdb.pid };
      this.sendResponse(response);
      return;
    }
    this.sendErrorResponse(response, 1003, `unknown request ${command}`);
  }
}
