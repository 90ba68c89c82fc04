// cli-profile.test.mjs - `bin/multiverse profile` end to end on
// programs/hotspots.c (two hot loops with a 3:1 work ratio, 123 forwarded
// getppid and 17 forwarded getcwd at known lines, 5 native getpid): the
// program's output and exit status are the native run's, the profile file
// has the forwarded counts per source line exactly and the hot functions'
// sample ratio within [2.2, 4.0] (3 expected; TCG and a shared host move it),
// the exports and the summary are written, --json and --raw work.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import { root, runProcess, testEnv } from '../lib/harness.mjs';
import { load } from '../unit/lib/load.mjs';
import { build, cliPath, lineOf, missing, programs } from './lib.mjs';

const why = missing();
const source = join(programs, 'hotspots.c');
const UNITS = '150';
const TIMEOUT_MS = 180_000;

let tmp;
let elf;
let native;
let run; // the profiled run
let profile;

before(async () => {
  if (why) return;
  tmp = mkdtempSync(join(tmpdir(), 'mv-cli-profile-'));
  elf = build('hotspots', tmp);
  native = await runProcess([elf, UNITS], { env: testEnv(), cwd: tmp });
  run = await runProcess(
    [cliPath, 'profile', '--hz', '1000', '--cpus', '1', '--native', 'getpid', '--forward', 'getppid', '--raw', 'hs.raw', '--out', 'hs.mvprof.json', '--', elf, UNITS],
    { env: testEnv(), cwd: tmp, timeoutMs: TIMEOUT_MS },
  );
  if (existsSync(join(tmp, 'hs.mvprof.json'))) profile = JSON.parse(readFileSync(join(tmp, 'hs.mvprof.json'), 'utf8'));
});
after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

const opts = { skip: why ?? false };
const site = (p, syscall) => p.forwarded.sites.filter((s) => s.syscall === syscall);

test('output and exit status are the native run\'s', opts, () => {
  assert.equal(native.status, 3);
  assert.equal(run.timedOut, false);
  assert.equal(run.status, 3, run.stderr.toString());
  assert.equal(run.stdout.toString(), native.stdout.toString());
});

test('the profile file: header, sample totals', opts, () => {
  assert.ok(profile, `no profile file; stderr:\n${run.stderr}`);
  assert.equal(profile.format, 'multiverse-profile');
  assert.equal(profile.program, elf);
  assert.deepEqual(profile.args, [UNITS]);
  assert.equal(profile.exitStatus, 3);
  assert.equal(profile.rateHz, 1000);
  assert.equal(profile.cpus, 1);
  assert.ok(profile.placement.native.includes('getpid') && profile.placement.forwarded.includes('getppid'));
  const s = profile.samples;
  assert.equal(s.total, s.program + s.kernel + s.idle);
  assert.ok(s.program > 200, `only ${s.program} program samples`);
  assert.equal(profile.partial, undefined);
});

test('forwarded counts per source line are exact', opts, () => {
  const ppid = site(profile, 'getppid');
  assert.equal(ppid.length, 1, JSON.stringify(ppid));
  assert.deepEqual(ppid[0].site, { function: 'ask_parent', file: source, line: lineOf(source, /SITE-PPID/) });
  assert.equal(ppid[0].count, 123);
  const cwd = site(profile, 'getcwd');
  assert.equal(cwd.length, 1);
  assert.deepEqual(cwd[0].site, { function: 'where_am_i', file: source, line: lineOf(source, /SITE-CWD/) });
  assert.equal(cwd[0].count, 17);
  for (const x of profile.forwarded.sites) {
    assert.equal(x.channelNs + x.hostNs, x.totalNs, `${x.syscall}: channel + host = total`);
    assert.ok(x.totalNs > 0);
  }
  const by = Object.fromEntries(profile.forwarded.bySyscall.map((c) => [c.syscall, c.count]));
  assert.equal(by.getppid, 123);
  assert.equal(by.getcwd, 17);
  assert.equal(by.getpid, undefined, 'getpid is native');
  assert.equal(profile.native.find((n) => n.syscall === 'getpid')?.count, 5);
});

