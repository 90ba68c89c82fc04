// dap.mjs - helpers for the debug adapter tests: the adapter bundled from the
// current sources, test programs built with bin/mvcc, a DebugClient per
// session, and checks that a session left no process or file behind.
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mvcc, root } from '../../lib/harness.mjs';

export { root };
export const programsDir = join(root, 'test', 'debug', 'programs');
/** Time limit of one DAP request or event wait (TCG on a shared 2-core machine). */
export const STEP_MS = 30_000;
/** Time limit of one whole test. */
export const TEST_MS = 90_000;

/** Bundle src/debug/adapter.ts and build the named programs (from
 * test/debug/programs, else test/programs; -O0, so that lines and variables
 * are as written) into a fresh directory. */
export async function setup(names) {
  const dir = mkdtempSync(join(tmpdir(), 'mv-dap-'));
  const adapter = join(dir, 'debugAdapter.js');
  await build({
    entryPoints: [join(root, 'src', 'debug', 'adapter.ts')],
    outfile: adapter,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  const elf = {};
  for (const n of names) {
    const out = join(dir, n);
    const own = join(programsDir, `${n}.c`);
    const src = existsSync(own) ? own : join(root, 'test', 'programs', `${n}.c`);
    const r = spawnSync(mvcc, ['-O0', '-Wall', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bin/mvcc ${n}.c failed:\n${r.stdout}${r.stderr}`);
    elf[n] = out;
  }
  return { dir, adapter, elf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The 1-based line of the first line of programs/FILE containing MARKER. */
export function lineOf(file, marker, dir = programsDir) {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${file} has no line with '${marker}'`);
  return i + 1;
}

/** A started DebugClient on the bundled adapter; output events are collected
 * in client.output ({ category, text } in order). */
export async function startClient(adapter) {
  const dc = new DebugClient('node', adapter, 'multiverse', { env: process.env });
  dc.defaultTimeout = STEP_MS;
  dc.output = [];
  dc.on('output', (e) => dc.output.push({ category: e.body.category, text: e.body.output }));
  await dc.start();
  return dc;
}

/** Text of all output events of a category. */
export function outputOf(dc, category) {
  return dc.output.filter((o) => o.category === category).map((o) => o.text).join('');
}

/** Initialize, then launch with breakpoints set during configuration. Resolves with { init: the
 * capabilities, bps:
 * the setBreakpoints responses, firstStop: () => the first stop as stopped()
 * gives it (waited for from the start, so that none is missed) }.
 * bps: [{ path, lines: [{ line, condition, hitCondition }] }], functions: ['name']. */
export async function launchWith(dc, launchArgs, { bps = [], functions = [], exceptionFilters, expectStop = true } = {}) {
  const responses = [];
  const init = await dc.initializeRequest();
  // (a wait that never ends would keep the test process alive until it times out)
  const first = expectStop ? dc.waitForEvent('stopped') : undefined;
  first?.catch(() => {});
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      for (const b of bps) {
        responses.push(await dc.setBreakpointsRequest({ source: { path: b.path }, breakpoints: b.lines }));
      }
      if (functions.length) responses.push(await dc.setFunctionBreakpointsRequest({ breakpoints: functions.map((name) => ({ name })) }));
      if (exceptionFilters) await dc.setExceptionBreakpointsRequest({ filters: exceptionFilters });
      await dc.configurationDoneRequest();
    }),
    dc.launchRequest({ multiverseRoot: root, ...launchArgs }),
  ]);
  return { init: init.body, bps: responses, firstStop: () => stopped(dc, undefined, first) };
}

/** Wait for a stopped event, optionally after an action that causes it (the
 * wait starts first: a quick stop can arrive with the action's response);
 * returns { body, frames } with the stopped thread's stack. */
