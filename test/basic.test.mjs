// basic.test.mjs - process basics, native vs hybrid: output, arguments,
// environment, auxiliary vector, exit codes, stdio, stdin, identity, time.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertSame } from './lib/compare.mjs';
import { buildAll, runBoth, runHybrid, runNative, testEnv } from './lib/harness.mjs';

const names = ['hello', 'args', 'env', 'auxv', 'exitcode', 'interleave', 'stdin_sum', 'uname', 'getpid',
  'timeofday', 'float', 'signal_raise', 'tls', 'redzone'];
let progs;
before(() => {
  progs = buildAll(names);
});
after(() => progs?.cleanup());

test('hello', async () => {
  const { native, hybrid } = await runBoth(progs.elf.hello);
  assert.equal(native.stdout.toString(), 'hello from multiverse\n');
  assertSame(native, hybrid);
});

test('argv: count, order, spaces, empty and non-ASCII arguments', async () => {
  const args = ['one', 'two words', '', '--flag=x', 'ünïcödé', '*', 'a'.repeat(5000)];
  const { native, hybrid } = await runBoth(progs.elf.args, args);
  assert.match(native.stdout.toString(), /^argc=8\n/);
  assertSame(native, hybrid);
});

test('envp, environ and getenv', async () => {
  const env = testEnv({ EMPTY: '', EQUALS: 'a=b=c', SPACES: 'a b  c', LONG: 'x'.repeat(3000) });
  const { native, hybrid } = await runBoth(progs.elf.env, [], { env });
  assert.match(native.stdout.toString(), /getenv\(MV_TEST\)=multiverse/);
  assertSame(native, hybrid);
});

test('auxiliary vector: AT_PAGESZ, AT_RANDOM, AT_ENTRY, AT_PHDR, AT_PHENT, AT_PHNUM, ids, AT_EXECFN', async () => {
  const { native, hybrid } = await runBoth(progs.elf.auxv);
  assert.doesNotMatch(native.stdout.toString(), /FAILED/);
  assertSame(native, hybrid);
});

for (const code of [0, 1, 2, 42, 99, 127, 128, 129, 200, 254, 255]) {
  test(`exit status ${code} via exit()`, async () => {
    const { native, hybrid } = await runBoth(progs.elf.exitcode, [String(code)]);
    assert.equal(native.status, code);
    assertSame(native, hybrid);
  });
}

for (const code of [0, 7, 255]) {
  test(`exit status ${code} by returning from main`, async () => {
    const { native, hybrid } = await runBoth(progs.elf.exitcode, [String(code), 'main']);
    assert.equal(native.status, code);
    assertSame(native, hybrid);
  });
}

test('stdout and stderr interleaved with fflush: separate pipes', async () => {
  const { native, hybrid } = await runBoth(progs.elf.interleave);
  assert.equal(native.status, 3);
  assertSame(native, hybrid);
});

test('stdout and stderr interleaved with fflush: one pipe, merged order', async () => {
  const { native, hybrid } = await runBoth(progs.elf.interleave, [], { merge: true });
  assert.match(native.stdout.toString(), /^out 0\nerr 0\nout 1\nerr 1\n/);
  assertSame(native, hybrid);
});

test('1 MiB through stdin, checksummed', async () => {
  const data = randomBytes(1 << 20);
  let h = 0xcbf29ce484222325n;
  for (const b of data) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  const { native, hybrid } = await runBoth(progs.elf.stdin_sum, [], { stdin: data });
  assert.equal(native.stdout.toString(), `bytes=1048576 fnv1a=${h.toString(16).padStart(16, '0')}\n`);
  assertSame(native, hybrid);
  assert.ok(createHash('sha256').update(data).digest('hex'));
});

test('empty stdin', async () => {
  const { native, hybrid } = await runBoth(progs.elf.stdin_sum, [], { stdin: '' });
  assert.equal(native.status, 1);
  assertSame(native, hybrid);
});

test('uname reports the host', async () => {
  const { native, hybrid } = await runBoth(progs.elf.uname);
  assert.match(native.stdout.toString(), /^sysname=Linux\n/);
  assertSame(native, hybrid);
});

test('getpid is the process Linux sees; getppid is whoever started it', async () => {
  const native = await runNative(progs.elf.getpid);
  const hybrid = await runHybrid(progs.elf.getpid);
  // natively the parent is this test process; as a hybrid the program's
  // process is the launcher, whose parent is the CLI this test started
  assert.equal(native.stdout.toString(), `getpid == /proc/self: yes\ngetpid stable: yes\npid > 1: yes\nppid=${process.pid}\n`);
  assert.equal(hybrid.stdout.toString(), `getpid == /proc/self: yes\ngetpid stable: yes\npid > 1: yes\nppid=${hybrid.pid}\n`);
  assert.equal(hybrid.status, 0);
  assert.equal(hybrid.stderr.toString(), '');
});

test('time, gettimeofday and clock_gettime agree, and with the host clock', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const native = await runNative(progs.elf.timeofday);
  const hybrid = await runHybrid(progs.elf.timeofday);
  const t1 = Math.ceil(Date.now() / 1000);
  const epoch = (r) => Number(/epoch=(\d+)/.exec(r.stdout.toString())?.[1]);
  for (const r of [native, hybrid]) {
    assert.ok(epoch(r) >= t0 && epoch(r) <= t1, `epoch ${epoch(r)} outside [${t0}, ${t1}]`);
  }
  const strip = (r) => ({ ...r, stdout: Buffer.from(r.stdout.toString().replace(/epoch=\d+/, 'epoch=E')) });
  assertSame(strip(native), strip(hybrid));
});

test('floating point (SSE) and printf of doubles', async () => {
  const { native, hybrid } = await runBoth(progs.elf.float);
  assertSame(native, hybrid);
});

test('signal handler via raise(), blocked and pending signals, SIG_IGN', async () => {
  const { native, hybrid } = await runBoth(progs.elf.signal_raise);
  assert.match(native.stdout.toString(), /after raise: hits=1 sig=SIGUSR1\n/);
  assertSame(native, hybrid);
});

test('thread-local storage through FS: __thread, errno, the thread pointer', async () => {
  const { native, hybrid } = await runBoth(progs.elf.tls);
  assert.match(native.stdout.toString(), /^counter 42, zeroed yes, label tls-initialised\n/);
  assertSame(native, hybrid);
});

test('the red zone below the stack pointer survives interrupts', async () => {
  const { native, hybrid } = await runBoth(progs.elf.redzone);
  assert.equal(native.stdout.toString(), 'red zone words overwritten: 0\n');
  assertSame(native, hybrid);
});
