// lua.test.mjs - the Lua acceptance: Debian's lua5.4 source package built
// with `make posix CC=bin/mvcc` (examples/lua/fetch-and-build.sh) runs
// print(1+1) and an n-body simulation as a hybrid with output identical to
// native. If the source cannot be had, this fails (it never skips).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { assertSame } from './lib/compare.mjs';
import { root, runBoth } from './lib/harness.mjs';

const script = join(root, 'examples', 'lua', 'fetch-and-build.sh');
const nbody = join(root, 'test', 'lua', 'nbody.lua');
let lua;

before(() => {
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (r.stdout ?? '').trim().split('\n');
  assert.equal(r.status, 0, `examples/lua/fetch-and-build.sh failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${(r.stderr ?? '').slice(-4000)}`);
  lua = lines[lines.length - 1];
});

test('lua -e "print(1+1)"', async () => {
  const { native, hybrid } = await runBoth(lua, ['-e', 'print(1+1)']);
  assert.equal(native.stdout.toString(), '2\n');
  assertSame(native, hybrid);
});

test('a Lua script from stdin', async () => {
  const src = 'local t = {} for i = 1, 1000 do t[i] = i * i end\nprint(#t, t[1000], string.format("%x", 48879))\n';
  const { native, hybrid } = await runBoth(lua, ['-'], { stdin: src });
  assert.equal(native.stdout.toString(), '1000\t1000000\tbeef\n');
  assertSame(native, hybrid);
});

test('nbody 1000 steps: the Benchmarks Game reference output', async () => {
  const { native, hybrid } = await runBoth(lua, [nbody, '1000']);
  assert.equal(native.stdout.toString(), '-0.169075164\n-0.169087605\n');
  assertSame(native, hybrid);
});

test('nbody 100000 steps, native vs hybrid', async () => {
  const { native, hybrid } = await runBoth(lua, [nbody, '100000'], { timeoutMs: 180_000 });
  assert.equal(native.stdout.toString(), '-0.169075164\n-0.169079859\n');
  assertSame(native, hybrid);
});

test('a Lua error: message and status 1 as natively', async () => {
  const { native, hybrid } = await runBoth(lua, ['-e', 'error("boom")']);
  assert.equal(native.status, 1);
  assert.match(native.stderr.toString(), /boom/);
  assertSame(native, hybrid);
});
