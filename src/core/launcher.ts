// launcher.ts - locate the built launcher and kernel, turn plain options into
// the mv-launch command line, and start it. Knows nothing of VS Code.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Accel = 'auto' | 'kvm' | 'tcg';

/** How to run one program as a hybrid. Unset fields take mv-launch's defaults. */
export interface LaunchOptions {
  program: string;
  args?: readonly string[];
  cpus?: number;
  /** Guest RAM as mv-launch takes it: "512M", "1G", bytes. */
  mem?: string;
  accel?: Accel;
  /** Kernel log file. */
  log?: string;
  /** Log every forwarded call with its latency. */
  trace?: boolean;
  /** Forwarded-call counts at exit: a file path, or "-" for stderr. */
  stats?: string;
  gdbPort?: number;
  waitGdb?: boolean;
  /** Optional system calls (by name) to handle in the kernel / forward. */
  native?: readonly string[];
  forward?: readonly string[];
  /** Kernel ELF; default: the one found by locateLauncher. */
  kernel?: string;
  /** Raw profile file (`--profile`, docs/profiling.md) and its rate in Hz
   * (`--profile-hz`; default: the launcher's). Used by `multiverse profile`. */
  profile?: string;
  profileHz?: number;
}

/** The built parts of a checkout. */
export interface LauncherPaths {
  launcher: string;
  kernel: string;
}

/** A failure the user can act on; `message` says what to do. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
}

/** The repository root of a checkout, given a directory inside it
 * (dist/ or src/...): the nearest ancestor holding kernel/include/mv_abi.h. */
export function findRoot(fromDir: string): string {
  let dir = resolve(fromDir);
  for (;;) {
    if (existsSync(join(dir, 'kernel', 'include', 'mv_abi.h'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) throw new LauncherError(`no Multiverse checkout above ${fromDir}`);
    dir = up;
  }
}

/** Where `make -C kernel` puts the launcher and the kernel under root. */
export function builtPaths(root: string): LauncherPaths {
  return {
    launcher: join(root, 'build', 'ros', 'mv-launch'),
    kernel: join(root, 'build', 'kernel', 'aerokernel.elf'),
  };
}

/** builtPaths(root), checked; kernel (given by the user) replaces the built
 * kernel. Throws a LauncherError naming the missing file and what to do. */
export function locateLauncher(root: string, kernel?: string): LauncherPaths {
  const p = builtPaths(root);
  try {
    accessSync(p.launcher, constants.X_OK);
  } catch {
    throw new LauncherError(`${p.launcher} is missing or not executable: run npm run build`);
  }
  if (kernel !== undefined) {
    if (!existsSync(kernel)) throw new LauncherError(`kernel ${kernel} does not exist`);
    return { launcher: p.launcher, kernel };
  }
  if (!existsSync(p.kernel)) throw new LauncherError(`${p.kernel} is missing: run npm run build`);
  return p;
}

/** The mv-launch argument vector (without the launcher itself) for opts. */
export function launchArgv(opts: LaunchOptions, kernel?: string): string[] {
  const argv: string[] = [];
  const k = opts.kernel ?? kernel;
  if (k !== undefined) argv.push('--kernel', k);
  if (opts.mem !== undefined) argv.push('--mem', opts.mem);
  if (opts.cpus !== undefined) argv.push('--cpus', String(opts.cpus));
  if (opts.accel !== undefined) argv.push('--accel', opts.accel);
  if (opts.log !== undefined) argv.push('--log', opts.log);
  if (opts.trace) argv.push('--trace');
  if (opts.stats !== undefined) argv.push('--stats', opts.stats);
  if (opts.gdbPort !== undefined) argv.push('--gdb', String(opts.gdbPort));
  if (opts.waitGdb) argv.push('--wait-gdb');
  if (opts.native && opts.native.length > 0) argv.push('--native', opts.native.join(','));
  if (opts.forward && opts.forward.length > 0) argv.push('--forward', opts.forward.join(','));
  if (opts.profile !== undefined) argv.push('--profile', opts.profile);
  if (opts.profile !== undefined && opts.profileHz !== undefined) argv.push('--profile-hz', String(opts.profileHz));
  argv.push('--', opts.program, ...(opts.args ?? []));
  return argv;
}

export interface SpawnOptions {
  stdio?: StdioOptions;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Start mv-launch for opts. The child's exit status is the program's
 * (128+N for signal N, 125 for a launcher, kernel or QEMU failure). */
export function spawnLauncher(paths: LauncherPaths, opts: LaunchOptions, so: SpawnOptions = {}): ChildProcess {
  return spawn(paths.launcher, launchArgv(opts, paths.kernel), {
    stdio: so.stdio ?? 'inherit',
    cwd: so.cwd,
    env: so.env ?? process.env,
  });
}
