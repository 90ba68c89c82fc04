// build.ts - the build command for a source tree (its own build system, run with
// CC set to our compiler wrapper), and running it headless with cancellation.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Detection } from './detect';

export interface BuildPlan {
  readonly kind: Detection['kind'] | 'custom';
  /** A /bin/sh command line. */
  readonly command: string;
  /** Directory the command runs in (absolute). */
  readonly cwd: string;
  /** Variables added to the inherited environment. */
  readonly env: Record<string, string>;
}

/** Directory a CMake build goes to, relative to the source folder. */
export const CMAKE_BUILD_DIR = 'build-multiverse';

/** Quotes S for /bin/sh when it contains anything but safe characters. */
export function shQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The file name loose C sources are linked into: the folder's name, made safe. */
export function programNameFor(dir: string): string {
  const base = path.basename(path.resolve(dir)).replace(/[^A-Za-z0-9_.-]/g, '_');
  return base === '' || base.startsWith('.') ? 'program' : base;
}

/**
 * The shell command that builds a detected tree with the C compiler CC (shell
 * text: a quoted path, or "$CC" for a manifest).
 */
export function buildCommand(detection: Detection, cc: string, dir: string): string {
  switch (detection.kind) {
    case 'make':
      return `make CC=${cc}`;
    case 'cmake':
      return (
        `cmake -S . -B ${CMAKE_BUILD_DIR} -DCMAKE_C_COMPILER=${cc} -DCMAKE_BUILD_TYPE=RelWithDebInfo` +
        ` && cmake --build ${CMAKE_BUILD_DIR}`
      );
    case 'configure':
      return `CC=${cc} ./configure && make`;
    case 'c-files':
      return `${cc} -O2 -pthread -o ${shQuote(programNameFor(dir))} ${detection.sources.map(shQuote).join(' ')}`;
  }
}

/**
 * The build for a folder: the manifest's own command when it has one, else the
 * command for the detected build system. Both run with CC and MVCC set to MVCC.
 */
export function planBuild(dir: string, mvcc: string, detection: Detection | undefined, manifestBuild?: string): BuildPlan | undefined {
  const cwd = path.resolve(dir);
  const env = { CC: mvcc, MVCC: mvcc };
  if (manifestBuild !== undefined) return { kind: 'custom', command: manifestBuild, cwd, env };
  if (!detection) return undefined;
  return { kind: detection.kind, command: buildCommand(detection, shQuote(mvcc), dir), cwd, env };
}

export interface BuildResult {
  /** Exit status of the build command; null when it was cancelled or killed. */
  readonly status: number | null;
  readonly cancelled: boolean;
  readonly durationMs: number;
}

export interface BuildHooks {
  /** Each chunk of the build's output (stdout and stderr interleaved). */
  onOutput?(chunk: string, stream: 'stdout' | 'stderr'): void;
  signal?: AbortSignal;
}

/** Runs PLAN with /bin/sh; cancelling (signal) ends the whole process group. */
export function runBuild(plan: BuildPlan, hooks: BuildHooks = {}): Promise<BuildResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', plan.command], {
      cwd: plan.cwd,
      env: { ...process.env, ...plan.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // the group has already exited
        }
      }
    };
    if (hooks.signal?.aborted) cancel();
    hooks.signal?.addEventListener('abort', cancel, { once: true });
    child.stdout.setEncoding('utf8').on('data', (d: string) => hooks.onOutput?.(d, 'stdout'));
    child.stderr.setEncoding('utf8').on('data', (d: string) => hooks.onOutput?.(d, 'stderr'));
    child.on('error', reject);
    child.on('close', (code) => {
      hooks.signal?.removeEventListener('abort', cancel);
      resolve({ status: cancelled ? null : code, cancelled, durationMs: Date.now() - start });
    });
  });
}

/** A gcc diagnostic line: "file:line:col: error: message". */
export interface CompilerDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning' | 'note';
  readonly message: string;
}

/** The gcc diagnostic pattern; the same one the extension's problem matcher uses. */
export const GCC_DIAGNOSTIC = /^(.*?):(\d+):(\d+):\s+(?:fatal\s+)?(error|warning|note):\s+(.*)$/;

/** Parses gcc diagnostics out of build output. */
export function parseDiagnostics(output: string): CompilerDiagnostic[] {
  const out: CompilerDiagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = GCC_DIAGNOSTIC.exec(line);
    if (!m) continue;
    out.push({
      file: m[1]!,
      line: Number(m[2]),
      column: Number(m[3]),
      severity: m[4] as CompilerDiagnostic['severity'],
      message: m[5]!,
    });
  }
  return out;
}
