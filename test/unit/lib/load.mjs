// load.mjs - loads TypeScript sources for unit tests: bundles an entry with
// esbuild (as esbuild.mjs does for dist/) into a temporary CommonJS file and
// requires it, so tests always run against the current sources. The 'vscode'
// module is replaced by ./vscode-stub.cjs (enough for pure helpers to load).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);

/** The module at src/<rel> (e.g. 'core/manifest.ts'), bundled and loaded. */
export async function load(rel) {
  const dir = mkdtempSync(join(tmpdir(), 'mv-unit-'));
  const out = join(dir, 'bundle.cjs');
  try {
    await build({
      entryPoints: [join(root, 'src', rel)],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      define: { MULTIVERSE_VERSION: '"test"' },
      alias: { vscode: join(root, 'test', 'unit', 'lib', 'vscode-stub.cjs') },
    });
    return require(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
