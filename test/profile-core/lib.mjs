// lib.mjs - helpers of the profile-core tests: build test/profile-core/programs
// with bin/mvcc, and find addresses in a built ELF with binutils (nm for
// function entries, objdump for the return address of a given call or of a
// `syscall` instruction), so that hand-written raw profiles hold real
// addresses whose source lines are known from the source text alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mvcc, root } from '../lib/harness.mjs';

export const programs = join(root, 'test', 'profile-core', 'programs');
export const kernelElf = join(root, 'build', 'kernel', 'aerokernel.elf');
export const launcher = join(root, 'build', 'ros', 'mv-launch');
export const cliPath = join(root, 'bin', 'multiverse');

/** Why the tests that need binutils and a built checkout cannot run, or null. */
export function missing() {
  for (const t of ['nm', 'objdump', 'addr2line']) if (spawnSync(t, ['--version']).status !== 0) return `${t} (binutils) is missing`;
  for (const f of [kernelElf, launcher, mvcc]) if (!existsSync(f)) return `${f} is missing: run npm run build`;
  return null;
}

/** Builds programs/NAME.c into dir with bin/mvcc -O1; returns the ELF path. */
export function build(name, dir) {
  const out = join(dir, name);
  const r = spawnSync(mvcc, ['-O1', '-Wall', '-o', out, join(programs, `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bin/mvcc ${name}.c failed:\n${r.stdout}${r.stderr}`);
  return out;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Function name -> entry address (BigInt), from nm. */
export function functions(elf) {
  const out = new Map();
  for (const line of run('nm', ['--defined-only', elf]).split('\n')) {
    const m = /^([0-9a-f]+) [TtWw] (\S+)$/.exec(line);
    if (m && !out.has(m[2])) out.set(m[2], BigInt(`0x${m[1]}`));
  }
  return out;
}

/** The instructions of function FN: [{ addr: BigInt, text }] in order. */
function disassemble(elf, fn) {
  const text = run('objdump', ['-d', '--no-show-raw-insn', elf]);
  const start = text.indexOf(`<${fn}>:\n`);
  if (start < 0) throw new Error(`no function ${fn} in ${elf}`);
  const body = text.slice(start).split('\n\n')[0].split('\n').slice(1);
  return body
    .map((l) => /^\s*([0-9a-f]+):\s+(.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ addr: BigInt(`0x${m[1]}`), text: m[2] }));
}

/** The return address of the first `call ... <CALLEE>` in CALLER. */
export function callReturn(elf, caller, callee) {
  const ins = disassemble(elf, caller);
  const i = ins.findIndex((x) => /^call\s/.test(x.text) && x.text.includes(`<${callee}>`));
  if (i < 0 || i + 1 >= ins.length) throw new Error(`${caller} has no call to ${callee}`);
  return ins[i + 1].addr;
}

/** The address after the first `syscall` instruction in FN. */
export function syscallReturn(elf, fn) {
  const ins = disassemble(elf, fn);
  const i = ins.findIndex((x) => /^syscall\b/.test(x.text));
  if (i < 0 || i + 1 >= ins.length) throw new Error(`${fn} has no syscall instruction`);
  return ins[i + 1].addr;
}

/** 1-based line of FILE whose text matches RE (the first after line FROM). */
export function lineOf(file, re, from = 0) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n >= from && re.test(l));
  if (i < 0) throw new Error(`no line matching ${re} in ${file}`);
  return i + 1;
}

export const hex = (a) => a.toString(16);

/** The address of the first instruction of FN whose text matches RE. */
export function insnAt(elf, fn, re) {
  const x = disassemble(elf, fn).find((i) => re.test(i.text));
  if (!x) throw new Error(`${fn} has no instruction matching ${re}`);
  return x.addr;
}
