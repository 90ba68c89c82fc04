// mi.test.mjs - the gdb/MI record parser (src/debug/mi.ts) on records as gdb
// 13 writes them, and the argument quoting.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from '../unit/lib/load.mjs';

let mi;
before(async () => {
  mi = await load('debug/mi.ts');
});

test('a result record with a token, nested tuples and lists', () => {
  const r = mi.parseMiLine('12^done,bkpt={number="1",type="breakpoint",thread-groups=["i1"],line="16",locations=[{number="1.1",line="16"},{number="1.2",line="20"}]}');
  assert.equal(r.type, 'result');
  assert.equal(r.token, 12);
  assert.equal(r.cls, 'done');
  assert.deepEqual(r.results.bkpt['thread-groups'], ['i1']);
  assert.deepEqual(r.results.bkpt.locations.map((l) => l.line), ['16', '20']);
});

test('a list of results keeps the values; an error carries its message', () => {
  const r = mi.parseMiLine('3^done,stack=[frame={level="0",func="scale"},frame={level="1",func="main"}]');
  assert.deepEqual(r.results.stack.map((f) => f.func), ['scale', 'main']);
  const e = mi.parseMiLine('4^error,msg="No symbol \\"x\\" in current context."');
  assert.equal(e.cls, 'error');
  assert.equal(e.results.msg, 'No symbol "x" in current context.');
});

test('async records: exec stopped, notify, status; empty tuples and lists', () => {
  const s = mi.parseMiLine('*stopped,reason="breakpoint-hit",bkptno="2",frame={addr="0x401143",args=[]},thread-id="1",stopped-threads="all"');
  assert.deepEqual([s.type, s.kind, s.cls, s.results.reason, s.results.frame.args.length], ['async', 'exec', 'stopped', 'breakpoint-hit', 0]);
  const n = mi.parseMiLine('=thread-group-added,id="i1"');
  assert.deepEqual([n.kind, n.cls, n.results.id], ['notify', 'thread-group-added', 'i1']);
  const d = mi.parseMiLine('+download,{section=".text",section-size="100"}');
  assert.deepEqual([d.kind, d.cls, d.results[''].section], ['status', 'download', '.text']);
});

test('stream records decode C escapes, octal bytes as UTF-8', () => {
  assert.deepEqual(mi.parseMiLine('~"line\\tone\\n"'), { type: 'stream', kind: 'console', text: 'line\tone\n' });
  assert.equal(mi.parseMiLine('&"caf\\303\\251 \\\\ \\"q\\""').text, 'café \\ "q"');
  assert.equal(mi.parseMiLine('@"target"').kind, 'target');
});

test('the prompt, non-MI lines and malformed records', () => {
  assert.deepEqual(mi.parseMiLine('(gdb) '), { type: 'prompt' });
  assert.equal(mi.parseMiLine('plain text from somewhere'), undefined);
  assert.throws(() => mi.parseMiLine('^done,x="unterminated'), /unterminated/);
  assert.throws(() => mi.parseMiLine('^done,x={a="1"'), /expected/);
  assert.throws(() => mi.parseMiLine('^finished'), /unknown result class/);
});

test('a key repeated in a tuple keeps every value', () => {
  const r = mi.parseMiLine('^done,a="1",a="2",a="3",b=["x"]');
  assert.deepEqual(r.results.a, ['1', '2', '3']);
  assert.deepEqual(r.results.b, ['x']);
});

test('arguments are quoted only when they need it', () => {
  assert.equal(mi.miQuote('main'), 'main');
  assert.equal(mi.miQuote('/a/b.c'), '/a/b.c');
  assert.equal(mi.miQuote('*sys_entry'), '*sys_entry');
  assert.equal(mi.miQuote('i == 3'), '"i == 3"');
  assert.equal(mi.miQuote('say "hi"\\n'), '"say \\"hi\\"\\\\n"');
});
