import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports are picked at random below the kernel's ephemeral range: a port that
 * `listen(0)` handed out is one the kernel may give the next outgoing
 * connection (or the next `listen(0)` of a parallel test file) before the
 * child process binds it. Never the same port twice in one process.
 */
const ephemeralLow = ((): number => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
})();
const FIRST = 10_000;
const handedOut = new Set<number>();

/** A TCP port that was free a moment ago (for child processes that need a port up front). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (ephemeralLow - FIRST));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found below the ephemeral range');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
