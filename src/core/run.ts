// run.ts - booting a hybrid: the `multiverse run` command line, the running
// process (stdin, interrupt, escalation), and reading what it reports (exit
// status, fault location on stderr, forwarded-call statistics).

import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Accel, Manifest } from './manifest';
import { MultiverseRoot, placeableCalls } from './root';
import { STATUS_FAILURE } from './status';

export interface RunOptions {
  readonly program: string;        // absolute path of the ELF to boot
  readonly workspace: string;      // folder the manifest's paths are relative to
  readonly manifest?: Manifest;
  /** Defaults for what the manifest leaves out (settings). */
  readonly cpus?: number;
  readonly memory?: string;
  readonly accel?: Accel;
  /** Values that win over the manifest (command-line options). */
  readonly override?: { readonly cpus?: number; readonly memory?: string; readonly accel?: Accel };
  readonly trace?: boolean;
  /** Arguments that replace the manifest's. */
  readonly args?: readonly string[];
  /** Kernel log file (`--log`) and statistics file (`--stats`). */
  readonly logFile?: string;
  readonly statsFile?: string;
}

export interface RunSpec {
  readonly file: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** File to feed to stdin instead of the terminal. */
  readonly stdinFile?: string;
  /** What the status bar shows. */
  readonly cpus: number;
  readonly accel: 'kvm' | 'tcg';
}

/** The accelerator `auto` resolves to here: KVM when /dev/kvm is usable. */
export function resolveAccel(accel: Accel | undefined, kvmUsable = kvmAvailable()): 'kvm' | 'tcg' {
  if (accel === 'kvm' || accel === 'tcg') return accel;
  return kvmUsable ? 'kvm' : 'tcg';
}

/** The launcher's own test: /dev/kvm opens read-write and the CPU offers vmx or svm. */
export function kvmAvailable(): boolean {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The command that boots OPTS.program:
 *   multiverse run --cpus N [--mem SIZE] [--accel A] [--log F] [--stats=F]
 *                  [--native LIST] [--forward LIST] [--trace] -- PROGRAM ARGS...
 * Placement is given only with a manifest (without one, the kernel's default applies):
 * the manifest's list native, the other PLACEABLE calls forwarded.
 */
export function runSpec(root: MultiverseRoot, opts: RunOptions, placeable: readonly string[] = placeableCalls()): RunSpec {
  const m = opts.manifest;
  const o = opts.override;
  const cpus = o?.cpus ?? m?.cpus ?? opts.cpus ?? 1;
  const memory = o?.memory ?? m?.memory ?? opts.memory;
  const accelSetting = o?.accel ?? m?.accel ?? opts.accel ?? 'auto';
  const args = ['run', '--cpus', String(cpus)];
  if (memory) args.push('--mem', memory);
  if (accelSetting !== 'auto') args.push('--accel', accelSetting);
  if (opts.logFile) args.push('--log', opts.logFile);
  if (opts.statsFile) args.push(`--stats=${opts.statsFile}`);
  if (m) {
    // A manifest states the whole placement: its list native, every other optional call forwarded.
    const native = m.placement.filter((n) => placeable.includes(n));
    const forward = placeable.filter((n) => !native.includes(n));
    if (native.length > 0) args.push('--native', native.join(','));
    if (forward.length > 0) args.push('--forward', forward.join(','));
  }
  if (opts.trace) args.push('--trace');
  args.push('--', opts.program, ...(opts.args ?? m?.args ?? []));
  const ws = path.resolve(opts.workspace);
  return {
    file: root.cli,
    args,
    cwd: path.resolve(ws, m?.cwd ?? '.'),
    env: { ...(m?.env ?? {}) },
    stdinFile: m?.stdin !== undefined ? path.resolve(ws, m.stdin) : undefined,
    cpus,
    accel: resolveAccel(accelSetting),
  };
}

/** Status the CLI gives for a failure of the hybrid itself (panic, QEMU or launcher). */
export const HYBRID_FAILURE_STATUS = STATUS_FAILURE;

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS',
  8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

/** A sentence describing how a run ended, e.g. "exited with status 0". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (code === null) return signal ? `was stopped by ${signal}` : 'ended';
  if (code === HYBRID_FAILURE_STATUS) return `failed (status ${code}: kernel panic, QEMU or launcher failure; see the HRT log)`;
  if (code > 128 && code < 128 + 65) {
    const name = SIGNALS[code - 128] ?? `signal ${code - 128}`;
    return `was killed by ${name} (status ${code})`;
  }
  return `exited with status ${code}`;
}

export interface FaultLocation {
  readonly message: string; // what the launcher said, without the "multiverse: " prefix
  readonly file: string;
  readonly line: number;
}

/** Recognises a one-line fault report: "multiverse: ... at FILE:LINE". */
export function parseFaultLine(line: string): FaultLocation | undefined {
  const m = /^multiverse: (.*\bat (\S+?):(\d+)(?::\d+)?)\)?\s*$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  return { message: m[1]!, file: m[2]!, line: Number(m[3]) };
}

/**
 * Finds the fault location in the launcher's stderr, fed line by line. Two
 * forms: one line "multiverse: ... at FILE:LINE", or a report line
 * "multiverse: PROG terminated by SIGNAL ..." followed by symbolized frames
 * "    #N 0xADDR in FUNC at FILE:LINE" (the first frame with a known line wins).
 */
export class FaultParser {
  private report: string | undefined;
  private found: FaultLocation | undefined;

  get location(): FaultLocation | undefined {
    return this.found;
  }

  feed(raw: string): void {
    if (this.found) return;
    const line = raw.replace(/\r$/, '');
    // "PROG terminated by SIGSEGV (segmentation fault) at 0x401061, address 0x0": keep what follows the signal.
    const header = /^multiverse: .*?\b(?:terminated|killed) by (SIG[A-Z]+)\s*(.*)$/.exec(line);
    if (header) {
      const rest = header[2]!.replace(/^\(([^)]*)\)/, '$1').trim();
      this.report = rest || header[1]!;
      return;
    }
    const frame = /^\s+#\d+\s+0x[0-9a-fA-F]+\s+in\s+(\S+)\s+at\s+(\S+?):(\d+)\s*$/.exec(line);
    if (frame && this.report !== undefined) {
      this.found = { message: `${this.report} in ${frame[1]} at ${frame[2]}:${frame[3]}`, file: frame[2]!, line: Number(frame[3]) };
      return;
    }
    if (!/^\s+#\d+/.test(line)) this.report = undefined;
    this.found = parseFaultLine(line);
  }
}

export interface RunStats {
  /** Forwarded calls since the start. */
  readonly forwarded: number;
}

/**
 * Parses the statistics file the launcher writes with --stats: one JSON object
 * per line, the last complete one current, with at least {"forwarded": N}.
 */
export function parseStats(text: string): RunStats | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const v: unknown = JSON.parse(lines[i]!);
      if (v && typeof v === 'object' && typeof (v as { forwarded?: unknown }).forwarded === 'number') {
        return { forwarded: (v as { forwarded: number }).forwarded };
      }
    } catch {
      // an incomplete last line: try the one before
    }
  }
  return undefined;
}

