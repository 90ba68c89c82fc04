// bench.ts - `multiverse bench`: start-up figures, each against a baseline
// measured in the same run (boot to main vs `qemu -version`, a whole hello
// run vs native). --json prints one flat object of numbers plus `machine`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, benchStartup, buildWithMvcc } from '../../core/bench';
import { locateLauncher } from '../../core/launcher';
import { STATUS_FAILURE } from '../../core/status';
import { intOption, parseArgs, type OptionSpec } from '../args';
import type { CliContext, Command, Outcome } from '../command';

const specs: readonly OptionSpec[] = [
  { name: 'json', value: 'none' },
  { name: 'runs', value: 'required' },
  { name: 'help', value: 'none' },
];

const usage = `usage: multiverse bench [--json] [--runs N]

Start-up benchmarks on examples/hello (built with bin/mvcc), medians of N runs
(default 5), each with its baseline from the same run:
  boot_to_main_ms    launcher start to the kernel entering the program,
                     against qemu_version_ms (qemu-system-x86_64 -version)
  hello_hybrid_ms    a whole hybrid run, against hello_native_ms
--json prints one flat JSON object of numbers plus a "machine" object.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const p = parseArgs(argv, specs);
  if (p.options.has('help')) {
    ctx.out(usage);
    return { status: 0 };
  }
  const runs = intOption(p, 'runs', 1, 1000) ?? 5;
  const paths = locateLauncher(ctx.root);
  const outDir = join(ctx.root, 'build', 'bench');
  mkdirSync(outDir, { recursive: true });
  const elf = join(outDir, 'hello');
  try {
    buildWithMvcc(ctx.root, join(ctx.root, 'examples', 'hello', 'hello.c'), elf);
    const r = await benchStartup(paths, elf, runs);
    if (p.options.has('json')) {
      ctx.out(`${JSON.stringify({ ...r.figures, machine: r.machine })}\n`);
    } else {
      ctx.out(`machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.accel}; median of ${runs} runs\n`);
      for (const [k, v] of Object.entries(r.figures)) ctx.out(`  ${k.padEnd(30)} ${v}\n`);
    }
    return { status: 0 };
  } catch (e) {
    if (e instanceof BenchError) {
      ctx.err(`multiverse: bench: ${e.message}\n`);
      return { status: STATUS_FAILURE };
    }
    throw e;
  }
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'start-up benchmarks against same-run baselines (--json)',
  usage,
  run,
};
