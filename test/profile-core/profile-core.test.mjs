// profile-core.test.mjs - src/core/profile on a hand-written raw profile whose
// addresses come from a real build of programs/hotspots.c and from the built
// aerokernel: the reader (comments, unknown records, a cut file), the
// symbolizer (names and lines of program and kernel frames, return addresses
// looked up at address - 1, libc frames without lines skipped for call sites),
// exact aggregation, the speedscope and folded exports, the summary text, the
// profile file round trip, and the command line the editor builds.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { load, root } from '../unit/lib/load.mjs';
import { build, callReturn, functions, hex, insnAt, kernelElf, lineOf, missing, programs, syscallReturn } from './lib.mjs';

const why = missing();
const source = join(programs, 'hotspots.c');
const forwardC = join(root, 'kernel', 'aero', 'forward.c');
const schedC = join(root, 'kernel', 'aero', 'sched.c');

let core;
let cli;
let tmp;
let elf;
let raw; // the hand-written raw profile text
let profile; // built from it
const at = {}; // addresses used in the raw file
const line = {}; // source lines they must symbolize to

before(async () => {
  core = await load('core/profile/index.ts');
  cli = await load('cli/commands/profile.ts');
  if (why) return;
  tmp = mkdtempSync(join(tmpdir(), 'mv-profile-core-'));
  elf = build('hotspots', tmp);
  const fn = functions(elf);
  at.three = insnAt(elf, 'spin_three', /^imul\b/);
  at.one = insnAt(elf, 'spin_one', /^imul\b/);
  at.mainAfterThree = callReturn(elf, 'main', 'spin_three');
  at.mainAfterOne = callReturn(elf, 'main', 'spin_one');
  at.mainAfterAsk = callReturn(elf, 'main', 'ask_parent');
  at.mainAfterWhere = callReturn(elf, 'main', 'where_am_i');
  at.askAfterPpid = callReturn(elf, 'ask_parent', 'getppid');
  at.whereAfterCwd = callReturn(elf, 'where_am_i', 'getcwd');
  at.ppidSyscall = syscallReturn(elf, 'getppid');
  at.cwdSyscall = syscallReturn(elf, 'getcwd');
  // Kernel: a sample at fwd_request's call of sched_slot_release (exact pc),
  // fwd_request called by fwd_syscall (a return address).
  at.kernelPc = insnAt(kernelElf, 'fwd_request', /^call\s.*<sched_slot_release>/);
  at.kernel = callReturn(kernelElf, 'fwd_syscall', 'fwd_request');
  // An entry address where the kernel build inlines helpers (inline expansion).
  at.inlined = functions(kernelElf).get('sched_slot_release');
  assert.ok(fn.has('main'));
  line.three = lineOf(source, /HOT-THREE/);
  line.one = lineOf(source, /HOT-ONE/);
  line.ppid = lineOf(source, /SITE-PPID/);
  line.cwd = lineOf(source, /SITE-CWD/);
  // A function's entry line: gcc gives its entry address the line of the opening brace.
  line.threeDef = lineOf(source, /^\{/, lineOf(source, /void spin_three\(void\)/));
  line.mainAfterAsk = lineOf(source, /long ppid = ask_parent\(\)/);
  line.kernelPc = lineOf(forwardC, /^\s*sched_slot_release\(\);/, lineOf(forwardC, /^int64_t fwd_request\(/));
  line.kernel = lineOf(forwardC, /fwd_request\(MV_REQ_SYSCALL/, lineOf(forwardC, /^int64_t fwd_syscall\(/));

  const rep = (n, l) => Array(n).fill(l);
  const S = (...a) => `S 0 5 ${a.map(hex).join(' ')}`;
  raw = [
    'mvprof 1',
    '# written by hand for profile-core.test.mjs',
    `H ${JSON.stringify({ program: elf, kernel: kernelElf, args: ['7'], cpus: 1, hz: 1000, accel: 'tcg', native: ['getpid'], forwarded: ['getppid'], start_unix_ms: 1700000000000 })}`,
    ...rep(30, S(at.three, at.mainAfterThree)),
    ...rep(10, S(at.one, at.mainAfterOne)),
    // kernel code working for a forwarded getppid: kernel frames, then the thread's program chain
    ...rep(4, S(at.kernelPc, at.kernel, at.ppidSyscall, at.askAfterPpid, at.mainAfterAsk)),
    ...rep(6, 'S 0 0'),
    'Z a record of a later version 1 2 3',
    ...rep(7, `F 5 110 2000 500 ${[at.ppidSyscall, at.askAfterPpid, at.mainAfterAsk].map(hex).join(' ')}`),
    ...rep(2, `F 5 79 3000 2000 ${[at.cwdSyscall, at.whereAfterCwd, at.mainAfterWhere].map(hex).join(' ')}`),
    'N 39 5',
    'N 231 1',
    '# ring 0: samples 50 dropped 3 missed 0 forwarded 9 sync_drains 0',
    'E {"duration_ns":250000000,"samples":50,"dropped":3,"status":3}',
    '',
  ].join('\n');
  profile = await core.profileFromRaw(core.parseRawProfile(raw), { libraryDirs: core.libcSourceDirs(root) });
});

// With the musl of kernel/toolchain/build-musl, libc has line information:
// getppid() then shows the helper inlined into it (__syscall0) as a frame of
// its own. Stacks are compared without such inlined C library frames.
const LIBC_INLINED = /^__syscall\d$/;
const ownNames = (names) => names.filter((n) => !LIBC_INLINED.test(n));
after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

const frameOf = (p, i) => p.frames[i];
const fnStat = (p, name) => p.functions.find((f) => f.function === name);

describe('raw reader', () => {
  test('a file that is not a raw profile is refused with a reason', () => {
    assert.throws(() => core.parseRawProfile(''), /empty/);
    assert.throws(() => core.parseRawProfile('hello\n'), /not a raw profile/);
    assert.throws(() => core.parseRawProfile('mvprof 2\nE {}\n'), /another version/);
  });

  test('records, comments and unknown types', { skip: why ?? false }, () => {
    const r = core.parseRawProfile(raw);
    assert.equal(r.samples.length, 50);
    assert.equal(r.forwarded.length, 9);
    assert.deepEqual([...r.native], [[39, 5], [231, 1]]);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.samples[0].addrs[0], at.three);
    assert.deepEqual(r.samples[45], { cpu: 0, tid: 0, addrs: [] });
    assert.equal(r.end.status, 3);
  });

  test('a cut file gives a partial profile, the cut line dropped', { skip: why ?? false }, async () => {
    const cut = raw.slice(0, raw.indexOf('\nS 0 5', raw.indexOf(`S 0 5 ${hex(at.one)}`)) + 8);
    const r = core.parseRawProfile(cut);
    assert.equal(r.truncated, true);
    assert.equal(r.samples.length, 31);
    assert.ok(r.warnings.some((w) => /no E line/.test(w)));
    assert.ok(r.warnings.some((w) => /cut short/.test(w)));
    const p = await core.profileFromRaw(r);
    assert.equal(p.partial, true);
    assert.equal(p.exitStatus, -1);
    assert.equal(p.samples.program, 31);
  });

  test('malformed records become warnings', () => {
    const r = core.parseRawProfile('mvprof 1\nS 0 x 40\nF 1 2\nS 0 5 40100\nE {"status":0}\n');
    assert.equal(r.samples.length, 1);
    assert.equal(r.warnings.length, 2);
  });
});

describe('symbolized profile', { skip: why ?? false }, () => {
  test('header fields', () => {
    assert.equal(profile.format, 'multiverse-profile');
    assert.equal(profile.version, 1);
    assert.equal(profile.program, elf);
    assert.equal(profile.kernel, kernelElf);
    assert.deepEqual(profile.args, ['7']);
    assert.equal(profile.startedAt, '2023-11-14T22:13:20.000Z');
    assert.equal(profile.durationMs, 250);
    assert.equal(profile.exitStatus, 3);
    assert.equal(profile.rateHz, 1000);
    assert.equal(profile.accel, 'tcg');
    assert.deepEqual(profile.placement, { native: ['getpid'], forwarded: ['getppid'] });
    assert.deepEqual(profile.samples, { total: 50, program: 40, kernel: 4, idle: 6, dropped: 3 });
    assert.equal(profile.partial, undefined);
    assert.equal(profile.warnings, undefined);
  });

  test('program frames: names and lines (return addresses at address - 1)', () => {
    const top = profile.stacks.find((s) => s.count === 30);
    const [inner, caller] = top.frames.map((i) => frameOf(profile, i));
    assert.deepEqual({ ...inner, file: undefined }, { function: 'spin_three', line: line.three, kernel: false, file: undefined });
    assert.equal(inner.file, source);
    assert.equal(caller.function, 'main');
    assert.equal(caller.line, lineOf(source, /spin_three\(\);/));
    const k = profile.stacks.find((s) => s.count === 4).frames.map((i) => frameOf(profile, i)).filter((f) => !(f.inlined && f.library));
    assert.deepEqual(k.map((f) => [f.function, f.kernel]), [['fwd_request', true], ['fwd_syscall', true], ['getppid', false], ['ask_parent', false], ['main', false]]);
    // musl: Debian's has no line information, build/musl's has, and its frames are library frames
    if (k[2].line === undefined) assert.equal(k[2].library, undefined);
    else assert.ok(k[2].library === true && k[2].file.startsWith(join(root, 'build', 'musl', 'src') + '/'), JSON.stringify(k[2]));
    assert.equal(k[3].library, undefined, 'the program is not library code');
    assert.equal(k[3].line, line.ppid);
    assert.equal(k[4].line, line.mainAfterAsk);
  });

  test('kernel frames: aerokernel function, file and line', () => {
    const pc = profile.frames.find((x) => x.kernel && x.function === 'fwd_request');
    assert.deepEqual(pc, { function: 'fwd_request', file: forwardC, line: line.kernelPc, kernel: true }, 'the pc: looked up as is');
    const caller = profile.frames.find((x) => x.kernel && x.function === 'fwd_syscall');
    assert.deepEqual(caller, { function: 'fwd_syscall', file: forwardC, line: line.kernel, kernel: true }, 'the line of the call (return address - 1)');
    const f = fnStat(profile, 'fwd_request');
    assert.equal(f.line, lineOf(forwardC, /^\{/, lineOf(forwardC, /^int64_t fwd_request\(/)), 'the entry line: its opening brace');
  });

  test('inlined functions are frames of their own, innermost first', async () => {
    const text = `mvprof 1\nS 0 5 ${hex(at.inlined)} ${hex(at.kernel)}\nE {"status":0}\n`;
    const p = await core.profileFromRaw(core.parseRawProfile(text), { program: elf, kernel: kernelElf });
    const fr = p.stacks[0].frames.map((i) => p.frames[i]);
    const own = fr.findIndex((f) => f.function === 'sched_slot_release');
    assert.ok(own >= 0, JSON.stringify(fr));
    assert.ok(fr.slice(0, own).every((f) => f.inlined === true && f.line > 0), 'frames before the function are inlined helpers with lines');
    assert.equal(fr[own].inlined, undefined);
    assert.equal(fr[own].file, schedC);
    assert.deepEqual(fr.slice(own + 1).map((f) => f.function), ['fwd_syscall']);
    assert.equal(p.functions.find((f) => f.self === 1).function, fr[0].function, 'self goes to the innermost (inlined) function');
  });

  test('the kernel waiting for a forwarded reply: what fwd_request calls meanwhile is fwd_request\'s own time', async () => {
    const waitPc = functions(kernelElf).get('wait_done');
    const inWait = callReturn(kernelElf, 'fwd_request', 'wait_done');
    const text = `mvprof 1\nS 0 5 ${hex(waitPc)} ${hex(inWait)} ${hex(at.kernel)} ${hex(at.ppidSyscall)}\nE {"status":0}\n`;
    const p = await core.profileFromRaw(core.parseRawProfile(text), { program: elf, kernel: kernelElf });
    const fr = p.stacks[0].frames.map((i) => p.frames[i]);
    assert.deepEqual(fr.slice(0, 2).map((f) => [f.function, f.kernel]), [['fwd_request', true], ['fwd_syscall', true]], JSON.stringify(fr));
    assert.equal(p.functions.find((f) => f.self === 1)?.function, 'fwd_request');
    assert.ok(!p.frames.some((f) => f.function === 'wait_done'), 'wait_done folded into the wait');
  });

  test('functions: self and total exact, entry lines', () => {
    const three = fnStat(profile, 'spin_three');
    assert.deepEqual([three.self, three.total, three.kernel], [30, 30, false]);
    assert.equal(three.line, line.threeDef);
    assert.equal(three.file, source);
    assert.deepEqual([three.firstLine, three.lastLine], [line.three, line.three]);
    assert.deepEqual([fnStat(profile, 'spin_one').self, fnStat(profile, 'spin_one').total], [10, 10]);
    assert.deepEqual([fnStat(profile, 'main').self, fnStat(profile, 'main').total], [0, 44]);
    assert.deepEqual([fnStat(profile, 'ask_parent').self, fnStat(profile, 'ask_parent').total], [0, 4]);
    const k = fnStat(profile, 'fwd_request');
    assert.deepEqual([k.self, k.total, k.kernel], [4, 4, true]);
    assert.deepEqual([fnStat(profile, 'fwd_syscall').self, fnStat(profile, 'fwd_syscall').total], [0, 4]);
    assert.equal(profile.functions[0].function, 'spin_three', 'sorted by self');
    assert.equal(profile.stacks.reduce((n, s) => n + s.count, 0), 44);
  });

  test('lines: self per innermost line', () => {
    const get = (file, l) => profile.lines.find((x) => x.file === file && x.line === l)?.self;
    assert.equal(get(source, line.three), 30);
    assert.equal(get(source, line.one), 10);
    assert.equal(get(forwardC, line.kernelPc), 4);
    assert.equal(profile.lines.reduce((n, l) => n + l.self, 0), 44);
  });

  test('forwarded sites: the first program frame with a line, counts and times exact', () => {
    const sites = profile.forwarded.sites;
    assert.equal(sites.length, 2);
    const [ppid, cwd] = sites;
    assert.deepEqual({ ...ppid, chain: undefined }, {
      syscall: 'getppid', nr: 110, site: { function: 'ask_parent', file: source, line: line.ppid },
      count: 7, totalNs: 14000, channelNs: 10500, hostNs: 3500, chain: undefined,
    });
    assert.deepEqual(ppid.chain.map((i) => frameOf(profile, i).function), ['ask_parent', 'main']);
    assert.deepEqual([cwd.syscall, cwd.site.function, cwd.site.line, cwd.count, cwd.totalNs, cwd.channelNs, cwd.hostNs], ['getcwd', 'where_am_i', line.cwd, 2, 6000, 2000, 4000]);
    assert.deepEqual(profile.forwarded.bySyscall.map((c) => [c.syscall, c.count, c.totalNs, c.channelNs, c.hostNs]), [
      ['getppid', 7, 14000, 10500, 3500],
      ['getcwd', 2, 6000, 2000, 4000],
    ]);
  });

  test('native counts by name', () => {
    assert.deepEqual(profile.native.map((n) => [n.syscall, n.nr, n.count]), [['getpid', 39, 5], ['exit_group', 231, 1]]);
  });
});

describe('exports and summary', { skip: why ?? false }, () => {
  test('speedscope: schema, shared frames, sampled profiles, indexes and weights consistent', () => {
    const s = core.toSpeedscope(profile);
    assert.equal(s.$schema, 'https://www.speedscope.app/file-format-schema.json');
    assert.ok(Array.isArray(s.shared.frames) && s.shared.frames.every((f) => typeof f.name === 'string' && f.name.length > 0));
    assert.equal(s.activeProfileIndex, 0);
    assert.equal(s.profiles.length, 2);
    for (const p of s.profiles) {
      assert.equal(p.type, 'sampled');
      assert.ok(['none', 'nanoseconds'].includes(p.unit));
      assert.equal(p.samples.length, p.weights.length);
      assert.ok(p.samples.every((st) => st.length > 0 && st.every((i) => Number.isInteger(i) && i >= 0 && i < s.shared.frames.length)));
      assert.equal(p.endValue - p.startValue, p.weights.reduce((a, b) => a + b, 0));
    }
    const [samples, fwd] = s.profiles;
    assert.equal(samples.endValue, 44);
    const names = (st) => st.map((i) => s.shared.frames[i].name);
    const heavy = samples.samples[samples.weights.indexOf(30)];
    assert.deepEqual(names(heavy), ['main', 'spin_three'], 'root first, leaf last');
    assert.equal(s.shared.frames[heavy[1]].line, line.threeDef);
    assert.deepEqual(ownNames(names(samples.samples[samples.weights.indexOf(4)])), ['main', 'ask_parent', 'getppid', 'fwd_syscall [k]', 'fwd_request [k]']);
    assert.equal(fwd.unit, 'nanoseconds');
    assert.deepEqual(names(fwd.samples[0]), ['main', 'ask_parent', 'syscall getppid [forwarded]']);
    assert.equal(fwd.endValue, 20000);
    JSON.parse(JSON.stringify(s));
  });

  test('folded stacks', () => {
    const text = core.toFolded(profile);
    const rows = text.trimEnd().split('\n');
    assert.ok(rows.every((r) => /^[^ ]+ \d+$/.test(r)), text);
    assert.ok(rows.includes('main;spin_three 30'));
    assert.ok(rows.map((r) => ownNames(r.split(';')).join(';')).includes('main;ask_parent;getppid;fwd_syscall_[k];fwd_request_[k] 4'), text);
    assert.equal(rows.reduce((n, r) => n + Number(r.split(' ').pop()), 0), 44);
  });

  test('summary text: functions, forwarded calls with their top site, call sites, native counts', () => {
    const t = core.summaryText(profile, 3);
    assert.match(t, /50 samples at 1000 Hz on 1 vCPU \(program 40, kernel 4, idle 6, dropped 3\)/);
    assert.match(t, /functions by samples \(% of 44 busy samples\)/);
    assert.match(t, /68\.2%\s+68\.2%\s+spin_three\s+hotspots\.c:\d+/);
    assert.match(t, /22\.7%\s+22\.7%\s+spin_one/);
    assert.match(t, /9\.1%\s+9\.1%\s+fwd_request \[kernel: waiting for forwarded calls\]\s+forward\.c:/);
    const fnRows = t.slice(t.indexOf('functions by samples'), t.indexOf('forwarded system calls:')).trimEnd().split('\n');
    assert.equal(fnRows.length, 2 + 3, 'title, header and the top 3 rows');
    assert.match(t, new RegExp(`getppid\\s+7\\s+14 us\\s+11 us\\s+4 us\\s+ask_parent hotspots\\.c:${line.ppid}`));
    assert.match(t, new RegExp(`getcwd\\s+2\\s+0\\.006\\s+33\\.3%\\s+66\\.7%\\s+where_am_i hotspots\\.c:${line.cwd}`));
    assert.match(t, /native system calls: getpid 5, exit_group 1/);
    const j = core.jsonSummary(profile, { profile: 'a', speedscope: 'b', folded: 'c' }, 2);
    assert.equal(j.functions.length, 2);
    assert.deepEqual(j.forwarded[0], { syscall: 'getppid', count: 7, totalNs: 14000, channelNs: 10500, hostNs: 3500, site: { function: 'ask_parent', file: source, line: line.ppid } });
  });

  test('profile file: written, read back equal; the exports next to it', () => {
    const paths = core.profilePaths('/x/hotspots', 'out/run1.mvprof.json', tmp);
    assert.deepEqual(paths, { profile: join(tmp, 'out/run1.mvprof.json'), speedscope: join(tmp, 'out/run1.speedscope.json'), folded: join(tmp, 'out/run1.folded') });
    const p = core.profilePaths('/x/hotspots', undefined, tmp);
    assert.equal(p.profile, join(tmp, 'hotspots.mvprof.json'));
    core.writeProfileFiles(profile, p);
    assert.deepEqual(core.loadProfile(p.profile), profile);
    assert.ok(existsSync(p.speedscope) && existsSync(p.folded));
    assert.equal(readFileSync(p.folded, 'utf8'), core.toFolded(profile));
    assert.throws(() => core.loadProfile(p.speedscope), /not a Multiverse profile/);
    assert.throws(() => core.loadProfile(p.folded), /not a profile file/);
  });

  test('a missing ELF symbolizes to addresses with a warning, never fails', async () => {
    const r = core.parseRawProfile(raw.replace(elf, join(tmp, 'gone')));
    const p = await core.profileFromRaw(r);
    assert.ok(p.warnings.some((w) => w.includes('gone')));
    assert.equal(p.samples.program, 40);
    assert.equal(p.functions[0].function, `0x${hex(at.three)}`);
    assert.equal(fnStat(p, 'fwd_request').self, 4, 'the kernel still symbolizes');
  });
});

describe('command line', () => {
  test('the editor\'s command line (profileArgs of a multiverse run line) parses', () => {
    const a = cli.parseProfileArgs(['--out', '/tmp/p.mvprof.json', '--hz', '250', '--cpus', '2', '--mem', '512M', '--accel', 'tcg', '--log', '/tmp/l', '--stats=/tmp/s', '--native', 'getpid,uname', '--forward', 'getppid', '--trace', '--', '/bin/prog', '-x', 'y']);
    assert.deepEqual(a.launch, {
      program: '/bin/prog', args: ['-x', 'y'], cpus: 2, mem: '512M', accel: 'tcg', log: '/tmp/l', trace: true, stats: '/tmp/s',
      native: ['getpid', 'uname'], forward: ['getppid'], kernel: undefined,
    });
    assert.equal(a.hz, 250);
    assert.equal(a.out, '/tmp/p.mvprof.json');
    assert.equal(a.top, 10);
    assert.equal(a.dir, undefined);
  });

  test('a folder or --manifest profiles by the manifest; errors are usage errors', () => {
    const a = cli.parseProfileArgs(['--top', '3', root, '--', 'a', 'b']);
    assert.equal(a.dir, root);
    assert.deepEqual(a.dirArgs, ['a', 'b']);
    const m = cli.parseProfileArgs(['--manifest', '--', 'c']);
    assert.equal(m.dir, process.cwd());
    assert.deepEqual(m.dirArgs, ['c']);
    assert.equal(cli.parseProfileArgs(['--', root]).dir, undefined, 'after --, a folder is the program');
    assert.throws(() => cli.parseProfileArgs([]), /no program/);
    assert.throws(() => cli.parseProfileArgs(['--hz', '0', 'p']), /--hz/);
    assert.throws(() => cli.parseProfileArgs(['--bogus', 'p']), /unknown option/);
  });
});

test('launchArgv: --profile and --profile-hz before the program, only when asked', async () => {
  const l = await load('core/launcher.ts');
  assert.deepEqual(l.launchArgv({ program: 'p', args: ['a'], profile: '/r.raw', profileHz: 250 }), ['--profile', '/r.raw', '--profile-hz', '250', '--', 'p', 'a']);
  assert.deepEqual(l.launchArgv({ program: 'p', profile: '/r.raw' }), ['--profile', '/r.raw', '--', 'p']);
  assert.deepEqual(l.launchArgv({ program: 'p', profileHz: 250 }), ['--', 'p']);
});
