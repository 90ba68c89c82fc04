// extension-package.test.mjs - the extension's package.json contributions agree
// with its code and files, and `vsce package` makes a .vsix without prompts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from './lib/load.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;
const src = (f) => readFileSync(join(root, 'src', f), 'utf8');

/** The file names in a zip archive, from its central directory. */
function zipEntries(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** The extension's sources (src/extension/**.ts) that register commands, concatenated. */
function registering() {
  const dir = join(root, 'src', 'extension');
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(dir, f), 'utf8'));
  return files.filter((t) => /registerCommand\(/.test(t)).join('\n');
}

test('the commands are under the category Multiverse, each registered by the extension', () => {
  const titles = c.commands.map((x) => `${x.category}: ${x.title}`);
  for (const t of ['Multiverse: Hybridize', 'Multiverse: Boot', 'Multiverse: Hybridize & Boot', 'Multiverse: Stop',
    'Multiverse: Create Manifest', 'Multiverse: Show HRT Log', 'Multiverse: Profile', 'Multiverse: Show Flame Graph',
    'Multiverse: Move System Call into Kernel Mode']) {
    assert.ok(titles.includes(t), t);
  }
  assert.ok(c.commands.every((x) => x.category === 'Multiverse'));
  const ext = registering();
  for (const { command } of c.commands) assert.ok(ext.includes(`'${command}'`), `${command} is registered`);
});

test('every setting is under multiverse.* with a description and a default', () => {
  const props = Object.entries(c.configuration.properties);
  assert.ok(props.length >= 5);
  for (const [key, p] of props) {
    assert.match(key, /^multiverse\.(profile\.)?[a-zA-Z]+$/);
    assert.ok((p.description ?? p.markdownDescription ?? '').length > 20, `${key} is described`);
    assert.ok('default' in p, `${key} has a default`);
    // multiverse.profile.* are read in the profile layer's own settings module.
    const [reader, name] = key.startsWith('multiverse.profile.')
      ? ['extension/profile/settings.ts', key.slice('multiverse.profile.'.length)]
      : ['extension/config.ts', key.slice('multiverse.'.length)];
    assert.match(src(reader), new RegExp(`'${name}'`), `${key} is read`);
  }
});

test('activation on C/C++ workspaces and on multiverse.json', () => {
  for (const ev of ['workspaceContains:multiverse.json', 'onLanguage:c', 'onLanguage:cpp', 'workspaceContains:Makefile']) {
    assert.ok(pkg.activationEvents.includes(ev), ev);
  }
  assert.equal(pkg.main, './dist/extension.js');
  assert.match(readFileSync(join(root, 'esbuild.mjs'), 'utf8'), /src\/extension\/extension\.ts.*dist\/extension\.js/);
});

test('schema, grammar, icon and problem matcher point at real files and names', () => {
  assert.equal(c.jsonValidation[0].fileMatch, 'multiverse.json');
  assert.ok(existsSync(join(root, c.jsonValidation[0].url)));
  const grammar = JSON.parse(readFileSync(join(root, c.grammars[0].path), 'utf8'));
  assert.equal(grammar.scopeName, c.grammars[0].scopeName);
  assert.equal(c.grammars[0].language, c.languages[0].id);
  assert.match(src('extension/extension.ts'), new RegExp(`HRT_LOG_LANGUAGE = '${c.languages[0].id}'`));
  assert.ok(existsSync(join(root, pkg.icon)));
  assert.equal(`$${c.problemMatchers[0].name}`, '$mvcc');
  assert.match(src('extension/buildTask.ts'), /PROBLEM_MATCHER = '\$mvcc'/);
  assert.equal(c.taskDefinitions[0].type, 'multiverse');
});

test('the grammar colours the parts of an HRT log', () => {
  const g = JSON.parse(readFileSync(join(root, 'syntaxes/hrt-log.tmLanguage.json'), 'utf8'));
  // Oniguruma's inline (?i:...) groups become a case-insensitive JavaScript RegExp.
  const re = (name) => {
    const src = g.repository[name].match;
    return new RegExp(src.replace(/\(\?i:/g, '(?:'), src.includes('(?i:') ? 'i' : '');
  };
  assert.match('kernel panic: bad slot', re('panic'));
  assert.match('SIGSEGV at main.c:14', re('fault'));
  assert.match('trap: program killed by signal 11 (vector 14) at rip 401061 addr 0 rsp 3ffff6e0', re('fault'));
  assert.deepEqual(re('trace').exec('[ros] writev(1, 0x3ffff200, 2) = 72 <2.9 us>').slice(1, 3), ['[ros]', 'writev']);
  assert.deepEqual(re('trace').exec('[hrt] clock_gettime(1, 3ffff670, 0, 20000) = 0 (native)').slice(1, 3), ['[hrt]', 'clock_gettime']);
  assert.deepEqual(re('frame').exec('    #0 0x401061 in crash at /tmp/p/main.c:14').slice(1, 4), ['#0', '0x401061', 'crash']);
  assert.deepEqual(re('frame').exec('  #1 4017aa').slice(1, 3), ['#1', '4017aa']);
  assert.match('aerokernel: ABI 1, booting', re('source'));
  assert.doesNotMatch('aerokernel: up in 2582 us (kmain to program entry)', re('panic'));
});

test('vsce packages the extension without prompts', { timeout: 60_000 }, () => {
  assert.ok(existsSync(join(root, 'dist', 'extension.js')), 'dist/extension.js is missing: run npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'mv-vsix-'));
  try {
    const out = join(dir, 'multiverse.vsix');
    const r = spawnSync(join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--readme-path', 'docs/extension.md', '-o', out], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 50_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const list = zipEntries(readFileSync(out));
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/schemas/multiverse.schema.json',
      'extension/syntaxes/hrt-log.tmLanguage.json', 'extension/media/icon.png']) {
      assert.ok(list.includes(f), `${f} is in the .vsix`);
    }
    assert.ok(!list.some((f) => f.includes('node_modules') || f.startsWith('extension/src/')), 'no sources or node_modules');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
