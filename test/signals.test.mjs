// signals.test.mjs - a signal sent to a hybrid from outside (kill, Ctrl-C)
// is the program's, as natively: the launcher passes SIGINT and SIGTERM to
// the kernel, which raises them in the program. Each case runs
// test/programs/host_signal.c natively and as a hybrid (write-behind on, so
// its 1000 file records are still in the kernel when the signal comes),
// signals it once it has said "ready", and compares the status, the output
// and the file. Also the calls that wait for a signal: sigwait
// (rt_sigtimedwait), pause, sigsuspend.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build, cli, describe as describeRun, runHybrid, runNative, tempDir, testEnv } from './lib/harness.mjs';

const WRITE_BEHIND = 'write,writev,pwrite64';
let work;
let elf;
let itimer;
before(() => {
  work = tempDir('mv-signals-');
  elf = build('host_signal', work.dir);
  itimer = build('itimer', work.dir);
});
after(() => work?.cleanup());

const statusOf = (code, signal) => (signal ? 128 + { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal] : code);

/**
 * Start argv with a stdin that stays open, wait for "ready" on stdout, send
 * sig, optionally close stdin afterwards; resolve with status and output.
 */
function runAndSignal(argv, sig, { closeStdinAfterMs } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: testEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end within 60 s; stdout: ${out}; stderr: ${err}`));
    }, 60_000);
    child.stdin.on('error', () => {});
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!sent && out.includes('ready\n')) {
        sent = true;
        // "ready" comes just before the call the program blocks in: give
        // it time to get there (a signal before it would find no call to
        // interrupt, natively as well)
        setTimeout(() => {
          child.kill(sig);
          if (closeStdinAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeStdinAfterMs);
        }, 500);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: statusOf(code, signal), stdout: out, stderr: err });
    });
  });
}

async function both(mode, sig, opts) {
  const nf = join(work.dir, `${mode}-${sig}-native.txt`);
  const hf = join(work.dir, `${mode}-${sig}-hybrid.txt`);
  const native = await runAndSignal([elf, mode, nf], sig, opts);
  const hybrid = await runAndSignal([cli, 'run', '--native', WRITE_BEHIND, '--', elf, mode, hf], sig, opts);
  return { native, hybrid, nativeFile: readFileSync(nf, 'utf8'), hybridFile: readFileSync(hf, 'utf8') };
}

const records = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}\n`).join('');

for (const [mode, what] of [
  ['spin', 'computing without a system call'],
  ['read', 'blocked in a forwarded read'],
  ['sleep', 'in a native sleep'],
]) {
  for (const sig of ['SIGTERM', 'SIGINT']) {
    test(`${sig} to a program ${what}: it dies of it as natively, its buffered writes in the file`, async () => {
      const r = await both(mode, sig);
      assert.equal(r.native.status, statusOf(null, sig), `native: ${r.native.stderr}`);
      assert.equal(r.hybrid.status, r.native.status, `hybrid stderr: ${r.hybrid.stderr}`);
      assert.equal(r.hybrid.stdout, r.native.stdout);
      assert.equal(r.nativeFile, records);
      assert.equal(r.hybridFile, r.nativeFile);
      assert.equal(r.hybrid.stderr, '', 'no fault report for a signal sent from outside');
    });
  }
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  test(`${sig} with a handler (no SA_RESTART): the handler runs, the blocked read fails with EINTR, the program goes on`, async () => {
    const r = await both('handler', sig);
    assert.match(r.native.stdout, new RegExp(`^ready\\nhandler: ${sig}\\nread returned -1 \\(Interrupted system call\\)\\n$`));
    assert.equal(r.native.status, 3);
    assert.equal(r.hybrid.stdout, r.native.stdout, r.hybrid.stderr);
    assert.equal(r.hybrid.status, 3);
    assert.equal(r.hybridFile, r.nativeFile);
  });
}

test('SIGINT ignored (SIG_IGN): the program carries on to the end of its input', async () => {
  const r = await both('ignore', 'SIGINT', { closeStdinAfterMs: 500 });
  assert.equal(r.native.stdout, 'ready\nstdin ended\n');
  assert.equal(r.native.status, 4);
  assert.equal(r.hybrid.stdout, r.native.stdout, r.hybrid.stderr);
  assert.equal(r.hybrid.status, 4);
});

for (const [mode, status, expect] of [
  ['sigwait', 7, (sig) => `ready\nsigwait: 0, ${sig}\n`],
  ['pause', 8, (sig) => `ready\nhandler: ${sig}\npause: -1 (Interrupted system call)\n`],
  ['suspend', 9, (sig) => `ready\nhandler: ${sig}\nsigsuspend: -1 (Interrupted system call), mask restored: yes\n`],
]) {
  for (const sig of ['SIGTERM', 'SIGINT']) {
    test(`${sig} ends a ${mode}() as natively`, async () => {
      const r = await both(mode, sig);
      assert.equal(r.native.stdout, expect(sig));
      assert.equal(r.native.status, status);
      assert.equal(r.hybrid.stdout, r.native.stdout, r.hybrid.stderr);
      assert.equal(r.hybrid.status, status);
      assert.equal(r.hybridFile, r.nativeFile);
    });
  }
}

for (const cpus of ['1', '2']) {
  test(`sigtimedwait times out on a quiet set; a thread's kill(getpid()) reaches main's sigwaitinfo (--cpus ${cpus})`, async () => {
    const native = await runNative(elf, ['internal']);
    const hybrid = await runHybrid(elf, ['internal'], {}, ['--cpus', cpus]);
    assert.equal(native.stdout.toString(), 'sigtimedwait on a quiet set: -1 (Resource temporarily unavailable)\nsigwaitinfo: SIGUSR1, si_code SI_USER, from this process: yes\n');
    assert.equal(native.status, 10);
    assert.equal(hybrid.stdout.toString(), native.stdout.toString(), describeRun('hybrid', hybrid));
    assert.equal(hybrid.status, 10);
  });
}

for (const cpus of ['1', '2']) {
  test(`setitimer/getitimer/alarm: a one-shot timer ends pause(), periodic ticks reach a computing program, remaining times read back (--cpus ${cpus})`, async () => {
    const native = await runNative(itimer, ['handled']);
    assert.equal(native.status, 0, describeRun('native', native));
    assert.match(native.stdout.toString(), /^one-shot: pause returned -1, handler ran 1 time\(s\)\nperiodic: 5 ticks while computing, then disarmed\ngetitimer: interval 2\.500000 s, value in \(9, 10\] s: yes\n/);
    const hybrid = await runHybrid(itimer, ['handled'], {}, ['--cpus', cpus]);
    assert.equal(hybrid.stdout.toString(), native.stdout.toString(), describeRun('hybrid', hybrid));
    assert.equal(hybrid.status, 0);
  });
}

test('SIGALRM\'s default action ends a computing program with status 142, as natively', async () => {
  const native = await runNative(itimer, ['default']);
  const hybrid = await runHybrid(itimer, ['default']);
  assert.equal(native.status, 142);
  assert.equal(hybrid.status, 142, describeRun('hybrid', hybrid));
  assert.equal(hybrid.stdout.toString(), native.stdout.toString());
});
