// profile.test.mjs - profiling and placement in a real VS Code (code-server)
// on examples/profile-demo: Multiverse: Profile from the palette, the Hotspots
// view, the code lens on the hot function and on the forwarded getpid() line,
// gutter heat, then "Move getpid into kernel mode" on the lens: the manifest's
// placement list changes (one minimal edit), Profile runs again and the lens
// and the Hotspots view show the delta (… → 0 fwd (native)).
//
// Two checkouts: a stand-in whose `multiverse profile` runs the program
// natively and writes a profile file of known content (the editor's side,
// independent of the aerokernel; runs always), and this checkout's real
// profiler, probed headless first and skipped with the probe's output while
// the core cannot profile yet (MULTIVERSE_E2E_HYBRID=1 makes that a failure).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root, skipReason } from './lib/env.mjs';
import { WAIT_MS, Workbench, copyWorkspace, packageExtension, step } from './lib/workbench.mjs';

// A stand-in for `multiverse profile --out FILE [--native LIST] ... -- PROGRAM ARGS`:
// runs PROGRAM natively, then writes a profile of profile-demo whose lines come
// from its main.c: crunch hot, ask_pid making 2000 + 1 forwarded getpid calls
// unless getpid is in --native.
const FAKE_CLI = `#!/usr/bin/env node
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const argv = process.argv.slice(2);
// bin/real-root names a real checkout: hand the command to it (the test's switch to the real profiler).
const realRoot = path.join(__dirname, 'real-root');
if (fs.existsSync(realRoot)) {
  const r = spawnSync(path.join(fs.readFileSync(realRoot, 'utf8').trim(), 'bin', 'multiverse'), argv, { stdio: 'inherit' });
  process.exit(r.status ?? 125);
}
if (argv[0] !== 'profile') { process.stderr.write('stand-in: only profile\\n'); process.exit(125); }
let out; let native = [];
let i = 1;
for (; i < argv.length && argv[i] !== '--'; i++) {
  if (argv[i] === '--out') out = argv[++i];
  else if (argv[i] === '--native') native = argv[++i].split(',');
  else if (['--cpus', '--mem', '--accel', '--log', '--forward', '--hz'].includes(argv[i])) i++;
}
const [program, ...args] = argv.slice(i + 1);
fs.writeFileSync(process.env.FAKE_PROFILE_ARGV || '/dev/null', argv.join('\\n') + '\\n');
const r = spawnSync(program, args, { stdio: 'inherit' });
const src = path.join(path.dirname(program), 'main.c');
const lines = fs.readFileSync(src, 'utf8').split('\\n');
const at = (re) => lines.findIndex((l) => re.test(l)) + 1;
const hot = at(/x \\*= 0x9e37/), mix = at(/x \\^= x << 13/), loop = at(/same \\+= getpid/), first = at(/first = getpid/);
const crunchAt = at(/^unsigned long crunch/), askAt = at(/^long ask_pid/), mainAt = at(/^int main/);
const fwd = !native.includes('getpid');
const frames = [
  { function: 'crunch', file: src, line: hot, kernel: false },
  { function: 'main', file: src, line: mainAt + 5, kernel: false },
  { function: 'ask_pid', file: src, line: loop, kernel: false },
  { function: 'main', file: src, line: mainAt + 6, kernel: false },
  { function: 'sys_enter', file: '/k/syscall.c', line: 10, kernel: true },
];
const site = (line, count) => ({ syscall: 'getpid', nr: 39, site: { function: 'ask_pid', file: src, line }, count,
  totalNs: count * 1700, channelNs: count * 700, hostNs: count * 1000, chain: [2, 3] });
const sites = fwd ? [site(loop, 2000), site(first, 1)] : [];
const profile = {
  format: 'multiverse-profile', version: 1, program, args, kernel: '/k/aerokernel.elf', startedAt: new Date().toISOString(),
  durationMs: 400, exitStatus: r.status, cpus: 1, accel: 'tcg', rateHz: 1000,
  placement: { native, forwarded: fwd ? ['getpid'] : [] },
  samples: { total: 1000, program: 960, kernel: 30, idle: 10, dropped: 0 },
  frames,
  stacks: [{ frames: [0, 1], count: 900 }, { frames: [2, 3], count: fwd ? 60 : 5 }, { frames: [4, 2, 3], count: 30 }],
  functions: [
    { function: 'crunch', file: src, line: crunchAt, kernel: false, self: 900, total: 900, firstLine: mix, lastLine: hot },
    { function: 'ask_pid', file: src, line: askAt, kernel: false, self: fwd ? 60 : 5, total: fwd ? 90 : 5 },
    { function: 'main', file: src, line: mainAt, kernel: false, self: 0, total: 960 },
    { function: 'sys_enter', file: '/k/syscall.c', line: 10, kernel: true, self: 30, total: 30 },
  ],
  lines: [
    { file: src, line: hot, function: 'crunch', self: 600 },
    { file: src, line: mix, function: 'crunch', self: 300 },
    { file: src, line: loop, function: 'ask_pid', self: fwd ? 60 : 5 },
  ],
  forwarded: { sites, bySyscall: fwd ? [{ syscall: 'getpid', nr: 39, count: 2001, totalNs: 2001 * 1700, channelNs: 2001 * 700, hostNs: 2001 * 1000 }] : [] },
  native: fwd ? [] : [{ syscall: 'getpid', nr: 39, count: 2001, totalNs: 0, channelNs: 0, hostNs: 0 }],
};
fs.writeFileSync(out, JSON.stringify(profile));
process.exit(r.status ?? 1);
`;

