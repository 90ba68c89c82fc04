// profile-editor.test.mjs - the pure parts of the editor's profiling and
// placement (src/extension/profile/model.ts, placement.ts): heat levels, code
// lens texts, hot functions, the before/after delta of two runs, and the
// manifest edit that moves a system call into kernel mode, on tidy and odd JSON.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { load } from './lib/load.mjs';

let m;
let p;
before(async () => {
  m = await load('extension/profile/model.ts');
  p = await load('extension/profile/placement.ts');
});

const SRC = '/ws/demo/main.c';

/** A profile of examples/profile-demo: crunch hot, ask_pid making forwarded getpid calls. */
function demoProfile({ native = [], getpidCount = 2000, getpidNs = 3_100_000 } = {}) {
  const sites = getpidCount === 0 ? [] : [
    { syscall: 'getpid', nr: 39, site: { function: 'ask_pid', file: SRC, line: 37 }, count: getpidCount, totalNs: getpidNs,
      channelNs: getpidNs / 2, hostNs: getpidNs / 2, chain: [2, 3] },
  ];
  return {
    format: 'multiverse-profile', version: 1, program: '/ws/demo/profile-demo', args: [], kernel: '/k/aerokernel.elf',
    startedAt: '2026-01-01T00:00:00Z', durationMs: 900, exitStatus: 0, cpus: 1, accel: 'tcg', rateHz: 1000,
    placement: { native, forwarded: ['getpid', 'uname'].filter((n) => !native.includes(n)) },
    samples: { total: 1000, program: 900, kernel: 80, idle: 20, dropped: 0 },
    frames: [
      { function: 'crunch', file: SRC, line: 23, kernel: false },
      { function: 'main', file: SRC, line: 46, kernel: false },
      { function: 'ask_pid', file: SRC, line: 37, kernel: false },
      { function: 'main', file: SRC, line: 47, kernel: false },
    ],
    stacks: [{ frames: [0, 1], count: 850 }, { frames: [2, 3], count: 50 }],
    functions: [
      { function: 'crunch', file: SRC, line: 17, kernel: false, self: 850, total: 850, firstLine: 21, lastLine: 25 },
      { function: 'main', file: SRC, line: 43, kernel: false, self: 0, total: 900 },
      { function: 'ask_pid', file: SRC, line: 31, kernel: false, self: 45, total: 50 },
      { function: 'forward_call', kernel: true, self: 80, total: 80 },
    ],
    lines: [
      { file: SRC, line: 23, function: 'crunch', self: 500 },
      { file: SRC, line: 24, function: 'crunch', self: 300 },
      { file: SRC, line: 22, function: 'crunch', self: 50 },
      { file: SRC, line: 37, function: 'ask_pid', self: 45 },
      { file: '/other/lib.c', line: 5, function: 'helper', self: 5 },
    ],
    forwarded: {
      sites,
      bySyscall: getpidCount === 0 ? [] : [{ syscall: 'getpid', nr: 39, count: getpidCount, totalNs: getpidNs, channelNs: getpidNs / 2, hostNs: getpidNs / 2 }],
    },
    native: native.includes('getpid') ? [{ syscall: 'getpid', nr: 39, count: 2001, totalNs: 0, channelNs: 0, hostNs: 0 }] : [],
  };
}

test('heat levels: below the threshold 0, then quarters of the hottest line, the hottest always 4', () => {
  assert.equal(m.heatLevel(0, 500, 900, 1), 0);
  assert.equal(m.heatLevel(5, 500, 900, 1), 0, '0.6% is below a 1% threshold');
  assert.equal(m.heatLevel(5, 500, 900, 0.5), 1);
  assert.equal(m.heatLevel(125, 500, 900, 1), 1);
  assert.equal(m.heatLevel(126, 500, 900, 1), 2);
  assert.equal(m.heatLevel(300, 500, 900, 1), 3);
  assert.equal(m.heatLevel(500, 500, 900, 1), 4);
  assert.equal(m.heatLevel(10, 0, 0, 1), 0, 'an empty profile heats nothing');
});

