/**
 * Server heartbeats and client pings (spec streaming-protocol.md §4), with short
 * -hbi/-hbt/-hbf: dead and silent clients are removed with their plain
 * subscriptions (durables go offline); live clients stay; a client dropped by
 * the server learns it from its next ping.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { closeStan, connectStan, publish, sleep, startStan, subscribe, withTimeout, type Harness } from './harness.js';

describe('heartbeats', () => {
  let h: Harness;
  before(async () => {
    h = await startStan({ hbInterval: 100, hbTimeout: 100, hbFailCount: 1 });
  });
  after(async () => { await h.close(); });

  it('a client whose connection died is removed; plain subs go, durables go offline', async () => {
    const victim = await connectStan(h.url, h.clusterId, 'hb-victim', { reconnect: false });
    await subscribe(victim, 'hb.chan', null, victim.subscriptionOptions());
    await subscribe(victim, 'hb.chan', null, victim.subscriptionOptions().setDurableName('hb-durable'));
    const other = await h.connect('hb-other');
    await subscribe(other, 'hb.chan', 'grp', other.subscriptionOptions());
    victim.nc.stream.destroy();
    await h.logs.waitFor('[ERR] STREAM: [Client:hb-victim] Timed out on heartbeats', 5000);
    await h.logs.waitFor('[DBG] STREAM: [Client:hb-victim] Closed (Inbox=');
    assert.ok(!h.server.clients.has('hb-victim'));
    const subs = [...h.server.channels.get('hb.chan')!.subs];
    const durable = subs.find((s) => s.durableName === 'hb-durable')!;
    assert.equal(durable.isOffline, true);
    assert.equal(durable.clientId, 'hb-victim');
    assert.equal(subs.filter((s) => s.clientId === 'hb-victim' && !s.isDurable).length, 0, 'plain subscription removed');
    assert.ok(h.server.clients.has('hb-other'));
    await h.logs.waitFor('Suspended durable subscription, subject=hb.chan');
  });

  it('a client that stops answering (TCP still open) is removed after the timeouts', async () => {
    const silent = await connectStan(h.url, h.clusterId, 'hb-silent', { reconnect: false, stanPingInterval: 60_000 });
    silent.nc.stream.pause();
    await h.logs.waitFor('[ERR] STREAM: [Client:hb-silent] Timed out on heartbeats', 5000);
    await h.logs.waitFor('[DBG] STREAM: [Client:hb-silent] Closed (Inbox=');
    assert.ok(!h.server.clients.has('hb-silent'));
    silent.nc.stream.destroy();
    await closeStan(silent);
  });

  it('live clients stay registered across many heartbeats', async () => {
    const live = await h.connect('hb-live');
    await sleep(600);
    assert.ok(h.server.clients.has('hb-live'));
    assert.equal(h.server.clients.get('hb-live')!.hbFailed, 0);
    await publish(live, 'hb.live', 'still works');
  });

  it('a client the server dropped learns it from its next ping', async () => {
    const sc = await connectStan(h.url, h.clusterId, 'hb-dropped', { reconnect: false, stanPingInterval: 100, stanMaxPingOut: 100 });
    const lost = new Promise<string>((resolve) => sc.on('connection_lost', (err: unknown) => resolve(String((err as Error)?.message ?? err))));
    sc.nc.stream.pause();
    await h.logs.waitFor('[ERR] STREAM: [Client:hb-dropped] Timed out on heartbeats', 5000);
    sc.nc.stream.resume();
    const why = await withTimeout(lost, 5000, 'connection_lost');
    assert.match(why, /client has been replaced or is no longer registered/);
    await closeStan(sc);
  });
});

describe('heartbeats to a dead client fail at once', () => {
  let h: Harness;
  before(async () => {
    // A heartbeat timeout far longer than the test's wait: only the immediate
    // "nobody listens on that inbox" answer can remove the client in time.
    h = await startStan({ hbInterval: 100, hbTimeout: 60_000, hbFailCount: 1 });
  });
  after(async () => { await h.close(); });

  it('a client whose connection is gone is removed without waiting for -hbt', async () => {
    const victim = await connectStan(h.url, h.clusterId, 'gone-victim', { reconnect: false });
    victim.nc.stream.destroy();
    await h.logs.waitFor('[ERR] STREAM: [Client:gone-victim] Timed out on heartbeats', 5000);
    assert.ok(!h.server.clients.has('gone-victim'));
  });
});
