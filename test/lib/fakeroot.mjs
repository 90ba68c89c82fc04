// fakeroot.mjs - a throw-away copy of this checkout's CLI whose "launcher"
// is a stand-in that records its options (FAKE_LAUNCH_ARGV=FILE) and execs
// the program natively. It tests the CLI layer (argument mapping, stdio, exit status,
// signals) independently of the kernel.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, tempDir } from './harness.mjs';

// The stand-in is C so that the environment reaches the program untouched
// (a shell would reorder it and add PWD) and the program keeps its pid.
const STANDIN = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    const char *rec = getenv("FAKE_LAUNCH_ARGV");
    FILE *f = rec && *rec ? fopen(rec, "w") : NULL;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (f)
            fprintf(f, "%s\\n", argv[i]);
    if (f)
        fclose(f);
    if (i + 1 >= argc)
        return 125;
    execv(argv[i + 1], argv + i + 1);
    perror(argv[i + 1]);
    return 125;
}
`;

/** { root, cli, cleanup }: a minimal checkout layout around dist/cli.js. */
export function makeFakeRoot() {
  const t = tempDir('mv-fakeroot-');
  for (const d of ['bin', 'dist', 'kernel/include', 'build/ros', 'build/kernel']) mkdirSync(join(t.dir, d), { recursive: true });
  copyFileSync(join(root, 'bin', 'multiverse'), join(t.dir, 'bin', 'multiverse'));
  chmodSync(join(t.dir, 'bin', 'multiverse'), 0o755);
  copyFileSync(join(root, 'dist', 'cli.js'), join(t.dir, 'dist', 'cli.js'));
  copyFileSync(join(root, 'kernel', 'include', 'mv_abi.h'), join(t.dir, 'kernel', 'include', 'mv_abi.h'));
  writeFileSync(join(t.dir, 'standin.c'), STANDIN);
  const cc = spawnSync('cc', ['-O', '-o', join(t.dir, 'build', 'ros', 'mv-launch'), join(t.dir, 'standin.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cannot build the stand-in launcher: ${cc.stderr}`);
  writeFileSync(join(t.dir, 'build', 'kernel', 'aerokernel.elf'), '');
  return { root: t.dir, cli: join(t.dir, 'bin', 'multiverse'), cleanup: t.cleanup };
}
