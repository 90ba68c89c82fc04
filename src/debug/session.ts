// session.ts - the `multiverse` debug adapter: a DAP session that boots the
// hybrid with QEMU's gdb stub waiting, drives Debian's gdb through MI
// (mi.ts) and maps each DAP request to MI commands. Both the program and
// the aerokernel run in ring 0 in one address space, so one gdb with both
// symbol files sees and stops in either.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  Breakpoint,
  DebugSession,
  ExitedEvent,
  Handles,
  InitializedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { MV_KERNEL_VIRT, MV_REPORT_ADDR } from '../core/generated/abi';
import { launchArgv, locateLauncher, type LauncherPaths } from '../core/launcher';
import { findRoot } from '../core/root';
import { resolveLaunch, type LaunchArgs } from './config';
import { describeSignal, describeVector, signalName } from './faults';
import { MiClient, list, miQuote, str, tup, type MiAsyncRecord, type MiTuple } from './mi';
import { threadFromMi } from './threads';

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

type VarRef =
  | { kind: 'locals' | 'args' | 'registers'; thread: number; level: number }
  | { kind: 'varobj'; name: string; thread: number; level: number; indexed: boolean };

/** Why the program is stopped at a fault or panic. */
interface Exception {
  id: string;
  description: string;
  /** Registers saved before the faulting context was put in their place. */
  saved?: Map<string, string>;
  thread: number;
}

/** Registers shown in the Registers scope (besides these: vector registers, x87). */
const SHOWN_REGS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base', 'k_gs_base', 'cr0', 'cr2', 'cr3', 'cr4', 'efer',
];
/** The registers a struct trapframe holds, as gdb names them (trapframe field names differ only for rflags). */
const FRAME_REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags'];
const MV_REQ_PANIC = 4;
/** Arrays with more elements than this are paged (indexedVariables). */
const PAGE_ARRAYS = 100;
const CONNECT_TIMEOUT_MS = 20_000;

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => (port ? res(port) : rej(new Error('no free port'))));
    });
  });
}

/** Is something listening on 127.0.0.1:port? (/proc/net/tcp, no connection made:
 * QEMU's stub takes a single client). */
