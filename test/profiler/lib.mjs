// lib.mjs - the profiler tests' helpers: run mv-launch --profile, read the
// raw profile file (docs/profiling.md, "The raw profile") strictly, and
// symbolize addresses with binutils' addr2line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, runProcess, testEnv } from '../lib/harness.mjs';

export const launcher = join(root, 'build', 'ros', 'mv-launch');
export const kernelElf = join(root, 'build', 'kernel', 'aerokernel.elf');
export const KERNEL_BASE = 0xffffffff80000000n;

/** Why the profiler tests cannot run here, or null. */
export function missing() {
  for (const f of [launcher, kernelElf]) if (!existsSync(f)) return `${f} is missing: run npm run build`;
  if (spawnSync('addr2line', ['--version']).status !== 0) return 'addr2line (binutils) is missing';
  return null;
}

/** mv-launch --profile FILE [extra] -- elf args; resolves as runProcess. */
export function runProfiled(elf, args, file, extra = [], opts = {}) {
  return runProcess([launcher, '--cpus', '1', '--profile', file, ...extra, '--', elf, ...args], { env: testEnv(), ...opts });
}

const hex = (s) => {
  if (!/^[0-9a-f]+$/.test(s)) throw new Error(`not a lowercase hex address: ${s}`);
  return BigInt(`0x${s}`);
};
const int = (s) => {
  if (!/^-?\d+$/.test(s)) throw new Error(`not an integer: ${s}`);
  return Number(s);
};

/**
 * Parse a raw profile: { header, samples: [{ cpu, tid, addrs }], forwarded:
 * [{ tid, nr, totalNs, hostNs, addrs }], native: Map(nr -> count), end }.
 * Throws on anything the format does not allow (unknown record types are
 * allowed and ignored, as the format says).
 */
export function parseRaw(text) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== 'mvprof 1') throw new Error(`first line is not "mvprof 1": ${lines[0]}`);
  const p = { header: null, samples: [], forwarded: [], native: new Map(), end: null };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('#')) continue;
    if (p.end) throw new Error(`line ${i + 1} after the E line: ${line}`);
    const sp = line.indexOf(' ');
    const type = sp < 0 ? line : line.slice(0, sp);
    if (type === 'H' || type === 'E') {
      const json = JSON.parse(line.slice(2));
      if (type === 'H') p.header = json;
      else p.end = json;
      continue;
    }
    const f = line.split(' ').slice(1);
    if (f.some((x) => x === '')) throw new Error(`line ${i + 1}: fields must be separated by single spaces: "${line}"`);
    if (type === 'S') p.samples.push({ cpu: int(f[0]), tid: int(f[1]), addrs: f.slice(2).map(hex) });
    else if (type === 'F') p.forwarded.push({ tid: int(f[0]), nr: int(f[1]), totalNs: int(f[2]), hostNs: int(f[3]), addrs: f.slice(4).map(hex) });
    else if (type === 'N') p.native.set(int(f[0]), int(f[1]));
  }
  if (!p.header) throw new Error('no H line');
  if (!p.end) throw new Error('no E line');
  if (!lines.at(-1).startsWith('E ')) throw new Error('the last line is not the E line');
  return p;
}

export const readRaw = (file) => parseRaw(readFileSync(file, 'utf8'));

/**
 * Symbolize addresses with `addr2line -f -e elf`: Map(address -> { fn, file,
 * line }). Return addresses (ret: true) are looked up at address - 1.
 */
export function symbolize(elf, addrs, { ret = false } = {}) {
  const uniq = [...new Set(addrs)];
  const out = new Map();
  if (uniq.length === 0) return out;
  const r = spawnSync('addr2line', ['-f', '-e', elf], { input: uniq.map((a) => (ret ? a - 1n : a).toString(16)).join('\n'), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`addr2line failed: ${r.stderr}`);
  const l = r.stdout.split('\n');
  uniq.forEach((a, i) => {
    const [file, line] = l[2 * i + 1].replace(/ \(discriminator \d+\)$/, '').split(':');
    out.set(a, { fn: l[2 * i], file, line: Number(line) || null });
  });
  return out;
}

/** The 1-based line of test/profiler/programs/NAME that contains marker. */
export function lineOf(source, marker) {
  const i = readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${source}`);
  return i + 1;
}
