// zz-cleanup.test.mjs - runs last (test/run.mjs orders by name): fails if a
// QEMU or launcher process the suite started is still alive (they carry the
// suite's tag in their environment), or if /dev/shm gained files while the
// suite ran. Read-only: it kills nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testTag } from './lib/harness.mjs';
import { shmSnapshot, taggedProcesses } from './lib/leftovers.mjs';

test('no QEMU or launcher process started by the suite is left', () => {
  assert.ok(process.env.MULTIVERSE_TEST_TAG, 'MULTIVERSE_TEST_TAG is not set: run the suite with npm test (test/run.mjs)');
  const left = taggedProcesses(testTag);
  assert.deepEqual(left, [], `still running:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
});

test('/dev/shm gained no files during the suite', () => {
  const before = process.env.MULTIVERSE_TEST_SHM_BEFORE;
  assert.ok(before, 'MULTIVERSE_TEST_SHM_BEFORE is not set: run the suite with npm test (test/run.mjs)');
  const was = new Set(JSON.parse(before));
  const gained = shmSnapshot().filter((f) => !was.has(f));
  assert.deepEqual(gained, [], `new files in /dev/shm: ${gained.join(', ')}`);
});