function makeStandIn() {
  const dir = mkdtempSync(join(tmpdir(), 'mv-e2e-profroot-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'multiverse'), FAKE_CLI, { mode: 0o755 });
  symlinkSync(join(root, 'bin', 'mvcc'), join(dir, 'bin', 'mvcc'));
  return dir;
}

/**
 * Why this checkout cannot profile examples/profile-demo headless with getpid
 * forwarded (false when it can). Under MULTIVERSE_E2E_HYBRID=1 an error instead.
 */
function coreSkipReason() {
  const dir = mkdtempSync(join(tmpdir(), 'mv-e2e-profprobe-'));
  try {
    cpSync(join(root, 'examples', 'profile-demo'), dir, { recursive: true });
    const make = spawnSync('make', ['-s', `CC=${join(root, 'bin', 'mvcc')}`], { cwd: dir, encoding: 'utf8' });
    if (make.status !== 0) return `examples/profile-demo does not build with bin/mvcc: ${make.stderr.trim()}`;
    const out = join(dir, 'probe.mvprof.json');
    const run = spawnSync(join(root, 'bin', 'multiverse'),
      ['profile', '--out', out, '--cpus', '1', '--forward', 'getpid', '--', './profile-demo', '20000000', '200'],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    let why = `status ${run.status}: ${`${run.stderr}${run.error ? run.error.message : ''}`.trim().split('\n').slice(0, 3).join(' | ')}`;
    if (run.status === 0 && existsSync(out)) {
      const p = JSON.parse(readFileSync(out, 'utf8'));
      const sites = p.forwarded?.sites?.filter((s) => s.syscall === 'getpid' && s.site?.function === 'ask_pid') ?? [];
      if (sites.some((s) => s.count === 200) && p.functions?.some((f) => f.function === 'crunch' && f.self > 0)) return false;
      why = `the profile lacks crunch's samples or ask_pid's 200 getpid calls: ${JSON.stringify(p.forwarded?.sites ?? null).slice(0, 300)}`;
    }
    const reason = `the core cannot profile yet (bin/multiverse profile ./profile-demo: ${why})`;
    if (process.env.MULTIVERSE_E2E_HYBRID === '1') throw new Error(reason);
    return reason;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skipAll = skipReason();
const skipReal = skipAll || coreSkipReason();
let wb;
let tmp;
let ws;
let standIn;
let originalManifest;

before(async () => {
  if (skipAll) return;
  tmp = mkdtempSync(join(tmpdir(), 'mv-e2e-profile-'));
  ws = copyWorkspace('examples/profile-demo', tmp);
  originalManifest = readFileSync(join(ws, 'multiverse.json'), 'utf8');
  standIn = makeStandIn();
  const vsix = packageExtension(tmp);
  wb = await Workbench.start({
    workspace: ws,
    vsix,
    settings: { 'multiverse.root': standIn, 'multiverse.accel': 'auto' },
    env: { FAKE_PROFILE_ARGV: join(tmp, 'profile-argv') },
  });
});

after(async () => {
  await wb?.stop();
  if (standIn) rmSync(standIn, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Polls FN until it returns a truthy value; SEEN (optional) describes what was there instead. */
async function until(what, fn, timeoutMs = WAIT_MS, seen = async () => '') {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${await seen().catch((e) => e.message)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const norm = (s) => s.replace(/\u00a0/g, ' ');
const lensTexts = async () => (await wb.page.locator('.codelens-decoration a, .codelens-decoration span').allInnerTexts()).map(norm);
const waitLens = (re, timeoutMs) =>
  until(`a code lens ${re}`, async () => (await lensTexts()).find((t) => re.test(t)), timeoutMs, async () => JSON.stringify(await lensTexts()));

/** The background images of the gutter decorations (heat bars are media/heat-N.svg). */
const heatLevels = () =>
  wb.page.evaluate(() => {
    const levels = [];
    for (const el of document.querySelectorAll('.monaco-editor .margin *')) {
      const m = /heat-(\d)\.svg/.exec(getComputedStyle(el).backgroundImage);
      if (m) levels.push(Number(m[1]));
    }
    return levels;
  });

/** Names on the flame graph's frames (the webview is an iframe inside an iframe). */
async function flameFrames() {
  for (const frame of wb.page.frames()) {
    const names = await frame.locator('#graph .frame').allInnerTexts().catch(() => []);
    if (names.length > 0) return names;
  }
  return [];
}

/** The Hotspots rows as "label description". */
async function hotspotRows() {
  const rows = await wb.page.locator('.part.sidebar .monaco-list-row').evaluateAll((els) =>
    els.map((el) => [el.querySelector('.label-name')?.textContent ?? '', el.querySelector('.label-description')?.textContent ?? ''].join(' ')));
  return rows.map((t) => norm(t).replace(/\s+/g, ' ').trim());
}

const waitHotspot = (what, re) =>
  until(what, async () => (await hotspotRows()).find((t) => re.test(t)), WAIT_MS, async () => JSON.stringify(await hotspotRows()));

async function clickHotspot(re) {
  const row = wb.page.locator('.part.sidebar .monaco-list-row').filter({ hasText: re }).first();
  await row.waitFor({ timeout: WAIT_MS });
  await row.click();
}

/** Whether the gutter heat of LEVEL is drawn on editor line LINE (1-based). */
const heatOnLine = (line, level) =>
  wb.page.evaluate(([line, level]) => {
    const number = [...document.querySelectorAll('.monaco-editor .line-numbers')].find((el) => el.textContent.trim() === String(line));
    if (!number) return false;
    const top = number.getBoundingClientRect().top;
    return [...document.querySelectorAll('.monaco-editor .margin *')].some((el) =>
      getComputedStyle(el).backgroundImage.includes(`heat-${level}.svg`) && Math.abs(el.getBoundingClientRect().top - top) < 3);
  }, [line, level]);

/**
 * Three lines typed above crunch (not saved): the hottest line's heat moves
 * down with its function, as the function ranges from tree-sitter-c say; then
 * the file is reverted.
 */
async function followsEdits() {
  const hot = readFileSync(join(ws, 'main.c'), 'utf8').split('\n').findIndex((l) => /x \*= 0x9e37/.test(l)) + 1;
  await until(`heat on line ${hot}`, () => heatOnLine(hot, 4));
  await wb.page.locator('.monaco-editor .view-lines').first().click();
  await wb.page.keyboard.press('Control+Home');
  await wb.page.keyboard.type('// one\n// two\n// three\n');
  await wb.page.keyboard.press('Control+g');
  await wb.page.keyboard.type(String(hot + 3));
  await wb.page.keyboard.press('Enter');
  // The editor itself shifts decorations as text is typed; the extension redraws them
  // 300 ms after the change from the profile: the heat must still be there after that.
  const moved = async () => (await heatOnLine(hot + 3, 4)) && !(await heatOnLine(hot, 4));
  await until(`heat on line ${hot + 3} after the edit`, moved);
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(await moved(), `the heat stays on line ${hot + 3} once the extension redrew it`);
  await waitLens(/^crunch: \d+(\.\d)?% of samples/);
  await wb.command('File: Revert File');
  await until(`heat back on line ${hot}`, () => heatOnLine(hot, 4));
}

/** Profile, move getpid into kernel mode, profile again: the steps both checkouts share. */
async function profileMoveAndCompare(name, expect) {
  writeFileSync(join(ws, 'multiverse.json'), originalManifest);
  await wb.command('Multiverse: Clear Profile');
  await wb.command('Multiverse: Profile');
  await wb.waitTerminal(/getpid: \d+ of \d+ calls agree/, expect.runMs);
  await wb.waitNotification(/profiled profile-demo exited with status 0: .*forwarded calls/, expect.runMs);
  await wb.command('Notifications: Clear All Notifications');

  // The Hotspots view lists the hot function and the forwarded call site; a click opens the line.
  await wb.command('Multiverse: Show Hotspots');
  await waitHotspot('crunch in Hotspots', /^crunch \d+(\.\d)?% self/);
  await waitHotspot('the getpid site in Hotspots', /^getpid × 2,000 .* ask_pid · main\.c:\d+/);
  await clickHotspot(/^crunch/);
  await wb.page.locator('.tabs-container .tab.active', { hasText: 'main.c' }).waitFor({ timeout: WAIT_MS });
  await waitLens(/^crunch: \d+(\.\d)?% of samples/);
  await until('gutter heat on crunch', async () => (await heatLevels()).includes(4), WAIT_MS, async () => JSON.stringify(await heatLevels()));

  await clickHotspot(/^getpid × 2,000/);
  await waitLens(expect.siteLens);
  await waitLens(/^ask_pid: .* · 2,001 forwarded calls, .*\(getpid 2,001\)$/);

  // The flame graph webview draws the sampled stacks (main > crunch, aerokernel frames apart).
  await wb.command('Multiverse: Show Flame Graph');
  await until('the flame graph', () => flameFrames().then((f) => f.includes('crunch') && f.includes('main')), WAIT_MS, () => flameFrames().then(JSON.stringify));
  await wb.page.locator('.tabs-container .tab', { hasText: 'main.c' }).first().click();

  // Move getpid into kernel mode from its lens: one edit of the placement list, then Profile Again.
  await wb.page.locator('.codelens-decoration a', { hasText: 'Move getpid into kernel mode' }).first().click();
  await until('the manifest edit', async () => readFileSync(join(ws, 'multiverse.json'), 'utf8').includes('"placement": ["getpid"]'));
  assert.equal(readFileSync(join(ws, 'multiverse.json'), 'utf8'), originalManifest.replace('"placement": []', '"placement": ["getpid"]'));
  await wb.waitNotification(/getpid moves into kernel mode .*Profile again/);
  await wb.clickNotificationButton(/getpid moves into kernel mode/, 'Profile Again');
  await wb.waitNotification(/profiled profile-demo exited with status 0: /, expect.runMs);

  await waitLens(expect.deltaLens, expect.runMs);
  await waitLens(/^ask_pid: .* of samples · 2001 fwd, .* → 0 fwd$/);
  await wb.command('Multiverse: Show Hotspots');
  await waitHotspot('the delta in Hotspots', /^getpid × 0 getpid: 2000 fwd, .* → 0 fwd \(native\)/);
  // MULTIVERSE_E2E_SHOTS=1: a screenshot of the end state too, for a look at the layout.
  if (process.env.MULTIVERSE_E2E_SHOTS) await wb.screenshot(`profile-${name}-done`);
  return name;
}

test('stand-in profiler: Profile, lenses, heat, Hotspots, Move getpid into kernel mode, delta after the re-run', { skip: skipAll }, async () => {
  await step(wb, 'profile-standin', async () => {
    await profileMoveAndCompare('stand-in', {
      runMs: 120_000,
      siteLens: /^getpid: 2,000 forwarded, 3\.4 ms \(channel 1\.4 ms, host 2\.0 ms\)$/,
      deltaLens: /^getpid: 2000 fwd, 3\.4 ms → 0 fwd \(native\)$/,
    });
    // The profiled run got Boot's command line with the profile file, and the placement of the manifest.
    const argv = readFileSync(join(tmp, 'profile-argv'), 'utf8').split('\n');
    assert.equal(argv[0], 'profile');
    assert.equal(argv[1], '--out');
    assert.match(argv[2], /profile-demo-\d+\.mvprof\.json$/);
    assert.ok(argv.includes('--native') && argv[argv.indexOf('--native') + 1] === 'getpid', argv.join(' '));
  });
});

// Function ranges come from tree-sitter-c (src/core/csource.ts, another component): until it is there, say so.
const skipEdits = skipAll || (!existsSync(join(root, 'src', 'core', 'csource.ts')) && 'functionsIn (src/core/csource.ts) is not in this checkout yet');

test('gutter heat and lenses follow the function after lines are typed above it', { skip: skipEdits }, async () => {
  await step(wb, 'profile-edits', async () => {
    await clickHotspot(/^crunch/);
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'main.c' }).waitFor({ timeout: WAIT_MS });
    await followsEdits();
  });
});

test('real profiler: the same loop against this checkout\'s aerokernel', { skip: skipReal }, async () => {
  await step(wb, 'profile-real', async () => {
    // From now on the stand-in hands every command to this checkout's bin/multiverse.
    writeFileSync(join(standIn, 'bin', 'real-root'), root);
    rmSync(join(tmp, 'profile-argv'), { force: true });
    await profileMoveAndCompare('real', {
      runMs: 180_000,
      siteLens: /^getpid: 2,000 forwarded, [\d.]+ (ms|µs|s) \(channel [\d.]+ \S+, host [\d.]+ \S+\)$/,
      deltaLens: /^getpid: 2000 fwd, [\d.]+ (ms|µs|s) → 0 fwd \(native\)$/,
    });
    assert.ok(!existsSync(join(tmp, 'profile-argv')), 'the real profiler ran, not the stand-in');
  });
});
