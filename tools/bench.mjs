#!/usr/bin/env node
// bench.mjs - `npm run bench`: every benchmark of the project in one run, each
// figure shown as a ratio against a baseline measured in the same run.
//   core   `bin/multiverse bench --json` (start-up, forwarding, HRT primitives)
//   lua    the development loop on examples/lua (issue 4): a one-line change
//          to a Lua C source, then `multiverse hybridize-and-boot` until the
//          program's first output; baseline: make with plain gcc + native run
//   debug  the debugger (issue 5): benchDebug from src/debug/bench.ts
//   profiler   the sampling profiler's overhead at its default rate (issue 6):
//          benchProfiler from tools/bench-profiler.mjs
//   placement  forwarded vs kernel-mode cost of each placeable call, and the
//          Lua Benchmarks-Game programs with default / all-native placement
//          against native Linux (issue 6): tools/bench-placement.mjs
// Nothing here asserts on timings; the bench is not part of `npm test`.
// Everything runs on copies in one temporary folder that is removed at the
// end; children are ended by pid. docs/benchmarks-long.md explains the figures.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = ['core', 'lua', 'debug', 'profiler', 'placement'];

const usage = `usage: npm run bench -- [--runs N] [--only core,lua,debug,profiler,placement] [--lua-file F] [--json]

  --runs N      timed repetitions per figure (default 3; one more untimed
                warm-up for the Lua loop); the core bench gets --runs N too
  --only LIST   run only these sections (core, lua, debug, profiler, placement)
  --lua-file F  the Lua C source given the one-line change (default lapi.c)
  --json        also print all figures as one JSON object at the end
`;

function parseOptions(argv) {
  const o = { runs: 3, only: SECTIONS, luaFile: 'lapi.c', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs') {
      o.runs = Number(value());
      if (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > 100) throw new Error('--runs must be 1..100');
    } else if (a === '--only') {
      o.only = value().split(',');
      const bad = o.only.filter((s) => !SECTIONS.includes(s));
      if (bad.length) throw new Error(`unknown section ${bad.join(', ')} (known: ${SECTIONS.join(', ')})`);
    } else if (a === '--lua-file') o.luaFile = value();
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${usage}`);
  }
  return o;
}

// ---- small helpers ---------------------------------------------------------

const now = () => Number(process.hrtime.bigint()) / 1e6;

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const fix = (x, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

function kvmUsable() {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Every live process below this one (pid -> command name), from /proc. */
function descendants() {
  const parent = new Map();
  const name = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      name.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map();
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid), guard = 0; p !== undefined && p > 1 && guard < 64; p = parent.get(p), guard++) {
      if (p === process.pid) {
        out.set(pid, name.get(pid));
        break;
      }
    }
  }
  return out;
}

const shmEntries = () => new Set(existsSync('/dev/shm') ? readdirSync('/dev/shm') : []);

/**
 * Runs cmd in its own process group and timestamps what happens: the first
 * stdout byte, the first stderr line matching `mark`, the exit. A run that
 * outlives timeoutMs has its group ended (by the child's pid) and throws.
 */
function timedRun(cmd, args, { cwd = root, env = process.env, mark, timeoutMs = 180_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const r = { firstOutputMs: NaN, markMs: NaN, exitMs: NaN, status: null, stdout: '', stderr: '' };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`${cmd} ${args.join(' ')} took more than ${timeoutMs / 1000} s; ended\n${r.stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      if (Number.isNaN(r.firstOutputMs)) r.firstOutputMs = now() - t0;
      r.stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      r.stderr += d;
      if (mark && Number.isNaN(r.markMs) && mark.test(r.stderr)) r.markMs = now() - t0;
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      r.exitMs = now() - t0;
      r.status = status;
      resolvePromise(r);
    });
  });
}

