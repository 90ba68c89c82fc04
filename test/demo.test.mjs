// demo.test.mjs - `npm run demo` (examples/hello/demo.sh), the README's first
// command: the hybrid's output is the native run's, and the profile summary
// and profile file it prints describe that run (one forwarded open per file
// counted, the program's own function among the sampled ones).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describe, root, runProcess, testEnv } from './lib/harness.mjs';

const elf = join(root, 'build', 'examples', 'hello', 'hello');
const profileFile = join(root, 'build', 'examples', 'hello', 'hello.mvprof.json');

/** The hello line reports a measured clock_gettime time: mask the number. */
const masked = (lines) => lines.map((l) => l.replace(/took \d+ ns$/, 'took N ns'));

test('npm run demo: output as native, a profile summary of the same run', async () => {
  const demo = await runProcess(['bash', join(root, 'examples', 'hello', 'demo.sh')], { cwd: root, env: testEnv() });
  assert.equal(demo.status, 0, describe('demo', demo));
  const lines = demo.stdout.toString().split('\n').filter((l) => l !== '');
  const command = lines.filter((l) => l.startsWith('$ '));
  assert.equal(command.length, 2, describe('demo', demo));
  // the files the demo counted, from the command line it echoed
  const m = /-- build\/examples\/hello\/hello (.+)$/.exec(command[1]);
  assert.ok(m, `no program command line in: ${command[1]}`);
  const files = m[1].split(' ');
  assert.ok(files.length >= 3, `demo counts ${files.length} files`);

  const native = await runProcess([elf, ...files], { cwd: root, env: testEnv() });
  assert.equal(native.status, 0, describe('native', native));
  const output = lines.filter((l) => !l.startsWith('$ '));
  assert.deepEqual(masked(output), masked(native.stdout.toString().split('\n').filter((l) => l !== '')));

  const err = demo.stderr.toString();
  assert.match(err, /multiverse profile: hello exited with status 0 after [\d.]+ ms; \d+ samples at 5000 Hz/);
  assert.match(err, /functions by samples/);
  assert.match(err, /forwarded system calls:/);
  assert.match(err, /call sites by forwarded cost:/);
  // one forwarded open per file, made by count() at its fopen line
  const open = /^\s+open\s+(\d+)\s.*count hello\.c:\d+$/m.exec(err);
  assert.ok(open, `no open row attributed to count() in:\n${err}`);
  assert.equal(Number(open[1]), files.length);

  assert.ok(existsSync(profileFile), 'profile file written');
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  const opens = profile.forwarded.bySyscall.find((s) => s.syscall === 'open');
  assert.equal(opens?.count, files.length);
  assert.equal(profile.exitStatus, 0);
  assert.equal(profile.rateHz, 5000);
  assert.ok(existsSync(profileFile.replace(/\.mvprof\.json$/, '.speedscope.json')), 'speedscope export written');
});
