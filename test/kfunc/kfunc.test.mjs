// kfunc.test.mjs - kernel-mode functions (docs/kernel-functions.md): a program
// function moved by the manifest replaces the original at build time (make and
// loose-file builds, same-file callers included), runs in ring 0 calling the
// aerokernel API (its log lines reach the kernel log), and the hybrid's stdout
// equals the native run of the unmodified program. Scaffolding (multiverse
// kernelize) writes a file that compiles; refusals say why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli, mvcc, root, runProcess, tempDir, testEnv } from '../lib/harness.mjs';

const example = join(root, 'examples', 'kernel-function');
const tmp = tempDir('mv-kfunc-');
after(() => tmp.cleanup());

/** A copy of the example (without build products) in a fresh folder. */
function copyExample(name) {
  const dir = join(tmp.dir, name);
  cpSync(example, dir, { recursive: true, filter: (src) => !src.endsWith('.o') && src !== join(example, 'kernel-function') });
  return dir;
}

const sh = (cmd, cwd, env = {}) => spawnSync('/bin/sh', ['-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });

/** The original program built natively with the system compiler: the reference. */
function nativeReference(dir) {
  const out = join(dir, 'reference');
  const r = sh(`cc -O2 -o ${out} main.c wordhash.c`, dir);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('make build: the kernel-mode hash_string is linked, same-file callers use it, output as native', async () => {
  const dir = copyExample('make');
  const b = await runProcess([cli, 'hybridize', '--quiet', dir], { env: testEnv(), timeoutMs: 120_000 });
  assert.equal(b.status, 0, b.stderr.toString());
  const prog = join(dir, 'kernel-function');
  // the definition in the program is the kernel-mode object's: its static helper `report` is there too
  const nm = sh(`nm ${prog}`, dir).stdout;
  assert.match(nm, /^[0-9a-f]+ T hash_string$/m);
  assert.match(nm, /^[0-9a-f]+ t report$/m, 'the kernel-mode object (with its destructor) is linked');
  const ref = await runProcess([nativeReference(dir), '1000'], { cwd: dir });
  const log = join(dir, 'hrt.log');
  const hyb = await runProcess([cli, 'run', '--log', log, '--', prog, '1000'], { cwd: dir });
  assert.equal(hyb.status, 0, hyb.stderr.toString());
  assert.equal(hyb.stdout.toString(), ref.stdout.toString());
  const klog = readFileSync(log, 'utf8');
  assert.match(klog, /kfunc: hash_string: kernel-mode implementation, first call/);
  // 5000 hashes in the loop, 5 printed, 2 from hash_twice in wordhash.c (the same file as the original)
  assert.match(klog, /kfunc: hash_string: 5007 calls, \d+ us since the first/);
  // natively the same binary runs the kernel-mode function without the API: same output, no log
  const nat = await runProcess([prog, '1000'], { cwd: dir });
  assert.equal(nat.stdout.toString(), ref.stdout.toString());
});

test('loose-file build and a same-file caller at -O2: the original is not inlined', async () => {
  const dir = join(tmp.dir, 'loose');
  sh(`mkdir -p ${dir}/kernel-mode`, tmp.dir);
  writeFileSync(join(dir, 'prog.c'), '#include <stdio.h>\nint twice(int x) { return 2 * x; }\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n');
  writeFileSync(join(dir, 'kernel-mode', 'twice.c'), 'int twice(int x) { return 2 * x + 1; }\n');
  writeFileSync(join(dir, 'multiverse.json'), JSON.stringify({ placement: ['function:twice'] }));
  const b = await runProcess([cli, 'hybridize', '--quiet', dir], { env: testEnv(), timeoutMs: 120_000 });
  assert.equal(b.status, 0, b.stderr.toString());
  const r = await runProcess([join(dir, 'loose')], { cwd: dir });
  assert.equal(r.stdout.toString(), '43\n', 'the replacement (2x+1) ran, not an inlined original');
  // without the manifest entry the original runs: the test can tell them apart
  const plain = sh(`${mvcc} -O2 -o orig prog.c && ./orig`, dir);
  assert.equal(plain.stdout, '42\n');
});

test('a manifest entry without its kernel-mode file fails the build plan with the file named', async () => {
  const dir = copyExample('missing');
  rmSync(join(dir, 'kernel-mode'), { recursive: true });
  const b = await runProcess([cli, 'hybridize', dir], { env: testEnv() });
  assert.notEqual(b.status, 0);
  assert.match(b.stderr.toString(), /kernel-mode\/hash_string\.c does not exist/);
});

test('kernelize: writes a file that compiles and behaves as the original; the manifest gets the entry', async () => {
  const dir = copyExample('scaffold');
  rmSync(join(dir, 'kernel-mode'), { recursive: true });
  writeFileSync(join(dir, 'multiverse.json'), JSON.stringify({ build: 'make -B CC="$CC"', program: 'kernel-function', placement: ['getpid'] }, null, 2));
  const k = await runProcess([cli, 'kernelize', 'hash_twice', dir], { env: testEnv() });
  assert.equal(k.status, 0, k.stderr.toString());
  const file = join(dir, 'kernel-mode', 'hash_twice.c');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /#include "mv_kapi.h"/);
  assert.match(text, /^unsigned long hash_twice\(const char \*s\)\n\{\n    return hash_string\(s\) \* 31 \+ hash_string\(s\);\n\}$/m);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'multiverse.json'), 'utf8')).placement, ['getpid', 'function:hash_twice']);
  // the copied body calls hash_string, declared in wordhash.h: the developer adds the include
  writeFileSync(file, text.replace('#include "mv_kapi.h"', '#include "mv_kapi.h"\n#include "../wordhash.h"'));
  const b = await runProcess([cli, 'hybridize', '--quiet', dir], { env: testEnv(), timeoutMs: 120_000 });
  assert.equal(b.status, 0, b.stderr.toString());
  const ref = await runProcess([nativeReference(dir), '10'], { cwd: dir });
  const r = await runProcess([join(dir, 'kernel-function'), '10'], { cwd: dir });
  assert.equal(r.stdout.toString(), ref.stdout.toString());
});

