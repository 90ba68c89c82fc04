// adapter.test.mjs - the `multiverse` debug adapter against the real
// aerokernel, QEMU (TCG) and gdb, driven by DebugClient as an editor would:
// breakpoints in program and kernel source, stepping, variables, evaluate,
// conditional and hit-count breakpoints, a fault stopping at its line, and
// sessions that leave nothing behind.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { testTag } from '../lib/harness.mjs';
import {
  TEST_MS, adapterTempDirs, childrenOf, launchWith, lineOf, outputOf, pauseUntil, programsDir, root, runToEnd, scopeVars,
  sessionPids, setup, startClient, stopped, taggedDebugProcesses, waitForOutput, waitGone,
} from './lib/dap.mjs';

const steps = join(programsDir, 'steps.c');
const faultSrc = join(programsDir, 'fault.c');
let env;
let dc;
let tempsBefore;

before(async () => {
  env = await setup(['steps', 'fault', 'spin', 'napper', 'abort']);
  tempsBefore = new Set(adapterTempDirs());
});
after(() => env?.cleanup());

function freePort() {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Every test ends its session; then nothing of it may be left. */
afterEach(async () => {
  if (dc) {
    await dc.stop().catch(() => {});
    dc = undefined;
  }
  const left = taggedDebugProcesses(testTag);
  const gone = await waitGone(left.map((p) => p.pid), 5000);
  assert.deepEqual(gone, [], `left running after the session:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
  const temps = adapterTempDirs().filter((d) => !tempsBefore.has(d));
  assert.deepEqual(temps, [], 'the adapter left its temporary directory');
});

test('a breakpoint in the program stops at its line with the call stack, arguments and locals', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const line = lineOf('steps.c', 'MARK scale body');
  const { bps: [bps], firstStop } = await launchWith(dc, { program: env.elf.steps, cpus: 1 }, { bps: [{ path: steps, lines: [{ line }] }] });
  assert.equal(bps.body.breakpoints[0].verified, true);
  assert.equal(bps.body.breakpoints[0].line, line);
  // a source file gdb knows nothing of: unverified, saying why
  const none = await dc.setBreakpointsRequest({ source: { path: join(programsDir, 'no_such_file.c') }, breakpoints: [{ line: 3 }] });
  assert.equal(none.body.breakpoints[0].verified, false);
  assert.match(none.body.breakpoints[0].message, /no code here/);
  const s = await firstStop();
  assert.equal(s.body.reason, 'breakpoint');
  assert.deepEqual(s.frames.slice(0, 3).map((f) => [f.name, f.line, f.source?.path]), [
    ['scale', line, steps],
    ['area', lineOf('steps.c', 'MARK area call'), steps],
    ['main', lineOf('steps.c', 'MARK main area'), steps],
  ]);
  const args = await scopeVars(dc, s.frames[0].id, 'Arguments');
  assert.equal(args.value.value, '6');
  assert.equal(args.factor.value, '7');
  const locals = await scopeVars(dc, s.frames[0].id, 'Locals');
  assert.ok('product' in locals, `locals: ${Object.keys(locals)}`);
  const regs = await scopeVars(dc, s.frames[0].id, 'Registers');
  assert.match(regs.rip.value, /^0x[0-9a-f]+$/);
  assert.equal(BigInt(regs.rdi.value), 6n, 'first argument in rdi at the breakpoint');
  // the program's one thread, from the kernel's thread table; its id is its tid
  const threads = await dc.threadsRequest();
  assert.equal(threads.body.threads.length, 1);
  const [main] = threads.body.threads;
  assert.equal(main.name, `main (tid ${main.id}): running on vCPU 0`);
  assert.equal(s.body.threadId, main.id);
  assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
  assert.equal(outputOf(dc, 'stdout'), 'stepped over a forwarded write\n');
});

test('step into, step out and step over, including over a forwarded write', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: steps, lines: [{ line: lineOf('steps.c', 'MARK main area') }] }] });
  let s = await firstStop();
  const step = async (req) => {
    s = await stopped(dc, () => dc[req]({ threadId: s.body.threadId }));
    assert.equal(s.body.reason, 'step');
    return [s.frames[0].name, s.frames[0].line];
  };
  assert.deepEqual(await step('stepInRequest'), ['area', lineOf('steps.c', 'MARK area call')]);
  assert.deepEqual(await step('stepInRequest'), ['scale', lineOf('steps.c', 'MARK scale body')]);
  assert.deepEqual(await step('nextRequest'), ['scale', lineOf('steps.c', 'MARK scale return')]);
  const [fn, line] = await step('stepOutRequest');
  assert.equal(fn, 'area');
  assert.equal(line, lineOf('steps.c', 'MARK area call'));
  await step('stepOutRequest');
  assert.equal(s.frames[0].name, 'main');
  // main now returns from area on its line; step to the write and over it
  let guard = 0;
  while (s.frames[0].line !== lineOf('steps.c', 'MARK main write') && guard++ < 3) await step('nextRequest');
  assert.equal(s.frames[0].line, lineOf('steps.c', 'MARK main write'));
  assert.equal(outputOf(dc, 'stdout'), '');
  assert.deepEqual(await step('nextRequest'), ['main', lineOf('steps.c', 'MARK after write')]);
  // the forwarded write's output arrives while stopped on the next line
  const until = Date.now() + 10_000;
  while (!outputOf(dc, 'stdout') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(outputOf(dc, 'stdout'), 'stepped over a forwarded write\n');
  assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
});

test('step into a line whose calls are the C library\'s (strlen, a forwarded write) steps over them', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: steps, lines: [{ line: lineOf('steps.c', 'MARK main write') }] }] });
  let s = await firstStop();
  s = await stopped(dc, () => dc.stepInRequest({ threadId: s.body.threadId }));
  assert.equal(s.body.reason, 'step');
  assert.deepEqual([s.frames[0].name, s.frames[0].line, s.frames[0].source?.path], ['main', lineOf('steps.c', 'MARK after write'), steps]);
  assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
  assert.equal(outputOf(dc, 'stdout'), 'stepped over a forwarded write\n');
});

test('a struct, a pointer and an array expand; evaluate; setVariable changes the run', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: steps, lines: [{ line: lineOf('steps.c', 'MARK main area') }] }] });
  const s = await firstStop();
  const locals = await scopeVars(dc, s.frames[0].id, 'Locals');
  assert.equal(locals.origin.type, 'struct point');
  const origin = await childrenOf(dc, locals.origin);
  assert.deepEqual([origin.x.value, origin.y.value], ['6', '7']);
  assert.match(origin.label.value, /"corner"$/);
  assert.equal(locals.total.value, '30');
  const ev = (expression, context = 'watch') => dc.evaluateRequest({ expression, frameId: s.frames[0].id, context });
  assert.equal((await ev('origin.x * origin.y')).body.result, '42');
  assert.equal((await ev('*origin.label', 'hover')).body.result, "99 'c'");
  const sq = await ev('squares', 'repl');
  assert.ok(sq.body.variablesReference > 0);
  const elems = await childrenOf(dc, { name: 'squares', variablesReference: sq.body.variablesReference });
  assert.deepEqual(Object.values(elems).map((v) => v.value), ['0', '1', '4', '9', '16']);
  assert.match((await ev('-exec print origin.y', 'repl')).body.result, /^\$\d+ = 7$/);
  const bad = await ev('no_such_variable').then(() => undefined, (e) => e);
  assert.match(String(bad?.message), /no_such_variable/);
  // origin.x = 10: area becomes 70, total 100, and main returns 1 instead of 0
  const sv = await dc.setVariableRequest({ variablesReference: locals.origin.variablesReference, name: 'x', value: '10' });
  assert.equal(sv.body.value, '10');
  assert.equal((await ev('origin.x')).body.result, '10');
  assert.deepEqual(await runToEnd(dc), { exitCode: 1 });
});

test('conditional and hit-count breakpoints stop at the right iteration', { timeout: TEST_MS }, async () => {
  const line = lineOf('steps.c', 'MARK loop body');
  for (const bp of [{ line, condition: 'i == 3' }, { line, hitCondition: '4' }]) {
    dc = await startClient(env.adapter);
    const { firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: steps, lines: [bp] }] });
    const s = await firstStop();
    assert.equal(s.frames[0].line, line);
    const i = await dc.evaluateRequest({ expression: 'i', frameId: s.frames[0].id, context: 'watch' });
    assert.equal(i.body.result, '3', JSON.stringify(bp));
    // with the hit count the breakpoint stops again on the 5th pass
    if (bp.hitCondition) {
      const again = await stopped(dc, () => dc.continueRequest({ threadId: s.body.threadId }));
      const i2 = await dc.evaluateRequest({ expression: 'i', frameId: again.frames[0].id, context: 'watch' });
      assert.equal(i2.body.result, '4');
    }
    assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
    await dc.stop();
    dc = undefined;
  }
});

test('a breakpoint in kernel source (the system-call dispatcher) stops in the kernel', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const kfile = join(root, 'kernel', 'aero', 'syscall.c');
  const kline = lineOf('syscall.c', 'uint64_t nr = tf->rax;', join(root, 'kernel', 'aero'));
  // the program's write(1, ...) is system call 1
  const { bps: [bps], firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: kfile, lines: [{ line: kline, condition: 'tf->rax == 1' }] }] });
  assert.equal(bps.body.breakpoints[0].verified, true);
  const s = await firstStop();
  assert.equal(s.body.reason, 'breakpoint');
  assert.equal(s.frames[0].name, 'sys_entry');
  assert.equal(s.frames[0].source?.path, kfile);
  assert.equal(s.frames[0].line, kline);
  const ev = (e) => dc.evaluateRequest({ expression: e, frameId: s.frames[0].id, context: 'watch' }).then((r) => r.body.result);
  assert.equal(await ev('tf->rdi'), '1');
  assert.equal(await ev('(char)*(char *)tf->rsi'), "115 's'");
  const args = await scopeVars(dc, s.frames[0].id, 'Arguments');
  assert.match(args.tf.value, /^0xffffffff8/);
  // below the kernel's frames, the program's that made the call (from the syscall trap frame)
  const names = s.frames.map((f) => f.name);
  const entry = names.indexOf('mv_syscall_entry');
  assert.ok(entry > 0, `the kernel's syscall entry on the stack: ${names}`);
  const main = s.frames.slice(entry + 1).find((f) => f.name === 'main');
  assert.ok(main, `main below the system call: ${names}`);
  assert.equal(main.source?.path, steps);
  assert.equal(main.line, lineOf('steps.c', 'MARK main write'));
  const locals = await scopeVars(dc, main.id, 'Locals');
  assert.equal(locals.total.value, '30');
  assert.match((await dc.evaluateRequest({ expression: 'msg', frameId: main.id, context: 'hover' })).body.result, /"stepped over a forwarded write\\n"$/);
  // the kernel frame reads as before: the vCPU's registers were put back
  assert.equal(await ev('tf->rdi'), '1');
  assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
});

test('a function breakpoint and stopOnEntry report their reasons', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.steps, stopOnEntry: true }, { functions: ['area'] });
  let s = await firstStop();
  assert.equal(s.body.reason, 'entry');
  assert.equal(s.frames[0].name, 'main');
  s = await stopped(dc, () => dc.continueRequest({ threadId: s.body.threadId }));
  assert.equal(s.body.reason, 'function breakpoint');
  assert.equal(s.frames[0].name, 'area');
  assert.deepEqual(await runToEnd(dc), { exitCode: 0 });
});

