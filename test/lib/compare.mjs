// compare.mjs - assertions on a native run and a hybrid run of the same ELF.
// Every difference the hybrid may show is spelled out here and checked
// exactly; nothing is ignored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe as describeRun } from './harness.mjs';

function both(native, hybrid) {
  return `\n${describeRun('native', native)}\n${describeRun('hybrid', hybrid)}`;
}

/** Same status, stdout and stderr, byte for byte; neither timed out. */
export function assertSame(native, hybrid) {
  assert.equal(native.timedOut, false, `the native run timed out${both(native, hybrid)}`);
  assert.equal(hybrid.timedOut, false, `the hybrid run timed out${both(native, hybrid)}`);
  assert.equal(hybrid.status, native.status, `exit status differs${both(native, hybrid)}`);
  assert.equal(hybrid.stdout.toString('latin1'), native.stdout.toString('latin1'), `stdout differs${both(native, hybrid)}`);
  assert.equal(hybrid.stderr.toString('latin1'), native.stderr.toString('latin1'), `stderr differs${both(native, hybrid)}`);
}

/** The line number in test/programs/FILE of the line holding marker. */
export function markerLine(programsDir, file, marker = 'FAULT HERE') {
  const lines = readFileSync(`${programsDir}/${file}`, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${file} has no '${marker}' line`);
  return i + 1;
}

/** One symbolized frame as the launcher prints it (see docs/testing.md):
 * "    #N 0xADDR in FUNC at FILE:LINE"; LINE is "?" for a file without line
 * information, and " at ..." is absent when nothing is known. */
export const FRAME_RE = /^ {4}#(\d+) 0x[0-9a-f]+ in (\S+)(?: at (\S+):(\d+|\?))?$/;

/** Split the hybrid's stderr into the program's own part (which must equal
 * the native stderr) and the launcher's report lines after it. */
export function reportLines(native, hybrid) {
  const ns = native.stderr.toString('utf8');
  const hs = hybrid.stderr.toString('utf8');
  assert.ok(hs.startsWith(ns), `the hybrid's stderr does not start with the program's own stderr${both(native, hybrid)}`);
  const rest = hs.slice(ns.length);
  return rest === '' ? [] : rest.replace(/\n$/, '').split('\n');
}

/**
 * A program that dies of a signal: natively it is killed with `status`
 * (128+N) and prints nothing about it; as a hybrid the status and stdout are
 * the same and stderr is the program's own followed by exactly:
 *   multiverse: ... SIGNAME ...          (first line; names the signal)
 *   multiverse: ...                      (optional further message lines)
 *       #0 0x... in FUNC at FILE:LINE    (symbolized frames, innermost first;
 *                                         " at FILE:LINE" absent when unknown)
 * where some frame names `func` in `file` at a line in `lines` (when func is
 * given; faults inside musl, which is built without frame pointers, cannot
 * be traced back to the program's code reliably).
 */
export function assertFault(native, hybrid, { status, signal, func, file, lines }) {
  assert.equal(native.status, status, `native status${both(native, hybrid)}`);
  assert.equal(hybrid.timedOut, false, `the hybrid run timed out${both(native, hybrid)}`);
  assert.equal(hybrid.status, status, `hybrid status${both(native, hybrid)}`);
  assert.equal(hybrid.stdout.toString('latin1'), native.stdout.toString('latin1'), `stdout differs${both(native, hybrid)}`);
  const report = reportLines(native, hybrid);
  assert.ok(report.length > 0, `no fault report on the hybrid's stderr${both(native, hybrid)}`);
  assert.match(report[0], new RegExp(`^multiverse: .*\\b${signal}\\b`), `first report line must name ${signal}${both(native, hybrid)}`);
  const frames = [];
  for (const l of report.slice(1)) {
    if (l.startsWith('multiverse: ')) {
      assert.equal(frames.length, 0, `a message line after the frames: '${l}'${both(native, hybrid)}`);
      continue;
    }
    const m = FRAME_RE.exec(l);
    assert.ok(m, `report line is neither 'multiverse: ...' nor a frame: '${l}'${both(native, hybrid)}`);
    assert.equal(Number(m[1]), frames.length, `frames must be numbered from #0: '${l}'`);
    frames.push({ func: m[2], file: m[3] ?? '', line: m[4] === undefined || m[4] === '?' ? 0 : Number(m[4]) });
  }
  assert.ok(frames.length > 0, `the report has no symbolized frame${both(native, hybrid)}`);
  if (func === undefined) return;
  const hit = frames.find((f) => f.func === func && (f.file === file || f.file.endsWith(`/${file}`)));
  assert.ok(hit, `no frame names ${func} in ${file}; frames: ${JSON.stringify(frames)}${both(native, hybrid)}`);
  assert.ok(lines.includes(hit.line), `${func} is reported at ${file}:${hit.line}, expected one of ${lines.join(', ')}${both(native, hybrid)}`);
}