test('lines of one file with their heat, hottest first; other files and cold lines left out', () => {
  const lines = m.linesOf(demoProfile(), SRC, 1);
  assert.deepEqual(lines.map((l) => [l.line, l.level]), [[23, 4], [24, 3], [22, 1], [37, 1]]);
  assert.equal(lines[0].share.toFixed(1), '55.6');
  assert.deepEqual(m.linesOf(demoProfile(), SRC, 10).map((l) => l.line), [23, 24]);
  assert.deepEqual(m.linesOf(demoProfile(), '/ws/demo/other.c', 0), []);
});

test('a source file named relatively in the debug information matches by its tail', () => {
  assert.ok(m.sameFile('/a/b/main.c', '/a/b/main.c'));
  assert.ok(m.sameFile('src/main.c', '/ws/src/main.c'));
  assert.ok(!m.sameFile('src/main.c', '/ws/xsrc/main.c'));
  assert.ok(!m.sameFile('/a/b/main.c', '/a/c/main.c'));
});

test('hot functions: program functions over the threshold or with forwarded calls, hottest first', () => {
  const hot = m.hotFunctions(demoProfile(), 5);
  assert.deepEqual(hot.map((h) => h.name), ['main', 'crunch', 'ask_pid']);
  const ask = hot.find((h) => h.name === 'ask_pid');
  assert.equal(ask.calls.count, 2000);
  assert.equal(ask.line, 31);
  assert.ok(!m.hotFunctions(demoProfile(), 0).some((h) => h.name === 'forward_call'), 'kernel functions have no lens');
});

test('code lens texts: share of samples, forwarded calls with count, time and top system calls', () => {
  const hot = m.hotFunctions(demoProfile(), 1);
  const text = (n) => m.functionLensText(hot.find((h) => h.name === n));
  assert.equal(text('crunch'), 'crunch: 94% of samples · no forwarded calls');
  assert.equal(text('ask_pid'), 'ask_pid: 5.6% of samples (self 5.0%) · 2,000 forwarded calls, 3.1 ms (getpid 2,000)');
  assert.equal(text('main'), 'main: 100% of samples (self 0.0%) · no forwarded calls');
  const site = demoProfile().forwarded.sites[0];
  assert.equal(m.siteLensText(site), 'getpid: 2,000 forwarded, 3.1 ms (channel 1.6 ms, host 1.6 ms)');
});

test('several system calls from one function: most costly first, at most three named', () => {
  const prof = demoProfile();
  const mk = (syscall, count, totalNs, line) => ({ syscall, nr: 0, site: { function: 'ask_pid', file: SRC, line }, count, totalNs, channelNs: 0, hostNs: 0, chain: [] });
  prof.forwarded.sites.push(mk('write', 3, 9_000_000, 38), mk('read', 1, 10, 39), mk('uname', 1, 5, 40), mk('getpid', 10, 1000, 41));
  const c = m.callsFrom(prof, 'ask_pid');
  assert.deepEqual(c.bySyscall.map((s) => [s.syscall, s.count]), [['write', 3], ['getpid', 2010], ['read', 1], ['uname', 1]]);
  assert.equal(m.callsText(c), '2,015 forwarded calls, 12.1 ms (write 3, getpid 2,010, read 1, …)');
  assert.equal(m.callsText({ count: 1, totalNs: 1700, bySyscall: [{ syscall: 'getppid', count: 1, totalNs: 1700 }] }), '1 forwarded call, 1.7 µs (getppid 1)');
});

test('number formats', () => {
  assert.equal(m.formatNs(850), '850 ns');
  assert.equal(m.formatNs(3400), '3.4 µs');
  assert.equal(m.formatNs(3_140_000), '3.1 ms');
  assert.equal(m.formatNs(1_254_000_000), '1.25 s');
  assert.equal(m.formatPct(85.2), '85%');
  assert.equal(m.formatPct(3.14), '3.1%');
  assert.equal(m.formatCount(1234567), '1,234,567');
});

