// run.mjs - the extension's tests inside VS Code's own test host, through
// @vscode/test-electron, for machines that can download VS Code (this project's
// machines cannot: they use code-server, test/e2e/). Usage:
//     npm run build && node test/electron/run.mjs
// Opens a copy of examples/pthreads with only this extension enabled and runs
// suite.cjs in the extension host.
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'mv-electron-'));
const workspace = join(tmp, 'pthreads');
cpSync(join(root, 'examples', 'pthreads'), workspace, { recursive: true });
try {
  await runTests({
    version: process.env.MULTIVERSE_VSCODE_VERSION || '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(here, 'suite.cjs'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { MULTIVERSE_ROOT: root },
  });
} catch (e) {
  console.error(`test/electron: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
