// tools.ts - the host tools Multiverse runs, how to find them, and what to tell
// the user (with Debian package names) when one is missing.

import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import type { BuildKind } from './detect';

export interface Tool {
  /** Executable name looked up on PATH. */
  readonly command: string;
  /** Debian package that provides it. */
  readonly debianPackage: string;
  /** What Multiverse needs it for, completing "needed to ...". */
  readonly purpose: string;
}

export const TOOLS = {
  qemu: { command: 'qemu-system-x86_64', debianPackage: 'qemu-system-x86', purpose: 'boot the hybrid' },
  musl: { command: 'musl-gcc', debianPackage: 'musl-tools', purpose: 'rebuild the program against musl' },
  gdb: { command: 'gdb', debianPackage: 'gdb', purpose: 'debug kernel-mode code' },
  gcc: { command: 'gcc', debianPackage: 'gcc', purpose: 'compile C' },
  make: { command: 'make', debianPackage: 'make', purpose: 'run the Makefile' },
  cmake: { command: 'cmake', debianPackage: 'cmake', purpose: 'configure the CMake project' },
} as const satisfies Record<string, Tool>;

export type ToolId = keyof typeof TOOLS;

/** Tools a build of this kind needs. */
export function buildTools(kind: BuildKind | 'custom'): ToolId[] {
  switch (kind) {
    case 'make':
    case 'configure':
    case 'custom':
      return ['gcc', 'musl', 'make'];
    case 'cmake':
      return ['gcc', 'musl', 'cmake', 'make'];
    case 'c-files':
      return ['gcc', 'musl'];
  }
}

/** Tools booting needs (gdb is optional: see optionalBootTools). */
export const BOOT_TOOLS: readonly ToolId[] = ['qemu'];
/** Tools whose absence is reported on boot without stopping it. */
export const OPTIONAL_BOOT_TOOLS: readonly ToolId[] = ['gdb'];

/** Absolute path of COMMAND on the search path PATHVAR, or undefined. */
export function which(command: string, pathVar: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The tools in IDS that are not on PATHVAR, in the order given. */
export function missingTools(ids: readonly ToolId[], pathVar?: string): Tool[] {
  const seen = new Set<ToolId>();
  const out: Tool[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (!which(TOOLS[id].command, pathVar)) out.push(TOOLS[id]);
  }
  return out;
}

/** The apt-get command that installs TOOLS, e.g. "sudo apt-get install -y qemu-system-x86 gdb". */
export function installCommand(tools: readonly Tool[], asRoot = process.getuid?.() === 0): string {
  const pkgs = [...new Set(tools.map((t) => t.debianPackage))];
  return `${asRoot ? '' : 'sudo '}apt-get install -y ${pkgs.join(' ')}`;
}

/** A message naming each missing tool, why it is needed, and its Debian package. */
export function missingToolsMessage(tools: readonly Tool[]): string {
  const parts = tools.map((t) => `${t.command} (needed to ${t.purpose}; Debian package ${t.debianPackage})`);
  const noun = tools.length === 1 ? 'tool is' : 'tools are';
  return `Multiverse: required ${noun} missing: ${parts.join(', ')}.`;
}
