// leftovers.mjs - read-only scans for what a hybrid run must not leave
// behind: files in /dev/shm and QEMU or launcher processes. Processes the
// suite started carry its tag in their environment (MULTIVERSE_TEST_TAG,
// inherited from the CLI through mv-launch to QEMU), so that processes of
// other people's work in the same checkout are never mistaken for leaks.
import { readdirSync, readFileSync } from 'node:fs';

/** Names of the files in /dev/shm now. */
export function shmSnapshot() {
  try {
    return readdirSync('/dev/shm').sort();
  } catch {
    return [];
  }
}

/** Processes (other than this one) whose command line mentions qemu-system or
 * mv-launch together with a path inside root: [{ pid, cmdline }]. */
export function strayProcesses(root) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if ((cmd.includes('qemu-system') || cmd.includes('mv-launch')) && cmd.includes(root)) {
      found.push({ pid: Number(name), cmdline: cmd });
    }
  }
  return found;
}

/** QEMU or launcher processes whose environment carries
 * MULTIVERSE_TEST_TAG=tag: [{ pid, cmdline }]. */
export function taggedProcesses(tag) {
  const found = [];
  const needle = `\0MULTIVERSE_TEST_TAG=${tag}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmd;
    let env;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!cmd.includes('qemu-system') && !cmd.includes('mv-launch')) continue;
      env = `\0${readFileSync(`/proc/${name}/environ`, 'utf8')}`;
    } catch {
      continue; // exited meanwhile
    }
    if (env.includes(needle)) found.push({ pid: Number(name), cmdline: cmd });
  }
  return found;
}
