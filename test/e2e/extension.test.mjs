// extension.test.mjs - the extension in a real VS Code (code-server) against a
// checkout whose launcher is a stand-in that runs the program natively: the
// palette drives Hybridize & Boot on examples/pthreads (build task, terminal
// output, typed stdin, status bar, HRT log, exit notification), then a broken
// build lands in the Problems panel.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { skipReason } from './lib/env.mjs';
import { makeFakeRoot } from './lib/fakeroot.mjs';
import { Workbench, copyWorkspace, packageExtension, step } from './lib/workbench.mjs';

const skip = skipReason();
let wb;
let fake;
let ws;

before(async () => {
  if (skip) return;
  fake = makeFakeRoot();
  ws = copyWorkspace('examples/pthreads', fake.root);
  const vsix = packageExtension(fake.root);
  wb = await Workbench.start({ workspace: ws, vsix, settings: { 'multiverse.root': fake.root } });
});

after(async () => {
  await wb?.stop();
  fake?.cleanup();
});

test('Hybridize & Boot from the palette: output, stdin, status bar, HRT log, exit notification', { skip }, async () => {
  await step(wb, 'hybridize-and-boot', async () => {
    await wb.command('Multiverse: Hybridize & Boot');
    // The program's own output and its prompt, in the hybrid's terminal.
    await wb.waitTerminal(/total: 17984 primes below 200000/);
    await wb.waitTerminal(/name\?/);
    await wb.waitStatusBar(/2 vCPUs · (TCG|KVM) · \d+:\d\d/);
    await wb.typeInTerminal('world');
    await wb.page.keyboard.press('Enter');
    await wb.waitTerminal(/hello, world/);
    await wb.waitNotification(/pthreads exited with status 0/);
    await wb.waitOutputLog('Multiverse: HRT', /stand-in launcher, booting .*pthreads natively/);
    const status = await wb.statusBarText();
    assert.doesNotMatch(status, /vCPUs ·/, 'the status bar item is gone after the run');
  });
});

test('a broken build gives a Problems entry and an error message', { skip }, async () => {
  await step(wb, 'broken-build', async () => {
    const main = join(ws, 'main.c');
    const text = readFileSync(main, 'utf8');
    writeFileSync(main, text.replace('struct totals t;', 'struct totals t  /* missing semicolon */\n    int broken = ;'));
    await wb.command('Multiverse: Hybridize');
    await wb.waitNotification(/build of pthreads failed with status \d+/);
    await wb.clickNotificationButton(/build of pthreads failed/, 'Show Problems');
    await wb.waitProblems(/main\.c/);
    await wb.waitProblems(/expected/);
  });
});
