// hybridize-and-boot.ts - `multiverse hybridize-and-boot [DIR] [-- ARGS]`:
// rebuild, then boot what was built; the extension's Hybridize & Boot.

import type { CliContext, Command, Outcome } from '../command';
import { BOOT_USAGE_OPTIONS } from './boot';
import { BOOT_OPTIONS, boot, build, open, parseWorkspaceArgs } from './workspace';

const usage = `usage: multiverse hybridize-and-boot [options] [DIR] [-- ARGS...]

multiverse hybridize DIR, then multiverse boot DIR when the build succeeded.

  --quiet             show the build's output only when it fails
${BOOT_USAGE_OPTIONS}`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const a = parseWorkspaceArgs(argv, [...BOOT_OPTIONS, { name: 'quiet', value: 'none' }], true);
  if (a.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  const project = await open(a.dir, ctx);
  if (!project) return { status: 125 };
  const started = Date.now();
  const status = await build(project, ctx, a.options.has('quiet'));
  if (status !== 0) return { status };
  return boot(project, a, ctx, started);
}

export const hybridizeAndBootCommand: Command = {
  name: 'hybridize-and-boot',
  summary: 'hybridize a folder, then boot its program',
  usage,
  run,
};
