/**
 * Durable queue groups (spec streaming-protocol.md §6.2, §11): group name
 * `durable:queue`, the group survives its members closing (and resumes with its
 * position and pending messages), unsubscribing the last member deletes it.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { closeStan, closeSub, connectStan, inboxOf, publish, startStan, subscribe, unsubscribe, type Harness, type Stan } from './harness.js';

describe('durable queue groups', () => {
  let h: Harness;
  let pub: Stan;
  before(async () => {
    h = await startStan();
    pub = await h.connect('dq-pub');
  });
  after(async () => { await h.close(); });

  const opts = (sc: Stan) => sc.subscriptionOptions().setDurableName('svc').setDeliverAllAvailable()
    .setManualAckMode(true).setAckWait(60_000);

  it('the group survives its last member closing and resumes where it was', async () => {
    for (let i = 1; i <= 3; i++) await publish(pub, 'dq.close', `m${i}`);
    const sc = await connectStan(h.url, h.clusterId, 'dq-1');
    const sub = await subscribe(sc, 'dq.close', 'svc', opts(sc));
    const got = await inboxOf(sub).take(3);
    got[0].msg.ack();
    got[2].msg.ack();
    await publish(pub, 'dq.close', 'm4'); // delivered to the member too
    const [m4] = await inboxOf(sub).take(1);
    m4.msg.ack();
    await closeSub(sub);
    await h.logs.waitFor('Suspended durable queue subscription, subject=dq.close');
    const ch = h.server.channels.get('dq.close')!;
    const group = ch.queues.get('svc:svc')!;
    assert.ok(group.shadow, 'kept offline');
    assert.equal(group.shadow!.isOffline, true);
    assert.equal(group.shadow!.queueName, 'svc:svc');
    await publish(pub, 'dq.close', 'm5');
    await closeStan(sc);
    // any client resumes the group: pending seq 2 first, then what came meanwhile
    const other = await h.connect('dq-2');
    const resumed = await subscribe(other, 'dq.close', 'svc', opts(other));
    await h.logs.waitFor('Resumed durable queue subscription, subject=dq.close');
    const rest = await inboxOf(resumed).take(2);
    assert.deepEqual(rest.map((r) => [r.seq, r.redelivered]), [[2, true], [5, false]]);
  });

  it('a member closing while others remain only removes that member', async () => {
    const a = await h.connect('dq-3a');
    const b = await h.connect('dq-3b');
    const subA = await subscribe(a, 'dq.member', 'svc', opts(a));
    const subB = await subscribe(b, 'dq.member', 'svc', opts(b));
    await h.logs.waitFor('Added member to durable queue subscription, subject=dq.member');
    await closeSub(subA);
    await h.logs.waitFor('Removed member from durable queue subscription, subject=dq.member');
    await publish(pub, 'dq.member', 'x');
    assert.equal((await inboxOf(subB).take(1))[0].seq, 1);
  });

  it('unsubscribing the last member deletes the group', async () => {
    const sc = await h.connect('dq-4');
    await publish(pub, 'dq.unsub', 'm1');
    const sub = await subscribe(sc, 'dq.unsub', 'svc', opts(sc));
    (await inboxOf(sub).take(1))[0].msg.ack();
    await unsubscribe(sub);
    await h.logs.waitFor('Removed durable queue subscription, subject=dq.unsub');
    assert.equal(h.server.channels.get('dq.unsub')!.queues.size, 0);
    const again = await subscribe(sc, 'dq.unsub', 'svc', opts(sc));
    assert.deepEqual((await inboxOf(again).take(1)).map((r) => [r.seq, r.redelivered]), [[1, false]]);
  });

  it('durable and non-durable groups of the same queue name are different groups', async () => {
    const sc = await h.connect('dq-5');
    const durable = await subscribe(sc, 'dq.kinds', 'svc', opts(sc));
    const plainGroup = await subscribe(sc, 'dq.kinds', 'svc', sc.subscriptionOptions());
    await publish(pub, 'dq.kinds', 'x');
    await inboxOf(durable).take(1);
    await inboxOf(plainGroup).take(1);
    assert.deepEqual([...h.server.channels.get('dq.kinds')!.queues.keys()].sort(), ['svc', 'svc:svc']);
  });
});
