// faults.test.mjs - programs that die, and calls the aerokernel refuses:
// the exact status, and on the hybrid's stderr the exact report.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertFault, markerLine, reportLines } from './lib/compare.mjs';
import { buildAll, programsDir, runBoth } from './lib/harness.mjs';

let progs;
before(() => {
  progs = buildAll(['null_deref', 'div_zero', 'abort', 'stack_overflow', 'ud2', 'hlt', 'enosys']);
});
after(() => progs?.cleanup());

/** Lines first..last of a function's body, for faults whose exact line
 * depends on code generation (a prologue push or the marked statement). */
function linesOf(file, first, last) {
  const a = markerLine(programsDir, file, first);
  const b = markerLine(programsDir, file, last);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

test('NULL dereference: SIGSEGV (139), reported in poke_null at null_deref.c:LINE', async () => {
  const { native, hybrid } = await runBoth(progs.elf.null_deref);
  assert.equal(native.stdout.toString(), 'about to dereference NULL\n');
  assertFault(native, hybrid, { status: 139, signal: 'SIGSEGV', func: 'poke_null', file: 'null_deref.c',
    lines: [markerLine(programsDir, 'null_deref.c')] });
});

test('divide by zero: SIGFPE (136), reported in divide at div_zero.c:LINE', async () => {
  const { native, hybrid } = await runBoth(progs.elf.div_zero);
  assertFault(native, hybrid, { status: 136, signal: 'SIGFPE', func: 'divide', file: 'div_zero.c',
    lines: [markerLine(programsDir, 'div_zero.c')] });
});

test('abort(): SIGABRT (134), buffered stdout lost as natively, reported from main', async () => {
  const { native, hybrid } = await runBoth(progs.elf.abort);
  assert.equal(native.stdout.toString(), 'flushed before abort\n');
  assert.equal(native.stderr.toString(), 'stderr line before abort\n');
  assertFault(native, hybrid, { status: 134, signal: 'SIGABRT', func: 'main', file: 'abort.c',
    lines: [markerLine(programsDir, 'abort.c', 'abort();')] });
});

test('stack overflow by recursion: SIGSEGV (139), reported in recurse', async () => {
  const { native, hybrid } = await runBoth(progs.elf.stack_overflow);
  assertFault(native, hybrid, { status: 139, signal: 'SIGSEGV', func: 'recurse', file: 'stack_overflow.c',
    lines: linesOf('stack_overflow.c', 'static unsigned long recurse', 'FAULT HERE') });
});

test('__builtin_trap (ud2): SIGILL (132), reported in trap_here at ud2.c:LINE', async () => {
  const { native, hybrid } = await runBoth(progs.elf.ud2);
  assertFault(native, hybrid, { status: 132, signal: 'SIGILL', func: 'trap_here', file: 'ud2.c',
    lines: [markerLine(programsDir, 'ud2.c')] });
});

test('hlt, privileged in user mode: SIGSEGV (139) although the hybrid runs in ring 0', async () => {
  const { native, hybrid } = await runBoth(progs.elf.hlt);
  assertFault(native, hybrid, { status: 139, signal: 'SIGSEGV', func: 'halt_here', file: 'hlt.c',
    lines: [markerLine(programsDir, 'hlt.c')] });
});

test('unsupported system calls: ENOSYS to the program, each reported once', async () => {
  const { native, hybrid } = await runBoth(progs.elf.enosys);
  const nativeOut = native.stdout.toString();
  assert.equal(native.status, 0);
  assert.match(nativeOut, /syscall\(500\) -> -1 errno Function not implemented\n/);
  assert.match(nativeOut, /personality\(query\) -> ok\n/);
  // the one difference on stdout: personality is not in the table, so the
  // hybrid gets ENOSYS where Linux answers
  assert.equal(hybrid.stdout.toString(), nativeOut.replaceAll('personality(query) -> ok', 'personality(query) -> Function not implemented'));
  assert.equal(hybrid.status, 0);
  const report = reportLines(native, hybrid);
  for (const l of report) assert.match(l, /^multiverse: /, `unexpected stderr line '${l}'`);
  assert.equal(report.filter((l) => /\bpersonality\b/.test(l)).length, 1, `personality must be reported once by name: ${JSON.stringify(report)}`);
  // one line per distinct call, naming it (unassigned numbers by number)
  assert.equal(report.length, 3, `one report per distinct call: ${JSON.stringify(report)}`);
  for (const n of ['500', '1000', '135']) {
    assert.equal(report.filter((l) => new RegExp(`\\b${n}\\b`).test(l)).length, 1, `call ${n} must be reported exactly once: ${JSON.stringify(report)}`);
  }
});
