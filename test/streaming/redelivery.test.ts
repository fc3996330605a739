/**
 * Acks, ack-wait redelivery and flow control (spec streaming-protocol.md §7):
 * redelivered flag and count, per-message schedules, acks stop redelivery,
 * maxInFlight stalls and resumes in order.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { inboxOf, publish, sleep, startStan, subscribe, type Harness, type Received, type Stan } from './harness.js';

describe('redelivery', () => {
  let h: Harness;
  let sc: Stan;
  before(async () => {
    h = await startStan({ clusterId: 'ticketing' });
    sc = await h.connect('redeliv-1');
  });
  after(async () => { await h.close(); });

  it('an unacked message comes back after ack wait, flagged and counted; an ack stops it', async () => {
    const opts = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(1000);
    const sub = await subscribe(sc, 'redeliv', null, opts);
    const inbox = inboxOf(sub);
    const t0 = Date.now();
    await publish(sc, 'redeliv', 'one');
    const [first] = await inbox.take(1);
    assert.deepEqual([first.seq, first.redelivered, first.count], [1, false, 0]);
    const [again] = await inbox.take(1, 3000);
    assert.deepEqual([again.seq, again.redelivered, again.count], [1, true, 1]);
    assert.ok(Date.now() - t0 >= 950, 'not before the ack wait');
    const [third] = await inbox.take(1, 3000);
    assert.deepEqual([third.seq, third.redelivered, third.count], [1, true, 2]);
    third.msg.ack();
    await h.logs.waitFor('[TRC] STREAM: [Client:redeliv-1] Processing ack for subid=1, subject=redeliv, seq=1');
    await h.logs.waitFor('[TRC] STREAM: [Client:redeliv-1] Redelivering msg to subid=1, subject=redeliv, seq=1');
    const subState = [...h.server.channels.get('redeliv')!.subs][0];
    assert.equal(subState.pendingCount, 0);
    assert.equal(subState.lastSent, 1);
    sub.unsubscribe();
  });

  it('each pending message keeps its own schedule', async () => {
    const opts = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(1000);
    const sub = await subscribe(sc, 'sched', null, opts);
    const inbox = inboxOf(sub);
    await publish(sc, 'sched', 'a');
    await inbox.take(1);
    await sleep(400);
    await publish(sc, 'sched', 'b');
    await inbox.take(1);
    // within the next 1.5 s: seq 1 comes back first, then seq 2
    await inbox.until((all) => all.filter((r) => r.redelivered).length >= 2, 'two redeliveries', 3000);
    const redelivered = inbox.all.filter((r) => r.redelivered).map((r) => r.seq);
    assert.deepEqual(redelivered.slice(0, 2), [1, 2]);
    for (const r of inbox.all) r.msg.ack();
    sub.unsubscribe();
  });

  it('auto-ack subscriptions get nothing twice', async () => {
    const sub = await subscribe(sc, 'autoack', null, sc.subscriptionOptions().setDeliverAllAvailable().setAckWait(1000));
    const inbox = inboxOf(sub);
    for (let i = 0; i < 5; i++) await publish(sc, 'autoack', `m${i}`);
    await inbox.take(5);
    await sleep(1300);
    assert.equal(inbox.unread, 0);
    sub.unsubscribe();
  });

  it('max in flight 1: one message at a time, in order, each after the previous ack', async () => {
    for (let i = 1; i <= 10; i++) await publish(sc, 'inflight1', `m${i}`);
    const order: number[] = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    const opts = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setMaxInFlight(1);
    const sub = await subscribe(sc, 'inflight1', null, opts);
    const inbox = inboxOf(sub);
    const done = new Promise<void>((resolve) => {
      inbox.each((r: Received) => {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        order.push(r.seq);
        setTimeout(() => { outstanding--; r.msg.ack(); if (order.length === 12) resolve(); }, 5);
      });
    });
    // new messages published while stalled come after the old ones
    await publish(sc, 'inflight1', 'm11');
    await publish(sc, 'inflight1', 'm12');
    await done;
    assert.deepEqual(order, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(maxOutstanding, 1);
    assert.ok(inbox.all.every((r) => !r.redelivered));
    sub.unsubscribe();
  });

  it('a stalled subscription shows is_stalled until an ack comes', async () => {
    const opts = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setMaxInFlight(4).setAckWait(60_000);
    const sub = await subscribe(sc, 'stall', null, opts);
    const inbox = inboxOf(sub);
    for (let i = 0; i < 6; i++) await publish(sc, 'stall', `m${i}`);
    const got = await inbox.take(4);
    await sleep(30);
    assert.equal(inbox.unread, 0, 'nothing past max in flight');
    const s = [...h.server.channels.get('stall')!.subs][0];
    assert.equal(s.isStalled, true);
    assert.equal(s.pendingCount, 4);
    assert.equal(s.maxInFlight, 4);
    assert.equal(s.ackWait, 60);
    got[0].msg.ack();
    const [next] = await inbox.take(1);
    assert.equal(next.seq, 5);
    assert.equal(s.isStalled, true);
    for (const r of [...got.slice(1), next]) r.msg.ack();
    const [last] = await inbox.take(1);
    assert.equal(last.seq, 6);
    last.msg.ack();
    sub.unsubscribe();
  });

  it('acks for unknown sequences or channels change nothing', async () => {
    const opts = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setMaxInFlight(1).setAckWait(60_000);
    const sub = await subscribe(sc, 'bogus.acks', null, opts);
    const inbox = inboxOf(sub);
    await publish(sc, 'bogus.acks', 'm1');
    await publish(sc, 'bogus.acks', 'm2');
    const [m1] = await inbox.take(1);
    const ackInbox = sub.ackInbox as string;
    const { encodeAck } = await import('../../src/protocol/stan-codec.js');
    sc.nc.publish(ackInbox, Buffer.from(encodeAck('bogus.acks', 99)));
    sc.nc.publish(ackInbox, Buffer.from(encodeAck('other.channel', 1)));
    sc.nc.publish(ackInbox, Buffer.from([0xff, 0xff]));
    await sleep(50);
    assert.equal(inbox.unread, 0, 'still stalled on seq 1');
    m1.msg.ack();
    const [m2] = await inbox.take(1);
    assert.equal(m2.seq, 2);
    m2.msg.ack();
    sub.unsubscribe();
  });
});
