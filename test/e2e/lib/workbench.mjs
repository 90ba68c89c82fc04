// workbench.mjs - one code-server (the real VS Code workbench and extension
// host) with the packaged extension installed, driven from Debian's chromium
// through playwright-core. See shared design note VSCODE-E2E.md for the facts
// this relies on.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, codeServerBin, resultsDir, root } from './env.mjs';

export const WAIT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(what, fn, timeoutMs = WAIT_MS, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

/** Packages the extension (vsce, no prompts) into DIR; returns the .vsix path. */
export function packageExtension(dir) {
  const out = join(dir, 'multiverse.vsix');
  const vsce = join(root, 'node_modules', '.bin', 'vsce');
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--readme-path', 'docs/extension.md', '-o', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}${r.stderr}`);
  return out;
}

/** Copies an example folder into a fresh workspace, without build products. */
export function copyWorkspace(example, into) {
  const dest = join(into, example.split('/').pop());
  cpSync(join(root, example), dest, {
    recursive: true,
    filter: (src) => !/\.o$/.test(src) && !src.endsWith('/pthreads/pthreads'),
  });
  return dest;
}

export class Workbench {
  /** opts: { workspace, settings, vsix, env (added to code-server's environment) } */
  static async start(opts) {
    const wb = new Workbench();
    await wb.#start(opts);
    return wb;
  }

  run = mkdtempSync(join(tmpdir(), 'mv-e2e-'));
  server;
  browser;
  page;
  serverLog = join(this.run, 'code-server.log');

  async #start({ workspace, settings, vsix, env: extraEnv = {} }) {
    const userData = join(this.run, 'user-data');
    const extensions = join(this.run, 'extensions');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(extensions, { recursive: true });
    writeFileSync(
      join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'workbench.tips.enabled': false,
          'workbench.welcomePage.walkthroughs.openOnInstall': false,
          'telemetry.telemetryLevel': 'off',
          'git.enabled': false,
          'extensions.autoUpdate': false,
          'extensions.autoCheckUpdates': false,
          'security.workspace.trust.enabled': false,
          'terminal.integrated.gpuAcceleration': 'off',
          'terminal.integrated.enablePersistentSessions': false,
          'chat.commandCenter.enabled': false,
          'files.autoSave': 'off',
          ...settings,
        },
        null,
        2,
      ),
    );
    const config = join(this.run, 'config.yaml');
    writeFileSync(config, 'auth: none\ncert: false\n');
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: join(this.run, 'xdg-config'),
      XDG_DATA_HOME: join(this.run, 'xdg-data'),
      MULTIVERSE_ROOT: '',
      ...extraEnv,
    };
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
    const inst = spawnSync(codeServerBin, [...common, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (inst.status !== 0) throw new Error(`installing the extension failed:\n${inst.stdout}${inst.stderr}`);

    const port = await freePort();
    const log = openSync(this.serverLog, 'a');
    this.server = spawn(
      codeServerBin,
      [
        ...common,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--disable-proxy',
        '--config', config,
        workspace,
      ],
      { env, detached: true, stdio: ['ignore', log, log] },
    );
    this.userData = userData;
    const url = `http://127.0.0.1:${port}`;
    await until('code-server /healthz', async () => (await fetch(`${url}/healthz`)).ok);

    const { chromium } = await import('playwright-core');
    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    this.page = await context.newPage();
    await this.page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: WAIT_MS });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: WAIT_MS });
  }

  /** Runs a command from the palette by its exact title ("Multiverse: Hybridize & Boot"). */
  async command(title) {
    const page = this.page;
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const row = page.locator('.quick-input-list .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRe(title)}\\s*$`) }),
    });
    // Each attempt opens the palette afresh: one opened before the extension's
    // contributions were registered keeps saying "No matching commands".
    await until(`the command palette for "${title}"`, async () => {
      if (await input.isVisible()) await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: 5000 });
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      await row.first().waitFor({ state: 'visible', timeout: 3000 });
      // Enter runs the focused row: safe once that row is the one asked for (the list
      // is re-sorted as results arrive); when it does not become focused, click the row.
      const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name');
      const isFocused = async () =>
        (await focused.count()) > 0 && (await focused.first().innerText()).replace(/\u00a0/g, ' ').trim() === title;
      const ok = await until(`"${title}" focused`, isFocused, 1500, 100).catch(() => false);
      if (ok) await page.keyboard.press('Enter');
      else await row.first().click();
      await input.waitFor({ state: 'hidden', timeout: 5000 });
      return true;
    });
  }

  /** Text of the terminals shown in the panel (NBSP normalised). */
  async terminalText() {
    const rows = await this.page.locator('.part.panel .xterm-rows').allInnerTexts();
    return rows.join('\n').replace(/\u00a0/g, ' ');
  }

  async waitTerminal(pattern, timeoutMs = WAIT_MS) {
    return until(`terminal text ${pattern}`, async () => pattern.test(await this.terminalText()), timeoutMs);
  }

  /** Types into the active terminal of the panel. */
  async typeInTerminal(text) {
    await this.page.locator('.part.panel .terminal-wrapper.active .xterm').click();
    await this.page.keyboard.type(text, { delay: 20 });
  }

  async notificationTexts() {
    const t = await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
    return t.map((s) => s.replace(/\u00a0/g, ' '));
  }

  async waitNotification(pattern, timeoutMs = WAIT_MS) {
    return until(`a notification ${pattern}`, async () => (await this.notificationTexts()).find((t) => pattern.test(t)), timeoutMs);
  }

  /** Clicks a button of the notification whose message matches. */
  async clickNotificationButton(pattern, label) {
    const toast = this.page.locator('.notifications-toasts .notification-toast', {
      has: this.page.locator('.notification-list-item-message', { hasText: pattern }),
    });
    await toast.first().locator('.monaco-button', { hasText: label }).first().click();
  }

  async problemsText() {
    const rows = await this.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    return rows.join('\n').replace(/\u00a0/g, ' ');
  }

  async waitProblems(pattern, timeoutMs = WAIT_MS) {
    return until(`a Problems entry ${pattern}`, async () => pattern.test(await this.problemsText()), timeoutMs);
  }

  async statusBarText() {
    return (await this.page.locator('.part.statusbar').innerText()).replace(/\u00a0/g, ' ');
  }

  async waitStatusBar(pattern, timeoutMs = WAIT_MS) {
    return until(`status bar ${pattern}`, async () => pattern.test(await this.statusBarText()), timeoutMs);
  }

  /** Contents of the output channel NAME as the workbench logged it to disk. */
  outputChannelLog(name) {
    const files = [];
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(`${name.replace(/:/g, '')}.log`)) files.push(p); // ':' is dropped from the file name
      }
    };
    walk(join(this.userData, 'logs'));
    files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return files[0] ? readFileSync(files[0], 'utf8') : '';
  }

  async waitOutputLog(name, pattern, timeoutMs = WAIT_MS) {
    return until(`output channel ${name} ${pattern}`, () => pattern.test(this.outputChannelLog(name)), timeoutMs);
  }

  /** Saves a screenshot under test-results/e2e/NAME.png; returns its path. */
  async screenshot(name) {
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.png`);
    await this.page?.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  /** Closes the browser and ends code-server's process group. */
  async stop() {
    await this.browser?.close().catch(() => undefined);
    if (this.server?.pid) {
      const gone = new Promise((r) => this.server.once('exit', r));
      try {
        process.kill(-this.server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-this.server.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      if (this.server.exitCode === null && this.server.signalCode === null) await gone;
      clearTimeout(timer);
    }
    // MULTIVERSE_E2E_KEEP=1 keeps the run directory (settings, logs, workspace storage) for a look.
    if (process.env.MULTIVERSE_E2E_KEEP) console.log(`# kept ${this.run}`);
    else rmSync(this.run, { recursive: true, force: true });
  }
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs STEP; on failure saves a screenshot and the code-server log tail into the error. */
export async function step(wb, name, fn) {
  try {
    return await fn();
  } catch (e) {
    const shot = await wb.screenshot(name);
    let tail = '';
    try {
      tail = readFileSync(wb.serverLog, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      // no log
    }
    e.message += `\nscreenshot: ${shot}\nterminal:\n${await wb.terminalText().catch(() => '?')}\ncode-server log tail:\n${tail}`;
    throw e;
  }
}
