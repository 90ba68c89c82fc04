// harness.mjs - builds test programs with bin/mvcc and runs the same ELF
// natively and as a hybrid (bin/multiverse run), each under a timeout.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const programsDir = join(root, 'test', 'programs');
// MULTIVERSE_TEST_CLI: another bin/multiverse (docs/testing.md), e.g. one
// from makeFakeRoot() whose launcher is a stand-in.
export const cli = process.env.MULTIVERSE_TEST_CLI || join(root, 'bin', 'multiverse');
export const mvcc = join(root, 'bin', 'mvcc');

/** Default time limit of one run. A TCG boot is well under a second; the
 * heavier programs pass their own. */
export const RUN_TIMEOUT_MS = 60_000;

/** This suite run's tag (test/run.mjs sets it for every test file; a file
 * run alone makes its own). Every run's environment carries it, so that
 * leftovers.mjs can tell the suite's processes from anyone else's. */
export const testTag = process.env.MULTIVERSE_TEST_TAG || `${process.pid}-${Date.now()}`;

/** The environment every run gets: small and the same on both sides. */
export function testEnv(extra = {}) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', MV_TEST: 'multiverse', MULTIVERSE_TEST_TAG: testTag, ...extra };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'mv-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Compile test/programs/NAME.c with bin/mvcc into dir; returns the ELF path.
 * Throws with the compiler's output on failure. */
export function build(name, dir, extraFlags = []) {
  // MULTIVERSE_TEST_CC: a developer's stand-in for bin/mvcc (docs/testing.md).
  const cc = process.env.MULTIVERSE_TEST_CC || mvcc;
  if (!existsSync(cc)) throw new Error(`${cc} is missing: the compiler wrapper bin/mvcc is needed to build the test programs`);
  const out = join(dir, name);
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', out, join(programsDir, `${name}.c`), ...extraFlags], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bin/mvcc ${name}.c failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
  return out;
}

/**
 * Run argv[0] with argv[1..] and collect its output.
 * opts: { stdin: Buffer|string (default empty), env, cwd, timeoutMs, merge:
 * true = stderr joins stdout in one pipe (then stderr is empty) }.
 * Resolves to { status, signal, stdout: Buffer, stderr: Buffer, pid, ms,
 * timedOut }. status is as a shell reports it (128+N for signal N).
 */
export function runProcess(argv, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? RUN_TIMEOUT_MS;
  const [cmd, ...args] = opts.merge ? ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? testEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.stdin.on('error', () => {}); // a program that exits without reading: EPIPE is expected
    child.stdin.end(opts.stdin ?? '');
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
      const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
      resolve({
        status: signal ? 128 + (signals[signal] ?? 0) : code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        pid: child.pid,
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
        timedOut,
      });
    });
  });
}

/** Build the named programs into a fresh temporary directory:
 * { dir, elf: { name: path }, cleanup }. */
export function buildAll(names) {
  const t = tempDir('mv-progs-');
  try {
    const elf = Object.fromEntries(names.map((n) => [n, build(n, t.dir)]));
    return { dir: t.dir, elf, cleanup: t.cleanup };
  } catch (e) {
    t.cleanup();
    throw e;
  }
}

/** Run the ELF natively. */
export function runNative(elf, args = [], opts = {}) {
  return runProcess([elf, ...args], opts);
}

/** Run the ELF as a hybrid through the CLI; cliArgs go before "--". */
export function runHybrid(elf, args = [], opts = {}, cliArgs = []) {
  return runProcess([cli, 'run', ...cliArgs, '--', elf, ...args], opts);
}

/** Run both ways with the same options: { native, hybrid }. Sequential, so
 * that the two never compete for the two cores. */
export async function runBoth(elf, args = [], opts = {}) {
  const native = await runNative(elf, args, opts);
  const hybrid = await runHybrid(elf, args, opts);
  return { native, hybrid };
}

/** A readable account of one run, for assertion messages. */
export function describe(label, r) {
  const cut = (b) => {
    const s = b.toString('utf8');
    return s.length > 2000 ? `${s.slice(0, 2000)}... (${s.length} chars)` : s;
  };
  return `${label}: status ${r.status}${r.timedOut ? ' (TIMED OUT)' : ''} in ${r.ms.toFixed(0)} ms\n` +
    `--- stdout ---\n${cut(r.stdout)}\n--- stderr ---\n${cut(r.stderr)}\n`;
}