test('a NULL store stops with reason exception at the faulting line; continuing ends with 139', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.fault });
  const s = await firstStop();
  assert.equal(s.body.reason, 'exception');
  assert.equal(s.body.text, 'SIGSEGV');
  assert.match(s.body.description, /page fault at address 0x0/);
  assert.deepEqual(s.frames.slice(0, 3).map((f) => [f.name, f.line, f.source?.path]), [
    ['poke', lineOf('fault.c', 'MARK fault'), faultSrc],
    ['outer', lineOf('fault.c', 'poke(p, 42)'), faultSrc],
    ['main', lineOf('fault.c', 'outer((volatile'), faultSrc],
  ]);
  const args = await scopeVars(dc, s.frames[0].id, 'Arguments');
  assert.equal(args.value.value, '42');
  assert.equal(args.p.value, '0x0');
  const info = await dc.exceptionInfoRequest({ threadId: s.body.threadId });
  assert.equal(info.body.exceptionId, 'SIGSEGV');
  assert.deepEqual(await runToEnd(dc), { exitCode: 139 });
  assert.equal(outputOf(dc, 'stdout'), 'about to fault\n');
  // the kernel log reaches the debug console
  assert.match(outputOf(dc, 'console'), /^\[kernel\] trap: program killed by signal 11 \(vector 14\)/m);
  // the launcher's own report names the same place: the registers were put back
  assert.match(outputOf(dc, 'stderr'), new RegExp(`#0 0x[0-9a-f]+ in poke at \\S*fault\\.c:${lineOf('fault.c', 'MARK fault')}`));
});

