/**
 * Durable subscriptions (spec streaming-protocol.md §6.4, §11): close keeps the
 * position and pending messages, unsubscribe forgets them, a connection close
 * makes the durable offline, and the same client ID resumes it later.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { closeStan, closeSub, connectStan, inboxOf, publish, sleep, startStan, subscribe, unsubscribe, type Harness } from './harness.js';

describe('durable subscriptions', () => {
  let h: Harness;
  before(async () => { h = await startStan(); });
  after(async () => { await h.close(); });

  const durableOpts = (sc: { subscriptionOptions(): any }, name = 'dur') => // eslint-disable-line @typescript-eslint/no-explicit-any
    sc.subscriptionOptions().setDurableName(name).setDeliverAllAvailable().setManualAckMode(true).setAckWait(30_000);

  it('close keeps the position: acked messages are not resent, unacked ones are redelivered first', async () => {
    const sc = await h.connect('dur-1');
    for (let i = 1; i <= 3; i++) await publish(sc, 'dur.close', `m${i}`);
    const sub = await subscribe(sc, 'dur.close', null, durableOpts(sc));
    const got = await inboxOf(sub).take(3);
    got[0].msg.ack();
    got[1].msg.ack();
    await sleep(20);
    await closeSub(sub);
    await h.logs.waitFor('[DBG] STREAM: [Client:dur-1] Suspended durable subscription, subject=dur.close, inbox=');
    const offline = [...h.server.channels.get('dur.close')!.subs][0];
    assert.equal(offline.isOffline, true);
    assert.equal(offline.pendingCount, 1);
    assert.equal(offline.clientId, 'dur-1');
    assert.ok(!h.server.clients.get('dur-1')!.subs.has(offline), 'not listed under its client');
    // published while offline
    await publish(sc, 'dur.close', 'm4');
    const again = await subscribe(sc, 'dur.close', null, durableOpts(sc));
    await h.logs.waitFor('[DBG] STREAM: [Client:dur-1] Resumed durable subscription, subject=dur.close');
    const resumed = await inboxOf(again).take(2);
    assert.deepEqual(resumed.map((r) => [r.seq, r.redelivered]), [[3, true], [4, false]]);
    assert.equal(offline.isOffline, false);
  });

  it('unsubscribe forgets the position', async () => {
    const sc = await h.connect('dur-2');
    for (let i = 1; i <= 2; i++) await publish(sc, 'dur.unsub', `m${i}`);
    const sub = await subscribe(sc, 'dur.unsub', null, durableOpts(sc));
    for (const r of await inboxOf(sub).take(2)) r.msg.ack();
    await unsubscribe(sub);
    await h.logs.waitFor('Removed durable subscription, subject=dur.unsub');
    assert.equal(h.server.channels.get('dur.unsub')!.subs.size, 0);
    const again = await subscribe(sc, 'dur.unsub', null, durableOpts(sc));
    const all = await inboxOf(again).take(2);
    assert.deepEqual(all.map((r) => [r.seq, r.redelivered]), [[1, false], [2, false]]);
    await h.logs.waitFor('Started new durable subscription, subject=dur.unsub');
  });

  it('a durable survives its connection and is resumed by the same client ID', async () => {
    const first = await connectStan(h.url, h.clusterId, 'dur-3');
    for (let i = 1; i <= 4; i++) await publish(first, 'dur.conn', `m${i}`);
    const sub = await subscribe(first, 'dur.conn', null, durableOpts(first).setMaxInFlight(2));
    const got = await inboxOf(sub).take(2);
    got[0].msg.ack();
    await sleep(20);
    await closeStan(first);
    const ch = h.server.channels.get('dur.conn')!;
    const offline = [...ch.subs][0];
    assert.equal(offline.isOffline, true);
    assert.equal(offline.lastSent, 3, 'seq 3 was sent after the ack of 1');
    const second = await h.connect('dur-3');
    const resumed = await subscribe(second, 'dur.conn', null, durableOpts(second));
    const rest = await inboxOf(resumed).take(3);
    assert.deepEqual(rest.map((r) => [r.seq, r.redelivered]), [[2, true], [3, true], [4, false]]);
  });

  it('another client ID does not resume someone else\'s durable', async () => {
    const a = await h.connect('dur-4a');
    await publish(a, 'dur.other', 'm1');
    const sub = await subscribe(a, 'dur.other', null, durableOpts(a));
    (await inboxOf(sub).take(1))[0].msg.ack();
    await closeSub(sub);
    const b = await h.connect('dur-4b');
    const other = await subscribe(b, 'dur.other', null, durableOpts(b));
    const [m] = await inboxOf(other).take(1);
    assert.deepEqual([m.seq, m.redelivered], [1, false], 'a new durable starting from the beginning');
  });

  it('replace_durable: a duplicate registration takes over the active durable', async () => {
    const h2 = await startStan({ replaceDurable: true });
    try {
      const sc = await h2.connect('rep-1');
      await publish(sc, 'rep', 'm1');
      const first = await subscribe(sc, 'rep', null, durableOpts(sc));
      await inboxOf(first).take(1);
      const second = await subscribe(sc, 'rep', null, durableOpts(sc));
      const [m] = await inboxOf(second).take(1);
      assert.deepEqual([m.seq, m.redelivered], [1, true]);
      assert.equal(h2.server.channels.get('rep')!.subs.size, 1);
    } finally {
      await h2.close();
    }
  });
});
