// run.ts - `multiverse run`: boot one program as a hybrid, stdio inherited,
// signals forwarded, its exit status passed through.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { locateLauncher, spawnLauncher, type Accel, type LaunchOptions } from '../../core/launcher';
import { exitStatus, STATUS_FAILURE } from '../../core/status';
import { intOption, listOption, parseArgs, UsageError, type OptionSpec } from '../args';
import type { CliContext, Command, Outcome } from '../command';

const specs: readonly OptionSpec[] = [
  { name: 'cpus', value: 'required' },
  { name: 'mem', value: 'required' },
  { name: 'accel', value: 'required' },
  { name: 'log', value: 'required' },
  { name: 'trace', value: 'none' },
  { name: 'stats', value: 'optional', defaultValue: '-' },
  { name: 'gdb', value: 'required' },
  { name: 'wait-gdb', value: 'none' },
  { name: 'native', value: 'required' },
  { name: 'forward', value: 'required' },
  { name: 'kernel', value: 'required' },
  { name: 'help', value: 'none' },
];

const usage = `usage: multiverse run [options] [--] PROGRAM [ARGS...]

Boot PROGRAM (a static ELF built with bin/mvcc) as a hybrid: its code runs in
kernel mode on the aerokernel under QEMU, the system calls the aerokernel does
not implement are forwarded to Linux. stdin, stdout, stderr, the working
directory and the environment are the program's.

  --cpus N            virtual CPUs (default: $MULTIVERSE_CPUS or 1)
  --mem SIZE          guest RAM, e.g. 512M, 1G (default 1G; 64M..3G)
  --accel auto|kvm|tcg  accelerator (default: $MULTIVERSE_ACCEL or auto)
  --log FILE          write the kernel log to FILE
  --trace             log every forwarded call with its latency (to --log)
  --stats[=FILE]      at exit, print forwarded-call counts (default: stderr)
  --gdb PORT          QEMU gdb stub on 127.0.0.1:PORT
  --wait-gdb          start stopped, waiting for gdb (needs --gdb)
  --native LIST       optional calls to handle in the kernel (comma-separated)
  --forward LIST      optional calls to forward to Linux (comma-separated)
  --kernel PATH       aerokernel ELF (default: the built one)

Exit status: the program's; 128+N if it dies of signal N; 125 if the
launcher, the kernel or QEMU fails (with a "multiverse: ..." line on stderr).
`;

/** Signals a terminal or a supervisor sends that the launcher must see. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function toAccel(v: string | undefined): Accel | undefined {
  if (v === undefined || v === 'auto' || v === 'kvm' || v === 'tcg') return v;
  throw new UsageError(`--accel must be auto, kvm or tcg (not '${v}')`);
}

/** The launch options that argv asks for. Throws UsageError. */
export function parseRunArgs(argv: readonly string[]): LaunchOptions | 'help' {
  const p = parseArgs(argv, specs);
  if (p.options.has('help')) return 'help';
  const [program, ...args] = p.rest;
  if (program === undefined) throw new UsageError('no program given: multiverse run [options] [--] PROGRAM [ARGS...]');
  const o = p.options;
  const opts: LaunchOptions = {
    program,
    args,
    cpus: intOption(p, 'cpus', 1, 64),
    mem: o.get('mem'),
    accel: toAccel(o.get('accel')),
    log: o.get('log'),
    trace: o.has('trace'),
    stats: o.get('stats'),
    gdbPort: intOption(p, 'gdb', 1, 65535),
    waitGdb: o.has('wait-gdb'),
    native: listOption(p, 'native'),
    forward: listOption(p, 'forward'),
    kernel: o.get('kernel'),
  };
  if (opts.waitGdb && opts.gdbPort === undefined) throw new UsageError('--wait-gdb needs --gdb PORT');
  return opts;
}

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const opts = parseRunArgs(argv);
  if (opts === 'help') {
    ctx.out(usage);
    return { status: 0 };
  }
  const paths = locateLauncher(ctx.root, opts.kernel);
  // Handlers go in before the launcher starts, so that no signal arriving
  // around the spawn takes the default action on the CLI alone.
  let child: ChildProcess | undefined;
  const early: NodeJS.Signals[] = [];
  const forward = (sig: NodeJS.Signals): void => {
    if (child) child.kill(sig);
    else early.push(sig);
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const c = spawnLauncher(paths, opts);
    child = c;
    for (const s of early) c.kill(s);
    return await new Promise<Outcome>((resolve) => {
      c.once('error', (e) => {
        ctx.err(`multiverse: cannot start ${paths.launcher}: ${e.message}\n`);
        resolve({ status: STATUS_FAILURE });
      });
      c.once('exit', (code, signal) => {
        resolve(signal !== null && constants.signals[signal] !== undefined
          ? { status: exitStatus(code, signal), signal }
          : { status: exitStatus(code, signal) });
      });
    });
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'boot a program as a hybrid (stdio, files and exit status passed through)',
  usage,
  run,
};
