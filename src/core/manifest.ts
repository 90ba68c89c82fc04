// manifest.ts - the workspace manifest multiverse.json: its type, validation with
// precise errors (JSON path + source range), defaults and rendering.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { JsonNode, JsonSyntaxError, Range, parseJson } from './jsonloc';

export const MANIFEST_FILE = 'multiverse.json';

export type Accel = 'auto' | 'kvm' | 'tcg';
export const ACCELS: readonly Accel[] = ['auto', 'kvm', 'tcg'];

export const CPUS_MAX = 64;
export const MEMORY_MIN = 64 * 2 ** 20;  // MV_RAM_MIN
export const MEMORY_MAX = 3 * 2 ** 30;   // MV_RAM_MAX: below microvm's PCI hole

/** A validated manifest. Paths are as written (relative to the workspace folder). */
export interface Manifest {
  /** Shell command that builds the program with CC=$MVCC; absent: detected. */
  build?: string;
  /** The program to boot; absent: the newest static ELF executable in the tree. */
  program?: string;
  args: string[];
  /** File fed to the program's stdin; absent: the terminal. */
  stdin?: string;
  cwd: string;
  env: Record<string, string>;
  cpus?: number;
  /** Guest memory, e.g. "512M" or "1G". */
  memory?: string;
  accel?: Accel;
  /** Functions and system calls moved into kernel mode (native); empty: all forwarded.
   * A system call by name ("getpid"); a program function as "function:NAME", whose
   * replacement is kernel-mode/NAME.c (src/core/kfunc.ts). */
  placement: string[];
}

export interface ManifestProblem {
  /** Where in the document: "" for the whole file, "cpus", "args[1]", "env.HOME". */
  readonly path: string;
  readonly message: string;
  readonly range: Range;
  readonly severity: 'error' | 'warning';
}

export interface ManifestResult {
  /** Present when there is no error (warnings allowed). */
  readonly manifest?: Manifest;
  readonly problems: ManifestProblem[];
}

export interface ValidateOptions {
  /** Names a placement entry may take (system calls that can be native); unchecked when absent. */
  readonly placeable?: readonly string[];
}

const KNOWN_KEYS = ['$schema', 'build', 'program', 'args', 'stdin', 'cwd', 'env', 'cpus', 'memory', 'accel', 'placement'];

/** Parses and validates manifest text. Never throws. */
export function parseManifest(text: string, options: ValidateOptions = {}): ManifestResult {
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const at = Math.min(e.offset, text.length);
      return { problems: [problem('', `invalid JSON: ${e.message}`, { start: at, end: Math.min(at + 1, text.length) })] };
    }
    throw e;
  }
  return validateManifest(root, options);
}

/** Validates a parsed JSON tree as a manifest. */
export function validateManifest(root: JsonNode, options: ValidateOptions = {}): ManifestResult {
  const problems: ManifestProblem[] = [];
  if (root.kind !== 'object') {
    return { problems: [problem('', 'the manifest must be a JSON object', root.range)] };
  }
  const m: Manifest = { args: [], cwd: '.', env: {}, placement: [] };
  const seen = new Set<string>();
  for (const { key, keyRange, value } of root.entries) {
    if (seen.has(key)) problems.push(problem(key, `duplicate property "${key}"`, keyRange));
    seen.add(key);
    switch (key) {
      case '$schema':
        expectString(key, value, problems);
        break;
      case 'build': {
        const s = expectString(key, value, problems);
        if (s !== undefined && s.trim() === '') problems.push(problem(key, 'the build command is empty', value.range));
        else if (s !== undefined) m.build = s;
        break;
      }
      case 'program':
      case 'stdin':
      case 'cwd': {
        const s = expectString(key, value, problems);
        if (s === undefined) break;
        if (s === '') problems.push(problem(key, `"${key}" must be a non-empty path`, value.range));
        else m[key] = s;
        break;
      }
      case 'args':
        m.args = stringArray(key, value, problems);
        break;
      case 'env':
        m.env = stringMap(key, value, problems);
        break;
      case 'cpus':
        if (value.kind !== 'number' || !Number.isInteger(value.value)) {
          problems.push(problem(key, '"cpus" must be an integer', value.range));
        } else if (value.value < 1 || value.value > CPUS_MAX) {
          problems.push(problem(key, `"cpus" must be between 1 and ${CPUS_MAX}, not ${value.value}`, value.range));
        } else {
          m.cpus = value.value;
        }
        break;
      case 'memory': {
        const s = value.kind === 'number' ? `${value.value}M` : expectString(key, value, problems);
        if (s === undefined) break;
        const bytes = memoryBytes(s);
        if (bytes === undefined) {
          problems.push(problem(key, `"memory" must be a size such as "512M" or "2G", not "${s}"`, value.range));
        } else if (bytes < MEMORY_MIN || bytes > MEMORY_MAX) {
          problems.push(problem(key, `"memory" must be between 64M and 3G, not ${s}`, value.range));
        } else {
          m.memory = s;
        }
        break;
      }
      case 'accel': {
        const s = expectString(key, value, problems);
        if (s === undefined) break;
        if ((ACCELS as readonly string[]).includes(s)) m.accel = s as Accel;
        else problems.push(problem(key, `"accel" must be one of ${ACCELS.map((a) => `"${a}"`).join(', ')}, not "${s}"`, value.range));
        break;
      }
      case 'placement':
        m.placement = placementList(value, problems, options);
        break;
      default:
        problems.push({ ...problem(key, `unknown property "${key}" (known: ${KNOWN_KEYS.slice(1).join(', ')})`, keyRange), severity: 'warning' });
    }
  }
  const hasError = problems.some((p) => p.severity === 'error');
  return hasError ? { problems } : { manifest: m, problems };
}

