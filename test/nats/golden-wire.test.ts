/**
 * Replays the raw TCP cases captured from the real nats-streaming-server
 * (test/fixtures/core-wire-cases.json, copied from the spec's captures) and
 * expects natstream to answer with the same bytes and to close (or not) the same way.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../src/index.js';
import type { CoreOptions } from '../../src/nats/options.js';
import { RawClient, unescapeCapture } from '../support/raw-client.js';

interface Case {
  id: string;
  profile: string;
  title: string;
  conn: string;
  info: string;
  sent: string;
  received: string;
  closedByServer: boolean;
}

const fixture = fileURLToPath(new URL('../../../test/fixtures/core-wire-cases.json', import.meta.url));
const cases: Case[] = JSON.parse(readFileSync(fixture, 'utf8'));

/** Cases that need several connections, wall-clock waits or randomness: covered by dedicated tests. */
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

for (const c of cases) {
  if (SKIP.has(c.id) || !(c.profile in PROFILES)) continue;
  test(`${c.id} ${c.title}`, async () => {
    const server = await serverFor(c.profile);
    const client = await RawClient.connect(server.port);
    try {
      const info = await client.untilIncludes('\r\n');
      assert.match(info, /^INFO \{.*\} \r\n$/);
      client.consume();
      const expected = unescapeCapture(c.received);
      client.write(unescapeCapture(c.sent));
      if (c.closedByServer) {
        const got = await client.untilClosed();
        assert.equal(got, expected);
      } else {
        await client.until((t) => t.length >= expected.length);
        // A PING as a barrier: its PONG must come right after the expected bytes.
        client.write('PING\r\n');
        const got = await client.until((t) => t.endsWith('PONG\r\n') && t.length >= expected.length + 6);
        assert.equal(got, expected + 'PONG\r\n');
        assert.equal(client.closed, false);
      }
    } finally {
      client.close();
    }
  });
}