export interface RunHooks {
  onStdout?(data: string): void;
  onStderr?(data: string): void;
  onExit?(code: number | null, signal: NodeJS.Signals | null): void;
}

/** Time the run gets after Ctrl-C before SIGTERM, and after SIGTERM before SIGKILL. */
export const INTERRUPT_GRACE_MS = 5000;
export const TERM_GRACE_MS = 3000;

/** A running hybrid in its own process group, with piped stdio. */
export class HybridProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private exited = false;
  private timers: NodeJS.Timeout[] = [];
  readonly started = Date.now();
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(spec: RunSpec, hooks: RunHooks = {}) {
    this.child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: 'pipe',
      detached: true,
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => hooks.onStdout?.(d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => hooks.onStderr?.(d));
    this.child.stdin.on('error', () => undefined); // the program closed its stdin: input is dropped
    this.exit = new Promise((resolve) => {
      let spawnError: Error | undefined;
      this.child.on('error', (e) => {
        spawnError = e;
        hooks.onStderr?.(`multiverse: cannot start ${spec.file}: ${e.message}\n`);
      });
      this.child.on('close', (code, signal) => {
        this.exited = true;
        this.timers.forEach(clearTimeout);
        const result = { code: spawnError ? HYBRID_FAILURE_STATUS : code, signal };
        hooks.onExit?.(result.code, result.signal);
        resolve(result);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  write(data: string | Buffer): void {
    if (!this.exited && this.child.stdin.writable) this.child.stdin.write(data);
  }

  /** Closes the program's stdin (end of file). */
  endInput(): void {
    if (!this.exited) this.child.stdin.end();
  }

  /**
   * Ends the run as Ctrl-C in a terminal would: SIGINT to the process group;
   * SIGTERM if it is still running after INTERRUPT_GRACE_MS, SIGKILL after TERM_GRACE_MS more.
   */
  interrupt(): void {
    if (this.exited || this.timers.length > 0) {
      this.signal('SIGINT');
      return;
    }
    this.signal('SIGINT');
    this.timers.push(
      setTimeout(() => {
        this.signal('SIGTERM');
        this.timers.push(setTimeout(() => this.signal('SIGKILL'), TERM_GRACE_MS));
      }, INTERRUPT_GRACE_MS),
    );
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Follows a growing file (the kernel log), calling onText with each new piece. */
export class FileTail {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly onText: (text: string) => void,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
  }

  /** Reads what is left and stops. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.poll();
  }

  poll(): Promise<void> {
    this.busy = this.busy.then(() => this.readNew());
    return this.busy;
  }

  private async readNew(): Promise<void> {
    const st = await stat(this.file).catch(() => undefined);
    if (!st) return;
    if (st.size < this.offset) this.offset = 0; // truncated: a new run
    if (st.size === this.offset) return;
    const fh = await open(this.file, 'r');
    try {
      const buf = Buffer.alloc(st.size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      if (bytesRead > 0) this.onText(buf.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await fh.close();
    }
  }
}
