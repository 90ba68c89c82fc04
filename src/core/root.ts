// root.ts - where the Multiverse checkout is (bin/multiverse, bin/mvcc), found from a setting, the environment or a start folder.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { SYSCALLS } from './generated/abi';

export interface MultiverseRoot {
  readonly dir: string;
  /** The CLI: `multiverse run ...`. */
  readonly cli: string;
  /** The compiler wrapper given to builds as CC. */
  readonly mvcc: string;
}

/** The checkout at DIR, or undefined when DIR has no bin/multiverse. */
export function rootAt(dir: string): MultiverseRoot | undefined {
  const abs = path.resolve(dir);
  const cli = path.join(abs, 'bin', 'multiverse');
  if (!existsSync(cli)) return undefined;
  return { dir: abs, cli, mvcc: path.join(abs, 'bin', 'mvcc') };
}

/**
 * Finds the checkout: CONFIGURED (a setting; must be a checkout when given),
 * then $MULTIVERSE_ROOT, then START and its parents.
 */
export function findRoot(configured: string | undefined, start: string | undefined): MultiverseRoot | undefined {
  if (configured) return rootAt(configured);
  const fromEnv = process.env.MULTIVERSE_ROOT;
  if (fromEnv) {
    const r = rootAt(fromEnv);
    if (r) return r;
  }
  for (let d = start ? path.resolve(start) : undefined; d; ) {
    const r = rootAt(d);
    if (r) return r;
    const up = path.dirname(d);
    d = up === d ? undefined : up;
  }
  return undefined;
}

/** The system calls a placement list may make native: class "opt" in the system-call table. */
export function placeableCalls(): string[] {
  return SYSCALLS.filter((s) => s.cls === 'opt').map((s) => s.name);
}
