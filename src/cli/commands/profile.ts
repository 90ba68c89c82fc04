// profile.ts - `multiverse profile`: boot a program as a hybrid with the
// profiler on (stdio passed through), write the profile file and its exports,
// print a top-N summary to stderr. The exit status is the program's.

import type { ChildProcess, StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { LauncherError, type Accel, type LaunchOptions } from '../../core/launcher';
import { jsonSummary, profileRun, ProfileRunError, summaryText } from '../../core/profile';
import { projectProgram } from '../../core/project';
import { runSpec } from '../../core/run';
import { intOption, listOption, parseArgs, UsageError, type OptionSpec } from '../args';
import type { CliContext, Command, Outcome } from '../command';
import { open, report } from './workspace';

const specs: readonly OptionSpec[] = [
  { name: 'hz', value: 'required' },
  { name: 'out', value: 'required' },
  { name: 'top', value: 'required' },
  { name: 'json', value: 'none' },
  { name: 'raw', value: 'required' },
  { name: 'manifest', value: 'none' },
  { name: 'cpus', value: 'required' },
  { name: 'mem', value: 'required' },
  { name: 'accel', value: 'required' },
  { name: 'log', value: 'required' },
  { name: 'trace', value: 'none' },
  { name: 'stats', value: 'optional', defaultValue: '-' },
  { name: 'native', value: 'required' },
  { name: 'forward', value: 'required' },
  { name: 'kernel', value: 'required' },
  { name: 'help', value: 'none' },
];

const usage = `usage: multiverse profile [options] [--] PROGRAM [ARGS...]
       multiverse profile [options] DIR [-- ARGS...]
       multiverse profile [options] --manifest [DIR] [-- ARGS...]

Boot PROGRAM as a hybrid (as multiverse run does) with the profiler on: the
aerokernel samples every vCPU and accounts every forwarded system call. At
the end, write the profile file, a speedscope export and collapsed stacks,
and print a summary to stderr. With a folder (or --manifest: the current
one), profile the program of its multiverse.json as multiverse boot runs it.

  --hz N              samples per second per vCPU (default 500; 1..10000)
  --out FILE          profile file (default: ./PROGRAM.mvprof.json); the
                      exports go next to it: NAME.speedscope.json, NAME.folded
  --top N             rows per table of the summary (default 10)
  --json              after the run, print a JSON summary on stdout
  --raw FILE          keep the launcher's raw profile in FILE
  --manifest          the folder's multiverse.json (program, args, placement)
  --cpus N, --mem SIZE, --accel auto|kvm|tcg, --log FILE, --trace,
  --stats[=FILE], --native LIST, --forward LIST, --kernel PATH
                      as for multiverse run

Exit status: the program's (128+N if it dies of signal N; 125 if the
launcher, the kernel or QEMU fails).
`;

/** Signals a terminal or a supervisor sends that the launcher must see. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface ProfileArgs {
  launch: LaunchOptions;
  hz?: number;
  out?: string;
  top: number;
  json: boolean;
  raw?: string;
  /** a folder to profile by its manifest */
  dir?: string;
  /** program arguments after DIR -- */
  dirArgs?: string[];
}

