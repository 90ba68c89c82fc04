// detect.ts - what kind of source tree a workspace is (make, CMake, configure,
// loose C files) and which file in it is the program a build produced.

import { open, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';

export type BuildKind = 'make' | 'cmake' | 'configure' | 'c-files';

export interface Detection {
  readonly kind: BuildKind;
  /** The file that decided it (Makefile, CMakeLists.txt, configure), relative to the folder. */
  readonly marker: string;
  /** For 'c-files': the C sources at the top of the folder, sorted. */
  readonly sources: readonly string[];
}

const MAKEFILES = ['GNUmakefile', 'makefile', 'Makefile'];
/** Directories never searched for programs. */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.multiverse', '.vscode']);
const SEARCH_DEPTH = 6;

/** Detects the build system of DIR; undefined when it has nothing Multiverse can build. */
export async function detectBuild(dir: string): Promise<Detection | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const has = (n: string) => names.includes(n);
  const makefile = MAKEFILES.find(has);
  if (makefile) return { kind: 'make', marker: makefile, sources: [] };
  if (has('CMakeLists.txt')) return { kind: 'cmake', marker: 'CMakeLists.txt', sources: [] };
  if (has('configure') && (await isExecutableFile(path.join(dir, 'configure')))) {
    return { kind: 'configure', marker: 'configure', sources: [] };
  }
  const sources = names.filter((n) => n.endsWith('.c')).sort();
  if (sources.length > 0) return { kind: 'c-files', marker: sources[0]!, sources };
  return undefined;
}

export interface ElfInfo {
  /** ET_EXEC or ET_DYN with an entry point: something the launcher could start. */
  readonly executable: boolean;
  /** No PT_INTERP and no PT_DYNAMIC: needs no dynamic loader. */
  readonly static: boolean;
  readonly x86_64: boolean;
}

/** Reads the ELF header and program headers of FILE; undefined when it is not an ELF file. */
export async function readElfInfo(file: string): Promise<ElfInfo | undefined> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, 64, 0);
    if (bytesRead < 64 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    if (head[4] !== 2 || head[5] !== 1) return { executable: false, static: false, x86_64: false }; // not ELF64 LE
    const type = head.readUInt16LE(16);
    const machine = head.readUInt16LE(18);
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    await fh.read(ph, 0, ph.length, phoff);
    let dynamic = false;
    for (let i = 0; i < phnum; i++) {
      const ptype = ph.readUInt32LE(i * phentsize);
      if (ptype === 2 /* PT_DYNAMIC */ || ptype === 3 /* PT_INTERP */) dynamic = true;
    }
    const executable = type === 2 /* ET_EXEC */ || (type === 3 /* ET_DYN */ && head.readBigUInt64LE(24) !== 0n);
    return { executable, static: !dynamic, x86_64: machine === 62 };
  } finally {
    await fh.close();
  }
}

export interface FoundProgram {
  readonly file: string; // absolute
  readonly mtimeMs: number;
}

/**
 * The newest static x86-64 ELF executable under DIR (depth-limited, skipping
 * version-control and tool folders). Files older than `since` (ms) are ignored.
 */
export async function findProgram(dir: string, since = 0): Promise<FoundProgram | undefined> {
  let best: FoundProgram | undefined;
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (depth < SEARCH_DEPTH && !SKIP_DIRS.has(e.name)) await walk(full, depth + 1);
        continue;
      }
      if (!e.isFile() || /\.(o|a|so|ko|obj)$/.test(e.name)) continue;
      const st = await stat(full).catch(() => undefined);
      if (!st || (st.mode & 0o111) === 0 || st.mtimeMs < since) continue;
      if (best && st.mtimeMs <= best.mtimeMs) continue;
      const elf = await readElfInfo(full);
      if (elf?.executable && elf.static && elf.x86_64) best = { file: full, mtimeMs: st.mtimeMs };
    }
  };
  await walk(dir, 0);
  return best;
}

async function isExecutableFile(file: string): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  return !!st && st.isFile() && (st.mode & 0o111) !== 0;
}
