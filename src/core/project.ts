// project.ts - a workspace folder as Multiverse sees it: its manifest, its build
// and its program. Shared by the CLI and the extension.

import * as path from 'node:path';
import { BuildPlan, buildCommand, planBuild, programNameFor } from './build';
import { Detection, detectBuild, findProgram, readElfInfo } from './detect';
import { MANIFEST_FILE, Manifest, ManifestProblem, formatProblems, loadManifest } from './manifest';
import { MultiverseRoot, placeableCalls } from './root';
import { kfuncBuildEnv } from './kfunc';

/** An error the user can act on; `details` are extra lines (manifest problems). */
export class ProjectError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    readonly problems: readonly ManifestProblem[] = [],
    /** The file the problems are in. */
    readonly file?: string,
  ) {
    super(message);
  }
}

export interface Project {
  readonly dir: string;
  readonly root: MultiverseRoot;
  readonly manifest?: Manifest;
  readonly manifestFile?: string;
  readonly detection?: Detection;
}

/** Reads DIR's manifest and detects its build. A manifest with errors throws ProjectError. */
export async function openProject(dir: string, root: MultiverseRoot): Promise<Project> {
  const abs = path.resolve(dir);
  const loaded = await loadManifest(abs, { placeable: placeableCalls() });
  if (loaded && !loaded.manifest) {
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    throw new ProjectError(
      `${MANIFEST_FILE} has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
      formatProblems(loaded.file, loaded.text, errors),
      loaded.problems,
      loaded.file,
    );
  }
  return { dir: abs, root, manifest: loaded?.manifest, manifestFile: loaded?.file, detection: await detectBuild(abs) };
}

/** How PROJECT is built; throws ProjectError when there is nothing to build. */
export function projectBuild(project: Project): BuildPlan {
  const plan = planBuild(project.dir, project.root.mvcc, project.detection, project.manifest?.build);
  if (!plan) {
    throw new ProjectError(
      `nothing to build in ${project.dir}: no Makefile, CMakeLists.txt, configure or .c files, ` +
        `and no "build" command in ${MANIFEST_FILE}`,
    );
  }
  return { ...plan, env: { ...plan.env, ...kfuncBuildEnv(project.dir, project.manifest) } }; // kernel-mode functions (kfunc.ts)
}

/**
 * The program to boot: the manifest's "program", else the newest static ELF
 * executable in the tree (built at or after SINCE, in ms, when given).
 */
export async function projectProgram(project: Project, since = 0): Promise<string> {
  const named = project.manifest?.program;
  if (named !== undefined) {
    const file = path.resolve(project.dir, named);
    const elf = await readElfInfo(file);
    if (!elf) throw new ProjectError(`the program ${named} named in ${MANIFEST_FILE} does not exist or is not an ELF file`);
    if (!elf.static) {
      throw new ProjectError(`the program ${named} is dynamically linked: rebuild it with CC=bin/mvcc (Multiverse: Hybridize)`);
    }
    return file;
  }
  const found = (await findProgram(project.dir, since)) ?? (since > 0 ? await findProgram(project.dir) : undefined);
  if (!found) {
    throw new ProjectError(
      `no static x86-64 executable found in ${project.dir}: run Hybridize first, or name the program in ${MANIFEST_FILE}`,
    );
  }
  return found.file;
}

/** The manifest Create Manifest writes for DIR: detected build and program, forwarded placement. */
export async function defaultManifest(dir: string): Promise<Manifest> {
  const abs = path.resolve(dir);
  const detection = await detectBuild(abs);
  const m: Manifest = { args: [], cwd: '.', env: {}, cpus: 1, memory: '512M', accel: 'auto', placement: [] };
  if (detection) m.build = buildCommand(detection, '"$CC"', abs);
  const found = await findProgram(abs);
  if (found) m.program = path.relative(abs, found.file);
  else if (detection?.kind === 'c-files') m.program = programNameFor(abs);
  return m;
}