test('pause stops a spinning program; terminate ends QEMU, the launcher and gdb', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.spin });
  const until = Date.now() + 20_000;
  while (!outputOf(dc, 'stdout').includes('spinning') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(outputOf(dc, 'stdout'), 'spinning\n');
  const s = await stopped(dc, () => dc.pauseRequest({ threadId: 1 }));
  assert.equal(s.body.reason, 'pause');
  assert.ok(s.frames.some((f) => f.name === 'main'), `main on the stack: ${s.frames.map((f) => f.name)}`);
  const pids = await sessionPids(dc);
  assert.ok(pids.launcher > 0 && pids.gdb > 0, JSON.stringify(pids));
  const terminated = dc.waitForEvent('terminated');
  await dc.terminateRequest({});
  await terminated;
  assert.deepEqual(await waitGone([pids.launcher, pids.gdb]), []);
});

test('a kernel panic (a NULL trap frame given to the dispatcher) stops at the kernel line; the run ends with 125', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  // stop at the dispatcher's first instruction, where tf is still in rdi
  const { firstStop } = await launchWith(dc, { program: env.elf.steps }, { functions: ['*sys_entry'] });
  const s = await firstStop();
  assert.equal(s.frames[0].name, 'sys_entry');
  const regs = await scopeVars(dc, s.frames[0].id, 'Registers');
  const scopes = await dc.scopesRequest({ frameId: s.frames[0].id });
  const regRef = scopes.body.scopes.find((x) => x.name === 'Registers').variablesReference;
  assert.match(regs.rdi.value, /^0xffffffff8/);
  await dc.setVariableRequest({ variablesReference: regRef, name: 'rdi', value: '0' });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  const p = await stopped(dc, () => dc.continueRequest({ threadId: s.body.threadId }));
  assert.equal(p.body.reason, 'exception');
  assert.equal(p.body.text, 'kernel panic');
  assert.match(p.body.description, /page fault/);
  assert.equal(p.frames[0].name, 'sys_entry');
  assert.equal(p.frames[0].source?.path, join(root, 'kernel', 'aero', 'syscall.c'));
  assert.equal(p.frames[0].line, lineOf('syscall.c', 'uint64_t nr = tf->rax;', join(root, 'kernel', 'aero')));
  assert.deepEqual(await runToEnd(dc), { exitCode: 125 });
});

