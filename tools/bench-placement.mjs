// bench-placement.mjs - the placement figures of `npm run bench` (issue 6;
// docs/placement.md). Not a test: nothing here asserts on time.
//
//  a. per call: for every placeable system call, the mean cost of one call
//     (test/placement/programs/callbench.c, raw syscall(2) in a loop) run
//     natively on Linux, hybrid with the call forwarded, and hybrid with it
//     in kernel mode (same ELF, only the placement switched); ratios against
//     the kernel-mode figure.
//  b. Lua: the Benchmarks-Game style programs of examples/lua/bench/ run by
//     the interpreter of examples/lua (fetch-and-build.sh), stdout to a
//     file: native Linux, hybrid with the kernel's default placement, and
//     with every placeable call in kernel mode; ratios against native. One
//     run each (under TCG a hybrid Lua run takes 10-40x its native time, so
//     this part alone takes several minutes). Outputs must be identical to
//     native (a difference is reported as a figure).
//
// Usable alone: node tools/bench-placement.mjs [--runs N] [--only calls|lua]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Each Lua program with its size: ~1-2 s natively on the reference machine. */
export const LUA_PROGRAMS = [
  ['binary-trees', '15'],
  ['nbody', '600000'],
  ['spectral-norm', '700'],
  ['fannkuch', '10'],
];

/** Iterations of callbench per call (forwarded calls cost microseconds). */
const ITER = 10000;

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const round = (x, d = 1) => (x === null ? null : Number(x.toFixed(d)));

/** Run argv to completion: { status, stdout, stderr, ms }. stdout to outFile if given. */
function run(argv, { outFile, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const fd = outFile ? openSync(outFile, 'w') : undefined;
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
    if (fd !== undefined) closeSync(fd);
    const out = [];
    const err = [];
    child.stdout?.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
  });
}

/** The placeable calls of the generated table: [{ name, defaultNative }]. */
function placeable(root) {
  const ts = readFileSync(join(root, 'src', 'core', 'generated', 'abi.ts'), 'utf8');
  return [...ts.matchAll(/\{ nr: \d+, name: '(\w+)', cls: 'opt', args: \[[^\]]*\], defaultNative: (true|false) \}/g)].map((m) => ({ name: m[1], defaultNative: m[2] === 'true' }));
}

function compile(root, src, out) {
  const r = spawnSync(join(root, 'bin', 'mvcc'), ['-O2', '-Wall', '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bin/mvcc ${src} failed:\n${r.stdout}${r.stderr}`);
  return out;
}

async function benchCalls({ root, runs, say }, tmp, launcher) {
  const elf = compile(root, join(root, 'test', 'placement', 'programs', 'callbench.c'), join(tmp, 'callbench'));
  const file = join(tmp, 'callbench.out');
  const figures = {};
  say(`  a. ns per call (median of ${runs}; ${ITER} calls; write/pwrite64/writev: 16 bytes to a regular file, kernel mode = write-behind)`);
  say(`     ${'call'.padEnd(18)} ${'linux'.padStart(9)} ${'forwarded'.padStart(10)} ${'kernel'.padStart(9)}  forwarded/kernel`);
  for (const { name } of placeable(root)) {
    const one = async (argv) => {
      const r = await run([...argv, elf, name, String(ITER), file]);
      if (r.status !== 0) throw new Error(`callbench ${name} failed (status ${r.status}): ${r.stderr.slice(-500)}`);
      return Number(r.stdout.trim());
    };
    const lin = [];
    const fwd = [];
    const ker = [];
    for (let i = 0; i < runs; i++) {
      lin.push(await one([]));
      fwd.push(await one([launcher, '--forward', name, '--']));
      ker.push(await one([launcher, '--native', name, '--']));
    }
    const f = { linux_ns: round(median(lin)), forwarded_ns: round(median(fwd)), kernel_ns: round(median(ker)) };
    figures[name] = f;
    const ratio = f.kernel_ns ? (f.forwarded_ns / f.kernel_ns).toFixed(1) : 'n/a';
    say(`     ${name.padEnd(18)} ${String(f.linux_ns).padStart(9)} ${String(f.forwarded_ns).padStart(10)} ${String(f.kernel_ns).padStart(9)}  ${ratio} x`);
  }
  return figures;
}

/** The interpreter of examples/lua, built on demand (its recipe prints the path last). */
function luaInterpreter(root) {
  const built = join(root, 'build', 'lua', 'src', 'src', 'lua');
  if (!process.env.MULTIVERSE_LUA_DIR && existsSync(built)) return built;
  const r = spawnSync(join(root, 'examples', 'lua', 'fetch-and-build.sh'), [], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`examples/lua/fetch-and-build.sh failed:\n${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').pop();
}

async function benchLua({ root, runs, say }, tmp, launcher) {
  const lua = luaInterpreter(root);
  const all = placeable(root).map((p) => p.name).join(',');
  const configs = [
    ['native', []],
    ['hybrid_default', [launcher, '--']],
    ['hybrid_all_kernel', [launcher, '--native', all, '--']],
  ];
  const figures = {};
  say(`  b. Lua Benchmarks-Game programs, seconds (median of ${runs}; stdout to a file), ratio against native Linux`);
  say(`     ${'program'.padEnd(16)} ${configs.map(([c]) => c.replace('hybrid_', '').padStart(16)).join('')}`);
  for (const [prog, size] of LUA_PROGRAMS) {
    const script = join(root, 'examples', 'lua', 'bench', `${prog}.lua`);
    const f = {};
    let reference;
    for (const [config, prefix] of configs) {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const outFile = join(tmp, `${prog}.${config}.out`);
        const r = await run([...prefix, lua, script, size], { outFile });
        if (r.status !== 0) throw new Error(`${prog} (${config}) failed (status ${r.status}): ${r.stderr.slice(-500)}`);
        const out = readFileSync(outFile, 'utf8');
        if (reference === undefined) reference = out;
        else if (out !== reference) f[`${config}_output_differs`] = 1;
        times.push(r.ms / 1000);
      }
      f[`${config}_s`] = round(median(times), 3);
    }
    figures[prog] = f;
    const cells = configs.map(([c]) => {
      const v = f[`${c}_s`];
      return (c === 'native' ? `${v}` : `${v} (${(v / f.native_s).toFixed(1)}x)`).padStart(16);
    });
    say(`     ${prog.padEnd(16)} ${cells.join('')}`);
    for (const k of Object.keys(f)) if (k.endsWith('_output_differs')) say(`     ${prog}: OUTPUT DIFFERS from native (${k})`);
  }
  return figures;
}

/** The placement section of npm run bench: { calls: {...}, lua: {...} }. */
export async function benchPlacement({ root, runs, say, only = ['calls', 'lua'] }) {
  const launcher = join(root, 'build', 'ros', 'mv-launch');
  if (!existsSync(launcher)) throw new Error('build/ros/mv-launch is missing: run npm run build');
  const tmp = mkdtempSync(join(tmpdir(), 'mv-bench-placement-'));
  try {
    const n = Math.max(1, runs ?? 3);
    const figures = {};
    if (only.includes('calls')) figures.calls = await benchCalls({ root, runs: n, say }, tmp, launcher);
    if (only.includes('lua')) figures.lua = await benchLua({ root, runs: 1, say }, tmp, launcher);
    return figures;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const root = join(here, '..');
  const figures = await benchPlacement({
    root,
    runs: Number(opt('--runs', '3')),
    say: (s = '') => process.stderr.write(`${s}\n`),
    only: opt('--only', 'calls,lua').split(','),
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
