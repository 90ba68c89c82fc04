// kernelize.ts - `multiverse kernelize FUNCTION [--file SRC] [DIR]`: move a program
// function into kernel mode (kernel-mode/FUNCTION.c + "function:FUNCTION" in the manifest).

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { KfuncError, kernelize } from '../../core/kfunc';
import { MANIFEST_FILE } from '../../core/manifest';
import { defaultManifest } from '../../core/project';
import { parseArgs, UsageError } from '../args';
import type { CliContext, Command, Outcome } from '../command';

const usage = `usage: multiverse kernelize FUNCTION [--file SRC] [DIR]

Move the program function FUNCTION of the project in DIR (default: the current
folder) into kernel mode: write DIR/kernel-mode/FUNCTION.c with the function's
signature and a copy of its body (include "mv_kapi.h" for the aerokernel API)
and add "function:FUNCTION" to the placement list of ${MANIFEST_FILE}. The next
build links it in place of the original. See docs/kernel-functions.md.

  --file SRC   the C file defining FUNCTION, relative to DIR (default: search
               DIR's .c files, kernel-mode/ excluded)

Refused: static functions, main, functions not found, functions already moved.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const specs = [
    { name: 'file', value: 'required' },
    { name: 'help', value: 'none' },
  ] as const;
  // options before or after FUNCTION: kernelize [--file SRC] FUNCTION [--file SRC] [DIR]
  const first = parseArgs(argv, specs);
  const second = parseArgs(first.rest.slice(1), specs);
  const p = { options: new Map([...first.options, ...second.options]), rest: [...first.rest.slice(0, 1), ...second.rest] };
  if (p.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  const [name, dirArg, ...extra] = p.rest;
  if (!name) throw new UsageError('name the function to move');
  if (extra.length > 0) throw new UsageError('one function and one folder at most');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`"${name}" is not a C function name`);
  const dir = path.resolve(dirArg ?? '.');
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
  const file = p.options.get('file');
  try {
    const r = await kernelize(dir, name, { file: file || undefined, makeManifest: () => defaultManifest(dir) });
    ctx.err(`multiverse: ${name} (${path.relative(dir, r.original)}) moved into kernel mode: wrote ${path.relative(dir, r.file)}, updated ${MANIFEST_FILE}\n`);
    return { status: 0 };
  } catch (e) {
    if (!(e instanceof KfuncError)) throw e;
    ctx.err(`multiverse: cannot move ${name} into kernel mode: ${e.message}\n`);
    return { status: 1 };
  }
}

export const kernelizeCommand: Command = {
  name: 'kernelize',
  summary: 'move a program function into kernel mode (kernel-mode/FUNCTION.c)',
  usage,
  run,
};
