// status.ts - exit statuses as a shell reports them.
import { constants } from 'node:os';

/** The status code of a process that ended with (code, signal), as a shell
 * reports it: the exit code, or 128 + the signal number. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 0;
}

/** Status for a failure that is not the program's own (launcher, kernel, QEMU). */
export const STATUS_FAILURE = 125;
