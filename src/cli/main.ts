// main.ts - the `multiverse` command line: dispatches to one module per
// subcommand in ./commands.
import { LauncherError, findRoot } from '../core/launcher';
import { STATUS_FAILURE } from '../core/status';
import { UsageError } from './args';
import type { CliContext, Command, Outcome } from './command';
import { benchCommand } from './commands/bench';
import { runCommand } from './commands/run';
import { bootCommand } from './commands/boot';
import { createManifestCommand } from './commands/create-manifest';
import { hybridizeCommand } from './commands/hybridize';
import { hybridizeAndBootCommand } from './commands/hybridize-and-boot';
import { profileCommand } from './commands/profile';
import { kernelizeCommand } from './commands/kernelize';

declare const MULTIVERSE_VERSION: string;

const commands: readonly Command[] = [runCommand, benchCommand, hybridizeCommand, bootCommand, hybridizeAndBootCommand, createManifestCommand, profileCommand, kernelizeCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: multiverse COMMAND [options] [ARGS...]

Multiverse boots an unmodified static C program as a kernel (its code runs in
ring 0 on the aerokernel under QEMU) and forwards the system calls the
aerokernel does not implement to Linux.

commands:
${lines.join('\n')}

  multiverse COMMAND --help   options of one command
  multiverse --version        print the version
`;
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    ctx.out(help());
    return { status: first === undefined ? 2 : 0 };
  }
  if (first === '--version' || first === '-V') {
    ctx.out(`multiverse ${MULTIVERSE_VERSION}\n`);
    return { status: 0 };
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) throw new UsageError(`unknown command '${first}'`);
  return cmd.run(rest, ctx);
}

/** Make this process end the way the child did: re-raise its signal (with
 * the default action restored), else exit with the status. */
function finish(o: Outcome): void {
  if (o.signal !== undefined) {
    process.removeAllListeners(o.signal);
    try {
      process.kill(process.pid, o.signal);
    } catch {
      // fall through to the numeric status
    }
    // A signal Node ignores (SIGPIPE) or one still pending: exit as a shell
    // would report it once the event loop turns.
    setImmediate(() => process.exit(o.status));
    return;
  }
  process.exitCode = o.status;
}

export function main(argv: readonly string[]): void {
  const ctx: CliContext = {
    get root(): string {
      return findRoot(__dirname);
    },
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
  };
  dispatch(argv, ctx).then(finish, (e: unknown) => {
    if (e instanceof UsageError) {
      ctx.err(`multiverse: ${e.message}\n(run multiverse --help for usage)\n`);
    } else if (e instanceof LauncherError) {
      ctx.err(`multiverse: ${e.message}\n`);
    } else {
      ctx.err(`multiverse: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exitCode = STATUS_FAILURE;
  });
}
