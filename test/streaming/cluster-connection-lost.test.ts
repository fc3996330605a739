/**
 * The shape of node-nats-streaming's own stan_connection_lost scenario: two
 * core servers joined by routes (`--cluster nats://localhost:P1` and
 * `--cluster nats://localhost:P2 --routes nats://localhost:P1`), a streaming
 * server on the first with `-ns nats://localhost:P0`, and clients that move
 * between the two cores. Random ports instead of fixed ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/index.js';
import { client, startNatstreamNode, untilRouted, type NatstreamNode, teardown } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { closeStan, connectStan, publish, withTimeout, type Stan } from './harness.js';

const { defer } = teardown();

interface Setup {
  core1: NatstreamNode;
  core2: NatstreamNode;
  streaming: RunningServer;
  restartCore2(): Promise<NatstreamNode>;
}

async function setup(noAdvertise: boolean): Promise<Setup> {
  const core1 = await startNatstreamNode({ name: 'core1', clusterName: 'lost', noAdvertise });
  defer(() => core1.stop());
  const spec = {
    name: 'core2', clusterName: 'lost', routes: [core1.routeUrl], port: await freePort(), clusterPort: await freePort(), noAdvertise,
  };
  const startCore2 = async () => {
    const n = await startNatstreamNode(spec);
    defer(() => n.stop());
    return n;
  };
  const core2 = await startCore2();
  const streaming = await startServer({ clusterId: 'test-cluster', connection: { natsServerUrl: core1.url }, streaming: {} });
  defer(() => streaming.close());
  await routed(core1, core2);
  return { core1, core2, streaming, restartCore2: startCore2 };
}

async function routed(a: NatstreamNode, b: NatstreamNode): Promise<void> {
  const ca = await client(a);
  const cb = await client(b);
  try {
    await untilRouted(ca, cb);
    await untilRouted(cb, ca);
  } finally {
    await ca.close();
    await cb.close();
  }
}

async function stanOn(url: string, clientId: string, opts: Record<string, unknown>): Promise<Stan> {
  const sc = await connectStan(url, 'test-cluster', clientId, { stanPingInterval: 1000, stanMaxPingOut: 2, ...opts });
  defer(() => closeStan(sc));
  return sc;
}

function event(sc: Stan, name: string, timeoutMs = 15_000): Promise<unknown> {
  return withTimeout(new Promise((resolve) => sc.once(name, resolve)), timeoutMs, `'${name}'`);
}

test('a client moved to the other core by connect_urls keeps its session', { timeout: 30_000 }, async () => {
  const s = await setup(false);
  const sc = await stanOn(s.core2.url, 'mover', { reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  await publish(sc, 'moves', 'before');
  const reconnected = event(sc, 'reconnect');
  await s.core2.stop();
  await reconnected;
  assert.equal(sc.nc.currentServer.url.port, String(s.core1.port), 'moved to core1, learned from INFO connect_urls');
  await publish(sc, 'moves', 'after');
});

test('connection lost: pings unanswered while the client\'s core is gone', { timeout: 30_000 }, async () => {
  const s = await setup(true);
  const sc = await stanOn(s.core2.url, 'loser', { reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  const lost = event(sc, 'connection_lost');
  await s.core2.stop();
  const err = (await lost) as Error;
  assert.equal(String(err?.message ?? err), 'stan: connection lost due to PING failure');
  // The streaming server on the other core noticed too: the client's heartbeats went unanswered.
  assert.ok(s.streaming.streaming, 'streaming server still running');
});

test('client replaced: the same client ID through the other core takes over, the old one learns it on its return', { timeout: 30_000 }, async () => {
  const s = await setup(true);
  const old = await stanOn(s.core2.url, 'twin', { reconnectTimeWait: 100, maxReconnectAttempts: -1, stanMaxPingOut: 10 });
  const disconnected = event(old, 'disconnect');
  await s.core2.stop();
  await disconnected;
  // The old client cannot answer its heartbeat: the new one replaces it.
  const fresh = await stanOn(s.core1.url, 'twin', {});
  await publish(fresh, 'twins', 'hello');
  const lost = event(old, 'connection_lost');
  const core2 = await s.restartCore2();
  await routed(s.core1, core2);
  const err = await lost;
  assert.equal(String((err as Error)?.message ?? err), 'client has been replaced or is no longer registered');
});
