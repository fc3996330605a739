/**
 * The KV lease of `--clustered`: one holder at a time, a dead holder's lease
 * expires by itself, a holder that cannot renew stops holding before anyone else
 * can acquire, and a store whose fence fails acknowledges nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { createStore } from '../../../src/stores/factory.js';
import { JsLease } from '../../../src/stores/jetstream/lease.js';
import { silentLogger } from '../../../src/util/logger.js';
import { NATS_SERVER_BINARY, useJsCluster } from '../../support/js-cluster.js';

describe('JETSTREAM HA lease', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  const js = useJsCluster(1);

  it('one holder at a time; an unrenewed lease expires and fences its old holder first', async () => {
    const a = await JsLease.open(js.nc, 'lease-1', 'a', 1000);
    const b = await JsLease.open(js.nc, 'lease-1', 'b', 1000);
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
    assert.equal(await b.holder(), 'a');
    assert.equal(a.holds(), true);
    // a never renews (a paused or dead process): it stops holding before b can take over
    let bGotItAt = 0;
    let aStoppedAt = 0;
    const t0 = performance.now();
    while (bGotItAt === 0) {
      if (aStoppedAt === 0 && !a.holds()) aStoppedAt = performance.now();
      if (await b.tryAcquire()) bGotItAt = performance.now();
      else await new Promise((r) => setTimeout(r, 50));
      assert.ok(performance.now() - t0 < 10_000, 'b acquires once the lease expired');
    }
    assert.ok(aStoppedAt > 0 && aStoppedAt < bGotItAt, 'a stopped holding before b acquired');
    assert.equal(b.holds(), true);
    await b.release();
    assert.equal(await a.tryAcquire(), true, 'a released lease is free at once');
    await a.release();
  });

  it('a renewing holder keeps it; a renewal on a stale revision loses it', async () => {
    const a = await JsLease.open(js.nc, 'lease-2', 'a', 1000);
    const b = await JsLease.open(js.nc, 'lease-2', 'b', 1000);
    assert.equal(await a.tryAcquire(), true);
    let lost = '';
    const lostP = new Promise<void>((resolve) => a.keep((why) => { lost = why; resolve(); }));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await b.tryAcquire(), false, 'renewed: still held after more than the TTL');
    assert.equal(a.holds(), true);
    // someone deletes the lease by hand and b takes it: a's next renewal is refused
    const kv = await js.nc.jetstream().views.kv('STAN_lease-2_lease');
    await kv.delete('active');
    assert.equal(await b.tryAcquire(), true);
    await lostP;
    assert.match(lost, /lease renewal refused/);
    assert.equal(a.holds(), false);
    await b.release();
  });

  it('a store whose fence fails acknowledges nothing', async () => {
    let allowed = true;
    const fence = () => { if (!allowed) throw new Error('not the active server'); };
    const store = await createStore('jetstream', { jetstream: { servers: js.cluster.urls, clusterId: 'fenced', fence } }, silentLogger);
    try {
      const { msgs, subs } = await store.createChannel('foo');
      msgs.store(makeMsg(1, 'foo', '', Buffer.from('a'), 1n));
      await msgs.flush();
      allowed = false;
      msgs.store(makeMsg(2, 'foo', '', Buffer.from('b'), 2n));
      await assert.rejects(msgs.flush(), /not the active server/);
      await assert.rejects(store.addClient({ id: 'c', hbInbox: 'h', connId: new Uint8Array(1), protocol: 1, pingInterval: 1, pingMaxOut: 1 }), /not the active server/);
      await assert.rejects(subs.createSub({
        id: 0, clientId: 'c', qGroup: '', inbox: 'i', ackInbox: 'a', maxInFlight: 1, ackWaitInSecs: 1, durableName: '',
        lastSent: 0, isDurable: false, isClosed: false,
      }), /not the active server/);
    } finally {
      await store.close();
    }
  });
});
