// threads.test.mjs - the Threads view lists the program's threads as the
// aerokernel knows them (test/debug/programs/workers.c: main joining, a
// sleeper, a waiter on a condition variable, two spinners), with their states;
// a thread on no vCPU shows its stack from its saved context, down to its
// own function, with locals; the vCPU's own registers are back afterwards; a
// breakpoint in a non-main thread reports that thread; stepping applies to a
// thread on a vCPU, and a step asked for a thread on none continues all.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { join } from 'node:path';
import { testTag } from '../lib/harness.mjs';
import {
  TEST_MS, adapterTempDirs, framesOf, ownFrame, launchWith, lineOf, outputOf, pauseUntil, programsDir, root, runToEnd,
  scopeVars, setup, startClient, stopped, taggedDebugProcesses, waitForOutput, waitGone,
} from './lib/dap.mjs';

const workers = join(programsDir, 'workers.c');
let env;
let dc;
let tempsBefore;

before(async () => {
  env = await setup(['workers', 'worker_fault']);
  tempsBefore = new Set(adapterTempDirs());
});
after(() => env?.cleanup());

afterEach(async () => {
  if (dc) {
    await dc.stop().catch(() => {});
    dc = undefined;
  }
  const left = taggedDebugProcesses(testTag);
  const gone = await waitGone(left.map((p) => p.pid), 5000);
  assert.deepEqual(gone, [], `left running after the session:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`);
  assert.deepEqual(adapterTempDirs().filter((d) => !tempsBefore.has(d)), [], 'the adapter left its temporary directory');
});

/** The threads of workers.c by role, from the list (main's tid comes first,
 * the others were created in order: sleeper, waiter, two spinners). */
function roles(threads) {
  const main = threads.find((t) => t.name.startsWith('main (tid '));
  if (!main) return undefined;
  const by = (id) => threads.find((t) => t.id === id);
  return {
    main, sleeper: by(main.id + 1), waiter: by(main.id + 2), spinners: [by(main.id + 3), by(main.id + 4)],
    vcpus: threads.filter((t) => t.name.startsWith('vCPU ')),
  };
}

const show = (frames) => frames.map((f) => `${f.name}:${f.line}`).join(' ');