function toAccel(v: string | undefined): Accel | undefined {
  if (v === undefined || v === 'auto' || v === 'kvm' || v === 'tcg') return v;
  throw new UsageError(`--accel must be auto, kvm or tcg (not '${v}')`);
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The options argv asks for. Throws UsageError. */
export function parseProfileArgs(argv: readonly string[]): ProfileArgs | 'help' {
  const p = parseArgs(argv, specs);
  const o = p.options;
  if (o.has('help')) return 'help';
  let [program, ...args] = p.rest;
  const dashAt = argv.length - p.rest.length - 1;
  const afterDash = dashAt >= 0 && argv[dashAt] === '--';
  let dir: string | undefined;
  let dirArgs: string[] | undefined;
  if (o.has('manifest') && afterDash) {
    // --manifest -- ARGS: the current folder.
    dir = path.resolve('.');
    dirArgs = p.rest;
  } else if (o.has('manifest') || (program !== undefined && !afterDash && isDir(program))) {
    // [DIR] [-- ARGS]: the folder's manifest says what to run.
    const dash = p.rest.indexOf('--');
    const before = dash < 0 ? p.rest : p.rest.slice(0, dash);
    if (before.length > 1) throw new UsageError(`one folder at most (got ${before.join(' ')}); program arguments go after --`);
    dir = path.resolve(before[0] ?? '.');
    dirArgs = dash >= 0 ? p.rest.slice(dash + 1) : undefined;
  }
  if (dir !== undefined) {
    program = '';
    args = [];
  }
  if (program === undefined) throw new UsageError('no program given: multiverse profile [options] [--] PROGRAM [ARGS...]');
  const launch: LaunchOptions = {
    program,
    args,
    cpus: intOption(p, 'cpus', 1, 64),
    mem: o.get('mem'),
    accel: toAccel(o.get('accel')),
    log: o.get('log'),
    trace: o.has('trace'),
    stats: o.get('stats'),
    native: listOption(p, 'native'),
    forward: listOption(p, 'forward'),
    kernel: o.get('kernel'),
  };
  return {
    launch,
    hz: intOption(p, 'hz', 1, 10000),
    out: o.get('out'),
    top: intOption(p, 'top', 1, 1000) ?? 10,
    json: o.has('json'),
    raw: o.get('raw'),
    dir,
    dirArgs,
  };
}

/** The launch of DIR's program as `multiverse boot` would run it, with a's options on top. */
async function fromManifest(a: ProfileArgs, ctx: CliContext): Promise<{ launch: LaunchOptions; cwd: string; env: NodeJS.ProcessEnv; stdin?: string } | undefined> {
  const project = await open(a.dir!, ctx);
  if (!project) return undefined;
  let program: string;
  try {
    program = await projectProgram(project);
  } catch (e) {
    report(e, ctx);
    return undefined;
  }
  const l = a.launch;
  const spec = runSpec(project.root, {
    program,
    workspace: project.dir,
    manifest: project.manifest,
    override: { cpus: l.cpus, memory: l.mem, accel: l.accel },
    args: a.dirArgs,
  });
  // spec.args is a `multiverse run` command line: read it back with this command's parser.
  const parsed = parseProfileArgs(spec.args.slice(1));
  if (parsed === 'help' || parsed.dir !== undefined) throw new Error(`cannot read back ${spec.args.join(' ')}`);
  const m = parsed.launch;
  return {
    launch: { ...l, program: m.program, args: m.args, cpus: m.cpus, mem: m.mem, accel: m.accel, native: l.native ?? m.native, forward: l.forward ?? m.forward },
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdin: spec.stdinFile,
  };
}

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const a = parseProfileArgs(argv);
  if (a === 'help') {
    ctx.out(usage);
    return { status: 0 };
  }
  let launch = a.launch;
  let cwd: string | undefined;
  let env: NodeJS.ProcessEnv | undefined;
  let stdio: StdioOptions = 'inherit';
  let stdinFd: number | undefined;
  if (a.dir !== undefined) {
    const m = await fromManifest(a, ctx);
    if (!m) return { status: 125 };
    ({ launch, cwd, env } = m);
    if (m.stdin !== undefined) {
      stdinFd = openSync(m.stdin, 'r');
      stdio = [stdinFd, 'inherit', 'inherit'];
    }
  }
  let child: ChildProcess | undefined;
  const early: NodeJS.Signals[] = [];
  const forward = (sig: NodeJS.Signals): void => {
    if (child) child.kill(sig);
    else early.push(sig);
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const r = await profileRun({
      root: ctx.root,
      launch,
      hz: a.hz,
      out: a.out,
      cwd,
      env,
      stdio,
      keepRaw: a.raw !== undefined ? path.resolve(a.raw) : undefined,
      onSpawn: (c) => {
        child = c;
        for (const s of early) c.kill(s);
      },
    });
    ctx.err(summaryText(r.profile, a.top));
    ctx.err(`multiverse: profile written to ${r.profilePath} (speedscope: ${r.speedscopePath}, folded: ${r.foldedPath})\n`);
    if (a.json) ctx.out(JSON.stringify(jsonSummary(r.profile, { profile: r.profilePath, speedscope: r.speedscopePath, folded: r.foldedPath }, a.top)) + '\n');
    return r.signal !== undefined ? { status: r.status, signal: r.signal } : { status: r.status };
  } catch (e) {
    if (e instanceof UsageError || e instanceof LauncherError) throw e;
    ctx.err(`multiverse: profile: ${e instanceof Error ? e.message : String(e)}\n`);
    return { status: e instanceof ProfileRunError ? e.status : 125 };
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'boot a program with the profiler: profile file, speedscope export, summary',
  usage,
  run,
};
