// lib.mjs - helpers of the placement tests (test/placement/): build the
// programs in test/placement/programs/, run one natively or through
// build/ros/mv-launch with a placement (--native/--forward) and --stats,
// with stdout and stderr on pipes or on one file, under a timeout.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mvcc, root, tempDir, testEnv } from '../lib/harness.mjs';

export const programsDir = join(dirname(fileURLToPath(import.meta.url)), 'programs');
export const launcher = join(root, 'build', 'ros', 'mv-launch');
export const RUN_TIMEOUT_MS = 30_000;

/** The calls whose native implementation is write-behind (docs/placement.md). */
export const WRITE_BEHIND = ['write', 'pwrite64', 'writev'];

/** The placeable calls (class opt in the generated table), with their default. */
export function placeable() {
  const ts = readFileSync(join(root, 'src', 'core', 'generated', 'abi.ts'), 'utf8');
  return [...ts.matchAll(/\{ nr: \d+, name: '(\w+)', cls: 'opt', args: \[[^\]]*\], defaultNative: (true|false) \}/g)].map((m) => ({
    name: m[1],
    defaultNative: m[2] === 'true',
  }));
}

/** Build test/placement/programs/NAME.c for each name: { dir, elf, cleanup }. */
export function buildPrograms(names) {
  const cc = process.env.MULTIVERSE_TEST_CC || mvcc;
  if (!existsSync(cc)) throw new Error(`${cc} is missing: the compiler wrapper bin/mvcc is needed to build the test programs`);
  const t = tempDir('mv-placement-');
  const elf = {};
  for (const n of names) {
    const out = join(t.dir, n);
    const r = spawnSync(cc, ['-O2', '-Wall', '-Werror', '-pthread', '-o', out, join(programsDir, `${n}.c`)], { encoding: 'utf8' });
    if (r.status !== 0) {
      t.cleanup();
      throw new Error(`bin/mvcc ${n}.c failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
    }
    elf[n] = out;
  }
  return { dir: t.dir, elf, cleanup: t.cleanup };
}

/**
 * Run argv. opts: { outFile: stdout and stderr both to this file (created;
 * else pipes), env (added to testEnv, with MV_PPID = this process's pid),
 * timeoutMs }. Resolves to { status, stdout, stderr, timedOut } (status as
 * a shell gives it, 128+N for signal N).
 */
export function run(argv, opts = {}) {
  return new Promise((resolve, reject) => {
    const fd = opts.outFile ? openSync(opts.outFile, 'w') : undefined;
    const child = spawn(argv[0], argv.slice(1), {
      env: testEnv({ MV_PPID: String(process.pid), ...(opts.env ?? {}) }),
      stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
    });
    if (fd !== undefined) closeSync(fd);
    const out = [];
    const err = [];
    child.stdout?.on('data', (b) => out.push(b));
    child.stderr?.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const signals = { SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
      resolve({ status: signal ? 128 + (signals[signal] ?? 0) : code, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut });
    });
  });
}

/**
 * Run elf through mv-launch with placement { native: [...], forward: [...] }
 * and --stats into statsFile; resolves like run() plus calls: the final
 * statistics' { NAME: count } of forwarded calls.
 */
export async function runHybrid(elf, args, statsFile, placement = {}, opts = {}) {
  const argv = [launcher, '--cpus', String(opts.cpus ?? 1), '--stats', statsFile];
  if (placement.native?.length) argv.push('--native', placement.native.join(','));
  if (placement.forward?.length) argv.push('--forward', placement.forward.join(','));
  const r = await run([...argv, '--', elf, ...args], opts);
  return { ...r, calls: finalCounts(statsFile) };
}

/** { NAME: count } from the last line of a --stats file ({} if none). */
export function finalCounts(statsFile) {
  let lines;
  try {
    lines = readFileSync(statsFile, 'utf8').trim().split('\n');
  } catch {
    return {};
  }
  const last = JSON.parse(lines[lines.length - 1] || '{}');
  return Object.fromEntries(Object.entries(last.calls ?? {}).map(([k, v]) => [k, v.count]));
}

/** A readable account of one run, for assertion messages. */
export function describeRun(label, r) {
  const cut = (b) => {
    const s = b.toString('utf8');
    return s.length > 1500 ? `${s.slice(0, 1500)}... (${s.length} chars)` : s;
  };
  return `${label}: status ${r.status}${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${cut(r.stdout)}\n--- stderr ---\n${cut(r.stderr)}\n` +
    (r.calls ? `--- forwarded ---\n${JSON.stringify(r.calls)}\n` : '');
}