/** Reads DIR/multiverse.json; undefined when the file does not exist. */
export async function loadManifest(
  dir: string,
  options: ValidateOptions = {},
): Promise<(ManifestResult & { file: string; text: string }) | undefined> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return { ...parseManifest(text, options), file, text };
}

/** Bytes of a size such as "512M", "2G", "65536K", "1GiB"; undefined when malformed. */
export function memoryBytes(size: string): number | undefined {
  const m = /^([0-9]+)\s*([KMG])(i?B)?$/i.exec(size.trim());
  if (!m) return undefined;
  const unit = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]!.toUpperCase() as 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

/**
 * Renders a manifest as the file Create Manifest writes (2-space JSON). No
 * "$schema": the extension associates the schema with every multiverse.json.
 */
export function renderManifest(m: Manifest): string {
  const out: Record<string, unknown> = {};
  if (m.build !== undefined) out.build = m.build;
  if (m.program !== undefined) out.program = m.program;
  out.args = m.args;
  if (m.stdin !== undefined) out.stdin = m.stdin;
  out.cwd = m.cwd;
  out.env = m.env;
  if (m.cpus !== undefined) out.cpus = m.cpus;
  if (m.memory !== undefined) out.memory = m.memory;
  if (m.accel !== undefined) out.accel = m.accel;
  out.placement = m.placement;
  return JSON.stringify(out, null, 2) + '\n';
}

/** One line per problem: "multiverse.json:3:11: error: cpus: ..." (line/column 1-based). */
export function formatProblems(file: string, text: string, problems: readonly ManifestProblem[]): string[] {
  return problems.map((p) => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < p.range.start && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return `${file}:${line}:${col}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  });
}

function problem(p: string, message: string, range: Range): ManifestProblem {
  return { path: p, message, range, severity: 'error' };
}

function expectString(key: string, node: JsonNode, problems: ManifestProblem[]): string | undefined {
  if (node.kind === 'string') return node.value;
  problems.push(problem(key, `"${key}" must be a string`, node.range));
  return undefined;
}

function stringArray(key: string, node: JsonNode, problems: ManifestProblem[]): string[] {
  if (node.kind !== 'array') {
    problems.push(problem(key, `"${key}" must be an array of strings`, node.range));
    return [];
  }
  const out: string[] = [];
  node.items.forEach((item, i) => {
    if (item.kind === 'string') out.push(item.value);
    else problems.push(problem(`${key}[${i}]`, `"${key}" entries must be strings`, item.range));
  });
  return out;
}

function stringMap(key: string, node: JsonNode, problems: ManifestProblem[]): Record<string, string> {
  if (node.kind !== 'object') {
    problems.push(problem(key, `"${key}" must be an object of string values`, node.range));
    return {};
  }
  const out: Record<string, string> = {};
  for (const e of node.entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.key)) {
      problems.push(problem(`${key}.${e.key}`, `"${e.key}" is not a valid environment variable name`, e.keyRange));
    } else if (e.value.kind !== 'string') {
      problems.push(problem(`${key}.${e.key}`, `the value of ${e.key} must be a string`, e.value.range));
    } else {
      out[e.key] = e.value.value;
    }
  }
  return out;
}

function placementList(node: JsonNode, problems: ManifestProblem[], options: ValidateOptions): string[] {
  const names = stringArray('placement', node, problems);
  if (node.kind !== 'array') return names;
  const seen = new Set<string>();
  node.items.forEach((item, i) => {
    if (item.kind !== 'string') return;
    const at = `placement[${i}]`;
    if (/^function:/.test(item.value)) {
      // a program function moved into kernel mode (docs/kernel-functions.md): kernel-mode/NAME.c replaces it
      if (!/^function:[A-Za-z_][A-Za-z0-9_]*$/.test(item.value)) {
        problems.push(problem(at, `"${item.value}" is not "function:" followed by a C function name`, item.range));
      } else if (seen.has(item.value)) {
        problems.push({ ...problem(at, `"${item.value}" is listed twice`, item.range), severity: 'warning' });
      }
    } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(item.value)) {
      problems.push(problem(at, `"${item.value}" is not a function or system call name`, item.range));
    } else if (options.placeable && !options.placeable.includes(item.value)) {
      problems.push({
        ...problem(at, `"${item.value}" is not a system call that can run natively (movable: ${options.placeable.join(', ')})`, item.range),
        severity: 'warning',
      });
    } else if (seen.has(item.value)) {
      problems.push({ ...problem(at, `"${item.value}" is listed twice`, item.range), severity: 'warning' });
    }
    seen.add(item.value);
  });
  return [...seen].filter((n) => /^(function:)?[A-Za-z_][A-Za-z0-9_]*$/.test(n));
}
