// placement.test.mjs - placement per system call (issue 6, docs/placement.md):
// every placeable call gives the native Linux run's output both forwarded
// and native, and its forwarded count is 0 when native; the kernel's
// default placement; write-behind keeps stdout/stderr/file order under
// threads, is seen by the program's own reads, survives a crash, and
// batches writes into fewer forwarded calls.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WRITE_BEHIND, buildPrograms, describeRun, placeable, run, runHybrid } from './lib.mjs';
import { tempDir } from '../lib/harness.mjs';

let progs;
let work;
before(() => {
  progs = buildPrograms(['calls', 'sleep_threads', 'wb_threads', 'wb_readback', 'wb_crash', 'wb_full', 'wb_block', 'wb_stress']);
  work = tempDir('mv-placement-run-');
});
after(() => {
  progs?.cleanup();
  work?.cleanup();
});

const stats = (name) => join(work.dir, `${name}.stats`);
const WB_NATIVE = { native: WRITE_BEHIND };
const writeCalls = (calls) => WRITE_BEHIND.reduce((n, c) => n + (calls[c] ?? 0), 0);

describe('each placeable call', () => {
  const all = () => placeable().map((p) => p.name);
  const calls = () => all().filter((n) => !WRITE_BEHIND.includes(n)); // write-behind: below
  let nativeOut;
  before(async () => {
    const r = await run([progs.elf.calls]);
    assert.equal(r.status, 0, describeRun('native', r));
    nativeOut = r.stdout.toString();
  });

  test('the table offers the issue\'s native set', () => {
    for (const n of ['clock_gettime', 'gettimeofday', 'time', 'getpid', 'getppid', 'getuid', 'getgid', 'geteuid', 'getegid',
      'sched_yield', 'nanosleep', 'clock_nanosleep', 'getrandom', 'uname', 'sched_getaffinity', 'write', 'writev']) {
      assert.ok(all().includes(n), `${n} is placeable`);
    }
  });

  test('all forwarded: the native output, every call forwarded', async () => {
    const r = await runHybrid(progs.elf.calls, [], stats('fwd'), { forward: all() });
    assert.equal(r.status, 0, describeRun('hybrid', r));
    assert.equal(r.stdout.toString(), nativeOut, describeRun('hybrid', r));
    for (const n of calls()) assert.ok(r.calls[n] > 0, `${n} forwarded (${JSON.stringify(r.calls)})`);
  });

  test('all native: the native output, none of them forwarded', async () => {
    const r = await runHybrid(progs.elf.calls, [], stats('nat'), { native: all() });
    assert.equal(r.status, 0, describeRun('hybrid', r));
    assert.equal(r.stdout.toString(), nativeOut, describeRun('hybrid', r));
    for (const n of calls()) assert.equal(r.calls[n] ?? 0, 0, `${n} must not be forwarded (${JSON.stringify(r.calls)})`);
  });

  test('default placement: the core and threads set native, the rest forwarded', async () => {
    const r = await runHybrid(progs.elf.calls, [], stats('dflt'));
    assert.equal(r.status, 0, describeRun('hybrid', r));
    assert.equal(r.stdout.toString(), nativeOut, describeRun('hybrid', r));
    for (const p of placeable()) {
      if (WRITE_BEHIND.includes(p.name)) continue;
      if (p.defaultNative) assert.equal(r.calls[p.name] ?? 0, 0, `${p.name} is native by default`);
      else assert.ok(r.calls[p.name] > 0, `${p.name} is forwarded by default`);
    }
    for (const n of ['getpid', 'clock_gettime', 'uname', 'sched_yield', 'nanosleep', 'clock_nanosleep', 'sched_getaffinity']) {
      assert.ok(placeable().find((p) => p.name === n)?.defaultNative, `${n} is in the default native set`);
    }
  });

  test('one at a time: moving a call into kernel mode drops only its count to 0', async () => {
    for (const n of calls()) {
      const r = await runHybrid(progs.elf.calls, ['4'], stats(`one-${n}`), { native: [n], forward: all().filter((x) => x !== n) });
      assert.equal(r.status, 0, describeRun(`${n} native`, r));
      assert.equal(r.calls[n] ?? 0, 0, `${n} native: ${JSON.stringify(r.calls)}`);
      const other = n === 'getpid' ? 'getuid' : 'getpid';
      assert.ok(r.calls[other] > 0, `${other} stays forwarded while ${n} is native: ${JSON.stringify(r.calls)}`);
      const native = await run([progs.elf.calls, '4']);
      assert.equal(r.stdout.toString(), native.stdout.toString(), `${n} native:\n${describeRun('hybrid', r)}`);
    }
  });
});

