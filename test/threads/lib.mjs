// lib.mjs - helpers of the pthreads corpus (test/threads/): build the
// programs in test/threads/programs/ with bin/mvcc, run one natively and as
// a hybrid with --cpus N, and run a program whose stdin stays open until
// its output says it may be written and closed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, mvcc, runHybrid, runNative, tempDir, testEnv } from '../lib/harness.mjs';

export const threadsDir = join(dirname(fileURLToPath(import.meta.url)), 'programs');

/** The vCPU counts every program runs with. */
export const CPU_COUNTS = [1, 2, 4];

/** Time limit of one run: every program takes well under 10 s here even
 * with 4 vCPUs on 2 host cores under TCG; a run that exceeds it fails the
 * test instead of stalling the suite. */
export const THREAD_RUN_TIMEOUT_MS = 20_000;

/** Build test/threads/programs/NAME.c for each name into a fresh temporary
 * directory: { dir, elf: { name: path }, cleanup }. */
export function buildThreads(names) {
  const cc = process.env.MULTIVERSE_TEST_CC || mvcc;
  if (!existsSync(cc)) throw new Error(`${cc} is missing: the compiler wrapper bin/mvcc is needed to build the test programs`);
  const t = tempDir('mv-threads-');
  const elf = {};
  for (const n of names) {
    const out = join(t.dir, n);
    const r = spawnSync(cc, ['-O2', '-Wall', '-Werror', '-pthread', '-o', out, join(threadsDir, `${n}.c`)], { encoding: 'utf8' });
    if (r.status !== 0) {
      t.cleanup();
      throw new Error(`bin/mvcc ${n}.c failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
    }
    elf[n] = out;
  }
  return { dir: t.dir, elf, cleanup: t.cleanup };
}

/** The ELF natively. */
export function native(elf, args = [], opts = {}) {
  return runNative(elf, args, { timeoutMs: THREAD_RUN_TIMEOUT_MS, ...opts });
}

/** The ELF as a hybrid on `cpus` vCPUs. */
export function hybrid(elf, cpus, args = [], opts = {}) {
  return runHybrid(elf, args, { timeoutMs: THREAD_RUN_TIMEOUT_MS, ...opts }, ['--cpus', String(cpus)]);
}

/**
 * Run argv with stdin a pipe that stays open: once stdout contains
 * `marker`, `input` is written to stdin and stdin is closed. Resolves like
 * harness.runProcess ({ status, stdout, stderr, ms, timedOut }, plus
 * markerSeen). A run that never prints the marker is ended at the timeout
 * (stdin is then closed too, so the result shows what happened).
 */
export function runWithHeldStdin(argv, marker, input, timeoutMs = THREAD_RUN_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [cmd, ...args] = argv;
    const child = spawn(cmd, args, { env: testEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let markerSeen = false;
    child.stdin.on('error', () => {});
    child.stdout.on('data', (b) => {
      out.push(b);
      if (!markerSeen && Buffer.concat(out).includes(marker)) {
        markerSeen = true;
        child.stdin.end(input);
      }
    });
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        status: signal ? 128 + ({ SIGTERM: 15, SIGKILL: 9, SIGSEGV: 11 }[signal] ?? 0) : code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        pid: child.pid,
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
        timedOut,
        markerSeen,
      });
    });
  });
}

/** The argv of a hybrid run through the CLI on `cpus` vCPUs. */
export function hybridArgv(elf, cpus, args = []) {
  return [cli, 'run', '--cpus', String(cpus), '--', elf, ...args];
}
