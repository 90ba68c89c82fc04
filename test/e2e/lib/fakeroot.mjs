// fakeroot.mjs - a Multiverse checkout for the extension's end-to-end tests
// whose launcher is a stand-in: it records its arguments, writes a kernel log
// and a statistics line, and runs the program natively (or, given
// FAKE_FAULT_LINE, prints it on stderr and exits 139 as a faulting run does). The CLI (dist/cli.js),
// bin/multiverse and bin/mvcc are the real ones. It tests the extension's
// build, terminal, log, status bar and notifications independently of the
// aerokernel; test/e2e/hybrid.test.mjs does the same against the real one.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './env.mjs';

const STANDIN = `#!/bin/sh
# stand-in for mv-launch (test/e2e/lib/fakeroot.mjs)
log=/dev/null stats=
[ -n "$FAKE_LAUNCH_ARGV" ] && printf '%s\\n' "$@" > "$FAKE_LAUNCH_ARGV"
while [ $# -gt 0 ]; do
  case "$1" in
    --log) log=$2; shift 2 ;;
    --stats) stats=$2; shift 2 ;;
    --stats=*) stats=\${1#--stats=}; shift ;;
    --) shift; break ;;
    *) shift ;;
  esac
done
printf 'aerokernel: stand-in launcher, booting %s natively\\n' "$1" >> "$log"
# FAKE_FAULT_LINE (from the manifest's env): report a fault as the launcher does.
if [ -n "$FAKE_FAULT_LINE" ]; then printf '%s\\n' "$FAKE_FAULT_LINE" >&2; exit 139; fi
# Statistics as the launcher writes them: a growing count every half second
# while the program (this pid, after exec) runs.
if [ -n "$stats" ] && [ "$stats" != - ]; then
  pid=$$
  (n=0; while kill -0 $pid 2>/dev/null; do n=$((n + 100)); printf '{"forwarded":%d,"final":false}\\n' $n >> "$stats"; sleep 0.5; done) \\
    </dev/null >/dev/null 2>&1 &
fi
exec "$@"
`;

/** { root, cleanup }: a checkout layout with the stand-in launcher. */
export function makeFakeRoot() {
  const dir = mkdtempSync(join(tmpdir(), 'mv-e2e-root-'));
  for (const d of ['bin', 'dist', 'kernel/include', 'build/ros', 'build/kernel']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(join(root, 'bin', 'multiverse'), join(dir, 'bin', 'multiverse'));
  chmodSync(join(dir, 'bin', 'multiverse'), 0o755);
  symlinkSync(join(root, 'bin', 'mvcc'), join(dir, 'bin', 'mvcc'));
  copyFileSync(join(root, 'dist', 'cli.js'), join(dir, 'dist', 'cli.js'));
  copyFileSync(join(root, 'kernel', 'include', 'mv_abi.h'), join(dir, 'kernel', 'include', 'mv_abi.h'));
  writeFileSync(join(dir, 'build', 'ros', 'mv-launch'), STANDIN, { mode: 0o755 });
  writeFileSync(join(dir, 'build', 'kernel', 'aerokernel.elf'), '');
  return { root: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
