// build.test.mjs - build command construction for every build system, the
// headless build runner (status, output, cancellation) and gcc diagnostics.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { load, root } from './lib/load.mjs';

const fixtures = join(root, 'test/fixtures/workspaces');
let b;
let d;
let tmp;
before(async () => {
  b = await load('core/build.ts');
  d = await load('core/detect.ts');
  tmp = mkdtempSync(join(tmpdir(), 'mv-build-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const MVCC = '/opt/multi verse/bin/mvcc';

test('make: CC on the command line, so it wins over the Makefile', async () => {
  const plan = b.planBuild(join(fixtures, 'make'), MVCC, await d.detectBuild(join(fixtures, 'make')));
  assert.deepEqual(plan, {
    kind: 'make',
    command: "make CC='/opt/multi verse/bin/mvcc'",
    cwd: join(fixtures, 'make'),
    env: { CC: MVCC, MVCC },
  });
});

test('cmake: the compiler given to CMake, an out-of-tree build folder', async () => {
  const plan = b.planBuild(join(fixtures, 'cmake'), '/r/bin/mvcc', await d.detectBuild(join(fixtures, 'cmake')));
  assert.equal(
    plan.command,
    'cmake -S . -B build-multiverse -DCMAKE_C_COMPILER=/r/bin/mvcc -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-multiverse',
  );
});

test('configure: CC for configure, then make', async () => {
  const plan = b.planBuild(join(fixtures, 'configure'), '/r/bin/mvcc', await d.detectBuild(join(fixtures, 'configure')));
  assert.equal(plan.command, 'CC=/r/bin/mvcc ./configure && make');
});

test('loose .c files: one compile named after the folder', async () => {
  const plan = b.planBuild(join(fixtures, 'cfiles'), '/r/bin/mvcc', await d.detectBuild(join(fixtures, 'cfiles')));
  assert.equal(plan.command, '/r/bin/mvcc -O2 -pthread -o cfiles a.c b.c');
  assert.equal(b.programNameFor('/x/my app!'), 'my_app_');
});

test("the manifest's build command is used as written, with CC and MVCC set", () => {
  const plan = b.planBuild('/w', '/r/bin/mvcc', undefined, 'make posix CC="$CC"');
  assert.deepEqual(plan, { kind: 'custom', command: 'make posix CC="$CC"', cwd: '/w', env: { CC: '/r/bin/mvcc', MVCC: '/r/bin/mvcc' } });
  assert.equal(b.planBuild('/w', '/r/bin/mvcc', undefined), undefined);
});

test('manifest form of the commands refers to "$CC"', async () => {
  const det = await d.detectBuild(join(fixtures, 'make'));
  assert.equal(b.buildCommand(det, '"$CC"', '/w'), 'make CC="$CC"');
});

test('shell quoting', () => {
  assert.equal(b.shQuote('plain/path-1.c'), 'plain/path-1.c');
  assert.equal(b.shQuote("it's"), `'it'\\''s'`);
  assert.equal(b.shQuote(''), "''");
  assert.equal(b.shQuote('$HOME'), "'$HOME'");
});

test('runBuild runs the configure fixture with CC from the plan and reports success', async () => {
  const dir = join(tmp, 'configure');
  cpSync(join(fixtures, 'configure'), dir, { recursive: true });
  const plan = b.planBuild(dir, 'gcc', await d.detectBuild(dir));
  let out = '';
  const r = await b.runBuild(plan, { onOutput: (c) => (out += c) });
  assert.equal(r.status, 0, out);
  assert.equal(r.cancelled, false);
  assert.ok(existsSync(join(dir, 'hello')));
  assert.match(out, /gcc -o hello hello\.c/);
});

test('runBuild reports a failing build with its diagnostics', async () => {
  const plan = { kind: 'custom', command: 'printf "main.c:3:5: error: expected \';\' before \'}\' token\\n" >&2; exit 2', cwd: tmp, env: {} };
  let out = '';
  const r = await b.runBuild(plan, { onOutput: (c) => (out += c) });
  assert.equal(r.status, 2);
  assert.deepEqual(b.parseDiagnostics(out), [
    { file: 'main.c', line: 3, column: 5, severity: 'error', message: "expected ';' before '}' token" },
  ]);
});

test('cancelling runBuild ends the whole build process group', async () => {
  const pidFile = join(tmp, 'grandchild.pid');
  const plan = { kind: 'custom', command: `sh -c 'echo $$ > ${pidFile}; sleep 30' & wait`, cwd: tmp, env: {} };
  const abort = new AbortController();
  const running = b.runBuild(plan, { signal: abort.signal });
  while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  const r = await running;
  assert.equal(r.cancelled, true);
  assert.equal(r.status, null);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  // Gone, or a zombie waiting for a reaper: either way it no longer runs.
  const state = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    } catch {
      return 'gone';
    }
  };
  for (let i = 0; i < 50 && !['gone', 'Z'].includes(state()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(['gone', 'Z'].includes(state()), `the grandchild ${pid} still runs (state ${state()})`);
});

test('gcc diagnostics: errors, warnings, notes, fatal errors; other lines ignored', () => {
  const out = [
    'make: *** [Makefile:2: hello] Error 1',
    "src/a.c:10:2: warning: unused variable 'x' [-Wunused-variable]",
    'src/a.c:11:1: fatal error: nothere.h: No such file or directory',
    "a.c:1:1: note: declared here",
    'In file included from a.c:1:',
  ].join('\n');
  assert.deepEqual(
    b.parseDiagnostics(out).map((x) => `${x.file}:${x.line}:${x.column} ${x.severity} ${x.message}`),
    [
      "src/a.c:10:2 warning unused variable 'x' [-Wunused-variable]",
      'src/a.c:11:1 error nothere.h: No such file or directory',
      'a.c:1:1 note declared here',
    ],
  );
});

test("the extension's problem matcher uses the same pattern for errors and warnings", async () => {
  const pkg = JSON.parse((await import('node:fs')).readFileSync(join(root, 'package.json'), 'utf8'));
  const matcher = pkg.contributes.problemMatchers.find((p) => p.name === 'mvcc');
  const re = new RegExp(matcher.pattern.regexp);
  const line = "main.c:12:9: error: 'x' undeclared (first use in this function)";
  const m = re.exec(line);
  assert.deepEqual([m[matcher.pattern.file], m[matcher.pattern.line], m[matcher.pattern.column], m[matcher.pattern.severity], m[matcher.pattern.message]],
    ['main.c', '12', '9', 'error', "'x' undeclared (first use in this function)"]);
  assert.equal(re.exec('a.c:1:1: note: declared here'), null, 'notes are not problems');
  assert.deepEqual(b.GCC_DIAGNOSTIC.exec(line).slice(1), ['main.c', '12', '9', 'error', "'x' undeclared (first use in this function)"]);
});
