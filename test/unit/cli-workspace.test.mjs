// cli-workspace.test.mjs - the headless twins of the extension's commands
// (bin/multiverse hybridize, boot, hybridize-and-boot, create-manifest) on
// fixture trees, through the bundled CLI of a checkout whose launcher is a
// stand-in that records its arguments and runs the program natively.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeFakeRoot } from '../e2e/lib/fakeroot.mjs';
import { root } from './lib/load.mjs';

const fixtures = join(root, 'test/fixtures/workspaces');
let fake;
let tmp;
before(() => {
  assert.ok(existsSync(join(root, 'dist', 'cli.js')), 'dist/cli.js is missing: run npm run build');
  fake = makeFakeRoot();
  tmp = mkdtempSync(join(tmpdir(), 'mv-cliws-'));
});
after(() => {
  fake?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(args, opts = {}) {
  return spawnSync(process.execPath, [join(fake.root, 'bin', 'multiverse'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    input: opts.input ?? '',
    cwd: opts.cwd ?? tmp,
    env: { ...process.env, ...opts.env },
  });
}

function copy(name) {
  const dir = join(tmp, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

test('hybridize builds a Makefile tree with CC=bin/mvcc into a static ELF', () => {
  const dir = copy('make');
  const r = cli(['hybridize', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`multiverse: building make-\\w+: make CC=${fake.root}/bin/mvcc\\n`));
  assert.match(r.stderr, /multiverse: built make-\w+ in [\d.]+ s\n$/);
  const elf = readFileSync(join(dir, 'hello'));
  assert.equal(elf.readUInt32BE(0), 0x7f454c46);
});

test('hybridize of loose .c files, then boot: arguments, stdin and status pass through', () => {
  const dir = copy('cfiles');
  writeFileSync(join(dir, 'a.c'), '#include <stdio.h>\nint main(int c, char **v) { char b[64]; if (fgets(b, sizeof b, stdin)) printf("%s|%s", v[c - 1], b); return 7; }\n');
  rmSync(join(dir, 'b.c'));
  assert.equal(cli(['hybridize', '--quiet', dir]).status, 0);
  const argv = join(tmp, 'argv.txt');
  const r = cli(['boot', '--cpus', '3', dir, '--', 'one', 'two words'], { input: 'typed\n', env: { FAKE_LAUNCH_ARGV: argv } });
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.stdout, 'two words|typed\n');
  const launched = readFileSync(argv, 'utf8').split('\n');
  assert.deepEqual(launched.slice(launched.indexOf('--cpus'), launched.indexOf('--cpus') + 2), ['--cpus', '3']);
  assert.deepEqual(launched.slice(launched.indexOf('--')), ['--', join(dir, 'cfiles-' + dir.split('cfiles-')[1]), 'one', 'two words', '']);
});

test('hybridize-and-boot uses the manifest: build command, program, args, env, cwd, placement', () => {
  const dir = copy('make');
  writeFileSync(join(dir, 'hello.c'), '#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\nint main(int c, char **v) { char w[256]; printf("%s %s %s\\n", v[1], getenv("GREETING"), getcwd(w, sizeof w)); return 0; }\n');
  writeFileSync(join(dir, 'multiverse.json'), JSON.stringify({
    build: 'make CC="$CC" && mkdir -p run', program: 'hello', args: ['from-manifest'], cwd: 'run', env: { GREETING: 'hi' }, cpus: 2, placement: ['getpid'],
  }));
  const argv = join(tmp, 'argv2.txt');
  const r = cli(['hybridize-and-boot', '--quiet', dir], { env: { FAKE_LAUNCH_ARGV: argv } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `from-manifest hi ${join(dir, 'run')}\n`);
  const launched = readFileSync(argv, 'utf8');
  // every other placeable call of the table (class opt), in table order, is forwarded
  const abi = readFileSync(join(root, 'src', 'core', 'generated', 'abi.ts'), 'utf8');
  const others = [...abi.matchAll(/name: '(\w+)', cls: 'opt'/g)].map((m) => m[1]).filter((n) => n !== 'getpid');
  assert.ok(others.includes('uname') && others.includes('clock_gettime'));
  assert.ok(launched.includes(`--native\ngetpid\n--forward\n${others.join(',')}\n`), launched);
});

test('a failing build: its output, the status, no boot', () => {
  const dir = copy('make');
  writeFileSync(join(dir, 'hello.c'), 'int main(void) { return }\n');
  const r = cli(['hybridize-and-boot', '--quiet', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /hello\.c:1:\d+: error: expected expression before .}. token/);
  assert.match(r.stderr, /multiverse: the build of make-\w+ failed with status 2\n$/);
});

test('nothing to build, a broken manifest, no program: clear messages', () => {
  const none = cli(['hybridize', join(fixtures, 'none')]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /multiverse: nothing to build in .*none: no Makefile, CMakeLists.txt, configure or \.c files/);

  const broken = cli(['hybridize', join(fixtures, 'broken-manifest')]);
  assert.equal(broken.status, 1);
  assert.equal(
    broken.stderr,
    'multiverse: multiverse.json has 3 errors\n' +
      `  ${fixtures}/broken-manifest/multiverse.json:3:11: error: cpus: "cpus" must be between 1 and 64, not 0\n` +
      `  ${fixtures}/broken-manifest/multiverse.json:4:18: error: args[1]: "args" entries must be strings\n` +
      `  ${fixtures}/broken-manifest/multiverse.json:5:12: error: accel: "accel" must be one of "auto", "kvm", "tcg", not "fast"\n`,
  );

  const noProgram = cli(['boot', join(fixtures, 'make')]);
  assert.equal(noProgram.status, 125);
  assert.match(noProgram.stderr, /no static x86-64 executable found in .*make: run Hybridize first/);
});

test('a missing QEMU is named with its Debian package', () => {
  const dir = copy('cfiles');
  assert.equal(cli(['hybridize', '--quiet', dir]).status, 0);
  const r = cli(['boot', dir], { env: { PATH: '/nonexistent' } });
  assert.equal(r.status, 125);
  assert.match(r.stderr, /qemu-system-x86_64 \(needed to boot the hybrid; Debian package qemu-system-x86\)/);
  assert.match(r.stderr, /install with: (sudo )?apt-get install -y qemu-system-x86\n/);
});

test('create-manifest writes the detected defaults once', () => {
  const dir = copy('cfiles');
  const out = cli(['create-manifest', '--stdout', dir]);
  assert.equal(out.status, 0);
  const name = dir.split('/').pop();
  assert.deepEqual(JSON.parse(out.stdout), {
    build: `"$CC" -O2 -pthread -o ${name} a.c b.c`, program: name, args: [], cwd: '.', env: {}, cpus: 1, memory: '512M', accel: 'auto', placement: [],
  });
  assert.equal(cli(['create-manifest', dir]).status, 0);
  assert.ok(existsSync(join(dir, 'multiverse.json')));
  const again = cli(['create-manifest', dir]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists \(use --force to overwrite it\)/);
  assert.equal(cli(['create-manifest', '--force', dir]).status, 0);
});

test('usage errors', () => {
  const r = cli(['boot', 'a', 'b']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /one folder at most \(got a b\); program arguments go after --/);
  assert.match(cli(['hybridize', '--help']).stdout, /^usage: multiverse hybridize/);
});
