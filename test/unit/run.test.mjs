// run.test.mjs - the `multiverse run` command line a boot uses, how a run's end
// is described, the launcher's fault line and statistics, the running process
// (stdin, Ctrl-C escalation) and the log tail.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { load } from './lib/load.mjs';

let r;
let tmp;
const root = { dir: '/r', cli: '/r/bin/multiverse', mvcc: '/r/bin/mvcc' };
const PLACEABLE = ['getpid', 'uname', 'clock_gettime'];
before(async () => {
  r = await load('core/run.ts');
  tmp = mkdtempSync(join(tmpdir(), 'mv-run-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('without a manifest: settings as defaults, the kernel default placement', () => {
  const spec = r.runSpec(root, { program: '/w/app', workspace: '/w', cpus: 2, memory: '1G', accel: 'tcg', logFile: '/s/hrt.log', statsFile: '/s/st.jsonl' }, PLACEABLE);
  assert.deepEqual(spec, {
    file: '/r/bin/multiverse',
    args: ['run', '--cpus', '2', '--mem', '1G', '--accel', 'tcg', '--log', '/s/hrt.log', '--stats=/s/st.jsonl', '--', '/w/app'],
    cwd: '/w',
    env: {},
    stdinFile: undefined,
    cpus: 2,
    accel: 'tcg',
  });
});

test('a manifest wins over settings and states the whole placement', () => {
  const manifest = { args: ['x', 'two words'], cwd: 'sub', env: { A: '1' }, cpus: 4, memory: '256M', accel: 'auto', stdin: 'in.txt', placement: ['uname'] };
  const spec = r.runSpec(root, { program: '/w/app', workspace: '/w', manifest, cpus: 1, memory: '1G', trace: true }, PLACEABLE);
  assert.deepEqual(spec.args, ['run', '--cpus', '4', '--mem', '256M', '--native', 'uname', '--forward', 'getpid,clock_gettime', '--trace', '--', '/w/app', 'x', 'two words']);
  assert.equal(spec.cwd, '/w/sub');
  assert.deepEqual(spec.env, { A: '1' });
  assert.equal(spec.stdinFile, '/w/in.txt');
  assert.equal(spec.cpus, 4);
});

test('an empty placement forwards every optional call; names that are not calls are not passed', () => {
  const manifest = { args: [], cwd: '.', env: {}, placement: ['my_function'] };
  const spec = r.runSpec(root, { program: '/w/app', workspace: '/w', manifest }, PLACEABLE);
  assert.deepEqual(spec.args, ['run', '--cpus', '1', '--forward', 'getpid,uname,clock_gettime', '--', '/w/app']);
});

test('command-line overrides win over the manifest; given arguments replace its args', () => {
  const manifest = { args: ['m'], cwd: '.', env: {}, cpus: 4, memory: '256M', accel: 'kvm', placement: [] };
  const spec = r.runSpec(root, { program: '/w/app', workspace: '/w', manifest, override: { cpus: 1, accel: 'tcg' }, args: ['a'] }, []);
  assert.deepEqual(spec.args, ['run', '--cpus', '1', '--mem', '256M', '--accel', 'tcg', '--', '/w/app', 'a']);
  assert.equal(spec.accel, 'tcg');
});

test('accelerator auto follows KVM usability', () => {
  assert.equal(r.resolveAccel('auto', true), 'kvm');
  assert.equal(r.resolveAccel('auto', false), 'tcg');
  assert.equal(r.resolveAccel(undefined, false), 'tcg');
  assert.equal(r.resolveAccel('kvm', false), 'kvm');
});

test('how a run ended, in words', () => {
  assert.equal(r.describeExit(0, null), 'exited with status 0');
  assert.equal(r.describeExit(3, null), 'exited with status 3');
  assert.equal(r.describeExit(139, null), 'was killed by SIGSEGV (status 139)');
  assert.equal(r.describeExit(134, null), 'was killed by SIGABRT (status 134)');
  assert.equal(r.describeExit(125, null), 'failed (status 125: kernel panic, QEMU or launcher failure; see the HRT log)');
  assert.equal(r.describeExit(null, 'SIGINT'), 'was stopped by SIGINT');
});

test("the launcher's fault line gives the source location", () => {
  assert.deepEqual(r.parseFaultLine('multiverse: SIGSEGV: page fault at address 0x0 in crash at main.c:14'), {
    message: 'SIGSEGV: page fault at address 0x0 in crash at main.c:14',
    file: 'main.c',
    line: 14,
  });
  assert.deepEqual(r.parseFaultLine('multiverse: SIGFPE (divide error) in main at /src/x/div.c:7:12\r'), {
    message: 'SIGFPE (divide error) in main at /src/x/div.c:7:12',
    file: '/src/x/div.c',
    line: 7,
  });
  assert.equal(r.parseFaultLine('multiverse: kernel panic: out of memory'), undefined);
  assert.equal(r.parseFaultLine('the program said: at main.c:3'), undefined);
});

test('statistics: the last complete JSON line counts', () => {
  assert.deepEqual(r.parseStats('{"forwarded":3,"final":false}\n{"forwarded":10,"final":false}\n{"forw'), { forwarded: 10 });
  assert.equal(r.parseStats(''), undefined);
  assert.equal(r.parseStats('{"calls":{}}\n'), undefined);
});

function script(name, body) {
  const file = join(tmp, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

test('a run: arguments, cwd, environment and stdin reach the program; the status comes back', async () => {
  const cli = script('echo-cli', 'echo "args: $*"; echo "cwd: $(pwd)"; echo "X=$X"; read line; echo "got $line" >&2; exit 3');
  let out = '';
  let err = '';
  const p = new r.HybridProcess(
    { file: cli, args: ['run', '--', 'prog'], cwd: tmp, env: { X: 'y' }, cpus: 1, accel: 'tcg' },
    { onStdout: (d) => (out += d), onStderr: (d) => (err += d) },
  );
  p.write('hello\n');
  const end = await p.exit;
  assert.deepEqual(end, { code: 3, signal: null });
  assert.equal(out, `args: run -- prog\ncwd: ${tmp}\nX=y\n`);
  assert.equal(err, 'got hello\n');
  assert.equal(p.running, false);
});

test('interrupt sends SIGINT to the whole group, then escalates', async () => {
  const polite = script('polite', 'trap "echo interrupted; exit 130" INT; while :; do sleep 0.05; done');
  const p = new r.HybridProcess({ file: polite, args: [], cwd: tmp, env: {}, cpus: 1, accel: 'tcg' }, { onStdout: () => {} });
  await new Promise((res) => setTimeout(res, 200));
  p.interrupt();
  assert.deepEqual(await p.exit, { code: 130, signal: null });

  const stubborn = script('stubborn', 'trap "" INT; while :; do sleep 0.05; done');
  const q = new r.HybridProcess({ file: stubborn, args: [], cwd: tmp, env: {}, cpus: 1, accel: 'tcg' });
  await new Promise((res) => setTimeout(res, 200));
  const t0 = Date.now();
  q.interrupt();
  const end = await q.exit;
  assert.equal(end.signal, 'SIGTERM');
  assert.ok(Date.now() - t0 >= r.INTERRUPT_GRACE_MS - 100, 'SIGTERM only after the grace period');
});

test('a launcher that cannot start is a hybrid failure', async () => {
  let err = '';
  const p = new r.HybridProcess({ file: join(tmp, 'missing'), args: [], cwd: tmp, env: {}, cpus: 1, accel: 'tcg' }, { onStderr: (d) => (err += d) });
  assert.equal((await p.exit).code, r.HYBRID_FAILURE_STATUS);
  assert.match(err, /^multiverse: cannot start .*missing: spawn .* ENOENT/);
});

test('the log tail delivers appended text once, and restarts after truncation', async () => {
  const file = join(tmp, 'hrt.log');
  let got = '';
  const tail = new r.FileTail(file, (t) => (got += t), 20);
  await tail.poll(); // no file yet
  writeFileSync(file, 'boot\n');
  await tail.poll();
  appendFileSync(file, 'ready\n');
  await tail.poll();
  await tail.poll();
  assert.equal(got, 'boot\nready\n');
  truncateSync(file, 0);
  await tail.poll();
  appendFileSync(file, 'again\n');
  await tail.stop();
  assert.equal(got, 'boot\nready\nagain\n');
});

test("the launcher's fault report with symbolized frames gives the first known source line", () => {
  const p = new r.FaultParser();
  const stderr = [
    'multiverse: ./pthreads terminated by SIGSEGV (segmentation fault) at 0x401061, address 0x0',
    '    #0 0x401061 in crash at /tmp/probe/main.c:14',
    '    #1 0x4017aa in libc_start_main_stage2 at __libc_start_main.lo:?',
    '    #2 0x4011cc in _start',
  ];
  for (const l of stderr) p.feed(l);
  assert.deepEqual(p.location, {
    message: 'segmentation fault at 0x401061, address 0x0 in crash at /tmp/probe/main.c:14',
    file: '/tmp/probe/main.c',
    line: 14,
  });
});

test('frames without a source line are skipped; frames without a report are not faults', () => {
  const p = new r.FaultParser();
  for (const l of ['multiverse: ./x terminated by SIGABRT (aborted)', '    #0 0x401000 in abort at abort.c:?', '    #1 0x401100 in main at x.c:7']) p.feed(l);
  assert.equal(p.location.file, 'x.c');
  assert.equal(p.location.line, 7);
  const q = new r.FaultParser();
  for (const l of ['worker 0: done', '    #1 0x401100 in main at x.c:7']) q.feed(l);
  assert.equal(q.location, undefined);
  const o = new r.FaultParser();
  o.feed('multiverse: SIGFPE (divide error) in main at div.c:9');
  assert.equal(o.location.line, 9);
});
