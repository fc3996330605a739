/**
 * Queue groups (spec streaming-protocol.md §8): distribution, stalled members
 * skipped, ack-timeout redelivery to another member, a leaving member's pending
 * messages moved to the others, new members inheriting the group's position.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { closeStan, connectStan, inboxOf, publish, sleep, startStan, subscribe, unsubscribe, type Harness, type Stan } from './harness.js';

describe('queue groups', () => {
  let h: Harness;
  let pub: Stan;
  before(async () => {
    h = await startStan();
    pub = await h.connect('q-pub');
  });
  after(async () => { await h.close(); });

  async function members(channel: string, n: number, opts: (sc: Stan) => unknown, group = 'workers') {
    const out = [];
    for (let i = 1; i <= n; i++) {
      const sc = await h.connect(`${channel.replace(/\W/g, '-')}-q${i}`);
      out.push({ sc, sub: await subscribe(sc, channel, group, opts(sc)) });
    }
    return out;
  }

  it('with free members the group alternates strictly', async () => {
    const [q1, q2] = await members('qd', 2, (sc) => sc.subscriptionOptions());
    for (let i = 1; i <= 10; i++) pub.publish('qd', `m${i}`);
    await publish(pub, 'qd', 'm11');
    const a = inboxOf(q1.sub);
    const b = inboxOf(q2.sub);
    await a.until((all) => all.length + b.all.length === 11, 'all 11 messages');
    assert.deepEqual(a.all.map((r) => r.seq), [1, 3, 5, 7, 9, 11]);
    assert.deepEqual(b.all.map((r) => r.seq), [2, 4, 6, 8, 10]);
  });

  it('max in flight 1: a member with an unacked message is skipped', async () => {
    const opts = (sc: Stan) => sc.subscriptionOptions().setManualAckMode(true).setMaxInFlight(1).setAckWait(60_000);
    const [q1, q2] = await members('qs', 2, opts);
    const a = inboxOf(q1.sub);
    const b = inboxOf(q2.sub);
    b.each((r) => setTimeout(() => r.msg.ack(), 5)); // q2 acks quickly, q1 holds its message
    for (let i = 1; i <= 10; i++) pub.publish('qs', `m${i}`);
    await publish(pub, 'qs', 'm11');
    await b.until((all) => all.length === 10, 'q2 to get the other 10');
    assert.deepEqual(a.all.map((r) => r.seq), [1]);
    assert.deepEqual(b.all.map((r) => r.seq), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    a.all[0].msg.ack();
  });

  it('an unacked message is redelivered to another member after ack wait', async () => {
    const opts = (sc: Stan) => sc.subscriptionOptions().setManualAckMode(true).setMaxInFlight(1).setAckWait(1000);
    const [q1, q2] = await members('qr', 2, opts);
    const a = inboxOf(q1.sub);
    const b = inboxOf(q2.sub);
    b.each((r) => setTimeout(() => r.msg.ack(), 5));
    await publish(pub, 'qr', 'm1');
    await publish(pub, 'qr', 'm2');
    await a.until((all) => all.length === 1, 'q1 to get seq 1');
    assert.equal(a.all[0].seq, 1);
    await b.until((all) => all.some((r) => r.seq === 1), 'seq 1 redelivered to q2', 3000);
    const moved = b.all.find((r) => r.seq === 1)!;
    assert.equal(moved.redelivered, true);
    assert.equal(moved.count, 1);
    // it left q1's pending list
    const q1State = [...h.server.channels.get('qr')!.subs].find((s) => s.clientId === 'qr-q1')!;
    assert.equal(q1State.pendingCount, 0);
  });

  it('a leaving member hands its unacked messages to the others', async () => {
    const opts = (sc: Stan) => sc.subscriptionOptions().setManualAckMode(true).setAckWait(60_000);
    const [q1, q2] = await members('ql', 2, opts);
    const a = inboxOf(q1.sub);
    const b = inboxOf(q2.sub);
    for (let i = 1; i <= 4; i++) await publish(pub, 'ql', `m${i}`);
    await a.until((all) => all.length === 2, 'q1 to get 2');
    await b.until((all) => all.length === 2, 'q2 to get 2');
    for (const r of b.all) r.msg.ack();
    await unsubscribe(q1.sub);
    await h.logs.waitFor('Removed member from queue subscription, subject=ql');
    await b.until((all) => all.length === 4, 'q1\'s messages to come to q2');
    assert.deepEqual(b.all.slice(2).map((r) => [r.seq, r.redelivered]), [[1, true], [3, true]]);
  });

  it('a member whose connection closes also hands its messages over', async () => {
    const opts = (sc: Stan) => sc.subscriptionOptions().setManualAckMode(true).setAckWait(60_000);
    const gone = await connectStan(h.url, h.clusterId, 'qc-gone');
    const goneSub = await subscribe(gone, 'qc', 'workers', opts(gone));
    const [stay] = await members('qc', 1, opts);
    for (let i = 1; i <= 2; i++) await publish(pub, 'qc', `m${i}`);
    await inboxOf(goneSub).until((all) => all.length === 1, 'the leaving member to get seq 1');
    await closeStan(gone);
    const s = inboxOf(stay.sub);
    await s.until((all) => all.some((r) => r.seq === 1), 'seq 1 to move');
    assert.equal(s.all.find((r) => r.seq === 1)!.redelivered, true);
  });

  it('new members start at the group position; the last member leaving deletes the group', async () => {
    await publish(pub, 'qp', 'before');
    const [q1] = await members('qp', 1, (sc) => sc.subscriptionOptions().setDeliverAllAvailable());
    const a = inboxOf(q1.sub);
    await a.take(1);
    await publish(pub, 'qp', 'second');
    await a.take(1);
    // a late member asking for everything does not replay: the group is at seq 2
    const late = await h.connect('qp-late');
    const lateSub = await subscribe(late, 'qp', 'workers', late.subscriptionOptions().setDeliverAllAvailable());
    await sleep(30);
    assert.equal(inboxOf(lateSub).all.length, 0);
    await unsubscribe(lateSub);
    await unsubscribe(q1.sub);
    await h.logs.waitFor('Removed queue subscription, subject=qp');
    assert.equal(h.server.channels.get('qp')!.queues.size, 0);
    // a new group starts from its own start position again
    const again = await subscribe(late, 'qp', 'workers', late.subscriptionOptions().setDeliverAllAvailable());
    assert.deepEqual((await inboxOf(again).take(2)).map((r) => r.seq), [1, 2]);
  });

  it('queue members and plain subscribers each get their copy', async () => {
    const [q1, q2] = await members('qmix', 2, (sc) => sc.subscriptionOptions());
    const plain = await subscribe(pub, 'qmix', null, pub.subscriptionOptions());
    for (let i = 1; i <= 4; i++) await publish(pub, 'qmix', `m${i}`);
    await inboxOf(plain).take(4);
    await inboxOf(q1.sub).until((all) => all.length + inboxOf(q2.sub).all.length === 4, 'the group to get 4');
  });
});