test('samples land in the hot functions and lines, 3:1 within [2.2, 4.0]', opts, () => {
  const fn = (name) => profile.functions.find((f) => f.function === name);
  const three = fn('spin_three');
  const one = fn('spin_one');
  assert.ok(three && one, JSON.stringify(profile.functions.slice(0, 5)));
  assert.deepEqual(profile.functions.slice(0, 2).map((f) => f.function), ['spin_three', 'spin_one']);
  assert.ok(one.self >= 40, `spin_one: ${one.self} samples`);
  const ratio = three.self / one.self;
  assert.ok(ratio >= 2.2 && ratio <= 4.0, `spin_three/spin_one = ${three.self}/${one.self} = ${ratio.toFixed(2)}`);
  assert.equal(three.file, source);
  const hot = lineOf(source, /HOT-THREE/);
  const lines = profile.lines.filter((l) => l.function === 'spin_three');
  assert.ok(lines.some((l) => l.line === hot), JSON.stringify(lines));
  assert.ok(lines.every((l) => l.line >= three.line && l.line <= hot + 2), JSON.stringify(lines));
  const main = fn('main');
  assert.ok(main.total >= three.self + one.self, 'main is on the hot stacks');
  for (const f of profile.frames.filter((x) => x.kernel && x.file)) assert.match(f.file, /kernel\//, `kernel frame ${f.function} in ${f.file}`);
});

test('exports, raw file and summary written', opts, () => {
  const s = JSON.parse(readFileSync(join(tmp, 'hs.speedscope.json'), 'utf8'));
  assert.equal(s.$schema, 'https://www.speedscope.app/file-format-schema.json');
  assert.equal(s.profiles[0].weights.reduce((a, b) => a + b, 0), profile.samples.program + profile.samples.kernel);
  assert.match(readFileSync(join(tmp, 'hs.folded'), 'utf8'), /;spin_three \d+\n/);
  assert.match(readFileSync(join(tmp, 'hs.raw'), 'utf8'), /^mvprof 1\n/);
  const err = run.stderr.toString();
  assert.match(err, /functions by samples/);
  assert.match(err, /spin_three\s+hotspots\.c:\d+/);
  assert.match(err, /getppid\s+123\s/);
  assert.match(err, /native system calls: .*getpid 5/);
  assert.match(err, /profile written to .*hs\.mvprof\.json/);
});

test('--json: a summary line after the program\'s output; default file name in the cwd', opts, async () => {
  const nat = await runProcess([elf, '2'], { env: testEnv(), cwd: tmp });
  const r = await runProcess([cliPath, 'profile', '--json', '--top', '3', elf, '2'], { env: testEnv(), cwd: tmp, timeoutMs: TIMEOUT_MS });
  assert.equal(r.status, 3, r.stderr.toString());
  const out = r.stdout.toString();
  const last = out.trimEnd().split('\n').pop();
  assert.equal(out.slice(0, out.length - last.length - 1), nat.stdout.toString());
  const j = JSON.parse(last);
  assert.equal(j.profile, join(tmp, 'hotspots.mvprof.json'));
  assert.ok(existsSync(j.profile) && existsSync(j.speedscope) && existsSync(j.folded));
  assert.equal(j.exitStatus, 3);
  assert.ok(j.functions.length <= 3);
  assert.ok(j.sites.length > 0 && j.sites.length <= 3);
  assert.ok(j.sites.every((s, i) => i === 0 || s.totalNs <= j.sites[i - 1].totalNs), 'sites by cost');
  const p = JSON.parse(readFileSync(j.profile, 'utf8'));
  assert.equal(site(p, 'getcwd')[0]?.count, 17);
  assert.equal(site(p, 'getppid')[0]?.count, 123);
});

test('a program that does not exist: the launcher\'s status and message, no profile', opts, async () => {
  const r = await runProcess([cliPath, 'profile', '--out', 'none.mvprof.json', join(tmp, 'no-such-program')], { env: testEnv(), cwd: tmp, timeoutMs: 60_000 });
  assert.equal(r.status, 125);
  assert.match(r.stderr.toString(), /multiverse/);
  assert.match(r.stderr.toString(), /cannot open the program/);
  assert.match(r.stderr.toString(), /multiverse: profile: no profile/);
  assert.ok(!existsSync(join(tmp, 'none.mvprof.json')));
});

test('a folder: program, placement and cwd from its multiverse.json; -- ARGS replace the manifest\'s', opts, async () => {
  // examples/profile-demo: crunch, then ask_pid: 1 + CALLS getpid at two lines; its manifest forwards getpid.
  const ws = join(tmp, 'demo');
  const demo = join(root, 'examples', 'profile-demo');
  cpSync(demo, ws, { recursive: true, filter: (f) => f === demo || !/(\.mvprof\.json|\/profile-demo)$/.test(f) });
  const manifest = JSON.parse(readFileSync(join(ws, 'multiverse.json'), 'utf8'));
  writeFileSync(join(ws, 'multiverse.json'), JSON.stringify({ ...manifest, placement: [] }));
  const b = await runProcess([cliPath, 'hybridize', ws], { env: testEnv(), cwd: tmp, timeoutMs: 120_000 });
  assert.equal(b.status, 0, b.stderr.toString());
  const r = await runProcess([cliPath, 'profile', '--out', 'demo.mvprof.json', '--manifest', ws, '--', '1000000', '7'], { env: testEnv(), cwd: tmp, timeoutMs: TIMEOUT_MS });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(r.stdout.toString(), /getpid: 7 of 7 calls agree/);
  const p = JSON.parse(readFileSync(join(tmp, 'demo.mvprof.json'), 'utf8'));
  assert.deepEqual(p.args, ['1000000', '7']);
  assert.ok(p.placement.forwarded.includes('getpid'));
  const src = join(ws, 'main.c');
  const counts = site(p, 'getpid').map((s) => [s.site.function, s.site.file, s.site.line, s.count]).sort((x, y) => x[2] - y[2]);
  assert.deepEqual(counts, [['ask_pid', src, lineOf(src, /first = getpid\(\)/), 1], ['ask_pid', src, lineOf(src, /same \+= getpid\(\)/), 7]]);
});

test('SIGINT to the CLI: the launcher gets it, the profile is still written, the CLI dies of SIGINT', opts, async () => {
  const out = join(tmp, 'int.mvprof.json');
  const child = spawn(cliPath, ['profile', '--out', out, elf, '100000', 'announce'], { cwd: tmp, env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  const ended = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Interrupt once the program is running (its first line), not after a fixed time.
  await new Promise((resolve) => child.stdout.on('data', (d) => d.toString().includes('started') && resolve()));
  child.kill('SIGINT');
  const r = await ended;
  clearTimeout(timer);
  assert.deepEqual(r, { code: null, signal: 'SIGINT' }, stderr);
  const p = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(p.exitStatus, 130);
  assert.equal(p.partial, undefined, 'the launcher wrote its E line');
  assert.equal(p.samples.total, p.samples.program + p.samples.kernel + p.samples.idle);
  assert.equal(site(p, 'getppid')[0]?.count, 123, 'the calls made before the interrupt are all there');
  assert.match(stderr, /ended with status 130/);
});

test('profileRun from code: piped stdio, cancelled by an AbortSignal', opts, async () => {
  const core = await load('core/profile/index.ts');
  const abort = new AbortController();
  const out = join(tmp, 'abort.mvprof.json');
  let seen = '';
  const r = await core.profileRun({
    root,
    launch: { program: elf, args: ['100000', 'announce'], cpus: 1 },
    hz: 200,
    out,
    cwd: tmp,
    env: testEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: abort.signal,
    onSpawn: (c) => c.stdout.on('data', (d) => {
      seen += d;
      if (seen.includes('started')) abort.abort();
    }),
  });
  assert.equal(r.status, 130);
  assert.equal(r.signal, 'SIGINT');
  assert.equal(r.profilePath, out);
  assert.equal(r.profile.rateHz, 200);
  assert.equal(r.profile.exitStatus, 130);
  assert.deepEqual(core.loadProfile(out), r.profile);
  assert.ok(existsSync(r.speedscopePath) && existsSync(r.foldedPath));
});