export async function stopped(dc, action, waiting) {
  const wait = waiting ?? dc.waitForEvent('stopped');
  if (action) await action();
  const ev = await wait;
  const st = await dc.stackTraceRequest({ threadId: ev.body.threadId });
  return { body: ev.body, frames: st.body.stackFrames };
}

/** Variables of a frame's scope by scope name: { name: variable }. */
export async function scopeVars(dc, frameId, scope) {
  const sc = await dc.scopesRequest({ frameId });
  const s = sc.body.scopes.find((x) => x.name === scope);
  if (!s) throw new Error(`no scope ${scope}: ${sc.body.scopes.map((x) => x.name).join(', ')}`);
  const v = await dc.variablesRequest({ variablesReference: s.variablesReference });
  return Object.fromEntries(v.body.variables.map((x) => [x.name, x]));
}

/** Children of an expandable variable: { name: variable }. */
export async function childrenOf(dc, variable) {
  if (!variable.variablesReference) throw new Error(`${variable.name} has no children`);
  const v = await dc.variablesRequest({ variablesReference: variable.variablesReference });
  return Object.fromEntries(v.body.variables.map((x) => [x.name, x]));
}

/** Wait (bounded, polling) until the program's stdout contains text. */
export async function waitForOutput(dc, text, ms = 20_000) {
  const until = Date.now() + ms;
  while (!outputOf(dc, 'stdout').includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  if (!outputOf(dc, 'stdout').includes(text)) throw new Error(`no '${text}' in the program's output after ${ms} ms: ${JSON.stringify(outputOf(dc, 'stdout'))}`);
}

/** Pause (then continue and pause again, at most tries times, while ready(stop, threads)
 * says no): the last stop as stopped() gives it, with the thread list in .threads. */
export async function pauseUntil(dc, ready, tries = 10) {
  for (let i = 1; ; i++) {
    const s = await stopped(dc, () => dc.pauseRequest({ threadId: 1 }));
    s.threads = (await dc.threadsRequest()).body.threads;
    if ((await ready(s)) || i >= tries) return s;
    await dc.continueRequest({ threadId: s.body.threadId });
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The stack of a thread: [{ name, line, path, id, ip, hint }]; hint is the
 * frame's presentationHint ('subtle' for C library and source-less frames). */
export async function framesOf(dc, threadId) {
  const st = await dc.stackTraceRequest({ threadId });
  return st.body.stackFrames.map((f) => ({ name: f.name, line: f.line, path: f.source?.path, id: f.id, ip: f.instructionPointerReference, hint: f.presentationHint }));
}

/** The first frame of FRAMES in the program's own source (not the C library, not source-less). */
export const ownFrame = (frames) => frames.find((f) => f.path && f.hint !== 'subtle');

/** Continue and wait for the run to end: { exitCode }. */
export async function runToEnd(dc, threadId = 1) {
  const exited = dc.waitForEvent('exited');
  const terminated = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId });
  const e = await exited;
  await terminated;
  return e.body;
}

/** The launcher and gdb pids of the session (custom request). */
export async function sessionPids(dc) {
  const r = await dc.customRequest('multiverse/processes');
  return r.body;
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is gone for our purposes
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose environment carries this test run's tag and whose command
 * line names QEMU, mv-launch or gdb: [{ pid, cmdline }]. */
export function taggedDebugProcesses(tag) {
  const needle = `\0MULTIVERSE_TEST_TAG=${tag}\0`;
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!/qemu-system|mv-launch|gdb --interpreter/.test(cmd)) continue;
      if (!alive(Number(name))) continue;
      if (`\0${readFileSync(`/proc/${name}/environ`, 'utf8')}`.includes(needle)) found.push({ pid: Number(name), cmdline: cmd });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Wait (bounded, polling) until none of pids is alive; returns those still alive. */
export async function waitGone(pids, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mv-debug-* directories in the temporary directory (the adapter's kernel logs). */
export function adapterTempDirs() {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('mv-debug-') && existsSync(join(tmpdir(), n)));
}