test('placeable and not yet native: the condition for "Move <syscall> into kernel mode"', () => {
  const placeable = ['getpid', 'uname', 'clock_gettime'];
  assert.ok(m.canMove(demoProfile(), 'getpid', placeable));
  assert.ok(!m.canMove(demoProfile(), 'write', placeable), 'not placeable');
  assert.ok(!m.canMove(demoProfile({ native: ['getpid'] }), 'getpid', placeable), 'already native');
});

test('delta after moving getpid into kernel mode: the site drops to 0 forwarded, marked native', () => {
  const before = demoProfile();
  const after = demoProfile({ native: ['getpid'], getpidCount: 0 });
  const [d] = m.siteDeltas(before, after);
  assert.deepEqual(
    { syscall: d.syscall, function: d.function, line: d.line, before: d.before, after: d.after, native: d.native },
    { syscall: 'getpid', function: 'ask_pid', line: 37, before: { count: 2000, totalNs: 3_100_000 }, after: { count: 0, totalNs: 0 }, native: true },
  );
  assert.ok(m.siteChanged(d));
  assert.equal(m.siteDeltaText(d), 'getpid: 2000 fwd, 3.1 ms → 0 fwd (native)');
  assert.deepEqual(m.newlyNative(before, after), ['getpid']);
  const f = m.functionDeltas(before, after).find((x) => x.name === 'ask_pid');
  assert.equal(m.functionDeltaText(f), 'ask_pid: 5.6% → 5.6% of samples · 2000 fwd, 3.1 ms → 0 fwd');
  const c = m.functionDeltas(before, after).find((x) => x.name === 'crunch');
  assert.equal(m.functionDeltaText(c), 'crunch: 94% → 94% of samples');
});

test('delta of a site that is still forwarded, and of a site new in the later run', () => {
  const before = demoProfile();
  const after = demoProfile({ getpidCount: 1500, getpidNs: 2_000_000 });
  after.forwarded.sites.push({ syscall: 'write', nr: 1, site: { function: 'main', file: SRC, line: 47 }, count: 2, totalNs: 4000, channelNs: 0, hostNs: 0, chain: [] });
  const ds = m.siteDeltas(before, after);
  assert.equal(m.siteDeltaText(ds.find((d) => d.syscall === 'getpid')), 'getpid: 2000 fwd, 3.1 ms → 1500 fwd, 2.0 ms');
  assert.equal(m.siteDeltaText(ds.find((d) => d.syscall === 'write')), 'write: 0 fwd, 0 ns → 2 fwd, 4.0 µs');
  assert.ok(!m.siteChanged({ ...ds[0], after: ds[0].before }));
});

test('summary line after a run', () => {
  assert.equal(m.summaryText(demoProfile()), '1,000 samples, hottest crunch (94% self), 2,000 forwarded calls (3.1 ms)');
});

// ---- manifest edits ----

const edited = (text, name) => {
  const r = p.addPlacement(text, name);
  assert.equal(r.kind, 'edit', JSON.stringify(r));
  const out = p.applyEdit(text, r.edit);
  assert.ok(JSON.parse(out).placement.includes(name));
  return out;
};

test('placement edit: an empty list as Create Manifest writes it', () => {
  const text = '{\n  "program": "demo",\n  "args": [],\n  "placement": []\n}\n';
  assert.equal(edited(text, 'getpid'), '{\n  "program": "demo",\n  "args": [],\n  "placement": ["getpid"]\n}\n');
});

test('placement edit: an inline list gets ", name"; a one-per-line list a new line in its indentation', () => {
  assert.equal(edited('{"placement": ["uname"]}', 'getpid'), '{"placement": ["uname", "getpid"]}');
  const text = '{\n\t"placement": [\n\t\t"uname",\n\t\t"time"\n\t],\n\t"cpus": 2\n}';
  assert.equal(edited(text, 'getpid'), '{\n\t"placement": [\n\t\t"uname",\n\t\t"time",\n\t\t"getpid"\n\t],\n\t"cpus": 2\n}');
});

