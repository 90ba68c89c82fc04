// command.ts - the command line of a profiled run, derived from the one Boot
// uses (src/core/run.ts runSpec): `multiverse profile` with the same options,
// the profile file and the sampling rate. Pure.

/**
 * `multiverse run OPTS -- PROGRAM ARGS` as `multiverse profile --out OUT
 * [--hz HZ] OPTS -- PROGRAM ARGS` (HZ 0: the launcher's default rate).
 */
export function profileArgs(runArgs: readonly string[], out: string, hz: number): string[] {
  if (runArgs[0] !== 'run') throw new Error(`not a multiverse run command line: ${runArgs.join(' ')}`);
  const extra = ['--out', out];
  if (hz > 0) extra.push('--hz', String(hz));
  return ['profile', ...extra, ...runArgs.slice(1)];
}

/** The file name the editor gives a run's profile: "<program>-<stamp>.mvprof.json". */
export function profileFileName(program: string, stamp: number): string {
  const base = program.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'program';
  return `${base}-${stamp}.mvprof.json`;
}
