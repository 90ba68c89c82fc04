// hybrid.ts - the hybrid under the debugger: mv-launch started with QEMU's
// gdb stub on a free port and the vCPUs stopped, its output and the kernel
// log passed on line by line, and its end (or its ending) as a promise.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchArgv, type LauncherPaths } from '../core/launcher';
import type { ResolvedLaunch } from './config';

/** Where the hybrid's text goes: category stdout, stderr, or console (the kernel log). */
export type Sink = (text: string, category: 'stdout' | 'stderr' | 'console') => void;

const CONNECT_TIMEOUT_MS = 20_000;
const LOG_POLL_MS = 250;

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

/** Is something listening on 127.0.0.1:port? Read from /proc/net/tcp: no
 * connection is made (QEMU's stub serves a single client). */
export function listening(port: number): boolean {
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

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

/** A watchdog (node -e WATCHDOG PID START DIR): when its stdin closes, the
 * adapter is gone however it ended (even SIGKILL), so it ends the launcher
 * (if PID is still the process that started at START, field 22 of
 * /proc/PID/stat) and removes the adapter's directory. */
const WATCHDOG = `
const fs = require('fs');
const [pid, start, dir] = process.argv.slice(1);
const started = (p) => { try { return fs.readFileSync('/proc/' + p + '/stat', 'utf8').replace(/^.*\\) /, '').split(' ')[19]; } catch { return ''; } };
process.stdin.on('end', () => {
  if (started(pid) === start) try { process.kill(Number(pid), 'SIGTERM'); } catch {}
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
process.stdin.resume();
`;

/** Field 22 (start time) of /proc/PID/stat, '' if gone. */
function startTime(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export class Hybrid {
  /** Resolves with the launcher's exit status (the program's, 128+N, or 125)
   * once its output is all read. */
  readonly done: Promise<number>;
  private readonly proc: ChildProcess;
  private dog: ChildProcess | undefined;
  private readonly tmp: string;
  private readonly logFile: string | undefined;
  private logPos = 0;
  private readonly logTimer: NodeJS.Timeout | undefined;

  /** Start mv-launch for run, waiting for gdb on port; the kernel log goes to
   * out as console lines prefixed "[kernel] " unless kernelLog is false. */
  constructor(paths: LauncherPaths, run: ResolvedLaunch, readonly port: number, kernelLog: boolean, private readonly out: Sink) {
    this.tmp = mkdtempSync(join(tmpdir(), 'mv-debug-'));
    this.logFile = kernelLog ? join(this.tmp, 'kernel.log') : undefined;
    const argv = launchArgv({ ...run.options, gdbPort: port, waitGdb: true, log: this.logFile }, paths.kernel);
    const stdin = run.stdin ? openSync(run.stdin, 'r') : 'ignore';
    try {
      this.proc = spawn(paths.launcher, argv, { cwd: run.cwd, env: { ...process.env, ...run.env }, stdio: [stdin, 'pipe', 'pipe'] });
    } finally {
      if (typeof stdin === 'number') closeSync(stdin);
    }
    const p = this.proc;
    if (p.pid) this.dog = spawn(process.execPath, ['-e', WATCHDOG, String(p.pid), startTime(p.pid), this.tmp], { stdio: ['pipe', 'ignore', 'ignore'] });
    p.stdout!.on('data', (d: Buffer) => out(d.toString('utf8'), 'stdout'));
    p.stderr!.on('data', (d: Buffer) => out(d.toString('utf8'), 'stderr'));
    this.done = new Promise((res) => {
      p.once('error', (e) => {
        out(`cannot start ${paths.launcher}: ${e.message}\n`, 'stderr');
        res(125);
      });
      p.once('close', (code, sig) => {
        this.pumpLog();
        res(code ?? 128 + (sig ? SIGNALS[sig] ?? 0 : 0));
      });
    });
    if (this.logFile) this.logTimer = setInterval(() => this.pumpLog(), LOG_POLL_MS);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Poll (bounded) until QEMU's stub listens; fails early if the launcher ends. */
  async waitListening(): Promise<void> {
    const until = Date.now() + CONNECT_TIMEOUT_MS;
    while (!listening(this.port)) {
      if (!this.running) throw new Error('the hybrid ended before its gdb stub listened (see the debug console)');
      if (Date.now() > until) throw new Error(`QEMU's gdb stub did not listen on port ${this.port} within ${CONNECT_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /** Pass on the kernel log's new whole lines. */
  private pumpLog(): void {
    if (!this.logFile) return;
    let fd: number | undefined;
    try {
      const size = statSync(this.logFile).size;
      if (size <= this.logPos) return;
      fd = openSync(this.logFile, 'r');
      const buf = Buffer.alloc(size - this.logPos);
      const n = readSync(fd, buf, 0, buf.length, this.logPos);
      const cut = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
      if (cut === 0) return;
      this.logPos += cut;
      const text = buf.subarray(0, cut).toString('utf8').replace(/\r\n/g, '\n');
      this.out(text.replace(/^(?=.)/gm, '[kernel] '), 'console');
    } catch {
      // not written yet, or already removed
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** End the run: SIGTERM to the launcher (which ends QEMU), SIGKILL after
   * graceMs; then remove the temporary directory. */
  async stop(graceMs = 3000): Promise<number> {
    if (this.running) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
      await this.done;
      clearTimeout(t);
    }
    const status = await this.done;
    this.dispose();
    return status;
  }

  /** The adapter is going away: signal the launcher now, remove the files. */
  dispose(): void {
    if (this.logTimer) clearInterval(this.logTimer);
    if (this.running) this.proc.kill('SIGTERM');
    this.dog?.kill('SIGKILL');
    this.dog = undefined;
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
