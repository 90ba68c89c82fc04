// manifest.test.mjs - "function:NAME" placement entries: accepted next to
// system calls (no placeable warning), malformed ones refused, duplicates
// warned; kfunc.ts derives the mvcc environment and names a missing file.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../lib/harness.mjs';
import { load } from '../unit/lib/load.mjs';

let m, k;
const tmp = tempDir('mv-kfunc-m-');
before(async () => {
  m = await load('core/manifest.ts');
  k = await load('core/kfunc.ts');
});
after(() => tmp.cleanup());

const parse = (placement) => m.parseManifest(JSON.stringify({ placement }), { placeable: ['getpid'] });

test('function entries are kept, without the system-call warning', () => {
  const r = parse(['getpid', 'function:hash_string']);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.manifest.placement, ['getpid', 'function:hash_string']);
  assert.deepEqual(k.kernelFunctions(r.manifest), ['hash_string']);
});

test('malformed and duplicate function entries', () => {
  const bad = parse(['function:', 'function:1x', 'function:a b']);
  assert.deepEqual(bad.problems.map((p) => [p.path, p.severity]), [['placement[0]', 'error'], ['placement[1]', 'error'], ['placement[2]', 'error']]);
  assert.match(bad.problems[0].message, /is not "function:" followed by a C function name/);
  const dup = parse(['function:f', 'function:f']);
  assert.deepEqual(dup.problems.map((p) => [p.path, p.severity, p.message]), [['placement[1]', 'warning', '"function:f" is listed twice']]);
});

test('build environment for mvcc, and a missing kernel-mode file', () => {
  const dir = tmp.dir;
  const manifest = parse(['getpid', 'function:f', 'function:g']).manifest;
  assert.deepEqual(k.kfuncBuildEnv(dir, parse(['getpid']).manifest), {});
  mkdirSync(join(dir, 'kernel-mode'));
  writeFileSync(join(dir, 'kernel-mode', 'f.c'), 'int f(void) { return 1; }\n');
  assert.throws(() => k.kfuncBuildEnv(dir, manifest), /kernel-mode\/g\.c does not exist/);
  writeFileSync(join(dir, 'kernel-mode', 'g.c'), 'int g(void) { return 2; }\n');
  assert.deepEqual(k.kfuncBuildEnv(dir, manifest), {
    MVCC_KFUNCS: 'f g',
    MVCC_KFUNC_SRCS: `${join(dir, 'kernel-mode', 'f.c')} ${join(dir, 'kernel-mode', 'g.c')}`,
  });
});
