// breakpoints.test.mjs - DAP hit conditions as gdb ignore counts
// (src/debug/breakpoints.ts), and fault texts (src/debug/faults.ts).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from '../unit/lib/load.mjs';

let bp;
let faults;
before(async () => {
  bp = await load('debug/breakpoints.ts');
  faults = await load('debug/faults.ts');
});

test('hit conditions N, >= N and == N stop from the N-th hit on; others are refused', () => {
  assert.equal(bp.hitOption(undefined), '');
  assert.equal(bp.hitOption(' '), '');
  assert.equal(bp.hitOption('1'), '');
  assert.equal(bp.hitOption('4'), '-i 3 ');
  assert.equal(bp.hitOption('>= 10'), '-i 9 ');
  assert.equal(bp.hitOption('==2'), '-i 1 ');
  assert.throws(() => bp.hitOption('% 3'), /hit condition '% 3' is not understood/);
  assert.throws(() => bp.hitOption('i > 2'), /not understood/);
});

test('fault descriptions name the signal, the exception and the address', () => {
  assert.equal(faults.describeSignal(11, 14, 0n), 'SIGSEGV (Segmentation fault): page fault at address 0x0');
  assert.equal(faults.describeSignal(8, 0, 0x401000n), 'SIGFPE (Floating point exception): divide error at address 0x401000');
  assert.equal(faults.describeSignal(11, 13, 0n), 'SIGSEGV (Segmentation fault): general protection');
  assert.equal(faults.describeSignal(6, -1, 0n), 'SIGABRT (Aborted): raised by the program');
  assert.equal(faults.signalName(64), 'signal 64');
  assert.equal(faults.describeVector(6), 'invalid opcode');
});
