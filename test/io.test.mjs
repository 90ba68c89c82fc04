// io.test.mjs - descriptors the program makes itself (pipes, dup, poll,
// fcntl), private file mappings, and SIGPIPE when the reader goes away.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertSame } from './lib/compare.mjs';
import { buildAll, cli, runBoth, runProcess } from './lib/harness.mjs';

let progs;
before(() => {
  progs = buildAll(['pipes', 'mmap_file', 'sigpipe', 'big_write']);
});
after(() => progs?.cleanup());

test('pipe, dup, dup2, poll, fcntl', async () => {
  const { native, hybrid } = await runBoth(progs.elf.pipes);
  assert.match(native.stdout.toString(), /poll after write: 1 revents POLLIN 1\n/);
  assert.match(native.stdout.toString(), /through dup2\(pipe, 1\): 29 bytes: this line goes into the pipe\n/);
  assertSame(native, hybrid);
});

test('private file mappings (read-only, at an offset, writable copy-on-write)', async () => {
  // the program maps its own ELF
  const { native, hybrid } = await runBoth(progs.elf.mmap_file, [progs.elf.mmap_file]);
  assert.doesNotMatch(native.stdout.toString(), /: no\n/);
  assertSame(native, hybrid);
});

test('SIGPIPE: writing to a pipe whose reader has gone ends the program with 141', async () => {
  // PIPESTATUS[0] is the writer's status as the shell sees it
  const script = 'set +e; "$@" | head -c 20; echo "status=${PIPESTATUS[0]}"';
  const native = await runProcess(['/bin/bash', '-c', script, 'bash', progs.elf.sigpipe]);
  const hybrid = await runProcess(['/bin/bash', '-c', script, 'bash', cli, 'run', '--', progs.elf.sigpipe]);
  assert.equal(native.stdout.toString(), 'line 0\nline 1\nline 2status=141\n');
  assertSame(native, hybrid);
});

test('large writes: 8 MiB from the heap and 3 MiB from .bss, each in one call', async () => {
  const { native, hybrid } = await runBoth(progs.elf.big_write);
  assert.equal(native.stdout.length, 11 << 20);
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  assert.equal(sha(hybrid.stdout), sha(native.stdout), 'stdout differs');
  assert.equal(hybrid.status, native.status);
  assert.equal(hybrid.stderr.toString(), native.stderr.toString());
});
