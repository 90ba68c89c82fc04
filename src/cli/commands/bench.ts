// bench.ts - `multiverse bench`: the core micro-benchmarks of issue 3
// (src/core/microbench.ts, bench/microbench.c), each against a baseline
// measured in the same run. --json prints one flat object of numbers (null
// when a figure cannot be measured, with a `notes` entry) plus `machine`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, buildWithMvcc } from '../../core/bench';
import { locateLauncher } from '../../core/launcher';
import { formatTable, runMicroBench } from '../../core/microbench';
import { STATUS_FAILURE } from '../../core/status';
import { intOption, parseArgs, type OptionSpec } from '../args';
import type { CliContext, Command, Outcome } from '../command';

const specs: readonly OptionSpec[] = [
  { name: 'json', value: 'none' },
  { name: 'runs', value: 'required' },
  { name: 'help', value: 'none' },
];

const usage = `usage: multiverse bench [--json] [--runs N]

Core micro-benchmarks (docs/benchmarks.md): bench/microbench.c, built with
bin/mvcc, run natively and as a hybrid in the same run. Forwarded calls
against a native cache-line ping-pong and native getppid; natively handled
calls (every optional call placed native) against Linux; thread create+join
and futex ping-pong; boot to main (median of N traced runs, default 5); the
CPU an idle hybrid uses over 5 s. A figure that cannot be measured is
reported as n/a (null in JSON) with a note saying why.
--json prints one flat JSON object of numbers plus "machine" and "notes".
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
  const elf = join(outDir, 'microbench');
  try {
    buildWithMvcc(ctx.root, join(ctx.root, 'bench', 'microbench.c'), elf, ['-pthread']);
    const json = p.options.has('json');
    const r = await runMicroBench({ root: ctx.root, paths, elf, bootRuns: runs, progress: json ? undefined : (l) => ctx.err(`bench: ${l}\n`) });
    if (json) ctx.out(`${JSON.stringify({ ...r.figures, machine: r.machine, notes: r.notes })}\n`);
    else ctx.out(formatTable(r));
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
  summary: 'core micro-benchmarks against same-run baselines (--json)',
  usage,
  run,
};
