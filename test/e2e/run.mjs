// run.mjs - runs the end-to-end tests (test/e2e/*.test.mjs) one file at a
// time, each with its own code-server. They skip, with the reason, where
// chromium or code-server is missing, unless MULTIVERSE_E2E=1 (CI), which
// installs code-server into the cache and makes anything missing a failure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const root = join(dir, '..', '..');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => relative(root, join(dir, f)));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
