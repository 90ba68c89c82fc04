// args.ts - a small GNU-style option parser for the subcommands: options
// come first; the first non-option (or everything after "--") is positional.

export interface OptionSpec {
  /** Long name without dashes, e.g. "cpus". */
  name: string;
  /** "none": a flag; "required": --name VALUE or --name=VALUE;
   * "optional": --name alone (the default below) or --name=VALUE. */
  value: 'none' | 'required' | 'optional';
  defaultValue?: string;
}

export interface ParsedArgs {
  /** Option name -> value ("" for a flag). Repeated options keep the last. */
  options: Map<string, string>;
  rest: string[];
}

/** A usage error; the message says which option is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parse argv against specs. Throws UsageError on an unknown option or a
 * missing value. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('--') || a === '-') break;
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new UsageError(`unknown option '${a}'`);
    if (spec.value === 'none') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options.set(name, '');
    } else if (eq >= 0) {
      options.set(name, a.slice(eq + 1));
    } else if (spec.value === 'optional') {
      options.set(name, spec.defaultValue ?? '');
    } else {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`option --${name} needs a value`);
      options.set(name, v);
      i++;
    }
  }
  return { options, rest: argv.slice(i) };
}

/** An integer option in [lo, hi], or undefined when absent. */
export function intOption(p: ParsedArgs, name: string, lo: number, hi: number): number | undefined {
  const v = p.options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < lo || n > hi) throw new UsageError(`--${name} must be an integer ${lo}..${hi} (not '${v}')`);
  return n;
}

/** A comma-separated list option, or undefined when absent. */
export function listOption(p: ParsedArgs, name: string): string[] | undefined {
  const v = p.options.get(name);
  return v === undefined ? undefined : v.split(',').filter((s) => s.length > 0);
}
