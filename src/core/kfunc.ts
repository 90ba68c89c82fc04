// kfunc.ts - kernel-mode functions: program functions the manifest moves into kernel mode ("function:NAME" in placement,
// replaced by kernel-mode/NAME.c at build time through bin/mvcc), and the scaffolding that moves one.

import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { addPlacement, applyEdit } from '../extension/profile/placement';
import { CFunctionDetail, functionsDetailIn } from './csource';
import { MANIFEST_FILE, Manifest, renderManifest } from './manifest';

/** The placement entry that moves function NAME. */
export const kfuncEntry = (name: string): string => `function:${name}`;

/** Where a moved function's kernel-mode implementation lives in the workspace. */
export const KFUNC_DIR = 'kernel-mode';
export const kfuncSource = (dir: string, name: string): string => path.join(dir, KFUNC_DIR, `${name}.c`);

/** The functions MANIFEST moves into kernel mode. */
export function kernelFunctions(manifest: Manifest | undefined): string[] {
  return (manifest?.placement ?? []).filter((p) => p.startsWith('function:')).map((p) => p.slice('function:'.length));
}

/**
 * The environment bin/mvcc reads to link the kernel-mode functions of the
 * project at DIR ({} when there are none). Throws when a source is missing.
 */
export function kfuncBuildEnv(dir: string, manifest: Manifest | undefined): Record<string, string> {
  const names = kernelFunctions(manifest);
  if (names.length === 0) return {};
  const srcs = names.map((n) => kfuncSource(path.resolve(dir), n));
  const missing = srcs.filter((s) => !existsSync(s));
  if (missing.length > 0) {
    throw new Error(
      `${MANIFEST_FILE} moves ${names.join(', ')} into kernel mode but ${missing.map((m) => path.relative(dir, m)).join(', ')} ` +
        `${missing.length === 1 ? 'does' : 'do'} not exist: run multiverse kernelize NAME, or remove the "function:" entry`,
    );
  }
  if (srcs.some((s) => /\s/.test(s))) throw new Error(`kernel-mode sources cannot be in a path with spaces: ${srcs.join(', ')}`);
  return { MVCC_KFUNCS: names.join(' '), MVCC_KFUNC_SRCS: srcs.join(' ') };
}

/** A refusal the user can act on (the message says why). */
export class KfuncError extends Error {}

/** Where FUNCTION is defined: FILE when given, else the first .c file of DIR's tree defining it (not kernel-mode/). */
export async function findFunction(dir: string, name: string, file?: string): Promise<{ file: string; text: string; fn: CFunctionDetail }> {
  const files = file ? [path.resolve(dir, file)] : await cFiles(dir);
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (file) throw new KfuncError(`cannot read ${file}: ${e.message}`);
      return '';
    });
    const fn = (await functionsDetailIn(text)).find((d) => d.name === name);
    if (fn) return { file: f, text, fn };
  }
  throw new KfuncError(`function ${name} is not defined in ${file ?? `any .c file under ${dir}`}`);
}

async function cFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || (depth === 0 && e.name === KFUNC_DIR)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < 8) await walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.c')) out.push(p);
    }
  };
  await walk(path.resolve(dir), 0);
  return out.sort();
}

/** The kernel-mode file for FN (found in SOURCE, a path for the comment): same signature, the original body. */
export function kfuncFileText(fn: CFunctionDetail, source: string): string {
  return `/*
 * ${fn.name} in kernel mode (moved from ${source} by multiverse kernelize).
 *
 * At build time bin/mvcc makes the program's own definition of ${fn.name} weak
 * and links this one instead, so every caller (same file included) runs this
 * code. The body below is a copy of the original, so behaviour is unchanged
 * until you change it. Add the #includes and declarations it needs.
 *
 * The aerokernel API (mv_kapi.h): mv_kapi() returns the kernel's table when
 * the program runs as a hybrid (ring 0), NULL when it runs natively on Linux.
 *   const struct mv_kapi *k = mv_kapi();
 *   if (k) k->log("${fn.name}: hello from ring 0");   // to the kernel log (--log)
 *   int64_t t = k ? k->now_ns() : 0;                // CLOCK_MONOTONIC, no system call
 * also: realtime_ns, tsc, tsc_hz, cpu_id, ncpus, tid, yield. docs/kernel-functions.md
 */
#include "mv_kapi.h"

${fn.signature}
${fn.body}
`;
}

export interface KernelizeResult {
  /** The kernel-mode file written. */
  readonly file: string;
  readonly manifestFile: string;
  /** Where the original is defined. */
  readonly original: string;
}

/**
 * Moves function NAME of the project at DIR into kernel mode: writes
 * kernel-mode/NAME.c and adds "function:NAME" to the manifest (creating it
 * from MAKE_MANIFEST when absent). Throws KfuncError for static functions,
 * main, a function not found, or one already moved.
 */
export async function kernelize(
  dir: string,
  name: string,
  opts: { file?: string; makeManifest: () => Promise<Manifest> },
): Promise<KernelizeResult> {
  if (name === 'main') throw new KfuncError('main cannot be moved into kernel mode: the whole program already runs in kernel mode; move the functions it calls');
  const manifestFile = path.join(path.resolve(dir), MANIFEST_FILE);
  const manifestText = existsSync(manifestFile) ? await readFile(manifestFile, 'utf8') : undefined;
  const target = kfuncSource(path.resolve(dir), name);
  if (existsSync(target)) throw new KfuncError(`${name} is already in kernel mode: ${path.relative(dir, target)} exists`);
  const found = await findFunction(dir, name, opts.file);
  if (found.fn.isStatic) {
    throw new KfuncError(
      `${name} is static in ${path.relative(dir, found.file)}: the linker cannot replace a static function; make it non-static first`,
    );
  }
  let newManifest: string;
  if (manifestText === undefined) {
    const m = await opts.makeManifest();
    m.placement = [...m.placement, kfuncEntry(name)];
    newManifest = renderManifest(m);
  } else {
    const r = addPlacement(manifestText, kfuncEntry(name));
    if (r.kind === 'present') throw new KfuncError(`${name} is already in kernel mode: ${MANIFEST_FILE} lists "${kfuncEntry(name)}"`);
    if (r.kind === 'error') throw new KfuncError(r.message);
    newManifest = applyEdit(manifestText, r.edit);
  }
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, kfuncFileText(found.fn, path.relative(dir, found.file)), { flag: 'wx' });
  await writeFile(manifestFile, newManifest);
  return { file: target, manifestFile, original: found.file };
}
