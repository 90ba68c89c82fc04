// libc.ts - which source files are C library code rather than the program's
// own: the musl that kernel/toolchain/build-musl builds for mvcc (with frame
// pointers and line information, so its frames show up with file and line)
// and the system's headers and libraries. The profiler passes over such
// frames when it names a forwarded call's site; the debugger shows them
// de-emphasized and does not step into them.

import * as path from 'node:path';

/** Sources of the system's headers and libraries: library code wherever the program was built. */
export const SYSTEM_LIBRARY_DIRS: readonly string[] = ['/usr/include/', '/usr/lib/', '/usr/local/include/'];

/** The source folders of the C library mvcc links: ROOT/build/musl/src, and
 * DIR/src when $MVCC_LIBC names another DIR/lib (build-musl's layout). */
export function libcSourceDirs(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [path.join(root, 'build', 'musl', 'src')];
  const libc = env.MVCC_LIBC;
  if (libc && libc !== 'system') dirs.push(path.join(path.dirname(path.resolve(libc)), 'src'));
  return dirs;
}

/** A test for "this absolute source path is library code", over DIRS and the system's. */
export function libraryMatcher(dirs: readonly string[] = []): (file: string | undefined) => boolean {
  const all = [...SYSTEM_LIBRARY_DIRS, ...dirs.map((d) => (d.endsWith('/') ? d : `${d}/`))];
  return (file) => file !== undefined && all.some((d) => file.startsWith(d));
}
