// debug.test.mjs - the `multiverse` debugger in a real VS Code (code-server)
// against this checkout's real launcher, aerokernel and gdb: a click in the
// gutter sets a breakpoint in the program's C source, the Run view starts
// debugging, the hybrid stops there (stopped-line highlight, call stack, a
// variable's value), and Continue runs it to its end with its output in the
// debug console.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { strayProcesses } from '../lib/leftovers.mjs';
import { root, skipReason } from './lib/env.mjs';
import { WAIT_MS, Workbench, packageExtension, step } from './lib/workbench.mjs';

const skip = skipReason();
let wb;
let tmp;
let ws;

const rows = async (selector) => (await wb.page.locator(selector).allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' '));

async function until(what, fn, timeoutMs = WAIT_MS) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'mv-e2e-debug-'));
  ws = join(tmp, 'steps');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  copyFileSync(join(root, 'test', 'debug', 'programs', 'steps.c'), join(ws, 'steps.c'));
  const cc = spawnSync(join(root, 'bin', 'mvcc'), ['-O0', '-o', 'steps', 'steps.c'], { cwd: ws, encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`bin/mvcc steps.c failed: ${cc.stderr}`);
  writeFileSync(join(ws, '.vscode', 'launch.json'), JSON.stringify({
    version: '0.2.0',
    configurations: [{
      type: 'multiverse', request: 'launch', name: 'Debug steps as a hybrid',
      // the checkout from the multiverse.root setting, as the snippets write it
      program: '${workspaceFolder}/steps', multiverseRoot: '${config:multiverse.root}',
    }],
  }, null, 2));
  const vsix = packageExtension(tmp);
  wb = await Workbench.start({ workspace: ws, vsix, settings: { 'multiverse.root': root, 'debug.openDebug': 'openOnDebugBreak' } });
});

after(async () => {
  await wb?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('gutter click, start from the Run view, stop with stack and variables, continue to the end', { skip, timeout: 240_000 }, async () => {
  const lines = readFileSync(join(ws, 'steps.c'), 'utf8').split('\n');
  const bpLine = lines.findIndex((l) => l.includes('MARK scale body')) + 1;
  const page = wb.page;
  await step(wb, 'debug-open-source', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^\s*steps\.c\s*$/ }).first().click();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: WAIT_MS });
  });
  await step(wb, 'debug-gutter-click', async () => {
    const number = page.locator('.editor-instance .margin-view-overlays .line-numbers', { hasText: new RegExp(`^\\s*${bpLine}\\s*$`) }).first();
    await number.waitFor({ timeout: WAIT_MS });
    const box = await number.boundingBox();
    // the glyph margin lies left of the line numbers; the click counts once
    // the hover hint shows there
    // (breakpoints become possible once the extension host has registered the
    // debugger: until then no hint shows, so hover again until it does)
    const hint = page.locator('.editor-instance .codicon-debug-hint');
    await until('the breakpoint hint in the glyph margin', async () => {
      await page.mouse.move(box.x + 60, box.y + box.height / 2);
      await page.mouse.move(box.x - 8, box.y + box.height / 2, { steps: 4 });
      await hint.first().waitFor({ timeout: 1000 });
      return true;
    });
    await page.mouse.down();
    await page.mouse.up();
    await page.locator('.editor-instance .codicon-debug-breakpoint').first().waitFor({ timeout: WAIT_MS });
  });
  await step(wb, 'debug-start-from-run-view', async () => {
    await wb.command('View: Show Run and Debug');
    const start = page.locator('.debug-view-content .start-debug-action-item .codicon-debug-start, .part.sidebar .codicon-debug-start').first();
    await start.waitFor({ timeout: WAIT_MS });
    await start.click();
  });
  await step(wb, 'debug-stopped', async () => {
    await page.locator('.debug-top-stack-frame-line').first().waitFor({ timeout: 120_000 });
    const stack = await until('scale on the call stack', async () => {
      const r = await rows('.debug-call-stack .monaco-list-row');
      return r.some((t) => /\bscale\b/.test(t)) && r;
    });
    assert.ok(stack.some((t) => /\barea\b/.test(t)) && stack.some((t) => /\bmain\b/.test(t)), `call stack: ${stack.join(' | ')}`);
    // Locals is expanded; open Arguments and read value = 6
    const argsRow = page.locator('.debug-variables .monaco-list-row', { hasText: /^\s*Arguments\s*$/ }).first();
    await argsRow.click();
    await until('value = 6 among the variables', async () => (await rows('.debug-variables .monaco-list-row')).some((t) => /^\s*value\s*[:=]?\s*6\s*$/.test(t.replace(/\s+/g, ' '))));
  });
  await step(wb, 'debug-continue-to-end', async () => {
    await page.locator('.debug-toolbar .codicon-debug-continue').first().click();
    await page.locator('.debug-toolbar').first().waitFor({ state: 'hidden', timeout: WAIT_MS });
    await wb.command('Debug Console: Focus on Debug Console View');
    await until('the program output in the debug console', async () => (await rows('.repl .monaco-list-row')).join('\n').includes('stepped over a forwarded write'));
    // the session's launcher and QEMU (their command lines name the workspace) are gone
    await until('no launcher or QEMU left', async () => strayProcesses(ws).length === 0, 10_000);
  });
});
