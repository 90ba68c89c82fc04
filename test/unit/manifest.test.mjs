// manifest.test.mjs - multiverse.json validation: good manifests, malformed
// JSON and wrong values, each with the exact path, message and position.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { load, root } from './lib/load.mjs';

let m;
before(async () => {
  m = await load('core/manifest.ts');
});

const errors = (r) => r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);

test('a full manifest is accepted as written', () => {
  const text = JSON.stringify({
    build: 'make posix CC="$CC"', program: 'src/lua', args: ['-e', 'print(1+1)'], stdin: 'in.txt', cwd: 'src',
    env: { LUA_PATH: './?.lua' }, cpus: 2, memory: '1G', accel: 'tcg', placement: ['getpid', 'clock_gettime'],
  });
  const r = m.parseManifest(text, { placeable: ['getpid', 'clock_gettime'] });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.manifest, {
    build: 'make posix CC="$CC"', program: 'src/lua', args: ['-e', 'print(1+1)'], stdin: 'in.txt', cwd: 'src',
    env: { LUA_PATH: './?.lua' }, cpus: 2, memory: '1G', accel: 'tcg', placement: ['getpid', 'clock_gettime'],
  });
});

test('an empty object takes the defaults', () => {
  assert.deepEqual(m.parseManifest('{}').manifest, { args: [], cwd: '.', env: {}, placement: [] });
});

test('the example manifests are valid', () => {
  for (const ex of ['examples/pthreads', 'examples/lua']) {
    const text = readFileSync(join(root, ex, 'multiverse.json'), 'utf8');
    const r = m.parseManifest(text);
    assert.deepEqual(r.problems, [], ex);
    assert.ok(r.manifest, ex);
  }
});

test('malformed JSON: one problem at the offending character', () => {
  const text = '{\n  "cpus": 2,\n  "args": [1 2]\n}\n';
  const r = m.parseManifest(text);
  assert.equal(r.manifest, undefined);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /^invalid JSON: expected ',' or '\]'/);
  assert.equal(r.problems[0].range.start, text.indexOf('2]'));
  assert.deepEqual(m.formatProblems('multiverse.json', text, r.problems), [
    "multiverse.json:3:14: error: invalid JSON: expected ',' or ']'",
  ]);
});

test('truncated JSON and trailing garbage are syntax errors', () => {
  assert.match(m.parseManifest('{"cpus": 2').problems[0].message, /expected ',' or '}'/);
  assert.match(m.parseManifest('{} x').problems[0].message, /unexpected text after the JSON value/);
  assert.match(m.parseManifest('{"a": "b\n"}').problems[0].message, /unterminated string/);
  assert.match(m.parseManifest('').problems[0].message, /unexpected end of file/);
});

test('wrong values: every error with its JSON path', () => {
  const text = readFileSync(join(root, 'test/fixtures/workspaces/broken-manifest/multiverse.json'), 'utf8');
  const r = m.parseManifest(text);
  assert.equal(r.manifest, undefined);
  assert.deepEqual(errors(r), [
    'cpus: "cpus" must be between 1 and 64, not 0',
    'args[1]: "args" entries must be strings',
    'accel: "accel" must be one of "auto", "kvm", "tcg", not "fast"',
  ]);
  assert.deepEqual(m.formatProblems('multiverse.json', text, r.problems.slice(0, 1)), [
    'multiverse.json:3:11: error: cpus: "cpus" must be between 1 and 64, not 0',
  ]);
});

test('types, sizes and names are checked precisely', () => {
  const cases = [
    ['{"cpus": 1.5}', 'cpus: "cpus" must be an integer'],
    ['{"cpus": "2"}', 'cpus: "cpus" must be an integer'],
    ['{"memory": "lots"}', 'memory: "memory" must be a size such as "512M" or "2G", not "lots"'],
    ['{"memory": "4G"}', 'memory: "memory" must be between 64M and 3G, not 4G'],
    ['{"memory": "32M"}', 'memory: "memory" must be between 64M and 3G, not 32M'],
    ['{"build": "  "}', 'build: the build command is empty'],
    ['{"program": ""}', 'program: "program" must be a non-empty path'],
    ['{"args": "-v"}', 'args: "args" must be an array of strings'],
    ['{"env": {"A B": "x"}}', 'env.A B: "A B" is not a valid environment variable name'],
    ['{"env": {"N": 1}}', 'env.N: the value of N must be a string'],
    ['{"env": []}', 'env: "env" must be an object of string values'],
    ['{"placement": ["get pid"]}', 'placement[0]: "get pid" is not a function or system call name'],
    ['{"cpus": 1, "cpus": 2}', 'cpus: duplicate property "cpus"'],
    ['[]', ': the manifest must be a JSON object'],
  ];
  for (const [text, want] of cases) assert.deepEqual(errors(m.parseManifest(text)), [want], text);
});

test('warnings do not reject the manifest', () => {
  const r = m.parseManifest('{"cpu": 2, "placement": ["getpid", "getpid", "fancy_alloc"]}', { placeable: ['getpid', 'uname'] });
  assert.ok(r.manifest);
  assert.deepEqual(r.manifest.placement, ['getpid', 'fancy_alloc']);
  assert.deepEqual(
    r.problems.map((p) => [p.severity, p.path, p.message]),
    [
      ['warning', 'cpu', 'unknown property "cpu" (known: build, program, args, stdin, cwd, env, cpus, memory, accel, placement)'],
      ['warning', 'placement[1]', '"getpid" is listed twice'],
      ['warning', 'placement[2]', '"fancy_alloc" is not a system call that can run natively (movable: getpid, uname)'],
    ],
  );
});

test('memory sizes', () => {
  assert.equal(m.memoryBytes('512M'), 512 * 2 ** 20);
  assert.equal(m.memoryBytes('1G'), 2 ** 30);
  assert.equal(m.memoryBytes('65536K'), 64 * 2 ** 20);
  assert.equal(m.memoryBytes('2GiB'), 2 * 2 ** 30);
  assert.equal(m.memoryBytes('1.5G'), undefined);
  assert.equal(m.memoryBytes('512'), undefined);
});

test('a rendered manifest parses back to itself', () => {
  const manifest = { build: 'make CC="$CC"', program: 'app', args: ['a b'], cwd: '.', env: { X: '1' }, cpus: 2, memory: '256M', accel: 'auto', placement: ['getpid'] };
  const text = m.renderManifest(manifest);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(m.parseManifest(text).manifest, manifest);
});

test('the JSON schema and the validator know the same properties', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schemas/multiverse.schema.json'), 'utf8'));
  const props = Object.keys(schema.properties).filter((k) => k !== '$schema').sort();
  const r = m.parseManifest('{"zzz": 1}');
  const known = r.problems[0].message.match(/known: (.*)\)/)[1].split(', ').sort();
  assert.deepEqual(props, known);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.cpus.maximum, m.CPUS_MAX);
  assert.deepEqual(schema.properties.accel.enum, [...m.ACCELS]);
});