for (const cpus of [1, 2]) {
  test(`pause while the main thread waits for a forwarded call (--cpus ${cpus}): its state and stack down to main's line; continue: the reply and output arrive`, { timeout: TEST_MS }, async () => {
    dc = await startClient(env.adapter);
    // nanosleep is native by default: placed as forwarded, the partner sleeps
    await launchWith(dc, { program: env.elf.napper, cpus, forward: ['nanosleep'] }, { expectStop: false });
    await waitForOutput(dc, 'napping');
    const waiting = /^main \(tid \d+\): waiting for a forwarded nanosleep/;
    // (the pause may come before the call is posted: then once more)
    const s = await pauseUntil(dc, (x) => x.threads.some((t) => waiting.test(t.name)), 5);
    assert.equal(s.body.reason, 'pause');
    const names = s.threads.map((t) => t.name);
    const main = s.threads.find((t) => t.name.startsWith('main '));
    // with one vCPU the blocked thread stays that vCPU's current thread (the
    // vCPU idles on its stack); with two, both vCPUs run their idle threads
    assert.deepEqual(names, cpus === 1
      ? [`main (tid ${main.id}): waiting for a forwarded nanosleep (on vCPU 0)`]
      : [`main (tid ${main.id}): waiting for a forwarded nanosleep`, 'vCPU 0: idle', 'vCPU 1: idle']);
    // a pause shows the program's thread, not an idle vCPU
    assert.equal(s.body.threadId, main.id);
    // its stack: the kernel's frames from the scheduler through the forwarding
    // function to the system-call entry, then the program's line that made the call
    const frames = s.frames.map((f) => f.name);
    const at = (name) => frames.indexOf(name);
    const show = s.frames.map((f) => `${f.name}:${f.line}`).join(' ');
    const sched = s.frames.findIndex((f) => f.source?.path === join(root, 'kernel', 'aero', 'sched.c'));
    assert.ok(sched >= 0 && sched < at('fwd_syscall') && at('fwd_syscall') < at('mv_syscall_entry'), show);
    if (cpus === 1) {
      // the vCPU idles in schedule() on the thread's own stack
      assert.ok(at('schedule') >= 0 && at('schedule') < at('fwd_syscall'), show);
    } else {
      // switched out: its innermost frame is the scheduler's call that switched it (schedule()
      // tail-calls the switch, so its caller's call of schedule() is what is on the stack)
      assert.equal(sched, 0, show);
      assert.match(readFileSync(s.frames[0].source.path, 'utf8').split('\n')[s.frames[0].line - 1], /\bschedule\(\);/, show);
    }
    const mainFrame = s.frames.slice(at('mv_syscall_entry')).find((f) => f.name === 'main');
    assert.equal(mainFrame?.line, lineOf('napper.c', 'MARK nap'), show);
    assert.equal(mainFrame.source?.path, join(programsDir, 'napper.c'));
    const ts = await dc.evaluateRequest({ expression: 'ts.tv_nsec', frameId: mainFrame.id, context: 'watch' });
    assert.equal(ts.body.result, '500000000');
    assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 0 });
    assert.equal(outputOf(dc, 'stdout'), 'napping\nwoke\n');
  });
}

