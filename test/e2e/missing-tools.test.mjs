// missing-tools.test.mjs - the extension on a machine without QEMU: code-server
// runs with a search path from which qemu-system-x86_64 is hidden, and Boot
// answers with a message naming the tool and its Debian package, whose button
// copies the apt-get command.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from './lib/env.mjs';
import { makeFakeRoot } from './lib/fakeroot.mjs';
import { Workbench, copyWorkspace, packageExtension, step } from './lib/workbench.mjs';

const HIDDEN = 'qemu-system-x86_64';

/** PATH with HIDDEN removed: each directory that has it is replaced by a shadow of symlinks without it. */
function pathWithout(dir) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d, i) => {
      let names;
      try {
        names = readdirSync(d);
      } catch {
        return d;
      }
      if (!names.includes(HIDDEN)) return d;
      const shadow = join(dir, `path${i}`);
      mkdirSync(shadow);
      for (const n of names) if (n !== HIDDEN) symlinkSync(join(d, n), join(shadow, n));
      return shadow;
    })
    .join(delimiter);
}

const skip = skipReason();
let wb;
let fake;
let tmp;

before(async () => {
  if (skip) return;
  fake = makeFakeRoot();
  tmp = mkdtempSync(join(tmpdir(), 'mv-e2e-path-'));
  const ws = copyWorkspace('examples/pthreads', tmp);
  wb = await Workbench.start({
    workspace: ws,
    vsix: packageExtension(fake.root),
    settings: { 'multiverse.root': fake.root },
    // VSCODE_CLI=1: the extension host keeps this environment instead of a login shell's (which resets PATH).
    env: { PATH: pathWithout(tmp), VSCODE_CLI: '1' },
  });
});

after(async () => {
  await wb?.stop();
  fake?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('Boot without QEMU names the Debian package and copies the install command', { skip }, async () => {
  await step(wb, 'missing-qemu', async () => {
    await wb.command('Multiverse: Boot');
    const text = await wb.waitNotification(
      /required tool is missing: qemu-system-x86_64 \(needed to boot the hybrid; Debian package qemu-system-x86\)\. Install with: (sudo )?apt-get install -y qemu-system-x86$/,
    );
    const cmd = text.match(/Install with: (.*)$/)[1];
    await wb.clickNotificationButton(/required tool is missing/, 'Copy Install Command');
    await wb.waitNotification(new RegExp(`^Copied to the clipboard: ${cmd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.equal(await wb.page.evaluate(() => navigator.clipboard.readText()), cmd);
  });
});
