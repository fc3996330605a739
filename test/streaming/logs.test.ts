/**
 * Log lines in the Go server's format (captures/startup-logs.txt): the start-up
 * banner with the limits, -SD subjects, -SV traces of a session, shutdown.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { inboxOf, limits, publish, startStan, subscribe } from './harness.js';

describe('log lines', () => {
  it('start-up banner, -SD/-SV lines of a session, shutdown', async () => {
    const h = await startStan({ clusterId: 'ticketing' });
    const strip = (l: string) => l.replace(/=_INBOX\.\w+/g, '=_INBOX.X').replace(/ServerID: \w+/, 'ServerID: X').replace(`Node.js version: ${process.version}`, 'Node.js version: V');
    const banner = h.logs.lines.map(strip);
    assert.deepEqual(banner, [
      '[INF] STREAM: Starting nats-streaming-server[ticketing] version 0.25.6',
      '[INF] STREAM: ServerID: X',
      '[INF] STREAM: Node.js version: V',
      '[INF] STREAM: Git commit: [not set]',
      '[INF] STREAM: Recovering the state...',
      '[INF] STREAM: No recovered state',
      '[DBG] STREAM: Discover subject:           _STAN.discover.ticketing',
      '[DBG] STREAM: Publish subject:            _STAN.pub.ticketing.>',
      '[DBG] STREAM: Subscribe subject:          _STAN.sub.ticketing',
      '[DBG] STREAM: Subscription Close subject: _STAN.subclose.ticketing',
      '[DBG] STREAM: Unsubscribe subject:        _STAN.unsub.ticketing',
      '[DBG] STREAM: Close subject:              _STAN.close.ticketing',
      '[INF] STREAM: Message store is MEMORY',
      '[INF] STREAM: ---------- Store Limits ----------',
      '[INF] STREAM: Channels:                  100 *',
      '[INF] STREAM: --------- Channels Limits --------',
      '[INF] STREAM:   Subscriptions:          1000 *',
      '[INF] STREAM:   Messages     :       1000000 *',
      '[INF] STREAM:   Bytes        :     976.56 MB *',
      '[INF] STREAM:   Age          :     unlimited *',
      '[INF] STREAM:   Inactivity   :     unlimited *',
      '[INF] STREAM: ----------------------------------',
      '[INF] STREAM: Streaming Server is ready',
    ]);

    const sc = await h.connect('c1');
    const sub = await subscribe(sc, 'foo', null, sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(5000));
    await publish(sc, 'foo', 'hello');
    const [m] = await inboxOf(sub).take(1);
    m.msg.ack();
    await h.logs.waitFor('Processing ack');
    await h.close();
    const session = h.logs.lines.slice(banner.length).map(strip)
      .map((l) => l.replace(/guid=\w+/, 'guid=G'));
    assert.deepEqual(session, [
      '[DBG] STREAM: [Client:c1] Connected (Inbox=_INBOX.X)',
      '[INF] STREAM: Channel "foo" has been created',
      '[DBG] STREAM: [Client:c1] Started new subscription, subject=foo, inbox=_INBOX.X, subid=1, sending from beginning, seq=1',
      '[TRC] STREAM: [Client:c1] Received message from publisher subj=foo guid=G',
      '[TRC] STREAM: [Client:c1] Delivering msg to subid=1, subject=foo, seq=1',
      '[TRC] STREAM: [Client:c1] Acking Publisher subj=foo guid=G',
      '[TRC] STREAM: [Client:c1] Processing ack for subid=1, subject=foo, seq=1',
      '[DBG] STREAM: [Client:c1] Removed subscription, subject=foo, inbox=_INBOX.X, subid=1',
      '[DBG] STREAM: [Client:c1] Closed (Inbox=_INBOX.X)',
      '[INF] STREAM: Shutting down.',
    ]);
  });

  it('the banner shows changed limits without the default mark', async () => {
    const h = await startStan({ limits: limits({ maxChannels: 2, maxMsgs: 5, maxAge: 3_600_000 }), debug: false, trace: false });
    try {
      const lines = h.logs.lines;
      assert.ok(lines.includes('[INF] STREAM: Channels:                    2'));
      assert.ok(lines.includes('[INF] STREAM:   Messages     :             5'));
      assert.ok(lines.includes('[INF] STREAM:   Age          :        1h0m0s'));
      assert.equal(lines.filter((l) => l.startsWith('[DBG]')).length, 0, 'no debug lines without -SD');
    } finally {
      await h.close();
    }
  });
});