test('launch from a manifest takes the program, its arguments and cpus from multiverse.json', { timeout: TEST_MS }, async () => {
  const ws = mkdtempSync(join(tmpdir(), 'mv-dap-ws-'));
  try {
    copyFileSync(env.elf.steps, join(ws, 'steps'));
    chmodSync(join(ws, 'steps'), 0o755);
    writeFileSync(join(ws, 'multiverse.json'), JSON.stringify({ program: 'steps', args: ['one'], cpus: 1 }));
    dc = await startClient(env.adapter);
    // multiverse.root may be relative to the workspace folder (here: the launch cwd)
    const { firstStop } = await launchWith(dc, { manifest: join(ws, 'multiverse.json'), cwd: ws, multiverseRoot: relative(ws, root) }, { functions: ['main'] });
    const s = await firstStop();
    const args = await scopeVars(dc, s.frames[0].id, 'Arguments');
    assert.equal(args.argc.value, '2');
    // steps returns 3 when given an argument
    assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 3 });
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('attach to a hybrid started with --gdb: stop at a breakpoint, detach, the run goes on to its end', { timeout: TEST_MS }, async () => {
  const port = await freePort();
  const launcher = spawn(join(root, 'build', 'ros', 'mv-launch'), ['--gdb', String(port), '--wait-gdb', '--', env.elf.steps], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  launcher.stdout.on('data', (d) => (out += d));
  const done = new Promise((res) => launcher.once('close', (code) => res(code)));
  try {
    dc = await startClient(env.adapter);
    await dc.initializeRequest();
    const first = dc.waitForEvent('stopped');
    // the stub listens once QEMU is up (bounded poll)
    const until = Date.now() + 20_000;
    while (!readFileSync('/proc/net/tcp', 'utf8').includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([
      dc.waitForEvent('initialized').then(async () => {
        await dc.setBreakpointsRequest({ source: { path: steps }, breakpoints: [{ line: lineOf('steps.c', 'MARK scale body') }] });
        await dc.configurationDoneRequest();
      }),
      dc.attachRequest({ port, program: env.elf.steps, multiverseRoot: root }),
    ]);
    const s = await stopped(dc, undefined, first);
    assert.equal(s.frames[0].name, 'scale');
    await dc.disconnectRequest({});
    assert.equal(await done, 0);
    assert.equal(out, 'stepped over a forwarded write\n');
  } finally {
    if (launcher.exitCode === null) launcher.kill('SIGTERM');
    await done;
  }
});

test('a breakpoint set while the program runs (in a forwarded sleep) is hit', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  await launchWith(dc, { program: env.elf.napper, forward: ['nanosleep'] });
  await waitForOutput(dc, 'napping');
  const line = lineOf('napper.c', 'MARK nap') + 1;
  const first = dc.waitForEvent('stopped');
  const r = await dc.setBreakpointsRequest({ source: { path: join(programsDir, 'napper.c') }, breakpoints: [{ line }] });
  assert.equal(r.body.breakpoints[0].verified, true);
  const s = await stopped(dc, undefined, first);
  assert.equal(s.body.reason, 'breakpoint');
  assert.equal(s.frames[0].line, line);
  assert.equal(outputOf(dc, 'stdout'), 'napping\n');
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 0 });
  assert.equal(outputOf(dc, 'stdout'), 'napping\nwoke\n');
});

