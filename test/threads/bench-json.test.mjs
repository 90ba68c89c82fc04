// bench-json.test.mjs - `multiverse bench --json` prints one flat JSON
// object with exactly the keys of issue 3 (numbers, or null with a note
// saying why), plus `machine` and `notes`. It boots several hybrids and
// watches an idle one for 5 s, so it runs only with MULTIVERSE_BENCH_TEST=1.
// Timings are never asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, runProcess } from '../lib/harness.mjs';

const KEYS = [
  'forward_null_rtt_p50_ns', 'native_pingpong_p50_ns', 'forward_getppid_p50_ns', 'native_getppid_p50_ns',
  'hrt_getpid_ns', 'native_getpid_ns', 'hrt_clock_gettime_ns', 'native_clock_gettime_ns',
  'native_clock_gettime_syscall_ns', 'hrt_sched_yield_ns', 'native_sched_yield_ns', 'hrt_mmap_munmap_ns',
  'native_mmap_munmap_ns', 'hrt_thread_create_join_ns', 'native_thread_create_join_ns', 'hrt_futex_pingpong_ns',
  'native_futex_pingpong_ns', 'boot_to_main_ms', 'idle_cpu_percent',
];

const enabled = process.env.MULTIVERSE_BENCH_TEST === '1';

test('bench --json: the issue\'s keys, numbers or null with a note, and the machine', {
  skip: enabled ? false : 'set MULTIVERSE_BENCH_TEST=1 to run the benchmark (about 10 s)',
}, async () => {
  const r = await runProcess([cli, 'bench', '--json', '--runs', '1'], { env: process.env, timeoutMs: 120_000 });
  assert.equal(r.timedOut, false, 'bench --json took over 2 minutes');
  assert.equal(r.status, 0, r.stderr.toString());
  const lines = r.stdout.toString().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, 'bench --json must print exactly one line');
  const o = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(o).sort(), [...KEYS, 'machine', 'notes'].sort());
  for (const k of KEYS) {
    if (o[k] === null) assert.equal(typeof o.notes[k], 'string', `${k} is null without a note`);
    else assert.ok(typeof o[k] === 'number' && Number.isFinite(o[k]) && o[k] >= 0, `${k} = ${o[k]}`);
  }
  for (const k of Object.keys(o.notes)) assert.ok(KEYS.includes(k), `a note for an unknown figure ${k}`);
  assert.equal(typeof o.machine.cpu, 'string');
  assert.ok(Number.isInteger(o.machine.cores) && o.machine.cores > 0);
  assert.match(o.machine.accel, /^(kvm|tcg)$/);
  assert.match(o.machine.qemu, /^\d+\.\d+/);
});
