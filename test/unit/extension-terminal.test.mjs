// extension-terminal.test.mjs - the pieces of the extension's hybrid terminal
// and status bar that do not need VS Code: the line editor for typed input,
// newline translation, the shown command line, elapsed time and rates.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from './lib/load.mjs';

let t;
let s;
before(async () => {
  t = await load('extension/hybridTerminal.ts');
  s = await load('extension/statusBar.ts');
});

test('typed characters are echoed and a line is delivered on Enter', () => {
  const ld = new t.LineDiscipline();
  assert.deepEqual(ld.feed('wor'), { echo: 'wor', deliver: [], interrupt: false, eof: false });
  assert.deepEqual(ld.feed('ld\r'), { echo: 'ld\r\n', deliver: ['world\n'], interrupt: false, eof: false });
});

test('backspace edits the line; arrows are ignored; Ctrl-U clears it', () => {
  const ld = new t.LineDiscipline();
  assert.equal(ld.feed('abx\x7f').echo, 'abx\b \b');
  assert.deepEqual(ld.feed('\x1b[Dc\r').deliver, ['abc\n']);
  assert.equal(ld.feed('\x7f').echo, '', 'nothing to erase');
  ld.feed('junk');
  assert.equal(ld.feed('\x15').echo, '\b \b'.repeat(4));
  assert.deepEqual(ld.feed('ok\r').deliver, ['ok\n']);
});

test('pasted text with several lines delivers each line', () => {
  assert.deepEqual(new t.LineDiscipline().feed('one\ntwo\rthr').deliver, ['one\n', 'two\n']);
});

test('Ctrl-C interrupts; Ctrl-D is end of input on an empty line', () => {
  const ld = new t.LineDiscipline();
  assert.deepEqual(ld.feed('x\x03'), { echo: 'x^C\r\n', deliver: [], interrupt: true, eof: false });
  assert.deepEqual(ld.feed('\x04'), { echo: '', deliver: [], interrupt: false, eof: true });
  assert.deepEqual(ld.feed('part\x04'), { echo: 'part', deliver: ['part'], interrupt: false, eof: false });
});

test('output newlines become CR LF', () => {
  assert.equal(t.toTerminalText('a\nb\r\nc'), 'a\r\nb\r\nc');
});

test('the shown command line leaves out log, stats and placement', () => {
  assert.equal(
    t.shownCommand(['run', '--cpus', '2', '--log', '/s/hrt.log', '--stats=/s/x', '--forward', 'getpid', '--', '/w/app', 'two words']),
    "multiverse run --cpus 2 -- /w/app 'two words'",
  );
});

test('elapsed time and rates for the status bar', () => {
  assert.equal(s.formatElapsed(0), '0:00');
  assert.equal(s.formatElapsed(65_400), '1:05');
  assert.equal(s.formatElapsed(3_725_000), '1:02:05');
  assert.equal(s.formatRate(950.4), '950');
  assert.equal(s.formatRate(12_345), '12.3k');
  assert.equal(s.formatRate(2_500_000), '2.5M');
});
