// tools.test.mjs - missing-tool checks and the messages that name Debian packages.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { load } from './lib/load.mjs';

let t;
let bin;
let tmp;
before(async () => {
  t = await load('core/tools.ts');
  tmp = mkdtempSync(join(tmpdir(), 'mv-tools-'));
  bin = join(tmp, 'bin');
  mkdirSync(bin);
  for (const name of ['gcc', 'make']) writeFileSync(join(bin, name), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(bin, 'musl-gcc'), 'not executable\n', { mode: 0o644 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('which finds executables only', () => {
  assert.equal(t.which('gcc', bin), join(bin, 'gcc'));
  assert.equal(t.which('musl-gcc', bin), undefined);
  assert.equal(t.which('gcc', `/nonexistent:${bin}`), join(bin, 'gcc'));
});

test('the tools each step needs', () => {
  assert.deepEqual(t.buildTools('make'), ['gcc', 'musl', 'make']);
  assert.deepEqual(t.buildTools('cmake'), ['gcc', 'musl', 'cmake', 'make']);
  assert.deepEqual(t.buildTools('c-files'), ['gcc', 'musl']);
  assert.deepEqual(t.BOOT_TOOLS, ['qemu']);
  assert.deepEqual(t.OPTIONAL_BOOT_TOOLS, ['gdb']);
});

test('missing tools are listed once each, in order', () => {
  const missing = t.missingTools(['qemu', 'gcc', 'musl', 'gdb', 'musl', 'make'], bin);
  assert.deepEqual(missing.map((x) => x.command), ['qemu-system-x86_64', 'musl-gcc', 'gdb']);
  assert.deepEqual(t.missingTools(['gcc', 'make'], bin), []);
});

test('the message names each tool, why, and its Debian package', () => {
  const missing = t.missingTools(['qemu', 'musl', 'gdb'], bin);
  assert.equal(
    t.missingToolsMessage(missing),
    'Multiverse: required tools are missing: qemu-system-x86_64 (needed to boot the hybrid; Debian package qemu-system-x86), ' +
      'musl-gcc (needed to rebuild the program against musl; Debian package musl-tools), ' +
      'gdb (needed to debug kernel-mode code; Debian package gdb).',
  );
  assert.equal(
    t.missingToolsMessage(missing.slice(0, 1)),
    'Multiverse: required tool is missing: qemu-system-x86_64 (needed to boot the hybrid; Debian package qemu-system-x86).',
  );
});

test('the install command names the packages once, with sudo unless root', () => {
  const missing = t.missingTools(['qemu', 'musl', 'gdb'], bin);
  assert.equal(t.installCommand(missing, true), 'apt-get install -y qemu-system-x86 musl-tools gdb');
  assert.equal(t.installCommand(missing, false), 'sudo apt-get install -y qemu-system-x86 musl-tools gdb');
  assert.equal(t.installCommand([...missing, ...missing], true), 'apt-get install -y qemu-system-x86 musl-tools gdb');
});
