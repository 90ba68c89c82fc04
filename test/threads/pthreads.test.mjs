// pthreads.test.mjs - the pthreads corpus (issue 3): every program runs
// natively and as a hybrid with --cpus 1, 2 and 4, and the runs must agree
// exactly (status, stdout, stderr). Outputs are checksums that do not
// depend on scheduling; iteration counts are scaled so that the corpus
// stays within about three minutes under TCG. Hybrid runs are sequential.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertFault, assertSame, markerLine, reportLines } from '../lib/compare.mjs';
import { tempDir } from '../lib/harness.mjs';
import { buildThreads, CPU_COUNTS, hybrid, hybridArgv, native, runWithHeldStdin, threadsDir } from './lib.mjs';

const names = ['create_join', 'sync', 'tls_keys', 'errno_threads', 'detached', 'cancel', 'timeouts',
  'thread_files', 'stdin_block', 'prodcons', 'thread_fault', 'sigmasks'];

// name, program, arguments, and what the native output must show (so that a
// broken program cannot make native and hybrid agree on nonsense)
const cases = [
  ['create/join 1000 threads, 32 alive at a time', 'create_join', ['1000', '32'], /^threads=1000 sum=332840500 /],
  ['100 threads alive at once', 'create_join', ['200', '100'], /^threads=200 sum=2648100 /],
  ['mutex counter, 4 threads', 'sync', ['mutex', '4', '2000'], /^mutex threads=4 count=8000 /],
  ['condition variable bounded queue, 2+2 threads', 'sync', ['condvar', '4', '1000'], /^condvar producers=2 consumers=2 items=2000 /],
  ['rwlock: readers see the writers\' invariant', 'sync', ['rwlock', '4', '1000'], /^rwlock writers=2 readers=2 reads=2000 broken=0 /],
  ['barrier rounds, 4 threads', 'sync', ['barrier', '4', '200'], /^barrier threads=4 rounds=200 /],
  ['spinlock counter, 3 threads', 'sync', ['spin', '3', '1000'], /^spin threads=3 count=3000 /],
  ['semaphore ring, 2+2 threads', 'sync', ['sem', '4', '1000'], /^sem producers=2 consumers=2 items=2000 .* empty=8\n$/],
  ['__thread variables and pthread keys with destructors', 'tls_keys', [], /thread 7: tls_counter=7100 key_value_at_exit=3500\nmain: tls_counter=100 tls_buf='' key=0\n$/],
  ['errno is per thread', 'errno_threads', [], /thread 5: errno=34 .* changed_by_others=0\n$/],
  ['detached threads', 'detached', [], /^detached threads=128 /],
  ['deferred pthread_cancel at cancellation points', 'cancel', [], /^testcancel: cancelled, cleanup=1\ndisabled: finished, cleanup=100\ncondwait: cancelled, cleanup=1\nnanosleep: cancelled, cleanup=1\nread: cancelled, cleanup=1\n$/],
  ['futex timeouts: cond_timedwait, sem_timedwait, mutex_timedlock expire', 'timeouts', [], /^(?:.*ETIMEDOUT, waited at least the timeout: yes\n){4}cond_timedwait woken before its 10s deadline: ok\nsem_timedwait with a past deadline: ETIMEDOUT\n$/],
  ['producer/consumer: forwarded writes overlap computing', 'prodcons', ['300'], /items=300 fnv=[0-9a-f]{16}\n$/],
  ['signal masks stay per thread while threads run at once; kill(getpid()) reaches main', 'sigmasks', ['2000'], /^rounds=2000 foreign_masks_seen=0 handled_in_main=2000\n$/],
];

let progs;
const nativeCache = new Map();
before(() => {
  progs = buildThreads(names);
});
after(() => progs?.cleanup());

async function nativeOnce(prog, args) {
  const key = JSON.stringify([prog, args]);
  if (!nativeCache.has(key)) nativeCache.set(key, await native(progs.elf[prog], args));
  return nativeCache.get(key);
}

for (const cpus of CPU_COUNTS) {
  describe(`--cpus ${cpus}`, () => {
    for (const [title, prog, args, expect] of cases) {
      test(`${title} (--cpus ${cpus})`, async () => {
        const n = await nativeOnce(prog, args);
        assert.equal(n.status, 0, `native run failed: ${n.stderr}`);
        assert.match(n.stdout.toString(), expect);
        const h = await hybrid(progs.elf[prog], cpus, args);
        assertSame(n, h);
      });
    }

    test(`16 threads x 10000 forwarded writes to their own files (--cpus ${cpus})`, async () => {
      const nd = tempDir('mv-thread-files-native-');
      const hd = tempDir('mv-thread-files-hybrid-');
      try {
        const n = await native(progs.elf.thread_files, [nd.dir, '16', '10000']);
        assert.equal(n.status, 0, `native run failed: ${n.stderr}`);
        const lines = n.stdout.toString().split('\n').filter(Boolean);
        assert.equal(lines.length, 16);
        for (const l of lines) assert.match(l, /: 10000 lines, 200000 bytes written, 200000 read, 0 wrong, /);
        const h = await hybrid(progs.elf.thread_files, cpus, [hd.dir, '16', '10000']);
        assertSame(n, h);
        const files = readdirSync(nd.dir).sort();
        assert.equal(files.length, 16);
        assert.deepEqual(readdirSync(hd.dir).sort(), files);
        for (const f of files) {
          assert.ok(readFileSync(join(hd.dir, f)).equals(readFileSync(join(nd.dir, f))), `${f} differs between native and hybrid`);
        }
      } finally {
        nd.cleanup();
        hd.cleanup();
      }
    });

    test(`a thread blocked in read on stdin while the others finish (--cpus ${cpus})`, async () => {
      const marker = 'workers done\n';
      const input = 'bye from the test\n';
      const n = await runWithHeldStdin([progs.elf.stdin_block], marker, input);
      assert.equal(n.markerSeen, true, `native never printed the marker: ${n.stdout}${n.stderr}`);
      assert.equal(n.status, 0);
      assert.match(n.stdout.toString(), /workers done\nreader got 18 bytes: bye from the test\n$/);
      const h = await runWithHeldStdin(hybridArgv(progs.elf.stdin_block, cpus), marker, input);
      assert.equal(h.markerSeen, true, 'the hybrid never printed "workers done": its workers did not finish while the reader was blocked');
      assertSame(n, h);
    });

    test(`a fault in a thread other than main ends the run with 139 (--cpus ${cpus})`, async () => {
      const n = await native(progs.elf.thread_fault);
      assert.equal(n.stdout.toString(), 'main: starting the crasher\ncrasher: about to fault\n');
      const h = await hybrid(progs.elf.thread_fault, cpus);
      const line = markerLine(threadsDir, 'thread_fault.c');
      assertFault(n, h, { status: 139, signal: 'SIGSEGV', func: 'crasher', file: 'thread_fault.c', lines: [line] });
      // kernel/ros/launch.c: "multiverse: PROG terminated by SIGSEGV (...) at
      // 0xRIP, address 0xADDR in thread TID" (no thread part for main)
      assert.match(reportLines(n, h)[0], /^multiverse: \S+ terminated by SIGSEGV \(.*\) at 0x[0-9a-f]+, address 0x0 in thread \d+$/);
    });
  });
}
