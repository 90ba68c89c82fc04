// leftovers.mjs - read-only scans for what a hybrid run must not leave
// behind: files in /dev/shm and QEMU or launcher processes of this checkout.
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
