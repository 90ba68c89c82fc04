// adapter.ts - the standalone entry of the `multiverse` debug adapter
// (dist/debugAdapter.js): speaks DAP on stdin/stdout, runs with plain node
// inside or outside VS Code. Whatever ends the adapter ends the hybrid and
// gdb it started.
import { MultiverseSession } from './session';

const session = new MultiverseSession();
process.on('exit', () => session.killChildren());
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    session.killChildren();
    process.exit(128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 1));
  });
}
session.start(process.stdin, process.stdout);