test('kernelize refuses static functions, main, unknown and already moved functions', async () => {
  const dir = copyExample('refuse');
  writeFileSync(join(dir, 'extra.c'), 'static int helper(int x) { return x; }\nint use(void) { return helper(1); }\n');
  const k = (...a) => runProcess([cli, 'kernelize', ...a, dir], { env: testEnv() });
  const cases = [
    [['helper'], /cannot move helper into kernel mode: helper is static in extra\.c: the linker cannot replace a static function/],
    [['main'], /cannot move main into kernel mode: main cannot be moved/],
    [['no_such_fn'], /cannot move no_such_fn into kernel mode: function no_such_fn is not defined/],
    [['hash_string'], /cannot move hash_string into kernel mode: hash_string is already in kernel mode: kernel-mode\/hash_string\.c exists/],
    [['atoi_simple', '--file', 'main.c'], /function atoi_simple is not defined in main\.c/],
  ];
  for (const [args, re] of cases) {
    const r = await k(...args);
    assert.equal(r.status, 1, `${args}: ${r.stderr}`);
    assert.match(r.stderr.toString(), re);
  }
  assert.equal(existsSync(join(dir, 'kernel-mode', 'helper.c')), false);
});

test('the kapi table in ring 0: tid is gettid, clocks agree, yield returns; natively mv_kapi() is NULL', async () => {
  const dir = join(tmp.dir, 'probe');
  sh(`mkdir -p ${dir}/kernel-mode`, tmp.dir);
  writeFileSync(join(dir, 'probe.c'), '#include <stdio.h>\nint probe(void) { return 0; }\nint main(void) { printf("probe %d\\n", probe()); return 0; }\n');
  writeFileSync(join(dir, 'kernel-mode', 'probe.c'), `#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
#include "mv_kapi.h"
int probe(void)
{
    const struct mv_kapi *k = mv_kapi();
    if (!k) return -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t libc = ts.tv_sec * 1000000000ll + ts.tv_nsec, kern = k->now_ns();
    uint64_t t0 = k->tsc();
    k->yield();
    int ok = k->size >= sizeof *k && k->tid() == gettid() && k->cpu_id() < k->ncpus()
          && k->tsc_hz() > 0 && k->tsc() > t0 && kern >= libc && kern - libc < 1000000000ll
          && k->realtime_ns() > 1600000000ll * 1000000000ll;
    return ok ? 1 : 0;
}
`);
  writeFileSync(join(dir, 'multiverse.json'), JSON.stringify({ placement: ['function:probe'] }));
  const b = await runProcess([cli, 'hybridize', '--quiet', dir], { env: testEnv(), timeoutMs: 120_000 });
  assert.equal(b.status, 0, b.stderr.toString());
  const hyb = await runProcess([cli, 'run', '--', join(dir, 'probe')], { cwd: dir });
  assert.equal(hyb.stdout.toString(), 'probe 1\n', hyb.stderr.toString());
  const nat = await runProcess([join(dir, 'probe')], { cwd: dir });
  assert.equal(nat.stdout.toString(), 'probe -1\n');
});
