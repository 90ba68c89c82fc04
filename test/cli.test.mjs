// cli.test.mjs - the multiverse command line: help, version, usage errors,
// the mapping of run's options onto mv-launch, stdio and exit status, signal
// forwarding (against a stand-in launcher, independent of the kernel), then
// the same against the real launcher, and the 1 s hello acceptance.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeFakeRoot } from './lib/fakeroot.mjs';
import { buildAll, cli, root, runHybrid, runProcess, tempDir, testEnv, testTag } from './lib/harness.mjs';
import { taggedProcesses } from './lib/leftovers.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let progs;
before(() => {
  progs = buildAll(['hello', 'exitcode', 'sleeper', 'spin']);
});
after(() => progs?.cleanup());

test('--help lists the commands, exit 0', async () => {
  const r = await runProcess([cli, '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.toString(), /^usage: multiverse COMMAND/);
  assert.match(r.stdout.toString(), /\n {2}run {2}/);
});

test('--version prints the package version', async () => {
  const r = await runProcess([cli, '--version']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.toString(), `multiverse ${pkg.version}\n`);
});

test('run --help describes the options', async () => {
  const r = await runProcess([cli, 'run', '--help']);
  assert.equal(r.status, 0);
  for (const o of ['--cpus', '--mem', '--accel', '--log', '--trace', '--stats']) assert.ok(r.stdout.toString().includes(o), o);
});

for (const [args, message] of [
  [['frobnicate'], "multiverse: unknown command 'frobnicate'"],
  [['run'], 'multiverse: no program given: multiverse run [options] [--] PROGRAM [ARGS...]'],
  [['run', '--bogus', 'x'], "multiverse: unknown option '--bogus'"],
  [['run', '--cpus', 'two', 'x'], "multiverse: --cpus must be an integer 1..64 (not 'two')"],
  [['run', '--accel', 'xen', 'x'], "multiverse: --accel must be auto, kvm or tcg (not 'xen')"],
  [['run', '--wait-gdb', 'x'], 'multiverse: --wait-gdb needs --gdb PORT'],
  [['run', '--cpus'], 'multiverse: option --cpus needs a value'],
]) {
  test(`usage error: multiverse ${args.join(' ')} -> 125`, async () => {
    const r = await runProcess([cli, ...args]);
    assert.equal(r.status, 125);
    assert.equal(r.stdout.toString(), '');
    assert.equal(r.stderr.toString(), `${message}\n(run multiverse --help for usage)\n`);
  });
}

test('without dist/ the launcher script says to build', async () => {
  const t = tempDir();
  try {
    mkdirSync(join(t.dir, 'bin'));
    copyFileSync(join(root, 'bin', 'multiverse'), join(t.dir, 'bin', 'multiverse'));
    const r = await runProcess([process.execPath, join(t.dir, 'bin', 'multiverse'), '--help'], { cwd: t.dir });
    assert.equal(r.status, 125);
    assert.equal(r.stderr.toString(), 'multiverse: dist/cli.js is missing: run npm run build\n');
  } finally {
    t.cleanup();
  }
});

describe('against a stand-in launcher', () => {
  let fake;
  before(() => {
    fake = makeFakeRoot();
  });
  after(() => fake?.cleanup());

  test('run maps every option onto mv-launch', async () => {
    const t = tempDir();
    try {
      const rec = join(t.dir, 'argv');
      const r = await runProcess([fake.cli, 'run', '--cpus', '2', '--mem=512M', '--accel', 'tcg', '--log', 'k.log', '--trace',
        '--stats', '--gdb', '1234', '--wait-gdb', '--native', 'getpid,uname', '--forward=time', '--', progs.elf.hello, 'x'],
      { env: testEnv({ FAKE_LAUNCH_ARGV: rec }) });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), 'hello from multiverse\n');
      assert.deepEqual(readFileSync(rec, 'utf8').trim().split('\n'), ['--kernel', join(fake.root, 'build', 'kernel', 'aerokernel.elf'),
        '--mem', '512M', '--cpus', '2', '--accel', 'tcg', '--log', 'k.log', '--trace', '--stats', '-', '--gdb', '1234',
        '--wait-gdb', '--native', 'getpid,uname', '--forward', 'time']);
      const r2 = await runProcess([fake.cli, 'run', '--stats=out.json', progs.elf.hello], { env: testEnv({ FAKE_LAUNCH_ARGV: rec }) });
      assert.equal(r2.status, 0);
      assert.deepEqual(readFileSync(rec, 'utf8').trim().split('\n'), ['--kernel', join(fake.root, 'build', 'kernel', 'aerokernel.elf'),
        '--stats', 'out.json']);
    } finally {
      t.cleanup();
    }
  });

  test('the program\'s options are not the CLI\'s', async () => {
    const r = await runProcess([fake.cli, 'run', progs.elf.exitcode, '3', '--cpus', '2']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout.toString(), 'exiting with 3\n');
  });

  for (const code of [0, 1, 125, 255]) {
    test(`exit status ${code} passes through`, async () => {
      const r = await runProcess([fake.cli, 'run', '--', progs.elf.exitcode, String(code)]);
      assert.equal(r.status, code);
      assert.equal(r.stdout.toString(), `exiting with ${code}\n`);
    });
  }

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    test(`${sig} to the CLI reaches the launcher; the CLI dies of it too`, async () => {
      const r = await signalDuringRun(fake.cli, progs.elf.sleeper, sig);
      assert.equal(r.stdout, 'ready\n');
      assert.equal(r.signal, sig, `CLI ended with code ${r.code} signal ${r.signal}`);
    });
  }
});