test('a sleep blocks only its thread, forwarded (its own partner sleeps) or native, on one vCPU', async () => {
  const native = await run([progs.elf.sleep_threads]);
  assert.equal(native.status, 0, describeRun('native', native));
  assert.doesNotMatch(native.stdout.toString(), /: 0$/m);
  const sleeps = ['nanosleep', 'clock_nanosleep'];
  for (const placement of [{ forward: sleeps }, { native: sleeps }]) {
    const r = await runHybrid(progs.elf.sleep_threads, [], stats('sleep'), placement, { cpus: 1 });
    assert.equal(r.status, 0, describeRun('hybrid', r));
    assert.equal(r.stdout.toString(), native.stdout.toString(), describeRun(JSON.stringify(placement), r));
    for (const n of sleeps) assert.equal(r.calls[n] ?? 0, placement.forward ? 1 : 0, `${n}: ${JSON.stringify(r.calls)}`);
  }
});

describe('write-behind', () => {
  const read = (dir, f) => readFileSync(join(dir, f));

  for (const cpus of [1, 2]) {
    test(`threads interleaving stdout, stderr (one file) and two files, ${cpus} vCPU(s)`, async () => {
      const n = tempDir('mv-wb-n-');
      const h = tempDir('mv-wb-h-');
      const f = tempDir('mv-wb-f-');
      try {
        const native = await run([progs.elf.wb_threads, n.dir, '40'], { outFile: join(n.dir, 'out') });
        assert.equal(native.status, 0);
        const hyb = await runHybrid(progs.elf.wb_threads, [h.dir, '40'], stats(`thr${cpus}`), WB_NATIVE, { cpus, outFile: join(h.dir, 'out') });
        assert.equal(hyb.status, 0, describeRun('hybrid', { ...hyb, stdout: read(h.dir, 'out') }));
        for (const file of ['out', 'log', 'table']) assert.deepEqual(read(h.dir, file), read(n.dir, file), `${file} differs from the native run's`);
        const fwd = await runHybrid(progs.elf.wb_threads, [f.dir, '40'], stats(`thrf${cpus}`), { forward: WRITE_BEHIND }, { cpus, outFile: join(f.dir, 'out') });
        assert.equal(fwd.status, 0);
        assert.deepEqual(read(f.dir, 'out'), read(n.dir, 'out'));
        // alternating descriptors cannot be merged (order across fds is kept)
        assert.ok(writeCalls(hyb.calls) <= writeCalls(fwd.calls), `${JSON.stringify(hyb.calls)} vs ${JSON.stringify(fwd.calls)}`);
      } finally {
        n.cleanup();
        h.cleanup();
        f.cleanup();
      }
    });
  }

  test('4 threads appending at once on 2 vCPUs, flushes racing with writes: every line once, each thread in order', async () => {
    const file = join(work.dir, 'stress');
    const r = await runHybrid(progs.elf.wb_stress, [file], stats('stress'), WB_NATIVE, { cpus: 2 });
    assert.equal(r.status, 0, describeRun('hybrid', r));
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    assert.equal(lines.length, 12000);
    for (let t = 0; t < 4; t++) {
      const mine = lines.filter((l) => l.startsWith(`t${t} `)).map((l) => Number(l.split(' ')[2]));
      assert.deepEqual(mine, [...Array(3000).keys()], `thread ${t}'s lines`);
    }
    assert.ok(r.calls.write < 12000 / 4, `batched: ${JSON.stringify(r.calls)}`);
  });

  test('a program reads back what it wrote (read, pread, stat, mmap, dup2, truncate, errors)', async () => {
    const n = tempDir('mv-wb-n-');
    const h = tempDir('mv-wb-h-');
    try {
      const native = await run([progs.elf.wb_readback, n.dir]);
      assert.equal(native.status, 0, describeRun('native', native));
      const hyb = await runHybrid(progs.elf.wb_readback, [h.dir], stats('readback'), WB_NATIVE);
      assert.equal(hyb.status, 0, describeRun('hybrid', hyb));
      assert.equal(hyb.stdout.toString(), native.stdout.toString(), describeRun('hybrid', hyb));
      assert.deepEqual(read(h.dir, 'data'), read(n.dir, 'data'));
      assert.match(hyb.stdout.toString(), /write to a read-only descriptor: -1 errno 9\n/);
      assert.match(hyb.stdout.toString(), /write to \/dev\/full: -1 errno 28\n/);
    } finally {
      n.cleanup();
      h.cleanup();
    }
  });

  for (const [mode, status] of [['segv', 139], ['abort', 134], ['exit', 7]]) {
    test(`buffered writes reach the file and stdout when the program ends by ${mode}`, async () => {
      const n = tempDir('mv-wb-n-');
      const h = tempDir('mv-wb-h-');
      try {
        const native = await run([progs.elf.wb_crash, mode, join(n.dir, 'file')], { outFile: join(n.dir, 'out') });
        assert.equal(native.status, status);
        const hyb = await runHybrid(progs.elf.wb_crash, [mode, join(h.dir, 'file')], stats(`crash-${mode}`), WB_NATIVE, { outFile: join(h.dir, 'out') });
        assert.equal(hyb.status, status, describeRun('hybrid', { ...hyb, stdout: read(h.dir, 'out') }));
        assert.deepEqual(read(h.dir, 'file'), read(n.dir, 'file'), 'the file holds what the native run wrote');
        // stdout and stderr share the file: the program's records, then (hybrid) the fault report
        assert.ok(read(h.dir, 'out').toString().startsWith(read(n.dir, 'out').toString()), read(h.dir, 'out').toString().slice(-500));
        assert.ok(writeCalls(hyb.calls) <= 4, `400 writes batched: ${JSON.stringify(hyb.calls)}`);
      } finally {
        n.cleanup();
        h.cleanup();
      }
    });
  }

  test('batched: the forwarded write count drops', async () => {
    const h = tempDir('mv-wb-h-');
    try {
      const fwd = await runHybrid(progs.elf.wb_crash, ['exit', join(h.dir, 'f1')], stats('batch-f'), { forward: WRITE_BEHIND }, { outFile: join(h.dir, 'o1') });
      const nat = await runHybrid(progs.elf.wb_crash, ['exit', join(h.dir, 'f2')], stats('batch-n'), WB_NATIVE, { outFile: join(h.dir, 'o2') });
      assert.equal(fwd.calls.write, 400, JSON.stringify(fwd.calls));
      assert.ok(nat.calls.write >= 1 && nat.calls.write <= 4, JSON.stringify(nat.calls));
      assert.deepEqual(read(h.dir, 'f1'), read(h.dir, 'f2'));
      assert.deepEqual(read(h.dir, 'o1'), read(h.dir, 'o2'));
    } finally {
      h.cleanup();
    }
  });

  for (const how of ['sleep', 'join']) {
    test(`a program blocked in a ${how === 'sleep' ? 'sleep' : 'futex wait (join)'} has its writes in the file`, async () => {
      const file = join(work.dir, `block-${how}`);
      let ended = false;
      const done = runHybrid(progs.elf.wb_block, [how, file], stats(`block-${how}`), WB_NATIVE, { cpus: 2 }).then((r) => {
        ended = true;
        return r;
      });
      let seenWhileBlocked = false;
      for (let i = 0; i < 250 && !ended; i++) {
        if (existsSync(file) && readFileSync(file, 'utf8') === 'written before blocking\n') {
          seenWhileBlocked = !ended;
          break;
        }
        await new Promise((res) => setTimeout(res, 10));
      }
      const r = await done;
      assert.equal(r.status, 0, describeRun('hybrid', r));
      assert.ok(seenWhileBlocked, 'the line reached the file only when the program ended');
      assert.equal(r.calls.write, 1, JSON.stringify(r.calls));
    });
  }

  test('a failed flush (ENOSPC on a full file system) is reported at fsync, once', async (t) => {
    const mnt = join(work.dir, 'small');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) {
      t.skip(`cannot mount a 16 KiB tmpfs here (needs root): ${m.stderr.trim()}`);
      return;
    }
    try {
      const native = await run([progs.elf.wb_full, join(mnt, 'f')]);
      assert.equal(native.stdout.toString(), 'writes ok 16, first error 28\nfsync 0 errno 0\nfsync again 0 errno 0\n');
      const hyb = await runHybrid(progs.elf.wb_full, [join(mnt, 'f')], stats('full'), WB_NATIVE);
      assert.equal(hyb.status, 0, describeRun('hybrid', hyb));
      assert.equal(hyb.stdout.toString(), 'writes ok 32, first error 0\nfsync -1 errno 28\nfsync again 0 errno 0\n');
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  test('pipes are written through at once: stdout on a pipe is not held back', async () => {
    const hyb = await runHybrid(progs.elf.wb_crash, ['exit', join(work.dir, 'pipefile')], stats('pipe'), WB_NATIVE);
    assert.equal(hyb.status, 7);
    assert.equal(hyb.calls.write, 200 + 1, `one per stdout write on the pipe, one batch for the file: ${JSON.stringify(hyb.calls)}`);
  });
});