test('a missing gdb fails the launch with what to install, and leaves nothing running', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  await dc.initializeRequest();
  const err = await dc.launchRequest({ program: env.elf.steps, multiverseRoot: root, gdb: 'gdb-that-is-not-installed' }).then(() => undefined, (e) => e);
  assert.match(String(err?.message), /gdb-that-is-not-installed not found: install Debian's gdb/);
});

test('an adapter killed with SIGKILL still leaves no launcher, QEMU, gdb or files behind', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  await launchWith(dc, { program: env.elf.spin });
  const until = Date.now() + 20_000;
  while (!outputOf(dc, 'stdout').includes('spinning') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await stopped(dc, () => dc.pauseRequest({ threadId: 1 }));
  const pids = await sessionPids(dc);
  // DebugClient keeps its adapter process in _adapterProcess
  const adapter = dc._adapterProcess;
  assert.ok(adapter?.pid, 'the adapter process');
  adapter.kill('SIGKILL');
  assert.deepEqual(await waitGone([adapter.pid, pids.launcher, pids.gdb]), []);
  dc = undefined; // afterEach checks for QEMU and the temporary directory
});

test('with the "Program faults" filter off, a fault ends the run with 139 without stopping', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  let stops = 0;
  dc.on('stopped', () => stops++);
  const exited = dc.waitForEvent('exited');
  const { init } = await launchWith(dc, { program: env.elf.fault }, { exceptionFilters: ['panic'], expectStop: false });
  assert.deepEqual(init.exceptionBreakpointFilters.map((f) => [f.filter, f.default]), [['fault', true], ['panic', true]]);
  assert.deepEqual((await exited).body, { exitCode: 139 });
  assert.equal(stops, 0);
});

