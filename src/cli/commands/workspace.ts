// workspace.ts - what the hybridize / boot / hybridize-and-boot commands share:
// their options, opening the folder, the build with a progress line, the boot
// with stdio inherited and its exit status passed through.

import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import * as path from 'node:path';
import { runBuild } from '../../core/build';
import type { Accel } from '../../core/manifest';
import { Project, ProjectError, openProject, projectBuild, projectProgram } from '../../core/project';
import { rootAt } from '../../core/root';
import { describeExit, runSpec } from '../../core/run';
import { exitStatus, STATUS_FAILURE } from '../../core/status';
import { BOOT_TOOLS, buildTools, installCommand, missingTools, missingToolsMessage } from '../../core/tools';
import { OptionSpec, UsageError, intOption, parseArgs } from '../args';
import type { CliContext, Outcome } from '../command';

export const BOOT_OPTIONS: readonly OptionSpec[] = [
  { name: 'cpus', value: 'required' },
  { name: 'mem', value: 'required' },
  { name: 'accel', value: 'required' },
  { name: 'log', value: 'required' },
  { name: 'trace', value: 'none' },
  { name: 'help', value: 'none' },
];

export const BUILD_OPTIONS: readonly OptionSpec[] = [
  { name: 'quiet', value: 'none' },
  { name: 'help', value: 'none' },
];

export interface WorkspaceArgs {
  readonly dir: string;
  readonly options: Map<string, string>;
  /** Program arguments after "--" (undefined: the manifest's). */
  readonly programArgs?: string[];
  readonly cpus?: number;
}

/** Parses `[options] [DIR] [-- ARGS...]`. */
export function parseWorkspaceArgs(argv: readonly string[], specs: readonly OptionSpec[], allowArgs: boolean): WorkspaceArgs {
  const dash = argv.indexOf('--');
  const before = dash < 0 ? argv : argv.slice(0, dash);
  const p = parseArgs(before, specs);
  if (p.rest.length > 1) throw new UsageError(`one folder at most (got ${p.rest.join(' ')}); program arguments go after --`);
  if (dash >= 0 && !allowArgs) throw new UsageError('this command takes no program arguments');
  const accel = p.options.get('accel');
  if (accel !== undefined && !['auto', 'kvm', 'tcg'].includes(accel)) throw new UsageError(`--accel must be auto, kvm or tcg (not '${accel}')`);
  return {
    dir: path.resolve(p.rest[0] ?? '.'),
    options: p.options,
    programArgs: dash >= 0 ? argv.slice(dash + 1) : undefined,
    cpus: specs.some((s) => s.name === 'cpus') ? intOption(p, 'cpus', 1, 64) : undefined,
  };
}

/** Opens DIR as a project of the checkout at ctx.root; errors are printed, undefined returned. */
export async function open(dir: string, ctx: CliContext): Promise<Project | undefined> {
  const root = rootAt(ctx.root);
  if (!root) {
    ctx.err(`multiverse: ${ctx.root} has no bin/multiverse\n`);
    return undefined;
  }
  try {
    return await openProject(dir, root);
  } catch (e) {
    report(e, ctx);
    return undefined;
  }
}

export function report(e: unknown, ctx: CliContext): void {
  if (!(e instanceof ProjectError)) throw e;
  ctx.err(`multiverse: ${e.message}\n`);
  for (const d of e.details) ctx.err(`  ${d}\n`);
}

function checkTools(ids: Parameters<typeof missingTools>[0], ctx: CliContext): boolean {
  const missing = missingTools(ids);
  if (missing.length === 0) return true;
  ctx.err(`${missingToolsMessage(missing)}\n  install with: ${installCommand(missing)}\n`);
  return false;
}

/** A one-line progress display on a terminal: "building pthreads (make) 3.2 s: last line". */
class Progress {
  private timer: NodeJS.Timeout | undefined;
  private lastLine = '';
  private shown = false;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream,
  ) {
    if (stream.isTTY) this.timer = setInterval(() => this.draw(), 200);
  }

  output(chunk: string, write: (t: string) => void): void {
    this.clear();
    write(chunk);
    const lines = chunk.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 0) this.lastLine = lines[lines.length - 1]!;
    this.draw();
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(): void {
    if (!this.timer) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const head = `${this.label} ${secs} s`;
    const width = (this.stream.columns ?? 80) - 1;
    const line = `${head}: ${this.lastLine.trim()}`.slice(0, width);
    this.stream.write(`\r\x1b[K\x1b[2m${line}\x1b[0m`);
    this.shown = true;
  }
}

/** Builds PROJECT; returns the exit status (0: built). */
export async function build(project: Project, ctx: CliContext, quiet: boolean): Promise<number> {
  let plan;
  try {
    plan = projectBuild(project);
  } catch (e) {
    report(e, ctx);
    return 1;
  }
  if (!checkTools(buildTools(plan.kind), ctx)) return STATUS_FAILURE;
  const name = path.basename(project.dir);
  ctx.err(`multiverse: building ${name}: ${plan.command}\n`);
  const progress = new Progress(`building ${name} (${plan.kind})`, process.stderr);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  let captured = '';
  try {
    const r = await runBuild(plan, {
      signal: abort.signal,
      onOutput: (chunk, stream) => {
        if (quiet) captured += chunk;
        else progress.output(chunk, stream === 'stdout' ? ctx.out : ctx.err);
      },
    });
    progress.end();
    if (r.cancelled) {
      ctx.err('multiverse: build cancelled\n');
      return 130;
    }
    if (r.status !== 0) {
      if (quiet) ctx.err(captured);
      ctx.err(`multiverse: the build of ${name} failed with status ${r.status}\n`);
      return r.status ?? 1;
    }
    ctx.err(`multiverse: built ${name} in ${(r.durationMs / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    progress.end();
  }
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Boots PROJECT's program with stdio inherited; the outcome is the program's. */
export async function boot(project: Project, args: WorkspaceArgs, ctx: CliContext, builtSince = 0): Promise<Outcome> {
  if (!checkTools(BOOT_TOOLS, ctx)) return { status: STATUS_FAILURE };
  let program: string;
  try {
    program = await projectProgram(project, builtSince);
  } catch (e) {
    report(e, ctx);
    return { status: STATUS_FAILURE };
  }
  const o = args.options;
  const spec = runSpec(project.root, {
    program,
    workspace: project.dir,
    manifest: project.manifest,
    override: { cpus: args.cpus, memory: o.get('mem'), accel: o.get('accel') as Accel | undefined },
    trace: o.has('trace'),
    logFile: o.has('log') ? path.resolve(o.get('log')!) : undefined,
    args: args.programArgs,
  });
  const stdin = spec.stdinFile ? openSync(spec.stdinFile, 'r') : 'inherit';
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: [stdin, 'inherit', 'inherit'] });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const s of FORWARDED) process.on(s, forward);
  try {
    return await new Promise<Outcome>((resolve) => {
      child.once('error', (e) => {
        ctx.err(`multiverse: cannot start ${spec.file}: ${e.message}\n`);
        resolve({ status: STATUS_FAILURE });
      });
      child.once('exit', (code, signal) => {
        if (process.env.MULTIVERSE_VERBOSE) ctx.err(`multiverse: ${path.basename(program)} ${describeExit(code, signal)}\n`);
        resolve(signal ? { status: exitStatus(code, signal), signal } : { status: exitStatus(code, signal) });
      });
    });
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}
