/**
 * /routez and the cluster part of /varz on a natstream node routed to a
 * nats-server node: the same fields as nats-server's own /routez.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, skipWithoutNatsServer, startGoNode, startNatstreamNode, untilRouted, type Node, teardown } from '../support/cluster.js';
import { freePort } from '../support/ports.js';

const { track, defer } = teardown();

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return (await res.json()) as Record<string, unknown>;
}

test('/routez lists the route with nats-server\'s fields; /varz shows the cluster', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const goMonitor = await freePort();
  const ns = track(await startNatstreamNode({ name: 'ns-m', clusterName: 'mon' }, { monitor: { port: 0, host: '127.0.0.1' } }));
  const go = track(await startGoNode({ name: 'go-m', clusterName: 'mon', routes: [ns.routeUrl] }, ['-m', String(goMonitor)]));
  const a = await client(ns);
  const b = await client(go);
  defer(() => a.close(), () => b.close());
  a.subscribe('ns.subject');
  b.subscribe('go.subject');
  b.subscribe('go.queue', { queue: 'workers' });
  await untilRouted(a, b);
  await untilRouted(b, a);

  const ours = await getJson(`${ns.running.monitorUrl}/routez?subs=1`);
  const theirs = await getJson(`http://127.0.0.1:${goMonitor}/routez?subs=1`);
  assert.deepEqual(Object.keys(ours), Object.keys(theirs));
  assert.equal(ours.num_routes, 1);
  const [ourRoute] = ours.routes as Array<Record<string, unknown>>;
  const [theirRoute] = theirs.routes as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(ourRoute), Object.keys(theirRoute));
  assert.equal(ourRoute.did_solicit, false);
  assert.equal(theirRoute.did_solicit, true);
  assert.equal(theirRoute.is_configured, true);
  assert.equal(ourRoute.remote_id, b.info!.server_id);
  const list = ourRoute.subscriptions_list as string[];
  assert.ok(list.includes('go.subject') && list.includes('go.queue'), JSON.stringify(list));
  assert.ok((theirRoute.subscriptions_list as string[]).includes('ns.subject'));

  const detail = await getJson(`${ns.running.monitorUrl}/routez?subs=detail`);
  const rows = (detail.routes as Array<Record<string, unknown>>)[0].subscriptions_list_detail as Array<Record<string, unknown>>;
  assert.deepEqual(rows.find((r) => r.subject === 'go.queue'), { subject: 'go.queue', qgroup: 'workers', sid: '$G go.queue workers', msgs: 0, cid: ourRoute.rid });

  const varz = await getJson(`${ns.running.monitorUrl}/varz`);
  assert.equal(varz.routes, 1);
  const cluster = varz.cluster as Record<string, unknown>;
  assert.equal(cluster.name, 'mon');
  assert.equal(cluster.cluster_port, ns.clusterPort);
});