test('placement edit: a missing list is added after the last property, keeping CRLF and indentation', () => {
  const text = '{\r\n    "program": "demo",\r\n    "cpus": 1\r\n}\r\n';
  assert.equal(edited(text, 'getpid'), '{\r\n    "program": "demo",\r\n    "cpus": 1,\r\n    "placement": ["getpid"]\r\n}\r\n');
  assert.equal(edited('{"cpus":1}', 'getpid'), '{"cpus":1, "placement": ["getpid"]}');
  assert.equal(edited('{}', 'getpid'), '{\n  "placement": ["getpid"]\n}');
  assert.equal(edited('{ }', 'uname'), '{\n  "placement": ["uname"]\n}');
});

test('placement edit: odd but valid lists (whitespace inside, objects, entries named twice)', () => {
  assert.equal(edited('{"placement": [ \n ]}', 'getpid'), '{"placement": ["getpid"]}');
  const withObject = '{"placement": [{"function": "hash", "source": "kernel-mode/hash.c"}]}';
  assert.equal(edited(withObject, 'getpid'), '{"placement": [{"function": "hash", "source": "kernel-mode/hash.c"}, "getpid"]}');
  assert.equal(p.addPlacement('{"placement": ["getpid"]}', 'getpid').kind, 'present');
  assert.equal(p.addPlacement('{"placement": ["uname", "getpid", "getpid"]}', 'getpid').kind, 'present');
});

test('placement edit: refused with a reason on broken JSON or a placement that is not a list', () => {
  const broken = p.addPlacement('{"placement": [', 'getpid');
  assert.equal(broken.kind, 'error');
  assert.match(broken.message, /not valid JSON .*fix it first/);
  assert.match(p.addPlacement('{"placement": "getpid"}', 'getpid').message, /must be an array, not string/);
  assert.match(p.addPlacement('[1, 2]', 'getpid').message, /must hold a JSON object/);
});

test('lines follow their function after edits above it; a removed function takes its lines along', () => {
  const base = [{ name: 'crunch', startLine: 17, endLine: 28, nameLine: 17 }, { name: 'ask_pid', startLine: 31, endLine: 40, nameLine: 31 }];
  const now = [{ name: 'crunch', startLine: 20, endLine: 31, nameLine: 20 }, { name: 'ask_pid', startLine: 36, endLine: 47, nameLine: 36 }];
  assert.equal(m.remapLine(23, base, now), 26);
  assert.equal(m.remapLine(37, base, now), 42);
  assert.equal(m.remapLine(5, base, now), 5, 'outside every function');
  assert.equal(m.remapLine(23, base, [now[1]]), undefined, 'crunch was deleted');
  assert.equal(m.remapLine(28, base, [{ name: 'crunch', startLine: 17, endLine: 20, nameLine: 17 }]), undefined, 'shortened past the line');
});

test('flame tree: stacks outermost first, one node per function and level, by samples', () => {
  const prof = demoProfile();
  prof.stacks.push({ frames: [0, 3], count: 10 }); // crunch called from main at another line merges into main > crunch
  const t = m.flameTree(prof);
  assert.equal(t.value, 910);
  assert.deepEqual(t.children.map((c) => [c.name, c.value]), [['main', 910]]);
  assert.deepEqual(t.children[0].children.map((c) => [c.name, c.value, c.file]), [['crunch', 860, SRC], ['ask_pid', 50, SRC]]);
});

test('the profiled run\'s command line is Boot\'s with profile, the output file and the rate', async () => {
  const c = await load('extension/profile/command.ts');
  const run = ['run', '--cpus', '1', '--log', '/s/hrt.log', '--forward', 'getpid,uname', '--', '/w/demo', '5'];
  assert.deepEqual(c.profileArgs(run, '/s/p.json', 0),
    ['profile', '--out', '/s/p.json', '--cpus', '1', '--log', '/s/hrt.log', '--forward', 'getpid,uname', '--', '/w/demo', '5']);
  assert.deepEqual(c.profileArgs(run, '/s/p.json', 250).slice(0, 5), ['profile', '--out', '/s/p.json', '--hz', '250']);
  assert.throws(() => c.profileArgs(['boot'], 'x', 0), /not a multiverse run/);
  assert.equal(c.profileFileName('profile demo', 7), 'profile_demo-7.mvprof.json');
});
