// hybridize.ts - `multiverse hybridize [DIR]`: rebuild a source tree with the
// compiler wrapper, as the extension's Hybridize command does.

import type { CliContext, Command, Outcome } from '../command';
import { BUILD_OPTIONS, build, open, parseWorkspaceArgs } from './workspace';

const usage = `usage: multiverse hybridize [--quiet] [DIR]

Rebuild the program in DIR (default: the current folder) with CC set to
bin/mvcc: the "build" command of DIR/multiverse.json, else make, CMake,
configure or the loose .c files, whichever DIR has. A progress line shows
while it runs on a terminal.

  --quiet   show the build's output only when it fails

Exit status: 0 when built, else the build's status (125: a tool is missing).
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const a = parseWorkspaceArgs(argv, BUILD_OPTIONS, false);
  if (a.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  const project = await open(a.dir, ctx);
  if (!project) return { status: 1 };
  return { status: await build(project, ctx, a.options.has('quiet')) };
}

export const hybridizeCommand: Command = {
  name: 'hybridize',
  summary: 'rebuild a source tree (make, CMake, configure, .c files) with bin/mvcc',
  usage,
  run,
};
