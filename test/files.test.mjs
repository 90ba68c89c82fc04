// files.test.mjs - file system calls, native vs hybrid: the same output and a
// byte-identical tree left behind.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertSame } from './lib/compare.mjs';
import { buildAll, runHybrid, runNative, tempDir } from './lib/harness.mjs';

let progs;
before(() => {
  progs = buildAll(['files', 'clock']);
});
after(() => progs?.cleanup());

/** path -> { kind, mode, content } for everything under dir. */
function tree(dir, prefix = '') {
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = prefix + name;
    const st = lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = { kind: 'link', target: readlinkSync(p) };
    else if (st.isDirectory()) {
      out[rel] = { kind: 'dir', mode };
      Object.assign(out, tree(p, `${rel}/`));
    } else out[rel] = { kind: 'file', mode, size: st.size, content: readFileSync(p).toString('base64') };
  }
  return out;
}

test('create, write, read, lseek, pread/pwrite, fstat/stat, rename, unlink, mkdir, readdir', async () => {
  const a = tempDir('mv-files-native-');
  const b = tempDir('mv-files-hybrid-');
  try {
    const native = await runNative(progs.elf.files, [a.dir]);
    const hybrid = await runHybrid(progs.elf.files, [b.dir]);
    assert.doesNotMatch(native.stdout.toString(), /FAILED/);
    assert.equal(native.status, 0);
    assertSame(native, hybrid);
    const ta = tree(a.dir);
    assert.deepEqual(Object.keys(ta), ['sub', 'sub/link', 'sub/moved.bin', 'sub/notes.txt']);
    assert.deepEqual(tree(b.dir), ta, 'the hybrid left a different tree');
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('relative paths resolve against the working directory', async () => {
  const a = tempDir('mv-files-native-');
  const b = tempDir('mv-files-hybrid-');
  try {
    const native = await runNative(progs.elf.files, ['.'], { cwd: a.dir });
    const hybrid = await runHybrid(progs.elf.files, ['.'], { cwd: b.dir });
    assertSame(native, hybrid);
    assert.deepEqual(tree(b.dir), tree(a.dir));
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('clocks: monotonic, nanosleep, and CLOCK_REALTIME agrees with a new file\'s mtime', async () => {
  const a = tempDir('mv-clock-');
  try {
    const native = await runNative(progs.elf.clock, [a.dir]);
    const hybrid = await runHybrid(progs.elf.clock, [a.dir]);
    assert.doesNotMatch(native.stdout.toString(), /: no$|BACKWARDS/m);
    assertSame(native, hybrid);
  } finally {
    a.cleanup();
  }
});
