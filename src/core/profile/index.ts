// index.ts - the profile core's entry points (no VS Code): run a program
// profiled (profileRun), turn a raw profile into a Profile (profileFromRaw),
// write the profile file and its exports, and read a profile file back
// (loadProfile). The CLI's `multiverse profile` and the editor use these.

import type { ChildProcess, StdioOptions } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import * as path from 'node:path';
import { locateLauncher, spawnLauncher, type LaunchOptions } from '../launcher';
import { exitStatus, STATUS_FAILURE } from '../status';
import { buildProfile, queryAddresses, type ProfileContext } from './aggregate';
import { toFolded, toSpeedscope } from './export';
import { parseRawProfile, type RawProfile } from './raw';
import { symbolizeElf } from './symbolize';
import { libcSourceDirs } from '../libc';
import type { Profile } from './types';

export type { Profile } from './types';
export { parseRawProfile, RawProfileError } from './raw';
export { buildProfile } from './aggregate';
export { libcSourceDirs } from '../libc';
export { toFolded, toSpeedscope } from './export';
export { summaryText, jsonSummary } from './summary';

/** A profiled run that left nothing to profile (the launcher failed before
 * the program started); `status` is the run's exit status. */
export class ProfileRunError extends Error {
  override readonly name = 'ProfileRunError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** A profile file that cannot be read; the message names the file and the problem. */
export class ProfileFileError extends Error {
  override readonly name = 'ProfileFileError';
}

/** Reads a profile file (`multiverse-profile` version 1). Throws ProfileFileError. */
export function loadProfile(file: string): Profile {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ProfileFileError(`${file} is not a profile file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const p = v as Partial<Profile> | null;
  if (!p || typeof p !== 'object' || p.format !== 'multiverse-profile') throw new ProfileFileError(`${file} is not a Multiverse profile (no "format": "multiverse-profile")`);
  if (p.version !== 1) throw new ProfileFileError(`${file} is a profile of version ${String(p.version)}; this reader knows version 1`);
  return p as Profile;
}

/**
 * The Profile of RAW: one addr2line process for the program ELF and one for
 * the kernel ELF (the H line's paths unless ctx gives others).
 */
export async function profileFromRaw(raw: RawProfile, ctx: ProfileContext = {}): Promise<Profile> {
  const q = queryAddresses(raw);
  const programElf = raw.header.program ?? ctx.program ?? '';
  const kernelElf = raw.header.kernel ?? ctx.kernel ?? '';
  const [program, kernel] = await Promise.all([symbolizeElf(programElf, q.program), symbolizeElf(kernelElf, q.kernel)]);
  return buildProfile(raw, { program, kernel }, ctx);
}

/** The files `multiverse profile` writes for one run. */
export interface ProfilePaths {
  profile: string;
  speedscope: string;
  folded: string;
}

/**
 * Where the files go: OUT (resolved against cwd) or `<cwd>/<program>.mvprof.json`;
 * the exports next to it with `.mvprof.json` (or `.json`) replaced by
 * `.speedscope.json` and `.folded`.
 */
export function profilePaths(program: string, out?: string, cwd = process.cwd()): ProfilePaths {
  const profile = path.resolve(cwd, out ?? `${path.basename(program)}.mvprof.json`);
  const stem = profile.replace(/\.mvprof\.json$/, '').replace(/\.json$/, '');
  return { profile, speedscope: `${stem}.speedscope.json`, folded: `${stem}.folded` };
}

/** Writes the profile file, the speedscope export and the collapsed stacks. */
export function writeProfileFiles(p: Profile, paths: ProfilePaths): void {
  writeFileSync(paths.profile, JSON.stringify(p, null, 1) + '\n');
  writeFileSync(paths.speedscope, JSON.stringify(toSpeedscope(p)) + '\n');
  writeFileSync(paths.folded, toFolded(p));
}

export interface ProfileRunOptions {
  /** The checkout (holds build/ros/mv-launch and build/kernel/aerokernel.elf). */
  root: string;
  /** What to run, as `multiverse run` takes it (program, args, cpus, placement...). */
  launch: LaunchOptions;
  /** Samples per second per vCPU (default: the launcher's, 500). */
  hz?: number;
  /** The profile file (default: `<cwd>/<program>.mvprof.json`); see profilePaths. */
  out?: string;
  /** The program's working directory (default: this process's). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The program's stdio (default: inherited). */
  stdio?: StdioOptions;
  /** Also keep the raw profile at this path. */
  keepRaw?: string;
  /** Called with the launcher once started (e.g. to forward signals to it). */
  onSpawn?: (child: ChildProcess) => void;
  /** Aborting sends SIGINT to the launcher: the run ends, the profile of what
   * ran is still written (status 130). */
  signal?: AbortSignal;
}

export interface ProfileRunResult {
  profile: Profile;
  profilePath: string;
  speedscopePath: string;
  foldedPath: string;
  /** the run's exit status (the program's; 128+N for signal N; 125 for a hybrid failure) */
  status: number;
  /** set when the launcher itself died of a signal */
  signal?: NodeJS.Signals;
}

function waitFor(child: ChildProcess): Promise<{ status: number; signal?: NodeJS.Signals }> {
  return new Promise((resolve) => {
    child.once('error', () => resolve({ status: STATUS_FAILURE }));
    child.once('exit', (code, signal) => {
      const status = exitStatus(code, signal);
      resolve(signal !== null && constants.signals[signal] !== undefined ? { status, signal } : { status });
    });
  });
}

/**
 * Runs opts.launch as a hybrid with the profiler on, then reads the raw
 * profile, symbolizes it, writes the profile file and the exports. Rejects
 * when there is nothing to make a profile of: LauncherError (the launcher or
 * kernel not built), ProfileRunError (the run failed before the program
 * started; carries the status), RawProfileError (not a raw profile).
 */
export async function profileRun(opts: ProfileRunOptions): Promise<ProfileRunResult> {
  const paths = locateLauncher(opts.root, opts.launch.kernel);
  const dir = mkdtempSync(path.join(tmpdir(), 'mv-profile-'));
  const rawFile = path.join(dir, 'raw.mvprof');
  try {
    const child = spawnLauncher(paths, { ...opts.launch, profile: rawFile, profileHz: opts.hz }, { stdio: opts.stdio, cwd: opts.cwd, env: opts.env });
    opts.onSpawn?.(child);
    const interrupt = (): void => void child.kill('SIGINT');
    if (opts.signal?.aborted) interrupt();
    opts.signal?.addEventListener('abort', interrupt, { once: true });
    const end = await waitFor(child).finally(() => opts.signal?.removeEventListener('abort', interrupt));
    let text: string;
    try {
      text = readFileSync(rawFile, 'utf8');
    } catch {
      throw new ProfileRunError(`no profile: the launcher (status ${end.status}) wrote no raw profile`, end.status);
    }
    if (opts.keepRaw !== undefined) copyFileSync(rawFile, path.resolve(opts.cwd ?? process.cwd(), opts.keepRaw));
    const raw = parseRawProfile(text);
    if (raw.header.program === undefined) throw new ProfileRunError(`no profile: the run ended (status ${end.status}) before the program started`, end.status);
    const profile = await profileFromRaw(raw, {
      program: path.resolve(opts.cwd ?? process.cwd(), opts.launch.program),
      args: [...(opts.launch.args ?? [])],
      kernel: paths.kernel,
      exitStatus: end.status,
      libraryDirs: libcSourceDirs(opts.root, opts.env ?? process.env),
    });
    const files = profilePaths(opts.launch.program, opts.out);
    writeProfileFiles(profile, files);
    return { profile, profilePath: files.profile, speedscopePath: files.speedscope, foldedPath: files.folded, ...end };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
