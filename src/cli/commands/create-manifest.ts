// create-manifest.ts - `multiverse create-manifest [DIR]`: write DIR/multiverse.json
// with the detected defaults, as the extension's Create Manifest does.

import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE, renderManifest } from '../../core/manifest';
import { defaultManifest } from '../../core/project';
import { parseArgs, UsageError } from '../args';
import type { CliContext, Command, Outcome } from '../command';

const usage = `usage: multiverse create-manifest [--force] [--stdout] [DIR]

Write DIR/${MANIFEST_FILE} (default: the current folder) with the detected
build command and program, 1 vCPU, 512M, accel auto and an empty placement
list (every optional system call forwarded). See docs/manifest.md.

  --force    overwrite an existing manifest
  --stdout   print the manifest instead of writing it
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const p = parseArgs(argv, [
    { name: 'force', value: 'none' },
    { name: 'stdout', value: 'none' },
    { name: 'help', value: 'none' },
  ]);
  if (p.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  if (p.rest.length > 1) throw new UsageError('one folder at most');
  const dir = path.resolve(p.rest[0] ?? '.');
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
  const text = renderManifest(await defaultManifest(dir));
  if (p.options.has('stdout')) {
    ctx.out(text);
    return { status: 0 };
  }
  const file = path.join(dir, MANIFEST_FILE);
  if (existsSync(file) && !p.options.has('force')) {
    ctx.err(`multiverse: ${file} exists (use --force to overwrite it)\n`);
    return { status: 1 };
  }
  writeFileSync(file, text);
  ctx.err(`multiverse: wrote ${file}\n`);
  return { status: 0 };
}

export const createManifestCommand: Command = {
  name: 'create-manifest',
  summary: 'write multiverse.json with the detected defaults',
  usage,
  run,
};