for (const cpus of [1, 2]) {
  test(`a pthreads program (--cpus ${cpus}): every thread listed with its state; blocked threads' stacks reach their own functions`, { timeout: TEST_MS }, async () => {
    dc = await startClient(env.adapter);
    await launchWith(dc, { program: env.elf.workers, cpus }, { expectStop: false });
    await waitForOutput(dc, 'started');
    // (right after "started" main may still be on its way to the join, the
    // sleeper to its nanosleep: then continue and pause again)
    const running = (t) => /: running on vCPU \d$/.test(t.name);
    const s = await pauseUntil(dc, async (x) => {
      const r = roles(x.threads);
      if (!r?.sleeper || !r.waiter || !r.spinners.every((t) => t)) return false;
      if (!/blocked in a futex wait$/.test(r.main.name) || !/sleeping$/.test(r.sleeper.name) || !/blocked in a futex wait$/.test(r.waiter.name)) return false;
      // (with two vCPUs a spinner can be caught between two runs on its way to a vCPU)
      if (cpus === 2 && !r.spinners.every(running)) return false;
      // the spinners are in their loops: a running one not in the tick's interrupt handler, a
      // preempted one not in musl's thread start
      for (const t of r.spinners) {
        const frames = await framesOf(dc, t.id);
        const own = running(t) ? frames[0] : frames.find((f) => f.path === workers);
        if (!['spin_once', 'spinner'].includes(own?.name)) return false;
      }
      return true;
    });
    assert.equal(s.body.reason, 'pause');
    const r = roles(s.threads);
    const tid = r.main.id;
    assert.ok(r.sleeper && r.waiter && r.spinners.every((t) => t), JSON.stringify(s.threads));
    assert.equal(r.main.name, `main (tid ${tid}): blocked in a futex wait`);
    assert.equal(r.sleeper.name, `thread ${tid + 1}: sleeping`);
    assert.equal(r.waiter.name, `thread ${tid + 2}: blocked in a futex wait`);
    // one vCPU: one spinner runs, the other waits its turn; two: both run, no vCPU idles
    const states = r.spinners.map((t) => t.name.replace(/^thread \d+: /, '')).sort();
    assert.deepEqual(states, cpus === 1 ? ['runnable', 'running on vCPU 0'] : ['running on vCPU 0', 'running on vCPU 1']);
    assert.deepEqual(r.vcpus, []);
    assert.equal(s.threads.length, 5, JSON.stringify(s.threads));
    // a pause reports a program thread that runs
    const spinner = r.spinners.find((t) => t.id === s.body.threadId);
    assert.ok(spinner && running(spinner), `${s.body.threadId}: ${JSON.stringify(s.threads)}`);

    // the running thread's registers, to compare after looking at the others
    const spin = await framesOf(dc, spinner.id);
    const regsBefore = await scopeVars(dc, spin[0].id, 'Registers');

    // each blocked thread: the scheduler on top, the system call it made, its own function at its line
    const expectations = [
      [r.main, 'main', lineOf('workers.c', 'MARK main join')],
      [r.sleeper, 'sleeper', lineOf('workers.c', 'MARK sleeper nap')],
      [r.waiter, 'waiter', lineOf('workers.c', 'MARK waiter wait')],
    ];
    for (const [t, fn, line] of expectations) {
      const frames = await framesOf(dc, t.id);
      assert.equal(frames[0].path, join(root, 'kernel', 'aero', 'sched.c'), `${t.name}: ${show(frames)}`);
      const entry = frames.findIndex((f) => f.name === 'mv_syscall_entry');
      assert.ok(entry > 0, `${t.name}: ${show(frames)}`);
      const own = ownFrame(frames.slice(entry + 1));
      assert.deepEqual([own?.name, own?.line, own?.path], [fn, line, workers], `${t.name}: ${show(frames)}`);
      t.frame = own;
    }
    // a runnable spinner (one vCPU): preempted by the tick in its loop
    const waiting = r.spinners.find((t) => !running(t));
    if (waiting) {
      const frames = await framesOf(dc, waiting.id);
      const preempt = frames.findIndex((f) => f.name === 'preempt_switch');
      assert.ok(frames[0].path === join(root, 'kernel', 'aero', 'sched.c') && preempt > 0, show(frames));
      const own = ownFrame(frames.slice(preempt + 1));
      assert.ok(['spin_once', 'spinner'].includes(own?.name) && own.path === workers, show(frames));
    }
    // a switched-out thread's innermost frame is at its return address: right after the call
    // that switched it out, on an instruction boundary
    const top = (await framesOf(dc, r.main.id))[0];
    const d = await dc.customRequest('disassemble', { memoryReference: top.ip, instructionOffset: -1, instructionCount: 2 });
    assert.equal(BigInt(d.body.instructions[1].address), BigInt(top.ip), JSON.stringify(d.body.instructions));
    assert.match(d.body.instructions[0].instruction, /^call/, JSON.stringify(d.body.instructions));
    // locals of a switched-out thread's frame (from its saved registers)
    const ev = (frame, expression) => dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' }).then((x) => x.body.result);
    assert.equal(await ev(r.main.frame, 'i'), '0');
    assert.equal(await ev(r.waiter.frame, 'rounds'), '1');
    assert.equal(await ev(r.waiter.frame, 'released'), '0');
    const mainLocals = await scopeVars(dc, r.main.frame.id, 'Locals');
    assert.deepEqual(Object.keys(mainLocals).sort(), ['i', 't']);
    // the vCPU's own registers were put back
    const regsAfter = await scopeVars(dc, spin[0].id, 'Registers');
    for (const reg of ['rip', 'rsp', 'rbp', 'rbx', 'r12', 'r15']) assert.equal(regsAfter[reg].value, regsBefore[reg].value, reg);

    // a step asked for a thread on no vCPU continues all threads: the run ends
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.nextRequest({ threadId: r.sleeper.id });
    assert.deepEqual((await exited).body, { exitCode: 0 });
    await terminated;
    assert.match(outputOf(dc, 'console'), new RegExp(`thread ${tid + 1}: sleeping is on no vCPU and cannot be stepped: continuing all threads`));
    assert.equal(outputOf(dc, 'stdout'), 'started\ndone\n');
  });
}

