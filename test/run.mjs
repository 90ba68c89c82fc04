// run.mjs - runs the test suite with node's built-in runner: every
// *.test.mjs under test/ (not test/e2e/, which has its own runner), one file
// at a time (the machine has 2 cores; hybrid runs must not compete), in name
// order so that zz-cleanup.test.mjs runs last. Extra arguments are passed to
// node --test (e.g. --test-name-pattern=hello).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shmSnapshot } from './lib/leftovers.mjs';

const testDir = dirname(fileURLToPath(import.meta.url));
const root = join(testDir, '..');

function findTests(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'e2e' && e.name !== 'fixtures' && e.name !== 'programs') out.push(...findTests(p));
    else if (e.isFile() && e.name.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

const byName = (a, b) => (a.split('/').pop() < b.split('/').pop() ? -1 : 1);
const files = findTests(testDir).sort(byName).map((f) => relative(root, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    MULTIVERSE_TEST_SHM_BEFORE: JSON.stringify(shmSnapshot()),
    // inherited by every process the suite starts (test/lib/leftovers.mjs)
    MULTIVERSE_TEST_TAG: `${process.pid}-${Date.now()}`,
  },
});
process.exit(r.status ?? 1);
