// config.ts - a `multiverse` launch configuration resolved into what the
// adapter starts: the program, its arguments, directory, environment and
// stdin, the launcher options, from explicit attributes and/or the
// workspace manifest (multiverse.json). Explicit attributes win.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { LaunchOptions } from '../core/launcher';
import { formatProblems, parseManifest, type Accel } from '../core/manifest';
import { placeableCalls } from '../core/root';

/** Attributes of a `multiverse` launch configuration (package.json
 * contributes.debuggers describes them for the editor). */
export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** The static ELF built with bin/mvcc (default: the manifest's program). */
  program?: string;
  args?: string[];
  /** The program's working directory (default: the manifest's cwd, else the program's folder). */
  cwd?: string;
  /** Extra environment variables for the program. */
  env?: Record<string, string>;
  /** A file given to the program as stdin (default: the manifest's, else none). */
  stdin?: string;
  /** Stop at main before running. */
  stopOnEntry?: boolean;
  /** multiverse.json to take program, args, cwd, env, cpus, memory, accel and placement from. */
  manifest?: string;
  cpus?: number;
  /** Another aerokernel ELF (default: the checkout's build/kernel/aerokernel.elf). */
  kernel?: string;
  /** Guest RAM, e.g. "512M". */
  memory?: string;
  accel?: Accel;
  /** Optional system calls handled in the kernel / forwarded (a manifest's placement sets both). */
  native?: string[];
  forward?: string[];
  /** The Multiverse checkout (default: found from the adapter, $MULTIVERSE_ROOT or the program). */
  multiverseRoot?: string;
  /** gdb to run (default: gdb on PATH). */
  gdb?: string;
  /** Copy the kernel log to the debug console (default true). */
  kernelLog?: boolean;
}

/** What the adapter starts for one launch. */
export interface ResolvedLaunch {
  program: string;
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  /** mv-launch options except gdb, log and kernel. */
  options: LaunchOptions;
}

/** Resolve a launch configuration; throws an Error the user can act on. */
export function resolveLaunch(a: LaunchArgs): ResolvedLaunch {
  let m;
  let ws: string | undefined;
  if (a.manifest) {
    const file = resolve(a.cwd ?? '.', a.manifest);
    if (!existsSync(file)) throw new Error(`manifest ${file} does not exist`);
    const text = readFileSync(file, 'utf8');
    const r = parseManifest(text, { placeable: placeableCalls() });
    if (!r.manifest) throw new Error(`${file} is not a valid manifest:\n${formatProblems(file, text, r.problems).join('\n')}`);
    m = r.manifest;
    ws = dirname(file);
  }
  const programAttr = a.program ?? (m?.program !== undefined ? resolve(ws!, m.program) : undefined);
  if (!programAttr) throw new Error('the launch configuration needs "program" (the ELF built with bin/mvcc) or a "manifest" that names one');
  const cwd = a.cwd ? resolve(a.cwd) : m && ws ? resolve(ws, m.cwd) : dirname(resolve(programAttr));
  const program = resolve(cwd, programAttr);
  if (!existsSync(program)) throw new Error(`program ${program} does not exist: build it with bin/mvcc first`);
  let native = a.native;
  let forward = a.forward;
  if (m && !native && !forward) {
    const placeable = placeableCalls();
    native = m.placement.filter((n) => placeable.includes(n));
    forward = placeable.filter((n) => !native!.includes(n));
  }
  const stdin = a.stdin !== undefined ? resolve(cwd, a.stdin) : m?.stdin !== undefined ? resolve(ws!, m.stdin) : undefined;
  if (stdin && !existsSync(stdin)) throw new Error(`stdin file ${stdin} does not exist`);
  return {
    program,
    cwd,
    env: { ...(m?.env ?? {}), ...(a.env ?? {}) },
    stdin,
    options: {
      program,
      args: a.args ?? m?.args ?? [],
      cpus: a.cpus ?? m?.cpus,
      mem: a.memory ?? m?.memory,
      accel: a.accel ?? m?.accel,
      native,
      forward,
    },
  };
}