test('memory behind a pointer, an instruction breakpoint, disassembly from 4 instructions before it', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { init, firstStop } = await launchWith(dc, { program: env.elf.steps }, { bps: [{ path: steps, lines: [{ line: lineOf('steps.c', 'MARK main area') }] }] });
  assert.equal(init.supportsDisassembleRequest, true);
  let s = await firstStop();
  // memory: &origin holds { 6, 7, ... }
  const ptr = await dc.evaluateRequest({ expression: '&origin', frameId: s.frames[0].id, context: 'watch' });
  assert.match(ptr.body.memoryReference, /^0x[0-9a-f]+$/);
  const mem = await dc.customRequest('readMemory', { memoryReference: ptr.body.memoryReference, count: 8 });
  assert.deepEqual([...Buffer.from(mem.body.data, 'base64')], [6, 0, 0, 0, 7, 0, 0, 0]);
  // an instruction breakpoint at scale's first instruction
  const fn = await dc.evaluateRequest({ expression: '(unsigned long)&scale', frameId: s.frames[0].id, context: 'watch' });
  const scaleAddr = BigInt(fn.body.result);
  const ib = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: `0x${scaleAddr.toString(16)}` }] });
  assert.equal(ib.body.breakpoints[0].verified, true);
  s = await stopped(dc, () => dc.continueRequest({ threadId: s.body.threadId }));
  assert.equal(s.body.reason, 'breakpoint');
  assert.equal(s.frames[0].name, 'scale');
  assert.equal(BigInt(s.frames[0].instructionPointerReference), scaleAddr);
  // disassembly from 4 instructions before scale's entry: the 5th is the entry
  const d = await dc.customRequest('disassemble', { memoryReference: s.frames[0].instructionPointerReference, instructionOffset: -4, instructionCount: 8 });
  const insns = d.body.instructions;
  assert.equal(insns.length, 8);
  assert.equal(BigInt(insns[4].address), scaleAddr);
  assert.match(insns[4].symbol, /^scale\+0$/);
  assert.match(insns[4].instruction, /push\s+%rbp/);
  assert.equal(insns[4].location?.path, steps, JSON.stringify(insns[4]));
  assert.ok(BigInt(insns[3].address) < scaleAddr && BigInt(insns[5].address) > scaleAddr);
  await dc.customRequest('setInstructionBreakpoints', { breakpoints: [] });
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 0 });
});

test('abort() stops with SIGABRT; below the musl frames (de-emphasized) main at the abort() call; then 134', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.abort });
  const s = await firstStop();
  assert.equal(s.body.reason, 'exception');
  assert.equal(s.body.text, 'SIGABRT');
  // the innermost frames are musl's: with the libc mvcc links from build/musl
  // (kernel/toolchain/build-musl) they have its source, else none
  const lib = join(root, 'build', 'musl', 'src') + '/';
  const at = s.frames.findIndex((f) => f.presentationHint !== 'subtle');
  assert.ok(at > 0, `stack: ${s.frames.map((f) => `${f.name}:${f.line}:${f.presentationHint}`)}`);
  for (const f of s.frames.slice(0, at)) {
    assert.ok(f.source === undefined || (f.source.path.startsWith(lib) && f.source.presentationHint === 'deemphasize'), JSON.stringify(f));
  }
  if (existsSync(join(root, 'build', 'musl', 'lib', 'libc.a'))) {
    assert.ok(s.frames.slice(0, at).some((f) => f.name === 'abort' && f.source?.path === join(lib, 'src', 'exit', 'abort.c')), `stack: ${s.frames.map((f) => `${f.name}:${f.source?.path}`)}`);
  }
  const main = s.frames[at];
  assert.equal(main?.name, 'main', `stack: ${s.frames.map((f) => `${f.name}:${f.line}`)}`);
  assert.equal(main.source.path.split('/').pop(), 'abort.c');
  assert.equal(main.line, lineOf('abort.c', 'abort();', join(root, 'test', 'programs')));
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 134 });
});
