// memory.test.mjs - heap and mappings, native vs hybrid.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSame } from './lib/compare.mjs';
import { buildAll, runBoth } from './lib/harness.mjs';

let progs;
before(() => {
  progs = buildAll(['malloc_stress', 'mmap', 'big_alloc', 'big_stack']);
});
after(() => progs?.cleanup());

test('malloc/realloc/free: 100k operations of mixed sizes, checksummed', async () => {
  const { native, hybrid } = await runBoth(progs.elf.malloc_stress, [], { timeoutMs: 120_000 });
  assert.match(native.stdout.toString(), /^ops=100000 .* checksum=[0-9a-f]{16}\n$/);
  assertSame(native, hybrid);
});

test('mmap, munmap, mremap (grow, move, shrink), MAP_FIXED, mprotect, madvise', async () => {
  const { native, hybrid } = await runBoth(progs.elf.mmap);
  assert.doesNotMatch(native.stdout.toString(), /FAILED|: no\n|unexpected/);
  assertSame(native, hybrid);
});

test('a 512 MiB allocation, every page touched', async () => {
  const { native, hybrid } = await runBoth(progs.elf.big_alloc, [], { timeoutMs: 120_000 });
  assert.equal(native.stdout.toString(), 'touched 131072 pages, sum 16711680, last 0x77\n');
  assertSame(native, hybrid);
});

test('deep but legitimate recursion: 6 MiB of stack', async () => {
  const { native, hybrid } = await runBoth(progs.elf.big_stack);
  assert.equal(native.stdout.toString(), 'sum 187510\n');
  assertSame(native, hybrid);
});