test('a breakpoint in a non-main thread stops with that thread; a step stays on it', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const line = lineOf('workers.c', 'MARK spinner body');
  const { firstStop } = await launchWith(dc, { program: env.elf.workers, cpus: 1 }, { bps: [{ path: workers, lines: [{ line }] }] });
  const s = await firstStop();
  assert.equal(s.body.reason, 'breakpoint');
  assert.deepEqual(s.frames.slice(0, 2).map((f) => [f.name, f.line]), [
    ['spin_once', line],
    ['spinner', lineOf('workers.c', 'MARK spinner call')],
  ]);
  const threads = (await dc.threadsRequest()).body.threads;
  const main = threads.find((t) => t.name.startsWith('main (tid '));
  assert.ok(main, JSON.stringify(threads));
  // one of the two spinners (tids main + 3, main + 4)
  assert.ok([main.id + 3, main.id + 4].includes(s.body.threadId), `${s.body.threadId}: ${JSON.stringify(threads)}`);
  assert.equal(threads.find((t) => t.id === s.body.threadId)?.name, `thread ${s.body.threadId}: running on vCPU 0`);
  // main is elsewhere: switched out (still creating threads, printing or joining), its stack reaches main
  const mainFrames = await framesOf(dc, main.id);
  assert.ok(mainFrames.some((f) => f.name === 'main' && f.path === workers), show(mainFrames));
  // a step applies to the vCPU that runs the spinner: the stop is the spinner's again
  const step = await stopped(dc, () => dc.nextRequest({ threadId: s.body.threadId }));
  assert.equal(step.body.reason, 'step');
  assert.equal(step.body.threadId, s.body.threadId);
  assert.equal(step.frames[0].name, 'spin_once');
  assert.equal(step.frames[0].line, line + 1);
  await dc.setBreakpointsRequest({ source: { path: workers }, breakpoints: [] });
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 0 });
  assert.equal(outputOf(dc, 'stdout'), 'started\ndone\n');
});

test('a fault in a worker thread stops in that thread at its line; main is at its join; then 139', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const src = join(programsDir, 'worker_fault.c');
  const { firstStop } = await launchWith(dc, { program: env.elf.worker_fault, cpus: 1 });
  const s = await firstStop();
  assert.equal(s.body.reason, 'exception');
  assert.equal(s.body.text, 'SIGSEGV');
  assert.deepEqual([s.frames[0].name, s.frames[0].line, s.frames[0].source?.path], ['worker', lineOf('worker_fault.c', 'MARK worker fault'), src]);
  const threads = (await dc.threadsRequest()).body.threads;
  const main = threads.find((t) => t.name.startsWith('main (tid '));
  assert.ok(main, JSON.stringify(threads));
  assert.equal(s.body.threadId, main.id + 1);
  assert.deepEqual(threads.map((t) => t.name), [
    `main (tid ${main.id}): blocked in a futex wait`,
    `thread ${main.id + 1}: running on vCPU 0`,
  ]);
  const frames = await framesOf(dc, main.id);
  assert.ok(frames.some((f) => f.name === 'main' && f.line === lineOf('worker_fault.c', 'MARK main join') && f.path === src), show(frames));
  // after looking at main, the vCPU holds the worker's faulting context again
  const regs = await scopeVars(dc, s.frames[0].id, 'Registers');
  assert.equal(BigInt(regs.rip.value), BigInt(s.frames[0].instructionPointerReference));
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 139 });
  assert.equal(outputOf(dc, 'stdout'), 'starting\n');
});

test('stopped in early boot, before the thread table is in use, the vCPUs are listed', { timeout: TEST_MS }, async () => {
  dc = await startClient(env.adapter);
  const { firstStop } = await launchWith(dc, { program: env.elf.workers, cpus: 1 }, { functions: ['sched_init'] });
  const s = await firstStop();
  assert.equal(s.frames[0].name, 'sched_init');
  const threads = (await dc.threadsRequest()).body.threads;
  assert.deepEqual(threads.map((t) => t.name), ['vCPU 0']);
  assert.equal(s.body.threadId, threads[0].id);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  assert.deepEqual(await runToEnd(dc, s.body.threadId), { exitCode: 0 });
});
