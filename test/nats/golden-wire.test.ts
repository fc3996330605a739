/**
 * Replays the raw TCP cases captured from the real nats-streaming-server and
 * expects natstream to answer with the same bytes and to close (or not) the same way.
 */
import { test, after } from 'node:test';
import { startServer, type RunningServer } from '../../src/index.js';
import type { CoreOptions } from '../../src/nats/options.js';
import { goldenCases, replayCase } from '../support/golden-cases.js';

/** Cases that need several connections, wall-clock waits or randomness: see liveness-limits.test.ts. */
const SKIP = new Set(['D01', 'D14', 'D64', 'D71', 'D90', 'A01', 'M02', 'P01', 'P02', 'P03', 'P04', 'P05']);

const PROFILES: Record<string, Partial<CoreOptions>> = {
  default: {},
  auth: { user: 'ruser', pass: 'T0pS3cr3t' },
  'max_payload 64': { maxPayload: 64 },
  'conn/sub limits': { maxSubscriptions: 2, maxConnections: 3 },
};

const servers = new Map<string, Promise<RunningServer>>();
function serverFor(profile: string): Promise<RunningServer> {
  let s = servers.get(profile);
  if (!s) {
    s = startServer({ port: 0, host: '127.0.0.1', core: PROFILES[profile] });
    servers.set(profile, s);
  }
  return s;
}
after(async () => {
  for (const s of servers.values()) await (await s).close();
});

for (const c of goldenCases) {
  if (SKIP.has(c.id) || !(c.profile in PROFILES)) continue;
  test(`${c.id} ${c.title}`, async () => replayCase(c, (await serverFor(c.profile)).port));
}
