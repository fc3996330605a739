/**
 * The streaming layer on one node of a route cluster serves STAN clients
 * connected to any node: natstream (in-process transport) routed to
 * nats-server or to another natstream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  client, skipWithoutNatsServer, startGoNode, startNatstreamNode, untilRouted, type Node, type NatstreamNode, teardown,
} from '../support/cluster.js';
import { closeStan, connectStan, inboxOf, publish, subscribe, type Stan } from './harness.js';

const { track, defer } = teardown();
async function stanOn(node: Node, clientId: string, opts: Record<string, unknown> = {}): Promise<Stan> {
  const sc = await connectStan(node.url, 'routed', clientId, opts);
  defer(() => closeStan(sc));
  return sc;
}

/** A natstream node running the streaming server, and the route partner the clients use. */
async function streamingPair(partner: 'nats-server' | 'natstream'): Promise<[NatstreamNode, Node]> {
  const s = track(await startNatstreamNode({ name: 'stan-node', clusterName: 'sc' }, { clusterId: 'routed', streaming: {} }));
  const other = partner === 'nats-server'
    ? track(await startGoNode({ name: 'go-other', clusterName: 'sc', routes: [s.routeUrl] }))
    : track(await startNatstreamNode({ name: 'ns-other', clusterName: 'sc', routes: [s.routeUrl] }));
  // The streaming server's subjects are visible on the other node once the route carries a probe from the first.
  const a = await client(s);
  const b = await client(other);
  defer(() => a.close(), () => b.close());
  await untilRouted(a, b);
  return [s, other];
}

for (const partner of ['nats-server', 'natstream'] as const) {
  test(`STAN clients on the ${partner} node use the streaming server on the natstream node`, { skip: partner === 'nats-server' ? skipWithoutNatsServer : false, timeout: 30_000 }, async () => {
    const [home, other] = await streamingPair(partner);
    const remote = await stanOn(other, 'remote-client', { stanPingInterval: 1000 });
    const local = await stanOn(home, 'local-client');

    for (let i = 1; i <= 3; i++) await publish(remote, 'orders', `o${i}`);
    const fromRemote = await subscribe(remote, 'orders', null, remote.subscriptionOptions().setDeliverAllAvailable());
    const fromLocal = await subscribe(local, 'orders', null, local.subscriptionOptions().setDeliverAllAvailable());
    assert.deepEqual((await inboxOf(fromRemote).take(3)).map((r) => r.data), ['o1', 'o2', 'o3']);
    assert.deepEqual((await inboxOf(fromLocal).take(3)).map((r) => r.data), ['o1', 'o2', 'o3']);

    // A durable queue group with a member on each node: each message once.
    const q1 = await subscribe(remote, 'jobs', 'workers', remote.subscriptionOptions().setDurableName('dur'));
    const q2 = await subscribe(local, 'jobs', 'workers', local.subscriptionOptions().setDurableName('dur'));
    for (let i = 0; i < 20; i++) await publish(local, 'jobs', `j${i}`);
    const all: string[] = [];
    const done = new Promise<void>((resolve) => {
      const each = (r: { data: string }) => { all.push(r.data); if (all.length === 20) resolve(); };
      inboxOf(q1).each(each);
      inboxOf(q2).each(each);
    });
    await done;
    assert.equal(new Set(all).size, 20);

    const clients = home.running.streaming!;
    assert.ok(clients, 'streaming runs on the natstream node');
  });
}

test('a second streaming server with the same cluster ID in the route cluster refuses to start', { timeout: 30_000 }, async () => {
  const first = track(await startNatstreamNode({ name: 'first', clusterName: 'dup' }, { clusterId: 'same', streaming: {} }));
  await assert.rejects(
    startNatstreamNode({ name: 'second', clusterName: 'dup', routes: [first.routeUrl] }, { clusterId: 'same', streaming: {} }),
    /discovered another streaming server with cluster ID "same"/,
  );
  // Another cluster ID on the same routes is fine.
  const other = track(await startNatstreamNode({ name: 'third', clusterName: 'dup', routes: [first.routeUrl] }, { clusterId: 'other', streaming: {} }));
  assert.equal(other.running.clusterId, 'other');
});
