/**
 * Publish pushback: while an internal handler holds a connection's messages
 * unanswered (the streaming server does until the PubAck is sent), the server
 * stops reading that connection past MAX_HELD_PUBLISHES; once they are released
 * it reads on. Other connections are served meanwhile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/index.js';
import { MAX_HELD_PUBLISHES } from '../../src/nats/connection.js';
import type { SenderHold, Transport } from '../../src/transport/transport.js';
import { RawClient } from '../support/raw-client.js';

describe('publish pushback', () => {
  let server: RunningServer;
  let transport: Transport;
  before(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', streaming: false });
    transport = server.core!.createInternalTransport('pushback-test');
  });
  after(async () => {
    await transport.close();
    await server.close();
  });

  it('a publisher is no longer read while its held messages reach the bound, and read on once released', async () => {
    const held: SenderHold[] = [];
    let handled = 0;
    let holding = true;
    let unknownSender = 0;
    transport.subscribe('held.>', () => {
      handled++;
      const h = transport.holdSender!();
      if (h === null) { unknownSender++; return; }
      // first everything is held; later each is answered right after
      if (holding) held.push(h);
      else queueMicrotask(() => h.release());
    });
    const total = MAX_HELD_PUBLISHES * 8;
    const pub = await RawClient.connect(server.port);
    pub.write('CONNECT {"verbose":false}\r\n');
    let flood = '';
    for (let i = 0; i < total; i++) flood += `PUB held.x ${String(i).length}\r\n${i}\r\n`;
    pub.write(`${flood}PING\r\n`);
    // another connection's round trip: the server keeps serving others, and has read what it will read
    const other = await RawClient.connect(server.port);
    other.write('CONNECT {"verbose":false}\r\nPING\r\n');
    await other.untilIncludes('PONG');
    for (let i = 0; i < 5 && handled < MAX_HELD_PUBLISHES; i++) {
      other.consume();
      other.write('PING\r\n');
      await other.untilIncludes('PONG');
    }
    for (let i = 0; i < 3; i++) {
      other.consume();
      other.write('PING\r\n');
      await other.untilIncludes('PONG');
    }
    assert.ok(handled >= MAX_HELD_PUBLISHES, `${handled} handled`);
    assert.ok(handled < total, `the publisher was read on to the end (${handled}) while ${held.length} messages were held`);
    assert.ok(!pub.text.includes('PONG'), 'its PING is not read yet');
    // answering everything lets the rest in
    holding = false;
    for (const h of held.splice(0)) h.release();
    await pub.until(() => handled === total && pub.text.includes('PONG'), 10_000);
    assert.equal(unknownSender, 0, 'the sender of a PUB is known inside the handler');
    assert.equal(handled, total);
    pub.close();
    other.close();
  });
});
