// package.test.mjs - the debugger as the extension contributes it: the
// `multiverse` debug type points at the built adapter, which is bundled,
// packaged, and answers DAP when run with plain node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from '../lib/harness.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dbg = pkg.contributes.debuggers?.find((d) => d.type === 'multiverse');

test('package.json contributes the multiverse debug type with a standalone program, snippets and breakpoints', () => {
  assert.ok(dbg, 'contributes.debuggers has type multiverse');
  assert.equal(dbg.program, './dist/debugAdapter.js');
  assert.equal(dbg.runtime, 'node');
  const launch = dbg.configurationAttributes.launch.properties;
  for (const k of ['program', 'args', 'cwd', 'stopOnEntry', 'cpus', 'kernel', 'manifest']) assert.ok(launch[k], `launch attribute ${k}`);
  assert.deepEqual(dbg.configurationAttributes.attach.required, ['port', 'program']);
  assert.ok(dbg.initialConfigurations.every((c) => c.type === 'multiverse' && c.request === 'launch'));
  assert.deepEqual(dbg.configurationSnippets.map((s) => s.body.request), ['launch', 'launch', 'attach']);
  assert.deepEqual(pkg.contributes.breakpoints.map((b) => b.language), ['c', 'cpp']);
});

test('the adapter is bundled by esbuild.mjs and kept in the .vsix', () => {
  assert.match(readFileSync(join(root, 'esbuild.mjs'), 'utf8'), /entry: 'src\/debug\/adapter\.ts', out: 'dist\/debugAdapter\.js'/);
  assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!dist\/debugAdapter\.js$/m);
});

test('node dist/debugAdapter.js answers initialize over stdin/stdout', { timeout: 30_000 }, async () => {
  const adapter = join(root, 'dist', 'debugAdapter.js');
  assert.ok(existsSync(adapter), 'dist/debugAdapter.js is missing: run npm run build');
  const p = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'inherit'] });
  const msg = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'multiverse', pathFormat: 'path', linesStartAt1: true } });
  p.stdin.write(`Content-Length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`);
  let buf = '';
  const body = await new Promise((res, rej) => {
    p.once('exit', (c) => rej(new Error(`adapter exited (${c}) before answering`)));
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /Content-Length: (\d+)\r\n\r\n/.exec(buf);
      if (m && buf.length >= m.index + m[0].length + Number(m[1])) res(JSON.parse(buf.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1]))));
    });
  });
  const gone = new Promise((r) => p.once('exit', r));
  p.stdin.end(); // the adapter ends when its client goes away
  await gone;
  assert.equal(body.command, 'initialize');
  assert.equal(body.success, true);
  assert.equal(body.body.supportsConfigurationDoneRequest, true);
  assert.equal(body.body.supportsConditionalBreakpoints, true);
});
