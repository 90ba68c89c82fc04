// microbench.ts - the core micro-benchmarks of `multiverse bench` (issue 3):
// bench/microbench.c, built once with bin/mvcc, run natively and as a
// hybrid (the same ELF), one figure per run, plus boot to main and the CPU
// an idle hybrid uses. Every figure has its baseline from the same run; a
// figure that cannot be measured is null with a note saying why. Nothing
// here asserts on a timing. docs/benchmarks.md describes each figure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, machineInfo, parseReadyMs } from './bench';
import { launchArgv, type LauncherPaths } from './launcher';

/** The keys of `bench --json`, in print order (issue 3; stable over time). */
export const FIGURE_KEYS = [
  'forward_null_rtt_p50_ns', 'native_pingpong_p50_ns',
  'forward_getppid_p50_ns', 'native_getppid_p50_ns',
  'hrt_getpid_ns', 'native_getpid_ns',
  'hrt_clock_gettime_ns', 'native_clock_gettime_ns', 'native_clock_gettime_syscall_ns',
  'hrt_sched_yield_ns', 'native_sched_yield_ns',
  'hrt_mmap_munmap_ns', 'native_mmap_munmap_ns',
  'hrt_thread_create_join_ns', 'native_thread_create_join_ns',
  'hrt_futex_pingpong_ns', 'native_futex_pingpong_ns',
  'boot_to_main_ms', 'idle_cpu_percent',
] as const;

export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number | null>;

/** Each measured figure next to the baseline it is compared against, with
 * the issue's target ratio (figure / baseline) when it names one. */
export const COMPARISONS: readonly { figure: FigureKey; baseline: FigureKey; target?: number }[] = [
  { figure: 'forward_null_rtt_p50_ns', baseline: 'native_pingpong_p50_ns', target: 1.2 },
  { figure: 'forward_getppid_p50_ns', baseline: 'native_getppid_p50_ns' },
  { figure: 'hrt_getpid_ns', baseline: 'native_getpid_ns', target: 0.1 },
  { figure: 'hrt_clock_gettime_ns', baseline: 'native_clock_gettime_ns' },
  { figure: 'hrt_sched_yield_ns', baseline: 'native_sched_yield_ns', target: 0.1 },
  { figure: 'hrt_mmap_munmap_ns', baseline: 'native_mmap_munmap_ns', target: 0.1 },
  { figure: 'hrt_thread_create_join_ns', baseline: 'native_thread_create_join_ns', target: 0.2 },
  { figure: 'hrt_futex_pingpong_ns', baseline: 'native_futex_pingpong_ns', target: 0.2 },
];

export interface BenchMachine {
  cpu: string;
  cores: number;
  accel: 'kvm' | 'tcg';
  qemu: string;
}

export interface MicroBenchResult {
  figures: Figures;
  /** Why a figure is null (or what qualifies it), by key. */
  notes: Partial<Record<FigureKey, string>>;
  machine: BenchMachine;
}

export interface MicroBenchOptions {
  /** Repository root (for kernel/include/mv_syscalls.h). */
  root: string;
  paths: LauncherPaths;
  /** bench/microbench.c built with bin/mvcc. */
  elf: string;
  /** Traced runs whose median gives boot_to_main_ms. */
  bootRuns?: number;
  /** Seconds the idle hybrid is watched. */
  idleSeconds?: number;
  /** Progress lines (to stderr in the CLI). */
  progress?: (line: string) => void;
}

export type SyscallClass = 'OWN' | 'OPT' | 'OPTF' | 'FWD';

/** How a call is placed per mv_syscalls.h: OWN, OPT, OPTF or FWD. */
export function syscallClasses(root: string): Map<string, SyscallClass> {
  const text = readFileSync(join(root, 'kernel', 'include', 'mv_syscalls.h'), 'utf8');
  const m = new Map<string, SyscallClass>();
  for (const x of text.matchAll(/^MV_SYSCALL\(\s*\d+,\s*(\w+),\s*(OWN|OPTF|OPT|FWD)\b/gm)) {
    m.set(x[1] as string, x[2] as SyscallClass);
  }
  return m;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const RUN_TIMEOUT_MS = 30_000;

function runCapture(cmd: string, args: readonly string[], timeoutMs = RUN_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: signal ? null : code, stdout: out, stderr: err || (signal ? `killed by ${signal}` : '') });
    });
  });
}

