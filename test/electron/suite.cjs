// suite.cjs - runs inside VS Code's extension host (test/electron/run.mjs): the
// extension activates, registers its commands, reports a broken manifest as
// diagnostics at the right place, and Create Manifest writes the detected defaults.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const COMMANDS = ['hybridize', 'boot', 'hybridizeAndBoot', 'stop', 'createManifest', 'showLog'].map((c) => `multiverse.${c}`);

async function until(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tests = {
  async 'the extension activates and registers its commands'() {
    const ext = vscode.extensions.getExtension('multiverse.multiverse');
    assert.ok(ext, 'the extension is installed');
    await ext.activate();
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), c);
  },

  async 'a broken manifest gets diagnostics at the offending value'() {
    const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
    const file = path.join(folder, 'multiverse.json');
    fs.writeFileSync(file, '{\n  "cpus": 0\n}\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diags = await until('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'multiverse');
      return d.length > 0 && d;
    });
    assert.equal(diags[0].message, 'cpus: "cpus" must be between 1 and 64, not 0');
    assert.equal(diags[0].range.start.line, 1);
    assert.equal(diags[0].range.start.character, 10);
  },

  async 'Create Manifest writes the detected defaults'() {
    const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
    const file = path.join(folder, 'multiverse.json');
    fs.rmSync(file, { force: true });
    await vscode.commands.executeCommand('multiverse.createManifest');
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(written.build, 'make CC="$CC"');
    assert.deepEqual(written.placement, []);
  },
};

/** Entry point called by the test host. */
exports.run = async function run() {
  let failed = 0;
  for (const [name, fn] of Object.entries(tests)) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}\n  ${e && e.stack ? e.stack : e}`);
    }
  }
  console.log(`${Object.keys(tests).length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} test(s) failed`);
};