function listening(port: number): boolean {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .some((l) => {
        const f = l.trim().split(/\s+/);
        return f[1] === want && f[3] === '0A';
      });
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MultiverseSession extends DebugSession {
  private gdb = new MiClient();
  private launcher: ChildProcess | undefined;
  private launcherDone: Promise<number> | undefined;
  private tmp: string | undefined;
  private logPos = 0;
  private logTimer: NodeJS.Timeout | undefined;
  private attached = false;
  private state: 'init' | 'stopped' | 'running' | 'ended' = 'init';
  private stopOnEntry = false;
  private entryBp: string | undefined;
  private pausing = false;
  private ended = false;
  private exception: Exception | undefined;
  /** A panic was shown (its final post to the launcher then needs no stop). */
  private panicShown = false;
  /** Internal breakpoints: number -> what they catch. */
  private readonly internal = new Map<string, 'fault' | 'panic-trap' | 'panic-post'>();
  /** User breakpoints by source path, function breakpoints. */
  private readonly sourceBps = new Map<string, string[]>();
  private functionBps: string[] = [];
  private readonly functionBpSet = new Set<string>();
  private frames = new Handles<{ thread: number; level: number }>();
  private vars = new Handles<VarRef>();
  private varobjs: string[] = [];
  private regNames: string[] | undefined;
  private lastThread = 1;

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
      supportsValueFormattingOptions: false,
      supportTerminateDebuggee: true,
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    await this.guard(response, async () => {
      try {
        await this.launch(args);
      } catch (e) {
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

  /** The launcher and kernel of the checkout. */
  private paths(rootDir: string | undefined, kernel: string | undefined, program: string): LauncherPaths {
    const root = findRoot(rootDir, __dirname) ?? findRoot(undefined, dirname(resolve(program)));
    if (!root) throw new Error('no Multiverse checkout found: set multiverseRoot in the launch configuration or $MULTIVERSE_ROOT');
    return locateLauncher(root.dir, kernel);
  }

  private async launch(args: LaunchArgs): Promise<void> {
    const run = resolveLaunch(args);
    const { program, cwd } = run;
    const paths = this.paths(args.multiverseRoot, args.kernel, program);
    this.stopOnEntry = !!args.stopOnEntry;
    const port = await freePort();
    this.tmp = mkdtempSync(join(tmpdir(), 'mv-debug-'));
    const logFile = join(this.tmp, 'kernel.log');
    const argv = launchArgv({
      ...run.options, gdbPort: port, waitGdb: true, log: args.kernelLog === false ? undefined : logFile,
    }, paths.kernel);
    const stdin = run.stdin ? openSync(run.stdin, 'r') : 'ignore';
    const l = spawn(paths.launcher, argv, { cwd, env: { ...process.env, ...run.env }, stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') closeSync(stdin);
    this.launcher = l;
    l.stdout!.on('data', (d: Buffer) => this.log(d.toString('utf8'), 'stdout'));
    l.stderr!.on('data', (d: Buffer) => this.log(d.toString('utf8'), 'stderr'));
    this.launcherDone = new Promise((res) => {
      l.once('error', (e) => {
        this.log(`cannot start ${paths.launcher}: ${e.message}\n`, 'stderr');
        res(125);
      });
      l.once('close', (code, sig) => res(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGTERM' ? 15 : 0)));
    });
    void this.launcherDone.then((status) => this.onLauncherExit(status));
    if (args.kernelLog !== false) this.logTimer = setInterval(() => this.pumpKernelLog(logFile), 250);

    this.gdb.start(args.gdb ?? 'gdb', [], cwd);
    await this.loadSymbols(program, paths.kernel);
    await this.waitListening(port);
    await this.mi(`-target-select remote 127.0.0.1:${port}`);
    await this.setInternalBreakpoints();
  }

  private async loadSymbols(program: string, kernel: string): Promise<void> {
    await this.mi('-gdb-set mi-async on');
    await this.mi('-gdb-set pagination off');
    await this.mi('-gdb-set confirm off');
    await this.mi(`-file-exec-and-symbols ${miQuote(program)}`);
    // MI has no command for a second symbol file; the CLI command's output is not read
    await this.mi(`-interpreter-exec console ${miQuote(`add-symbol-file ${kernel.replace(/([\\" ])/g, '\\$1')}`)}`);
  }

  /** Poll until QEMU's stub listens; fail early if the launcher ends. */
  private async waitListening(port: number): Promise<void> {
    const until = Date.now() + CONNECT_TIMEOUT_MS;
    while (!listening(port)) {
      if (this.ended || this.launcher?.exitCode != null) throw new Error('the hybrid ended before its gdb stub listened (see the debug console)');
      if (Date.now() > until) throw new Error(`QEMU's gdb stub did not listen on port ${port} within ${CONNECT_TIMEOUT_MS / 1000} s`);
      await sleep(15);
    }
  }

  /** Breakpoints that turn a dying program or a panicking kernel into a stop. Set at
   * the functions' first instruction, where the arguments are in rdi, rsi... */
  private async setInternalBreakpoints(): Promise<void> {
    const add = async (loc: string, what: 'fault' | 'panic-trap' | 'panic-post', cond?: string) => {
      try {
        const r = await this.mi(`-break-insert ${cond ? `-c ${miQuote(cond)} ` : ''}${miQuote(loc)}`);
        const n = str(tup(r.results, 'bkpt'), 'number');
        if (n) this.internal.set(n, what);
      } catch (e) {
        this.log(`multiverse: no ${what} stop (${errText(e)}): is the kernel ELF the aerokernel?\n`, 'stderr');
      }
    };
    await add('*trap_program_dies', 'fault');
    await add('*panic_trap', 'panic-trap');
    await add('*fwd_post_final', 'panic-post', `(unsigned int)$rdi == ${MV_REQ_PANIC}`);
  }

  protected override async configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): Promise<void> {
    await this.guard(response, async () => {
      if (this.stopOnEntry) {
        const r = await this.mi('-break-insert -t main');
        this.entryBp = str(tup(r.results, 'bkpt'), 'number');
      }
      await this.resume('-exec-continue');
    });
  }

  // ---- ending ---------------------------------------------------------------

  private pumpKernelLog(file: string): void {
    let fd: number | undefined;
    try {
      const size = statSync(file).size;
      if (size <= this.logPos) return;
      fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - this.logPos);
      const n = readSync(fd, buf, 0, buf.length, this.logPos);
      const cut = buf.subarray(0, n).lastIndexOf(0x0a) + 1; // whole lines only
      if (cut === 0) return;
      this.logPos += cut;
      const text = buf.subarray(0, cut).toString('utf8').replace(/\r\n/g, '\n');
      this.log(text.replace(/^(?=.)/gm, '[kernel] '), 'console');
    } catch {
      // not written yet
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private async onLauncherExit(status: number): Promise<void> {
    if (this.tmp) this.pumpKernelLog(join(this.tmp, 'kernel.log'));
    if (!this.ended) this.sendEvent(new ExitedEvent(status));
    await this.finish();
  }

  /** The run is over: end gdb, tell the client once. */
  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.state = 'ended';
    await this.cleanup();
    this.sendEvent(new TerminatedEvent());
  }

  /** End the launcher (which ends QEMU) and gdb, remove temporary files. */
  private async cleanup(): Promise<void> {
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = undefined;
    const l = this.launcher;
    if (l && l.exitCode === null && l.signalCode === null) {
      l.kill('SIGTERM');
      const t = setTimeout(() => l.kill('SIGKILL'), 3000);
      await this.launcherDone;
      clearTimeout(t);
    }
    await this.gdb.stop();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = undefined;
  }

  /** The adapter is going away (client gone): end the children now, synchronously. */
  killChildren(): void {
    const l = this.launcher;
    if (l && l.exitCode === null && l.signalCode === null) l.kill('SIGTERM');
    const gdbPid = this.gdb.pid;
    if (gdbPid && this.gdb.running) {
      try {
        process.kill(gdbPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
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
      await this.restoreRegisters();
      if (this.state === 'running') await this.interrupt();
      await this.mi('-break-delete');
      await this.mi('-target-detach');
    } catch (e) {
      this.log(`detach: ${errText(e)}\n`, 'stderr');
    }
  }

  // ---- breakpoints -----------------------------------------------------------

  private hitOption(hit: string | undefined): string {
    if (!hit || !hit.trim()) return '';
    const m = /^\s*(?:>=|==)?\s*(\d+)\s*$/.exec(hit);
    if (!m) throw new Error(`hit condition '${hit}' is not understood: use N or >= N (stop from the N-th hit on)`);
    const n = Number(m[1]);
    return n > 1 ? `-i ${n - 1} ` : '';
  }

  private bpFrom(r: MiTuple | undefined, fallbackLine?: number): DebugProtocol.Breakpoint {
    const b = tup(r, 'bkpt');
    const loc = b && (str(b, 'line') ? b : (list(b, 'locations')[0] as MiTuple | undefined));
    const line = Number(str(loc, 'line') ?? fallbackLine);
    const file = str(loc, 'fullname');
    const pending = !!(b && str(b, 'pending'));
    const bp = new Breakpoint(!pending, Number.isFinite(line) ? line : undefined, undefined, file ? new Source(basename(file), file) : undefined);
    (bp as DebugProtocol.Breakpoint).id = Number(str(b, 'number'));
    return bp;
  }

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    await this.guard(response, async () => {
      const path = args.source.path;
      if (!path) throw new Error('breakpoints need a source file on disk');
      await this.withStopped(async () => {
        const old = this.sourceBps.get(path) ?? [];
        if (old.length) await this.mi(`-break-delete ${old.join(' ')}`);
        const ids: string[] = [];
        const out: DebugProtocol.Breakpoint[] = [];
        for (const sbp of args.breakpoints ?? []) {
          try {
            const cond = sbp.condition ? `-c ${miQuote(sbp.condition)} ` : '';
            const r = await this.mi(`-break-insert -f ${cond}${this.hitOption(sbp.hitCondition)}--source ${miQuote(path)} --line ${sbp.line}`);
            const bp = this.bpFrom(r.results, sbp.line);
            ids.push(String(bp.id));
            out.push(bp);
          } catch (e) {
            const bp: DebugProtocol.Breakpoint = new Breakpoint(false, sbp.line);
            bp.message = errText(e);
            out.push(bp);
          }
        }
        this.sourceBps.set(path, ids);
        response.body = { breakpoints: out };
      });
    });
  }

  protected override async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    await this.guard(response, async () => {
      await this.withStopped(async () => {
        if (this.functionBps.length) await this.mi(`-break-delete ${this.functionBps.join(' ')}`);
        this.functionBps = [];
        this.functionBpSet.clear();
        const out: DebugProtocol.Breakpoint[] = [];
        for (const fbp of args.breakpoints) {
          try {
            const cond = fbp.condition ? `-c ${miQuote(fbp.condition)} ` : '';
            const r = await this.mi(`-break-insert -f ${cond}${this.hitOption(fbp.hitCondition)}${miQuote(fbp.name)}`);
            const bp = this.bpFrom(r.results);
            this.functionBps.push(String(bp.id));
            this.functionBpSet.add(String(bp.id));
            out.push(bp);
          } catch (e) {
            const bp: DebugProtocol.Breakpoint = new Breakpoint(false);
            bp.message = errText(e);
            out.push(bp);
          }
        }
        response.body = { breakpoints: out };
      });
    });
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

  private async resume(cmd: string): Promise<void> {
    await this.restoreRegisters();
    await this.dropStopState();
    this.state = 'running';
    await this.mi(cmd);
  }

  private async dropStopState(): Promise<void> {
    const names = this.varobjs;
    this.varobjs = [];
    for (const n of names) await this.mi(`-var-delete ${n}`).catch(() => undefined);
    this.frames.reset();
    this.vars.reset();
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    response.body = { allThreadsContinued: true };
    await this.guard(response, () => this.resume('-exec-continue'));
  }

  /** A step from a fault or panic stop has nowhere to go: the run ends. */
  private async step(thread: number, cmd: string): Promise<void> {
    if (this.exception) return this.resume('-exec-continue');
    await this.resume(`${cmd} --thread ${thread}`);
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
    if (this.quietStop) {
      this.quietStop(r.results);
      return;
    }
    void this.onStopped(r.results).catch((e) => this.log(`multiverse: handling a stop failed: ${errText(e)}\n`, 'stderr'));
  }

  private async onStopped(s: MiTuple): Promise<void> {
    const reason = str(s, 'reason') ?? '';
    const thread = Number(str(s, 'thread-id') ?? this.lastThread);
    this.lastThread = thread;
    const bkpt = str(s, 'bkptno');
    if (reason === 'breakpoint-hit' && bkpt && this.internal.has(bkpt)) {
      await this.onInternalStop(this.internal.get(bkpt)!, thread);
      return;
    }
    let dapReason = 'step';
    let text: string | undefined;
    if (reason === 'breakpoint-hit') {
      dapReason = bkpt === this.entryBp ? 'entry' : bkpt && this.functionBpSet.has(bkpt) ? 'function breakpoint' : 'breakpoint';
    } else if (reason === 'signal-received') {
      dapReason = this.pausing ? 'pause' : 'exception';
      text = this.pausing ? undefined : str(s, 'signal-name');
    } else if (reason === 'exited' || reason === 'exited-normally' || reason === 'exited-signalled') {
      return;
    } else if (!reason && this.pausing) {
      dapReason = 'pause';
    }
    this.pausing = false;
    const ev = new StoppedEvent(dapReason, thread, text) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (dapReason.endsWith('breakpoint') && bkpt) ev.body.hitBreakpointIds = [Number(bkpt)];
    this.sendEvent(ev);
  }

  // ---- faults and panics ---------------------------------------------------------

  private async evalNum(thread: number, expr: string): Promise<bigint> {
    const r = await this.mi(`-data-evaluate-expression --thread ${thread} --frame 0 ${miQuote(`(unsigned long)(${expr})`)}`);
    return BigInt(str(r.results, 'value') ?? '0');
  }

  private async onInternalStop(what: 'fault' | 'panic-trap' | 'panic-post', thread: number): Promise<void> {
    if (what === 'panic-post' && this.panicShown) {
      await this.resume('-exec-continue'); // panic_trap already stopped for this panic
      return;
    }
    this.panicShown ||= what !== 'fault';
    let exc: Exception;
    if (what === 'fault') {
      const sig = Number(await this.evalNum(thread, '$rsi'));
      const vector = Number(BigInt.asIntN(32, await this.evalNum(thread, '$rdx')));
      const addr = await this.evalNum(thread, '$rcx');
      exc = { id: signalName(sig), description: describeSignal(sig, vector, addr), thread };
      exc.saved = await this.enterTrapFrame(thread, '$rdi');
    } else if (what === 'panic-trap') {
      const vector = Number(await this.evalNum(thread, '((struct trapframe *)$rdi)->vector'));
      const rip = await this.evalNum(thread, '((struct trapframe *)$rdi)->rip');
      const whatText = await this.readString(thread, '$rsi', 128);
      exc = { id: 'kernel panic', description: `kernel panic: ${whatText || describeVector(vector)} in kernel code at 0x${rip.toString(16)}`, thread };
      exc.saved = await this.enterTrapFrame(thread, '$rdi');
    } else {
      const text = await this.readString(thread, `((struct mv_report *)${MV_KERNEL_VIRT + BigInt(MV_REPORT_ADDR)})->text`, 1024);
      exc = { id: 'kernel panic', description: `kernel panic: ${text}`, thread };
    }
    this.exception = exc;
    const ev = new StoppedEvent('exception', thread, exc.id) as DebugProtocol.StoppedEvent;
    ev.body.description = exc.description;
    ev.body.allThreadsStopped = true;
    this.sendEvent(ev);
  }

  /** A NUL-terminated string at the address expr, read as bytes. */
  private async readString(thread: number, expr: string, max: number): Promise<string> {
    const addr = await this.evalNum(thread, expr);
    const r = await this.mi(`-data-read-memory-bytes --thread ${thread} 0x${addr.toString(16)} ${max}`);
    const hex = str(list(r.results, 'memory')[0], 'contents') ?? '';
    const bytes = Buffer.from(hex, 'hex');
    const nul = bytes.indexOf(0);
    return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString('utf8');
  }

  /** Make the CPU's registers those of the trap frame at tfExpr (the faulting
   * code's), so that gdb unwinds, shows and evaluates the faulting frame.
   * Returns the registers to put back before the target runs again. */
  private async enterTrapFrame(thread: number, tfExpr: string): Promise<Map<string, string>> {
    const tfAddr = await this.evalNum(thread, tfExpr);
    const values = new Map<string, bigint>();
    for (const reg of FRAME_REGS) {
      const field = reg === 'eflags' ? 'rflags' : reg;
      values.set(reg, await this.evalNum(thread, `((struct trapframe *)${tfAddr})->${field}`));
    }
    const saved = await this.readRegisters(thread, FRAME_REGS, 'x');
    for (const [reg, v] of values) await this.writeRegister(thread, reg, `0x${v.toString(16)}`);
    return saved;
  }

  private async restoreRegisters(): Promise<void> {
    const exc = this.exception;
    this.exception = undefined;
    if (!exc?.saved) return;
    for (const [reg, v] of exc.saved) await this.writeRegister(exc.thread, reg, v);
  }

  private async writeRegister(thread: number, reg: string, value: string): Promise<void> {
    await this.mi(`-data-evaluate-expression --thread ${thread} --frame 0 ${miQuote(`$${reg} = ${value}`)}`);
  }

  private async registerNames(): Promise<string[]> {
    if (!this.regNames) {
      const r = await this.mi('-data-list-register-names');
      this.regNames = list(r.results, 'register-names').map((v) => (typeof v === 'string' ? v : ''));
    }
    return this.regNames;
  }

  /** Registers by name in a format (x: hex, N: natural) for a frame. */
  private async readRegisters(thread: number, names: readonly string[], fmt: string, level = 0): Promise<Map<string, string>> {
    const all = await this.registerNames();
    const nums = names.map((n) => all.indexOf(n)).filter((i) => i >= 0);
    const r = await this.mi(`-data-list-register-values --thread ${thread} --frame ${level} --skip-unavailable ${fmt} ${nums.join(' ')}`);
    const out = new Map<string, string>();
    for (const v of list(r.results, 'register-values')) {
      const name = all[Number(str(v, 'number'))];
      const value = str(v, 'value');
      if (name && value !== undefined) out.set(name, value);
    }
    return out;
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const e = this.exception;
    response.body = { exceptionId: e?.id ?? 'unknown', description: e?.description ?? 'no exception', breakMode: 'always' };
    this.sendResponse(response);
  }

  // ---- threads, stacks, variables ---------------------------------------------------

  protected override async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    await this.guard(response, async () => {
      if (this.state !== 'stopped') {
        response.body = { threads: [new Thread(this.lastThread, `vCPU ${this.lastThread - 1}`)] };
        return;
      }
      const r = await this.mi('-thread-info');
      const threads = list(r.results, 'threads')
        .map((t) => threadFromMi(t as MiTuple))
        .filter((t) => t !== undefined)
        .map((t) => new Thread(t.id, t.name));
      response.body = { threads };
    });
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    await this.guard(response, async () => {
      const r = await this.mi(`-stack-list-frames --thread ${args.threadId} 0 199`);
      let frames = list(r.results, 'stack') as MiTuple[];
      // an unwind that ran off the end (return address 0) is no frame
      while (frames.length > 1 && /^0x0+$/.test(str(frames[frames.length - 1], 'addr') ?? '')) frames = frames.slice(0, -1);
      const panicking = this.exception && !this.exception.saved;
      const start = args.startFrame ?? 0;
      const count = args.levels ? Math.min(args.levels, frames.length - start) : frames.length - start;
      const out: DebugProtocol.StackFrame[] = [];
      for (const f of frames.slice(start, start + count)) {
        const level = Number(str(f, 'level'));
        const func = str(f, 'func');
        const addr = str(f, 'addr') ?? '';
        const file = str(f, 'fullname') ?? str(f, 'file');
        const line = Number(str(f, 'line') ?? 0);
        const id = this.frames.create({ thread: args.threadId, level });
        const src = file && existsSync(file) ? new Source(basename(file), file) : undefined;
        const sf: DebugProtocol.StackFrame = new StackFrame(id, func && func !== '??' ? func : addr, src, line, 1);
        sf.instructionPointerReference = addr;
        // at a panic the panic machinery's own frames are not the place to look
        if (!src || (panicking && (func === 'fwd_post_final' || func === 'mv_panic'))) {
          sf.presentationHint = 'subtle';
          if (src) (src as DebugProtocol.Source).presentationHint = 'deemphasize';
        }
        out.push(sf);
      }
      response.body = { stackFrames: out, totalFrames: frames.length };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = this.frames.get(args.frameId);
    if (!f) {
      this.sendErrorResponse(response, 1002, 'unknown frame (the program ran since)');
      return;
    }
    const regs = new Scope('Registers', this.vars.create({ kind: 'registers', ...f }), true);
    (regs as DebugProtocol.Scope).presentationHint = 'registers';
    const locals = new Scope('Locals', this.vars.create({ kind: 'locals', ...f }), false);
    (locals as DebugProtocol.Scope).presentationHint = 'locals';
    const argsScope = new Scope('Arguments', this.vars.create({ kind: 'args', ...f }), false);
    (argsScope as DebugProtocol.Scope).presentationHint = 'arguments';
    response.body = { scopes: [locals, argsScope, regs] };
    this.sendResponse(response);
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.guard(response, async () => {
      const ref = this.vars.get(args.variablesReference);
      if (!ref) throw new Error('unknown variables reference (the program ran since)');
      if (ref.kind === 'registers') response.body = { variables: await this.registerVariables(ref.thread, ref.level) };
      else if (ref.kind === 'varobj') response.body = { variables: await this.children(ref, args.start, args.count) };
      else response.body = { variables: await this.frameVariables(ref.kind, ref.thread, ref.level) };
    });
  }

  private async registerVariables(thread: number, level: number): Promise<DebugProtocol.Variable[]> {
    const hex = await this.readRegisters(thread, SHOWN_REGS, 'x', level);
    const flags = await this.readRegisters(thread, ['eflags'], 'N', level);
    return [...hex].map(([name, value]) => ({
      name,
      value: name === 'eflags' && flags.get('eflags') ? `${value} ${flags.get('eflags')}` : value,
      evaluateName: `$${name}`,
      variablesReference: 0,
    }));
  }

  /** A varobj for expr in a frame, as a DAP variable named name. */
  private async varobj(name: string, expr: string, thread: number, level: number): Promise<DebugProtocol.Variable> {
    const r = await this.mi(`-var-create --thread ${thread} --frame ${level} - * ${miQuote(expr)}`);
    const vname = str(r.results, 'name')!;
    this.varobjs.push(vname);
    return this.variableOf(name, r.results, vname, thread, level, expr);
  }

  private variableOf(name: string, t: MiTuple, vname: string, thread: number, level: number, evaluateName?: string): DebugProtocol.Variable {
    const numchild = Number(str(t, 'numchild') ?? 0);
    const type = str(t, 'type') ?? '';
    const indexed = /\]$/.test(type) && numchild > PAGE_ARRAYS;
    const v: DebugProtocol.Variable = {
      name,
      value: str(t, 'value') ?? '',
      type,
      variablesReference: numchild > 0 ? this.vars.create({ kind: 'varobj', name: vname, thread, level, indexed }) : 0,
    };
    if (evaluateName) v.evaluateName = evaluateName;
    if (indexed) v.indexedVariables = numchild;
    return v;
  }

  private async frameVariables(kind: 'locals' | 'args', thread: number, level: number): Promise<DebugProtocol.Variable[]> {
    const r = await this.mi(`-stack-list-variables --thread ${thread} --frame ${level} --no-values`);
    const out: DebugProtocol.Variable[] = [];
    for (const v of list(r.results, 'variables')) {
      const isArg = str(v, 'arg') === '1';
      if (isArg !== (kind === 'args')) continue;
      const name = str(v, 'name')!;
      try {
        out.push(await this.varobj(name, name, thread, level));
      } catch (e) {
        out.push({ name, value: `<${errText(e)}>`, variablesReference: 0 });
      }
    }
    return out;
  }

  private async children(ref: Extract<VarRef, { kind: 'varobj' }>, start?: number, count?: number): Promise<DebugProtocol.Variable[]> {
    const range = ref.indexed && count ? ` ${start ?? 0} ${(start ?? 0) + count}` : '';
    const r = await this.mi(`-var-list-children --all-values ${ref.name}${range}`);
    const out: DebugProtocol.Variable[] = [];
    for (const c of list(r.results, 'children') as MiTuple[]) {
      const vname = str(c, 'name')!;
      const exp = str(c, 'exp') ?? vname;
      // C++ access pseudo-children (public/private) have no type: show their members
      if (!str(c, 'type') && ['public', 'private', 'protected'].includes(exp)) {
        out.push(...(await this.children({ ...ref, name: vname, indexed: false })));
        continue;
      }
      out.push(this.variableOf(/^\d+$/.test(exp) ? `[${exp}]` : exp, c, vname, ref.thread, ref.level));
    }
    return out;
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.guard(response, async () => {
      const ref = this.vars.get(args.variablesReference);
      if (!ref) throw new Error('unknown variables reference');
      if (ref.kind === 'registers') {
        await this.mi(`-data-evaluate-expression --thread ${ref.thread} --frame ${ref.level} ${miQuote(`$${args.name} = ${args.value}`)}`);
        const v = await this.readRegisters(ref.thread, [args.name], 'x', ref.level);
        response.body = { value: v.get(args.name) ?? args.value };
        return;
      }
      let vname: string | undefined;
      if (ref.kind === 'varobj') {
        const r = await this.mi(`-var-list-children ${ref.name}`);
        const c = (list(r.results, 'children') as MiTuple[]).find((c) => {
          const exp = str(c, 'exp');
          return exp === args.name || `[${exp}]` === args.name;
        });
        vname = str(c, 'name');
      } else {
        const r = await this.mi(`-var-create --thread ${ref.thread} --frame ${ref.level} - * ${miQuote(args.name)}`);
        vname = str(r.results, 'name');
        if (vname) this.varobjs.push(vname);
      }
      if (!vname) throw new Error(`no variable ${args.name} here`);
      const r = await this.mi(`-var-assign ${vname} ${miQuote(args.value)}`);
      response.body = { value: str(r.results, 'value') ?? args.value };
    });
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.guard(response, async () => {
      const f = args.frameId !== undefined ? this.frames.get(args.frameId) : { thread: this.lastThread, level: 0 };
      if (!f) throw new Error('unknown frame (the program ran since)');
      if (this.state !== 'stopped') throw new Error('the hybrid is running: pause it to evaluate');
      if (args.context === 'repl' && args.expression.startsWith('-exec ')) {
        response.body = { result: await this.cliCommand(args.expression.slice(6), f.thread, f.level), variablesReference: 0 };
        return;
      }
      let v: DebugProtocol.Variable;
      try {
        v = await this.varobj(args.expression, args.expression, f.thread, f.level);
      } catch {
        // -var-create only says it failed; gdb's evaluator says why
        const r = await this.mi(`-data-evaluate-expression --thread ${f.thread} --frame ${f.level} ${miQuote(args.expression)}`);
        v = { name: args.expression, value: str(r.results, 'value') ?? '', variablesReference: 0 };
      }
      response.body = { result: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
    });
  }

  /** A gdb command for the debug console (`-exec CMD`): its console output is shown as it is. */
  private async cliCommand(cmd: string, thread: number, level: number): Promise<string> {
    let text = '';
    const grab = (s: { kind: string; text: string }) => {
      if (s.kind === 'console') text += s.text;
    };
    this.gdb.on('stream', grab);
    try {
      await this.mi(`-interpreter-exec --thread ${thread} --frame ${level} console ${miQuote(cmd)}`);
    } finally {
      this.gdb.off('stream', grab);
    }
    return text.replace(/\n$/, '');
  }

  protected override customRequest(command: string, response: DebugProtocol.Response): void {
    if (command === 'multiverse/processes') {
      response.body = { launcher: this.launcher?.pid, gdb: this.gdb.pid };
      this.sendResponse(response);
      return;
    }
    this.sendErrorResponse(response, 1003, `unknown request ${command}`);
  }
}