/** The figure a microbench run printed ("MODE VALUE"), or the reason it has none. */
function parseFigure(mode: string, r: RunResult): number | string {
  const m = new RegExp(`^${mode} ([0-9.]+)$`, 'm').exec(r.stdout);
  if (r.status === 0 && m) return Number(m[1]);
  const why = r.stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return `exited with ${r.status ?? 'a signal'}${why ? `: ${why.trim()}` : ''}`;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** CPU seconds (user + system) of pid and all its descendants now. */
function treeCpuTicks(pid: number, seen = new Set<number>()): number {
  if (seen.has(pid)) return 0;
  seen.add(pid);
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) ticks += treeCpuTicks(Number(k), seen);
    }
  } catch {
    // the process ended meanwhile: its time is no longer counted anywhere
  }
  return ticks;
}

function clockTicksPerSecond(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return r.status === 0 && n > 0 ? n : 100;
}

/**
 * idle_cpu_percent: the hybrid runs `microbench idle` (blocked in a
 * forwarded read on a pipe nobody writes); once it has printed "idle", the
 * CPU time of the launcher and all its descendants (QEMU) over `seconds`
 * of wall time, in percent of one core. Then stdin is closed and the
 * program exits.
 */
function measureIdle(paths: LauncherPaths, elf: string, seconds: number): Promise<number | string> {
  return new Promise((resolve, reject) => {
    const child = spawn(paths.launcher, launchArgv({ program: elf, args: ['idle'] }, paths.kernel), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let result: number | string | undefined;
    let started = false;
    const hardStop = setTimeout(() => {
      result ??= `the idle program did not finish within ${seconds + 30} s`;
      child.kill('SIGKILL');
    }, (seconds + 30) * 1000);
    child.stdin.on('error', () => {});
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (started || !out.includes('idle\n') || child.pid === undefined) return;
      started = true;
      const pid = child.pid;
      const hz = clockTicksPerSecond();
      const c0 = treeCpuTicks(pid);
      const t0 = process.hrtime.bigint();
      setTimeout(() => {
        const c1 = treeCpuTicks(pid);
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        result ??= (100 * (c1 - c0)) / hz / wall;
        child.stdin.end();
      }, seconds * 1000);
    });
    child.once('error', (e) => {
      clearTimeout(hardStop);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(hardStop);
      if (typeof result === 'number' && code !== 0) result = `the idle program exited with ${code}: ${err.trim()}`;
      resolve(result ?? `the idle program exited with ${code} before it was idle: ${err.trim()}`);
    });
  });
}