/** Start `cli run elf`, wait for "ready" on its stdout, send sig to the
 * CLI, and collect how it ended: { code, signal, stdout, stderr }. */
function signalDuringRun(cliPath, elf, sig) {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath, ['run', '--', elf], { env: testEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end within 60 s after ${sent ? sig : 'start'}; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`));
    }, 60_000);
    child.stdout.on('data', (b) => {
      stdout += b;
      if (!sent && stdout.includes('ready\n')) {
        sent = true;
        child.kill(sig);
      }
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('against the real launcher', () => {
  test('hello via bin/multiverse run finishes in under 1 s (TCG)', async () => {
    let best = Infinity;
    let last;
    for (let i = 0; i < 3 && best >= 1000; i++) {
      last = await runHybrid(progs.elf.hello);
      assert.equal(last.status, 0, last.stderr.toString());
      assert.equal(last.stdout.toString(), 'hello from multiverse\n');
      best = Math.min(best, last.ms);
    }
    assert.ok(best < 1000, `best of up to 3 runs took ${best.toFixed(0)} ms`);
  });

  for (const sig of ['SIGINT', 'SIGTERM']) {
    test(`${sig} while the program blocks in a forwarded read: clean end, no QEMU left`, async () => {
      const r = await signalDuringRun(cli, progs.elf.sleeper, sig);
      assert.equal(r.stdout, 'ready\n', r.stderr);
      assert.equal(r.signal, sig, `CLI ended with code ${r.code} signal ${r.signal}; stderr ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.deepEqual(taggedProcesses(testTag), []);
    });
  }

  test('a program spinning in kernel mode is ended by the time limit (SIGTERM), nothing left', async () => {
    const r = await runHybrid(progs.elf.spin, [], { timeoutMs: 2000 });
    assert.equal(r.timedOut, true);
    assert.equal(r.stdout.toString(), 'spinning\n');
    assert.equal(r.status, 143, r.stderr.toString());
    assert.deepEqual(taggedProcesses(testTag), []);
  });

  test('--stats=FILE writes the forwarded-call counts', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'stats');
      const r = await runHybrid(progs.elf.hello, [], {}, [`--stats=${file}`]);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), 'hello from multiverse\n');
      assert.match(readFileSync(file, 'utf8'), /\bwrite(v)?\b/);
    } finally {
      t.cleanup();
    }
  });
});
