import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RawClient, unescapeCapture } from './raw-client.js';

/** One raw TCP case captured from the real server (test/fixtures/core-wire-cases.json). */
export interface GoldenCase {
  id: string;
  profile: string;
  title: string;
  conn: string;
  sent: string;
  received: string;
  closedByServer: boolean;
}

const fixture = fileURLToPath(new URL('../../../test/fixtures/core-wire-cases.json', import.meta.url));
export const goldenCases: GoldenCase[] = JSON.parse(readFileSync(fixture, 'utf8'));

/** Sends the case's bytes to a server on `port` and asserts the captured answer and close behaviour. */
export async function replayCase(c: GoldenCase, port: number): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    const info = await client.untilIncludes('\r\n');
    assert.match(info, /^INFO \{.*\} \r\n$/);
    client.consume();
    const expected = unescapeCapture(c.received);
    client.write(unescapeCapture(c.sent));
    if (c.closedByServer) {
      assert.equal(await client.untilClosed(), expected);
      return;
    }
    await client.until((t) => t.length >= expected.length);
    // A PING as a barrier: its PONG must come right after the expected bytes.
    client.write('PING\r\n');
    const got = await client.until((t) => t.endsWith('PONG\r\n') && t.length >= expected.length + 6);
    assert.equal(got, expected + 'PONG\r\n');
    assert.equal(client.closed, false);
  } finally {
    client.close();
  }
}
