// launcher.test.mjs - the launcher's own checks against the stand-in kernel
// (kernel/ros/test/launcher-test.sh via `make -C kernel/ros check`): exit
// statuses, messages, signals, QEMU killed from outside, clean teardown.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { root } from './lib/harness.mjs';

test('make -C kernel/ros check', () => {
  const r = spawnSync('make', ['-s', '-C', 'kernel/ros', 'check'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, `make -C kernel/ros check failed (status ${r.status}):\n${out.slice(-6000)}`);
  assert.match(out, /^\d+ passed, 0 failed$/m);
});