function mustSucceed(r, what) {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}\n${r.stdout}${r.stderr}`);
  return r;
}

// ---- report ----------------------------------------------------------------

const all = {};
const lines = [];
const say = (s = '') => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};

function unitOf(key) {
  const m = /_(ns|us|ms|s)$/.exec(key) ?? /_(ns|us|ms|s)_/.exec(key);
  return m ? m[1] : '';
}

/** One figure line: "  key  value unit   = R x baseline (baselineKey)". */
function show(key, value, baseKey, baseValue) {
  const unit = unitOf(key);
  const v = value === null || value === undefined ? 'n/a' : `${value}${unit ? ` ${unit}` : ''}`;
  let tail = '';
  if (baseKey !== undefined) {
    const ratio = Number.isFinite(value) && Number.isFinite(baseValue) && baseValue > 0 ? value / baseValue : NaN;
    tail = Number.isFinite(ratio) ? `  = ${ratio.toFixed(2)} x ${baseKey}` : `  (baseline ${baseKey}: n/a)`;
  } else tail = '  (baseline)';
  say(`  ${key.padEnd(36)} ${v.padStart(14)}${tail}`);
}

/** The baselines of a core figure: hrt_X / forward_X against native_X (and
 * native_X_syscall, the same call without the vDSO), X_hybrid_Y against
 * X_native_Y, and the named pairs of issues 2 and 3. */
const CORE_PAIRS = {
  forward_null_rtt_p50_ns: 'native_pingpong_p50_ns',
  boot_to_main_ms: 'qemu_version_ms',
  hello_hybrid_ms: 'hello_native_ms',
};

function coreBaselines(key, figures) {
  const out = [];
  if (CORE_PAIRS[key] in figures) out.push(CORE_PAIRS[key]);
  const m = /^(hrt|forward)_(.*)_(ns|us|ms)$/.exec(key);
  if (m) {
    for (const b of [`native_${m[2]}_${m[3]}`, `native_${m[2]}_syscall_${m[3]}`]) if (b in figures && !out.includes(b)) out.push(b);
  }
  const h = /^(.*)_hybrid_(.*)$/.exec(key);
  if (h && `${h[1]}_native_${h[2]}` in figures) out.push(`${h[1]}_native_${h[2]}`);
  return out;
}

/** Median ms of `qemu-system-x86_64 -version`: the cost of merely starting
 * QEMU, the baseline of boot_to_main_ms when the core bench gives none. */
async function qemuVersionMs(runs) {
  const t = [];
  for (let i = 0; i < runs; i++) t.push(mustSucceed(await timedRun('qemu-system-x86_64', ['-version']), 'qemu-system-x86_64 -version').exitMs);
  return fix(median(t));
}

// ---- a. core micro-benchmarks ------------------------------------------------

async function benchCore(opts) {
  say('a. core micro-benchmarks: bin/multiverse bench --json');
  const r = mustSucceed(
    await timedRun(process.execPath, [join(root, 'bin', 'multiverse'), 'bench', '--json', '--runs', String(opts.runs)], { timeoutMs: 300_000 }),
    'multiverse bench --json',
  );
  const last = r.stdout.trim().split('\n').pop();
  const { machine, notes, ...figures } = JSON.parse(last);
  if (machine) say(`  (reported by the core bench: ${Object.values(machine).join(', ')})`);
  if ('boot_to_main_ms' in figures && !('qemu_version_ms' in figures)) {
    figures.qemu_version_ms = await qemuVersionMs(Math.max(3, opts.runs));
    say('  (qemu_version_ms measured here by tools/bench.mjs, as the baseline of boot_to_main_ms)');
  }
  const isFigure = (v) => v === null || typeof v === 'number';
  const baselines = new Set(Object.keys(figures).flatMap((k) => coreBaselines(k, figures)));
  const shown = new Set();
  for (const [k, v] of Object.entries(figures)) {
    if (baselines.has(k) || !isFigure(v)) continue;
    for (const b of coreBaselines(k, figures)) {
      show(k, v, b, figures[b]);
      shown.add(k);
    }
  }
  for (const b of baselines) show(b, figures[b]);
  // the rest: the core's own ratios (*_vs_*) and figures without a pair
  for (const [k, v] of Object.entries(figures)) {
    if (shown.has(k) || baselines.has(k)) continue;
    const ratio = /_vs_/.test(k);
    const unit = /_percent$/.test(k) ? ' %' : ratio || !unitOf(k) ? '' : ` ${unitOf(k)}`;
    const text = isFigure(v) ? (v === null ? 'n/a' : `${v}${unit}`) : JSON.stringify(v);
    say(`  ${k.padEnd(36)} ${text.padStart(14)}${ratio ? '  (ratio computed by the core bench)' : '  (no baseline)'}`);
  }
  for (const [k, why] of Object.entries(notes ?? {})) say(`  note: ${k}: ${typeof why === 'string' ? why : JSON.stringify(why)}`);
  for (const [k, v] of Object.entries(figures)) all[`core.${k}`] = v;
}

// ---- b. the Lua development loop (issue 4) ------------------------------------

/** The cached, built Lua tree of examples/lua (fetched and built if missing). */
async function luaTree() {
  const cache = process.env.MULTIVERSE_LUA_DIR ?? join(root, 'build', 'lua');
  if (!existsSync(join(cache, 'src', 'src', 'lua'))) {
    say('  (building the Lua example first: examples/lua/fetch-and-build.sh)');
    mustSucceed(await timedRun('bash', [join(root, 'examples', 'lua', 'fetch-and-build.sh')], { timeoutMs: 590_000 }), 'examples/lua/fetch-and-build.sh');
  }
  return cache;
}

/** The one-line change of run n: a new global in the file, so that the
 * object code really changes (a comment alone could be cached away). */
const edit = (file, n) => appendFileSync(file, `int multiverse_bench_edit_${n} = ${n};\n`);

async function benchLua(opts, tmp) {
  say(`b. development loop on examples/lua (issue 4): one-line change to src/${opts.luaFile}, until the first output`);
  const cache = await luaTree();
  // hybrid copy: <tmp>/hybrid laid out as the checkout is (examples/lua next
  // to build/lua, bin/ linked), so the manifest's relative paths and its
  // build command (fetch-and-build.sh, then make) work unchanged
  const hyb = join(tmp, 'hybrid');
  mkdirSync(join(hyb, 'examples'), { recursive: true });
  cpSync(join(root, 'examples', 'lua'), join(hyb, 'examples', 'lua'), { recursive: true, preserveTimestamps: true });
  for (const d of ['pkg', 'src']) {
    if (existsSync(join(cache, d))) cpSync(join(cache, d), join(hyb, 'build', 'lua', d), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(root, 'bin'), join(hyb, 'bin'));
  const ws = join(hyb, 'examples', 'lua');
  const hybSource = join(hyb, 'build', 'lua', 'src', 'src', opts.luaFile);
  if (!existsSync(hybSource)) throw new Error(`no ${opts.luaFile} in the Lua tree`);
  const manifest = JSON.parse(readFileSync(join(ws, 'multiverse.json'), 'utf8'));
  const hybElf = resolve(ws, manifest.program);
  const luaArgs = manifest.args ?? ['-e', 'print(1+1)'];

  // native copy: the same tree built once (untimed) with plain gcc
  const nat = join(tmp, 'native');
  cpSync(join(cache, 'src'), nat, { recursive: true, preserveTimestamps: true });
  const natSource = join(nat, 'src', opts.luaFile);
  say('  (untimed: building the native copy with plain gcc)');
  mustSucceed(await timedRun('make', ['-C', nat, 'clean'], {}), 'make clean');
  mustSucceed(await timedRun('make', ['-C', nat, 'posix', 'CC=gcc'], { timeoutMs: 590_000 }), 'make posix CC=gcc');

  const cli = [join(root, 'bin', 'multiverse'), 'hybridize-and-boot', '--quiet', ws];
  const rows = [];
  for (let i = 0; i <= opts.runs; i++) {
    // hybrid: edit, then the CLI's Hybridize & Boot; the "built" line on
    // stderr splits the build from the boot
    edit(hybSource, i);
    const h = mustSucceed(await timedRun(process.execPath, cli, { mark: /multiverse: built /, timeoutMs: 300_000 }), 'multiverse hybridize-and-boot');
    if (!h.stdout.includes('2')) throw new Error(`the hybrid Lua printed ${JSON.stringify(h.stdout)}, not 2`);
    // the same mvcc-built ELF run natively: what the boot adds
    const e = mustSucceed(await timedRun(hybElf, luaArgs, { cwd: ws }), 'the mvcc-built lua run natively');
    // native: edit, make with plain gcc, run
    edit(natSource, i);
    const b = mustSucceed(await timedRun('make', ['-C', nat, 'posix', 'CC=gcc'], { timeoutMs: 300_000 }), 'make posix CC=gcc');
    const n = mustSucceed(await timedRun(join(nat, 'src', 'lua'), luaArgs, { cwd: ws }), 'the native lua');
    if (i === 0) continue; // warm-up
    rows.push({
      hybridLoop: h.firstOutputMs / 1000,
      hybridBuild: h.markMs / 1000,
      hybridBoot: (h.firstOutputMs - h.markMs) / 1000,
      mvccElfNative: e.firstOutputMs,
      nativeLoop: (b.exitMs + n.firstOutputMs) / 1000,
      nativeBuild: b.exitMs / 1000,
      nativeRun: n.firstOutputMs,
    });
    say(`  run ${i}: hybrid ${(h.firstOutputMs / 1000).toFixed(2)} s (build ${(h.markMs / 1000).toFixed(2)} s), native ${((b.exitMs + n.firstOutputMs) / 1000).toFixed(2)} s`);
  }
  const m = (k, d = 3) => fix(median(rows.map((r) => r[k])), d);
  const f = {
    lua_hybridize_boot_first_output_s: m('hybridLoop'),
    lua_native_build_run_first_output_s: m('nativeLoop'),
    lua_hybridize_build_s: m('hybridBuild'),
    lua_native_build_s: m('nativeBuild'),
    lua_hybrid_boot_to_first_output_ms: fix(median(rows.map((r) => r.hybridBoot * 1000)), 1),
    lua_native_run_to_first_output_ms: m('nativeRun', 1),
    lua_mvcc_elf_native_first_output_ms: m('mvccElfNative', 1),
  };
  say(`  medians of ${opts.runs} runs (after one warm-up):`);
  show('lua_hybridize_boot_first_output_s', f.lua_hybridize_boot_first_output_s, 'lua_native_build_run_first_output_s', f.lua_native_build_run_first_output_s);
  show('lua_hybridize_build_s', f.lua_hybridize_build_s, 'lua_native_build_s', f.lua_native_build_s);
  show('lua_hybrid_boot_to_first_output_ms', f.lua_hybrid_boot_to_first_output_ms, 'lua_native_run_to_first_output_ms', f.lua_native_run_to_first_output_ms);
  show('lua_mvcc_elf_native_first_output_ms', f.lua_mvcc_elf_native_first_output_ms, 'lua_native_run_to_first_output_ms', f.lua_native_run_to_first_output_ms);
  show('lua_native_build_run_first_output_s', f.lua_native_build_run_first_output_s);
  show('lua_native_build_s', f.lua_native_build_s);
  show('lua_native_run_to_first_output_ms', f.lua_native_run_to_first_output_ms);
  const target = f.lua_hybridize_boot_first_output_s;
  say(`  design target: the hybrid loop under 3 s (measured ${target} s: ${target !== null && target < 3 ? 'within' : 'over'} the target; noted, not asserted)`);
  for (const [k, v] of Object.entries(f)) all[`lua.${k}`] = v;
}

// ---- c. the debugger (issue 5) ------------------------------------------------

async function benchDebugSection(opts, tmp) {
  say('c. debugger (issue 5): the built adapter over DAP on test/debug/programs/steps.c (bin/mvcc -O0)');
  const adapter = join(root, 'dist', 'debugAdapter.js');
  if (!existsSync(adapter)) throw new Error('dist/debugAdapter.js is missing: run npm run build');
  const elf = join(tmp, 'steps');
  const cc = spawnSync(join(root, 'bin', 'mvcc'), ['-O0', '-Wall', '-o', elf, join(root, 'test', 'debug', 'programs', 'steps.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`bin/mvcc steps.c failed:\n${cc.stdout}${cc.stderr}`);
  // src/debug/bench.ts is TypeScript: bundle it for this process
  const esbuild = await import('esbuild');
  const bundle = join(tmp, 'debug-bench.cjs');
  try {
    await esbuild.build({ entryPoints: [join(root, 'src', 'debug', 'bench.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  } finally {
    await esbuild.stop(); // its service process must not outlive the bench
  }
  const { benchDebug } = createRequire(import.meta.url)(bundle);
  const f = await benchDebug(root, elf, opts.runs);
  say(`  medians of ${opts.runs} debug sessions:`);
  show('debug_stop_to_variables_ms', f.debug_stop_to_variables_ms, 'debug_dap_roundtrip_ms', f.debug_dap_roundtrip_ms);
  show('debug_step_forwarded_ms', f.debug_step_forwarded_ms, 'debug_step_plain_ms', f.debug_step_plain_ms);
  show('debug_dap_roundtrip_ms', f.debug_dap_roundtrip_ms);
  show('debug_step_plain_ms', f.debug_step_plain_ms);
  for (const [k, v] of Object.entries(f)) {
    if (!k.startsWith('debug_stop_') && !k.startsWith('debug_step_') && k !== 'debug_dap_roundtrip_ms') say(`  ${k.padEnd(36)} ${String(v).padStart(14)}`);
    all[`debug.${k}`] = v;
  }
}

// ---- d, e. profiler overhead and placement (issue 6) ------------------------------

/** Runs `fn` exported by tools/NAME and prints and records the figures it
 * returns (numbers, or nested objects of numbers, flattened with dots). */
async function benchModule(section, file, fn, opts) {
  const mod = await import(join(root, 'tools', file));
  if (typeof mod[fn] !== 'function') throw new Error(`tools/${file} exports no ${fn}`);
  const figures = await mod[fn]({ root, runs: opts.runs, say });
  const flat = (o, prefix) =>
    Object.entries(o ?? {}).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? flat(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
  for (const [k, v] of flat(figures, '')) all[`${section}.${k}`] = v;
}

const benchProfilerSection = (opts) => {
  say('d. profiler overhead at the default sampling rate (issue 6)');
  return benchModule('profiler', 'bench-profiler.mjs', 'benchProfiler', opts);
};
const benchPlacementSection = (opts) => {
  say('e. placement: forwarded vs kernel-mode cost per call; Lua programs by placement vs native (issue 6)');
  return benchModule('placement', 'bench-placement.mjs', 'benchPlacement', opts);
};

// ---- main ---------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    return 2;
  }
  const shmBefore = shmEntries();
  const c = cpus();
  const started = now();
  say(`Multiverse benchmarks, ${new Date().toISOString()}`);
  say(`machine: ${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, accelerator ${kvmUsable() ? 'kvm' : 'tcg (no usable /dev/kvm)'}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  say('every figure is a median, shown as a ratio against its baseline from this same run; timings are not asserted');
  const tmp = mkdtempSync(join(tmpdir(), 'mv-bench-long-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  const onSignal = () => {
    for (const pid of descendants().keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const failed = [];
  const sections = { core: benchCore, lua: benchLua, debug: benchDebugSection, profiler: benchProfilerSection, placement: benchPlacementSection };
  try {
    for (const name of SECTIONS) {
      if (!opts.only.includes(name)) continue;
      say();
      const t = now();
      try {
        await sections[name](opts, tmp);
        say(`  (${name}: ${((now() - t) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed.push(name);
        say(`  ${name}: FAILED: ${e.message}`);
      }
    }
  } finally {
    cleanup();
  }
  // nothing of ours may outlive the bench: no QEMU, gdb or shared memory
  const left = descendants();
  for (const pid of left.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const shmNew = [...shmEntries()].filter((e) => !shmBefore.has(e));
  say();
  say(
    `cleanup: ${left.size ? `ended leftover ${[...left].map(([p, n]) => `${n}(${p})`).join(', ')}` : 'no process left'}; ` +
      `${shmNew.length ? `new /dev/shm entries (not ours to remove, or leaked): ${shmNew.join(', ')}` : 'no new /dev/shm entries'}; temporary folder removed`,
  );
  say(`total ${((now() - started) / 1000).toFixed(1)} s${failed.length ? `; failed sections: ${failed.join(', ')}` : ''}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(all)}\n`);
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
