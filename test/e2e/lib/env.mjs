// env.mjs - whether the end-to-end tests can run here, and the paths they use.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const chromiumPath = process.env.MULTIVERSE_CHROMIUM || '/usr/bin/chromium';
export const cacheDir = process.env.MULTIVERSE_CACHE || join(homedir(), '.cache', 'multiverse');
export const codeServerBin = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
export const resultsDir = join(root, 'test-results', 'e2e');
/** MULTIVERSE_E2E=1 (CI): the tests must run; a missing piece is a failure, not a skip. */
export const required = !!process.env.MULTIVERSE_E2E && process.env.MULTIVERSE_E2E !== '0';

/**
 * Why the E2E tests cannot run here (a string for test's `skip`), or false.
 * When they are required, installs code-server if needed and throws for
 * anything still missing.
 */
export function skipReason() {
  const missing = [];
  if (!existsSync(chromiumPath)) missing.push(`chromium (${chromiumPath}; apt-get install -y chromium)`);
  if (!existsSync(codeServerBin)) {
    if (required) {
      const r = spawnSync('bash', [join(root, 'test', 'e2e', 'install-code-server.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error('test/e2e/install-code-server.sh failed');
    } else {
      missing.push(`code-server ${CODE_SERVER_VERSION} (${codeServerBin}; run test/e2e/install-code-server.sh)`);
    }
  }
  if (!existsSync(join(root, 'dist', 'extension.js'))) missing.push('dist/extension.js (run npm run build)');
  if (missing.length === 0) return false;
  const reason = `end-to-end tests need ${missing.join(', ')}; set MULTIVERSE_E2E=1 to make this a failure`;
  if (required) throw new Error(reason);
  return reason;
}
