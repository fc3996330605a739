/**
 * natstream in a process of its own for the bench, used when the `natstream`
 * command is not built yet: `node dist/bench/natstream-child.js <port>`.
 * Exits cleanly on SIGTERM so that `--cpu-prof` can write its profile.
 */
import { startServer } from '../src/index.js';

const port = Number(process.argv[2] ?? 0);
const server = await startServer({ port, host: '127.0.0.1' });
const stop = (): void => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
