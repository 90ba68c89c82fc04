// extension.test.mjs - the extension in a real VS Code (code-server) against a
// checkout whose launcher is a stand-in that runs the program natively: the
// palette drives Hybridize & Boot on examples/pthreads (build task, terminal
// output, typed stdin, status bar, HRT log, exit notification), Ctrl-C, a
// reported fault opening its source line, a broken manifest, Create Manifest,
// Stop cancelling a build, and a broken build landing in the Problems panel.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { skipReason } from './lib/env.mjs';
import { makeFakeRoot } from './lib/fakeroot.mjs';
import { Workbench, copyWorkspace, packageExtension, step } from './lib/workbench.mjs';

const skip = skipReason();
let wb;
let fake;
let ws;
let manifest;
let wsDir;

before(async () => {
  if (skip) return;
  fake = makeFakeRoot();
  // Outside the checkout, so that only the multiverse.root setting can find it.
  wsDir = mkdtempSync(join(tmpdir(), 'mv-e2e-ws-'));
  ws = copyWorkspace('examples/pthreads', wsDir);
  manifest = JSON.parse(readFileSync(join(ws, 'multiverse.json'), 'utf8'));
  const vsix = packageExtension(fake.root);
  wb = await Workbench.start({ workspace: ws, vsix, settings: { 'multiverse.root': fake.root } });
});

after(async () => {
  await wb?.stop();
  fake?.cleanup();
  if (wsDir) rmSync(wsDir, { recursive: true, force: true });
});

const writeManifest = (m) => writeFileSync(join(ws, 'multiverse.json'), JSON.stringify(m, null, 2) + '\n');

test('Hybridize & Boot from the palette: output, stdin, status bar, HRT log, exit notification', { skip }, async () => {
  await step(wb, 'hybridize-and-boot', async () => {
    await wb.command('Multiverse: Hybridize & Boot');
    // The program's own output and its prompt, in the hybrid's terminal.
    await wb.waitTerminal(/total: 17984 primes below 200000/);
    await wb.waitTerminal(/name\?/);
    await wb.waitStatusBar(/2 vCPUs · (TCG|KVM) · \d+:\d\d · [1-9][\d.]*k? fwd\/s/);
    await wb.typeInTerminal('world');
    await wb.page.keyboard.press('Enter');
    await wb.waitTerminal(/hello, world/);
    await wb.waitNotification(/pthreads exited with status 0/);
    await wb.waitOutputLog('Multiverse: HRT', /stand-in launcher, booting .*pthreads natively/);
    assert.doesNotMatch(await wb.statusBarText(), /vCPUs ·/, 'the status bar item is gone after the run');
  });
});

test('Ctrl-C in the terminal ends the run', { skip }, async () => {
  await step(wb, 'ctrl-c', async () => {
    await wb.command('Multiverse: Boot');
    await wb.waitStatusBar(/2 vCPUs ·/);
    await wb.waitTerminal(/name\? *$/m);
    await wb.page.locator('.part.panel .terminal-wrapper.active .xterm').click();
    await wb.page.keyboard.press('Control+C');
    await wb.waitNotification(/pthreads was stopped by SIGINT/);
    await wb.waitTerminal(/\^C/);
  });
});

test('a reported fault gives a message whose button opens the source line', { skip }, async () => {
  await step(wb, 'fault', async () => {
    writeManifest({ ...manifest, env: { FAKE_FAULT_LINE: 'multiverse: SIGSEGV: page fault at address 0x0 in crash at main.c:13' } });
    await wb.command('Multiverse: Boot');
    await wb.waitNotification(/pthreads was killed by SIGSEGV \(status 139\) after [\d.]+ s\. SIGSEGV: page fault at address 0x0 in crash at main\.c:13/);
    await wb.clickNotificationButton(/killed by SIGSEGV/, 'Open main.c:13');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'main.c' }).waitFor({ timeout: 30_000 });
    await wb.waitStatusBar(/Ln 13, Col 1/);
  });
});

test('a broken manifest: an error message and Problems entries, no crash', { skip }, async () => {
  await step(wb, 'broken-manifest', async () => {
    writeManifest({ ...manifest, cpus: 0 });
    await wb.command('Multiverse: Hybridize');
    await wb.waitNotification(/multiverse\.json has 1 error: .*multiverse\.json:\d+:\d+: error: cpus: "cpus" must be between 1 and 64, not 0/);
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    await wb.waitProblems(/cpus: "cpus" must be between 1 and 64, not 0/);
  });
});

test('Create Manifest writes the detected defaults and opens them', { skip }, async () => {
  await step(wb, 'create-manifest', async () => {
    rmSync(join(ws, 'multiverse.json'));
    await wb.command('Multiverse: Create Manifest');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'multiverse.json' }).waitFor({ timeout: 30_000 });
    const written = JSON.parse(readFileSync(join(ws, 'multiverse.json'), 'utf8'));
    assert.deepEqual(written, {
      build: 'make CC="$CC"', program: 'pthreads', args: [], cwd: '.', env: {}, cpus: 1, memory: '512M', accel: 'auto', placement: [],
    });
    assert.ok(existsSync(join(ws, 'pthreads')));
  });
});

test('Stop cancels a running build', { skip }, async () => {
  await step(wb, 'cancel-build', async () => {
    writeManifest({ ...manifest, build: 'echo long build started; sleep 60' });
    await wb.command('Multiverse: Hybridize');
    await wb.waitTerminal(/long build started/);
    const t0 = Date.now();
    await wb.command('Multiverse: Stop');
    await wb.waitNotification(/Multiverse: build cancelled\./);
    assert.ok(Date.now() - t0 < 30_000, 'cancelled well before the build would end');
  });
});

test("the build's progress notification cancels it too", { skip }, async () => {
  await step(wb, 'cancel-build-progress', async () => {
    await wb.command('Notifications: Clear All Notifications');
    await wb.command('Multiverse: Hybridize');
    await wb.waitNotification(/Multiverse: hybridizing pthreads/);
    await wb.waitTerminal(/long build started/);
    await wb.clickNotificationButton(/Multiverse: hybridizing pthreads/, 'Cancel');
    await wb.waitNotification(/Multiverse: build cancelled\./);
  });
});

test('a broken build gives a Problems entry and an error message', { skip }, async () => {
  await step(wb, 'broken-build', async () => {
    writeManifest(manifest);
    const main = join(ws, 'main.c');
    writeFileSync(main, readFileSync(main, 'utf8').replace('struct totals t;', 'struct totals t\n    int broken = ;'));
    await wb.command('Multiverse: Hybridize');
    await wb.waitNotification(/build of pthreads failed with status \d+/);
    await wb.clickNotificationButton(/build of pthreads failed/, 'Show Problems');
    await wb.waitProblems(/main\.c/);
    await wb.waitProblems(/expected/);
  });
});
