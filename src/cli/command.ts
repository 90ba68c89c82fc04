// command.ts - what every subcommand module provides.

/** How a subcommand ended: an exit status, and the signal to re-raise on
 * the CLI itself when the child it ran died of one. */
export interface Outcome {
  status: number;
  signal?: NodeJS.Signals;
}

export interface CliContext {
  /** Repository root of this checkout. */
  root: string;
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  name: string;
  /** One line for `multiverse --help`. */
  summary: string;
  /** Full usage text for `multiverse COMMAND --help`. */
  usage: string;
  run(argv: readonly string[], ctx: CliContext): Promise<Outcome>;
}
