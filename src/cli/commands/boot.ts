// boot.ts - `multiverse boot [DIR] [-- ARGS]`: boot the program a folder built,
// with the settings of its multiverse.json, as the extension's Boot does.

import type { CliContext, Command, Outcome } from '../command';
import { BOOT_OPTIONS, boot, open, parseWorkspaceArgs } from './workspace';

export const BOOT_USAGE_OPTIONS = `  --cpus N            virtual CPUs (default: the manifest's "cpus", else 1)
  --mem SIZE          guest RAM (default: the manifest's "memory")
  --accel auto|kvm|tcg  accelerator (default: the manifest's "accel")
  --log FILE          write the kernel log to FILE
  --trace             log every forwarded call (to --log)
`;

const usage = `usage: multiverse boot [options] [DIR] [-- ARGS...]

Boot the program of DIR (default: the current folder) as a hybrid: the
"program" of DIR/multiverse.json, else the newest static executable in DIR.
ARGS replace the manifest's "args". stdio and the exit status are the
program's, as with multiverse run.

${BOOT_USAGE_OPTIONS}`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const a = parseWorkspaceArgs(argv, BOOT_OPTIONS, true);
  if (a.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  const project = await open(a.dir, ctx);
  if (!project) return { status: 125 };
  return boot(project, a, ctx);
}

export const bootCommand: Command = {
  name: 'boot',
  summary: "boot a folder's program as a hybrid, with its multiverse.json settings",
  usage,
  run,
};