function qemuVersion(): string {
  const r = spawnSync('qemu-system-x86_64', ['-version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError('qemu-system-x86_64 -version failed: install the Debian package qemu-system-x86');
  return /version ([0-9][^\s]*)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0] ?? 'unknown';
}

/** Run every micro-benchmark once; see docs/benchmarks.md. */
export async function runMicroBench(o: MicroBenchOptions): Promise<MicroBenchResult> {
  const say = o.progress ?? (() => {});
  const classes = syscallClasses(o.root);
  // every call the aerokernel can serve natively (OPT, and OPTF: forwarded by default)
  const optCalls = [...classes].filter(([, c]) => c === 'OPT' || c === 'OPTF').map(([n]) => n);
  const figures = Object.fromEntries(FIGURE_KEYS.map((k) => [k, null])) as Figures;
  const notes: Partial<Record<FigureKey, string>> = {};
  const machine = { ...machineInfo(), qemu: qemuVersion() };

  const set = (key: FigureKey, v: number | string): void => {
    if (typeof v === 'number') figures[key] = round1(v);
    else notes[key] = v;
  };
  const native = async (mode: string, n: number): Promise<number | string> => {
    say(`native ${mode}`);
    return parseFigure(mode, await runCapture(o.elf, [mode, String(n)]));
  };
  // hrt: every OPT and OPTF call native; forwarded: the default placement
  const hybrid = async (mode: string, n: number, hrt: boolean): Promise<number | string> => {
    say(`hybrid ${mode}`);
    const argv = launchArgv({ program: o.elf, args: [mode, String(n)], native: hrt ? optCalls : undefined }, o.paths.kernel);
    return parseFigure(mode, await runCapture(o.paths.launcher, argv));
  };
  /** hrt figure, unless the calls it measures are forwarded in this build. */
  const hrt = async (key: FigureKey, mode: string, n: number, calls: readonly string[]): Promise<void> => {
    const fwd = calls.filter((c) => classes.get(c) === 'FWD' || !classes.has(c));
    if (fwd.length > 0) {
      notes[key] = `${fwd.join(', ')} ${fwd.length > 1 ? 'are' : 'is'} forwarded in this build (mv_syscalls.h): there is no native implementation to measure`;
      return;
    }
    const v = await hybrid(mode, n, true);
    set(key, typeof v === 'number' ? v : `the hybrid run ${v}`);
  };

  set('native_pingpong_p50_ns', await native('pingpong', 2000));
  set('native_getppid_p50_ns', await native('getppid', 2000));
  set('forward_getppid_p50_ns', await hybrid('getppid', 2000, false));
  if (figures.forward_getppid_p50_ns !== null && figures.native_getppid_p50_ns !== null) {
    figures.forward_null_rtt_p50_ns = round1(Math.max(0, figures.forward_getppid_p50_ns - figures.native_getppid_p50_ns));
  } else {
    notes.forward_null_rtt_p50_ns = 'derived from forward_getppid_p50_ns and native_getppid_p50_ns, one of which is missing';
  }
  set('native_getpid_ns', await native('getpid', 20000));
  await hrt('hrt_getpid_ns', 'getpid', 20000, ['getpid']);
  set('native_clock_gettime_ns', await native('clock_gettime', 100000));
  set('native_clock_gettime_syscall_ns', await native('clock_gettime_syscall', 20000));
  await hrt('hrt_clock_gettime_ns', 'clock_gettime', 100000, ['clock_gettime']);
  set('native_sched_yield_ns', await native('sched_yield', 5000));
  await hrt('hrt_sched_yield_ns', 'sched_yield', 5000, ['sched_yield']);
  set('native_mmap_munmap_ns', await native('mmap_munmap', 2000));
  await hrt('hrt_mmap_munmap_ns', 'mmap_munmap', 300, ['mmap', 'munmap']);
  set('native_thread_create_join_ns', await native('thread_create_join', 500));
  await hrt('hrt_thread_create_join_ns', 'thread_create_join', 200, ['clone', 'futex', 'exit']);
  set('native_futex_pingpong_ns', await native('futex_pingpong', 2000));
  await hrt('hrt_futex_pingpong_ns', 'futex_pingpong', 2000, ['clone', 'futex']);

  say('boot to main');
  const dir = mkdtempSync(join(tmpdir(), 'mv-bench-'));
  try {
    const ready: number[] = [];
    for (let i = 0; i < (o.bootRuns ?? 5); i++) {
      const log = join(dir, `boot${i}.log`);
      const r = await runCapture(o.paths.launcher, launchArgv({ program: o.elf, args: ['getpid', '1'], log, trace: true }, o.paths.kernel));
      const ms = r.status === 0 ? parseReadyMs(readFileSync(log, 'utf8')) : undefined;
      if (ms === undefined) {
        notes.boot_to_main_ms = r.status === 0 ? "mv-launch --trace logged no 'kernel ready N ms after launch' line" : `the hybrid run ${parseFigure('getpid', r)}`;
        break;
      }
      ready.push(ms);
    }
    if (notes.boot_to_main_ms === undefined) figures.boot_to_main_ms = round1(median(ready));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  say(`idle for ${o.idleSeconds ?? 5} s`);
  set('idle_cpu_percent', await measureIdle(o.paths, o.elf, o.idleSeconds ?? 5));
  return { figures, notes, machine };
}

/** The human table: each figure, its baseline and the ratio, the target. */
export function formatTable(r: MicroBenchResult): string {
  const f = r.figures;
  const show = (v: number | null): string => (v === null ? 'n/a' : String(v));
  const ratioOf = (a: number | null, b: number | null): string => (a !== null && b !== null && b > 0 ? (a / b).toFixed(2) : 'n/a');
  const lines = [`machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.accel}, QEMU ${r.machine.qemu}`, ''];
  lines.push(`${'figure'.padEnd(28)}${'value'.padStart(12)}  ${'baseline'.padEnd(31)}${'value'.padStart(12)}${'ratio'.padStart(9)}  target`);
  for (const c of COMPARISONS) {
    const a = f[c.figure];
    const b = f[c.baseline];
    const ratio = ratioOf(a, b);
    const target = c.target === undefined ? '' : `<= ${c.target}`;
    lines.push(`${c.figure.padEnd(28)}${show(a).padStart(12)}  ${c.baseline.padEnd(31)}${show(b).padStart(12)}${ratio.padStart(9)}  ${target}`);
  }
  lines.push(`${'native_clock_gettime_syscall_ns'.padEnd(28)}${show(f.native_clock_gettime_syscall_ns).padStart(9)}  (the raw syscall, without the vDSO; vs hrt_clock_gettime_ns: ${ratioOf(f.hrt_clock_gettime_ns, f.native_clock_gettime_syscall_ns)})`);
  lines.push(`${'boot_to_main_ms'.padEnd(28)}${show(f.boot_to_main_ms).padStart(12)}  target <= 120`);
  lines.push(`${'idle_cpu_percent'.padEnd(28)}${show(f.idle_cpu_percent).padStart(12)}  target <= 5`);
  const noted = Object.entries(r.notes);
  if (noted.length > 0) {
    lines.push('', 'notes:');
    for (const [k, v] of noted) lines.push(`  ${k}: ${v}`);
  }
  return `${lines.join('\n')}\n`;
}
