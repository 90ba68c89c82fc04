// bench.ts - start-up benchmarks: how long a hybrid takes from launcher start
// to the program's main, against `qemu -version` (the cost of merely
// starting QEMU) measured in the same run, and a whole hello run against
// the same ELF run natively. Figures are medians; nothing here asserts.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchArgv, type LauncherPaths } from './launcher';

export interface MachineInfo {
  cpu: string;
  cores: number;
  accel: 'kvm' | 'tcg';
}

/** Flat figures (keys are stable, for comparing runs over time). */
export type BenchFigures = Record<string, number>;

export interface BenchResult {
  figures: BenchFigures;
  machine: MachineInfo;
}

export class BenchError extends Error {
  override readonly name = 'BenchError';
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** KVM is used by mv-launch's "auto" when /dev/kvm opens read-write and the
 * CPU advertises vmx or svm. */
export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, accel: kvmUsable() ? 'kvm' : 'tcg' };
}

/** Wall-clock ms of one process run to completion (stdio discarded). */
function timeRun(cmd: string, args: readonly string[]): Promise<{ ms: number; status: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (status) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status }));
  });
}

/** Launcher start to MV_REQ_READY (the kernel about to enter the program),
 * as mv-launch logs it: "kernel ready N ms after launch". */
export function parseReadyMs(log: string): number | undefined {
  const m = /kernel ready ([0-9.]+) ms after launch/.exec(log);
  return m ? Number(m[1]) : undefined;
}

/**
 * Run the start-up benchmarks on elf (a static program built with mvcc that
 * exits 0 quickly), runs times each.
 */
export async function benchStartup(paths: LauncherPaths, elf: string, runs: number): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mv-bench-'));
  try {
    const qemu: number[] = [];
    const ready: number[] = [];
    const hybrid: number[] = [];
    const native: number[] = [];
    for (let i = 0; i < runs; i++) {
      const q = await timeRun('qemu-system-x86_64', ['-version']);
      if (q.status !== 0) throw new BenchError('qemu-system-x86_64 -version failed: install the Debian package qemu-system-x86');
      qemu.push(q.ms);
      // mv-launch logs the ready time only with --trace: one traced run for
      // boot_to_main, one plain run for the wall time
      const log = join(dir, `run${i}.log`);
      const t = await timeRun(paths.launcher, launchArgv({ program: elf, log, trace: true }, paths.kernel));
      if (t.status !== 0) throw new BenchError(`the hybrid run of ${elf} exited with ${t.status} (kernel log: ${log})`);
      const r = parseReadyMs(readFileSync(log, 'utf8'));
      if (r === undefined) throw new BenchError("mv-launch --trace logged no 'kernel ready N ms after launch' line");
      ready.push(r);
      const h = await timeRun(paths.launcher, launchArgv({ program: elf }, paths.kernel));
      if (h.status !== 0) throw new BenchError(`the hybrid run of ${elf} exited with ${h.status}`);
      hybrid.push(h.ms);
      native.push((await timeRun(elf, [])).ms);
    }
    const f: BenchFigures = {
      boot_to_main_ms: round(median(ready)),
      qemu_version_ms: round(median(qemu)),
      hello_hybrid_ms: round(median(hybrid)),
      hello_native_ms: round(median(native)),
    };
    f.boot_to_main_vs_qemu_version = round((f.boot_to_main_ms as number) / (f.qemu_version_ms as number));
    f.hello_hybrid_vs_native = round((f.hello_hybrid_ms as number) / (f.hello_native_ms as number));
    return { figures: f, machine: machineInfo() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build a C source with bin/mvcc into out; throws BenchError with the
 * compiler's output on failure. */
export function buildWithMvcc(root: string, source: string, out: string, flags: readonly string[] = []): void {
  const r = spawnSync(join(root, 'bin', 'mvcc'), ['-O2', ...flags, '-o', out, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError(`bin/mvcc ${source} failed:\n${r.stdout}${r.stderr}`);
}
