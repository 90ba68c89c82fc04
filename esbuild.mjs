// esbuild.mjs - bundles the TypeScript sources into dist/ (CommonJS, node20).
// Type checking is separate (tsc --noEmit); this only transpiles and bundles.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Every bundle: source entry -> output file. Entries whose source does not
// exist yet (work in progress on another component) are reported, not built.
const bundles = [
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', external: [] },
  { entry: 'src/extension/extension.ts', out: 'dist/extension.js', external: ['vscode'] },
  { entry: 'src/debug/adapter.ts', out: 'dist/debugAdapter.js', external: [] },
];

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { MULTIVERSE_VERSION: JSON.stringify(pkg.version) },
};

for (const b of bundles) {
  if (!existsSync(join(root, b.entry))) {
    console.log(`esbuild: ${b.entry} does not exist yet, ${b.out} not built`);
    continue;
  }
  await build({
    ...common,
    entryPoints: [join(root, b.entry)],
    outfile: join(root, b.out),
    external: b.external,
  });
  console.log(`esbuild: ${b.out}`);
}

// The C parser (src/core/csource.ts) loads these at run time from next to the bundle.
mkdirSync(join(root, 'dist'), { recursive: true });
for (const wasm of ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-c/tree-sitter-c.wasm']) {
  copyFileSync(join(root, 'node_modules', wasm), join(root, 'dist', wasm.split('/')[1]));
}
console.log('esbuild: dist/tree-sitter.wasm, dist/tree-sitter-c.wasm');
