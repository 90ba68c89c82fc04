// detect.test.mjs - build-system detection on fixture trees, and finding the
// program a build produced (newest static x86-64 ELF executable).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { load, root } from './lib/load.mjs';

const fixtures = join(root, 'test/fixtures/workspaces');
let d;
let tmp;
before(async () => {
  d = await load('core/detect.ts');
  tmp = mkdtempSync(join(tmpdir(), 'mv-detect-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('Makefile, CMakeLists.txt, configure and loose .c files are told apart', async () => {
  assert.deepEqual(await d.detectBuild(join(fixtures, 'make')), { kind: 'make', marker: 'Makefile', sources: [] });
  assert.deepEqual(await d.detectBuild(join(fixtures, 'cmake')), { kind: 'cmake', marker: 'CMakeLists.txt', sources: [] });
  assert.deepEqual(await d.detectBuild(join(fixtures, 'configure')), { kind: 'configure', marker: 'configure', sources: [] });
  assert.deepEqual(await d.detectBuild(join(fixtures, 'cfiles')), { kind: 'c-files', marker: 'a.c', sources: ['a.c', 'b.c'] });
  assert.equal(await d.detectBuild(join(fixtures, 'none')), undefined);
  assert.equal(await d.detectBuild(join(fixtures, 'does-not-exist')), undefined);
});

test('a configured tree (Makefile and configure) is built with make', async () => {
  assert.equal((await d.detectBuild(join(fixtures, 'autotools-configured'))).kind, 'make');
});

test('a configure script that is not executable does not count', async () => {
  const dir = join(tmp, 'noexec');
  mkdirSync(dir);
  writeFileSync(join(dir, 'configure'), '#!/bin/sh\n', { mode: 0o644 });
  writeFileSync(join(dir, 'x.c'), 'int main(void){return 0;}\n');
  assert.equal((await d.detectBuild(dir)).kind, 'c-files');
});

function cc(compiler, args) {
  const r = spawnSync(compiler, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${compiler} ${args.join(' ')}: ${r.stderr}`);
}

test('findProgram picks the newest static x86-64 executable and ignores the rest', async () => {
  const dir = join(tmp, 'tree');
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  const src = join(tmp, 'p.c');
  writeFileSync(src, 'int main(void){return 0;}\n');
  cc('musl-gcc', ['-static', '-o', join(dir, 'old-static'), src]);
  cc('musl-gcc', ['-static', '-o', join(dir, 'src', 'deep', 'new-static'), src]);
  cc('musl-gcc', ['-static', '-o', join(dir, 'node_modules', 'newest-but-skipped'), src]);
  cc('gcc', ['-o', join(dir, 'dynamic'), src]);
  cc('gcc', ['-c', '-o', join(dir, 'object.o'), src]);
  writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const t = Date.now() / 1000;
  utimesSync(join(dir, 'old-static'), t - 100, t - 100);
  utimesSync(join(dir, 'src', 'deep', 'new-static'), t - 50, t - 50);
  utimesSync(join(dir, 'dynamic'), t, t);
  utimesSync(join(dir, 'script.sh'), t, t);

  assert.equal((await d.findProgram(dir)).file, join(dir, 'src', 'deep', 'new-static'));
  assert.equal(await d.findProgram(dir, (t - 10) * 1000), undefined, 'nothing static built since');
  assert.deepEqual(await d.readElfInfo(join(dir, 'dynamic')), { executable: true, static: false, x86_64: true });
  assert.deepEqual(await d.readElfInfo(join(dir, 'old-static')), { executable: true, static: true, x86_64: true });
  assert.equal((await d.readElfInfo(join(dir, 'object.o'))).executable, false);
  assert.equal(await d.readElfInfo(join(dir, 'script.sh')), undefined);
});
