/**
 * Delivery backpressure: a subscriber whose socket stops reading gets nothing
 * more queued for it once its connection is backed up (its undelivered messages
 * stay in the store, not in the server's write queue), and everything arrives,
 * in order, once it reads again.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startServer, type RunningServer } from '../../src/index.js';
import type { ClientConnection } from '../../src/nats/connection.js';
import { closeStan, connectStan, publish, subscribe, withTimeout, type Stan } from './harness.js';

const MESSAGES = 30_000;
const PAYLOAD = Buffer.alloc(1024, 120);

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('delivery backpressure', () => {
  let running: RunningServer;
  let pub: Stan;
  let sub: Stan;
  before(async () => {
    running = await startServer({ port: 0, host: '127.0.0.1', clusterId: 'bp' });
    pub = await connectStan(running.natsUrl, 'bp', 'bp-pub', { maxPubAcksInflight: MESSAGES * 2 });
    sub = await connectStan(running.natsUrl, 'bp', 'bp-sub');
  });
  after(async () => {
    await closeStan(pub).catch(() => undefined);
    await closeStan(sub).catch(() => undefined);
    await running.close();
  });

  it('a subscriber that stops reading holds its messages in the store, then gets them all in order', { timeout: 60_000 }, async () => {
    let received = 0;
    let outOfOrder = 0;
    let allReceived: () => void = () => {};
    const done = new Promise<void>((r) => { allReceived = r; });
    const opts = sub.subscriptionOptions().setMaxInFlight(MESSAGES * 2).setAckWait(120_000);
    const s = await subscribe(sub, 'bp', null, opts);
    s.on('message', (m: { getSequence(): number }) => {
      if (m.getSequence() !== received + 1) outOfOrder++;
      if (++received === MESSAGES) allReceived();
    });
    // the subscriber's socket stops reading: the kernel's buffers fill, then the server's queue would
    sub.nc.stream.pause();
    const acks: Array<Promise<string>> = [];
    for (let i = 0; i < MESSAGES; i++) acks.push(publish(pub, 'bp', PAYLOAD));
    await withTimeout(Promise.all(acks), 30_000, 'PubAcks');

    const conns = (): ClientConnection[] => [...running.core!.connections.values()];
    await until(() => conns().some((c) => c.blockedSince !== 0), 'a backed-up connection');
    const backedUp = conns().find((c) => c.blockedSince !== 0)!;
    const subState = [...running.streaming!.channels.get('bp')!.subs][0];
    // 30 MB were published; what the kernel did not take stays in the store
    assert.ok(backedUp.pendingBytes < 4 * 1024 * 1024, `server-side backlog ${backedUp.pendingBytes} bytes`);
    assert.ok(subState.lastSent < MESSAGES, `sent ${subState.lastSent} of ${MESSAGES} into a socket that does not read`);

    sub.nc.stream.resume();
    await withTimeout(done, 30_000, `all ${MESSAGES} messages (got ${received})`);
    assert.equal(outOfOrder, 0);
    assert.equal(subState.lastSent, MESSAGES);
  });
});
