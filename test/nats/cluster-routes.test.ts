/**
 * Route clustering against real servers: natstream with natstream, and
 * natstream with Debian's nats-server, on free loopback ports. Interest
 * crosses routes both ways, queue groups deliver once across the cluster,
 * discovered routes complete the mesh, and routes re-form after a node dies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headers, type NatsConnection } from 'nats';
import {
  client, collect, endMarker, skipWithoutNatsServer, startGoNode, startNatstreamNode, untilRouted, type Node, teardown,
} from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';

const { track, defer } = teardown();
async function conn(n: Node, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await client(n, opts);
  defer(() => nc.close());
  return nc;
}
const enc = (s: string) => new TextEncoder().encode(s);

type Pair = () => Promise<[Node, Node]>;
const pairs: Array<[string, Pair, boolean | string]> = [
  ['natstream + natstream', async () => {
    const a = track(await startNatstreamNode({ name: 'ns-a', clusterName: 'c1' }));
    const b = track(await startNatstreamNode({ name: 'ns-b', clusterName: 'c1', routes: [a.routeUrl] }));
    return [a, b];
  }, false],
  ['natstream + nats-server', async () => {
    const g = track(await startGoNode({ name: 'go-a', clusterName: 'c2' }));
    const a = track(await startNatstreamNode({ name: 'ns-a', clusterName: 'c2', routes: [g.routeUrl] }));
    return [a, g];
  }, skipWithoutNatsServer],
  ['nats-server soliciting natstream', async () => {
    const a = track(await startNatstreamNode({ name: 'ns-a', clusterName: 'c3' }));
    const g = track(await startGoNode({ name: 'go-a', clusterName: 'c3', routes: [a.routeUrl] }));
    return [a, g];
  }, skipWithoutNatsServer],
];

for (const [title, makePair, skip] of pairs) {
  test(`${title}: interest crosses the route both ways, with headers and replies`, { skip, timeout: 30_000 }, async () => {
    const [x, y] = await makePair();
    const a = await conn(x);
    const b = await conn(y);
    const atA = collect(a, 'from.y');
    const atB = collect(b, 'from.x.>');
    const endA = await endMarker(a, 'end.a');
    const endB = await endMarker(b, 'end.b');
    b.subscribe('svc', { callback: (_e, m) => m.respond(enc(`pong ${new TextDecoder().decode(m.data)}`)) });
    await untilRouted(a, b);
    await untilRouted(b, a);

    const h = headers();
    h.set('X-Trace', 'abc');
    b.publish('from.y', enc('one'));
    b.publish('from.y', enc('two'), { headers: h });
    b.publish('end.a');
    a.publish('from.x.1', enc('three'));
    a.publish('from.x.2', enc('four'));
    a.publish('end.b');
    await endA();
    await endB();
    assert.deepEqual(atA.got, ['one', 'two']);
    assert.deepEqual(atB.got, ['three', 'four']);

    const reply = await a.request('svc', enc('ping'), { timeout: 5000 });
    assert.equal(new TextDecoder().decode(reply.data), 'pong ping');

    // Interest withdrawn on one side stops the traffic on the other.
    atA.stop();
    const endA2 = await endMarker(a, 'end.a2');
    await untilRouted(a, b);
    b.publish('from.y', enc('late'));
    b.publish('end.a2');
    await endA2();
    assert.deepEqual(atA.got, ['one', 'two']);
  });

  test(`${title}: a queue group delivers each message once across the cluster`, { skip, timeout: 30_000 }, async () => {
    const [x, y] = await makePair();
    const a = await conn(x);
    const a2 = await conn(x);
    const b = await conn(y);
    const pub = await conn(y);
    const q1 = collect(a, 'work', 'workers');
    const q2 = collect(a2, 'work', 'workers');
    const q3 = collect(b, 'work', 'workers');
    const plain = collect(a, 'work');
    const ends = await Promise.all([endMarker(a, 'done'), endMarker(a2, 'done'), endMarker(b, 'done')]);
    await untilRouted(a, pub);
    await untilRouted(a2, pub);
    const n = 300;
    for (let i = 0; i < n; i++) pub.publish('work', enc(String(i)));
    pub.publish('done');
    await Promise.all(ends.map((e) => e()));
    const all = [...q1.got, ...q2.got, ...q3.got];
    assert.equal(all.length, n, 'each message delivered once to the group');
    assert.equal(new Set(all).size, n);
    assert.ok(q1.got.length + q2.got.length > 0 && q3.got.length > 0, `both nodes take part (${q1.got.length}+${q2.got.length} / ${q3.got.length})`);
    assert.equal(plain.got.length, n, 'a plain subscription on the other node gets everything');
  });
}

for (const hub of ['natstream', 'nats-server'] as const) {
test(`3 nodes around a ${hub} hub: discovered routes complete the mesh, every node gets each message once`, { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const a = hub === 'natstream'
    ? track(await startNatstreamNode({ name: 'hub-a', clusterName: 'mesh' }))
    : track(await startGoNode({ name: 'hub-a', clusterName: 'mesh' }));
  const b = hub === 'natstream'
    ? track(await startGoNode({ name: 'go-b', clusterName: 'mesh', routes: [a.routeUrl] }))
    : track(await startNatstreamNode({ name: 'ns-b', clusterName: 'mesh', routes: [a.routeUrl] }));
  const c = track(await startNatstreamNode({ name: 'ns-c', clusterName: 'mesh', routes: [a.routeUrl] }));
  const nodes = [a, b, c];
  const conns = await Promise.all(nodes.map((n) => conn(n)));
  const got = conns.map((nc) => collect(nc, 'all'));
  const queued = conns.map((nc) => collect(nc, 'jobs', 'q3'));
  const ends = await Promise.all(conns.map((nc, i) => endMarker(nc, `end.${i}`, conns.length)));
  // b and c only meet through the route they discover from a: a never forwards a route's message to another route.
  for (const s of conns) for (const p of conns) if (s !== p) await untilRouted(s, p);
  conns.forEach((nc, i) => {
    nc.publish('all', enc(`from ${nodes[i].name}`));
    for (let k = 0; k < 30; k++) nc.publish('jobs', enc(`${i}.${k}`));
  });
  for (const p of conns) for (let i = 0; i < conns.length; i++) p.publish(`end.${i}`);
  await Promise.all(ends.map((e) => e()));
  for (const g of got) assert.deepEqual([...g.got].sort(), nodes.map((n) => `from ${n.name}`).sort());
  const jobs = queued.flatMap((q) => q.got);
  assert.equal(jobs.length, 90, 'a queue group with a member on each node gets each message once');
  assert.equal(new Set(jobs).size, 90);
  assert.equal(c.running.core!.cluster!.routes.size, 2);

  // A client learns every node of the cluster from INFO.
  const raw = await RawClient.connect(a.port);
  const info = JSON.parse((await raw.untilIncludes('\r\n')).slice(5)) as { cluster: string; connect_urls: string[] };
  raw.close();
  assert.equal(info.cluster, 'mesh');
  assert.deepEqual([...info.connect_urls].sort(), nodes.map((n) => `127.0.0.1:${n.port}`).sort());
});
}

test('a killed node comes back: routes re-form, nothing is duplicated, clients fail over', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const goPort = await freePort();
  const goClusterPort = await freePort();
  const a = track(await startNatstreamNode({ name: 'ns-a', clusterName: 'k' }));
  const spec = { name: 'go-b', clusterName: 'k', routes: [a.routeUrl], port: goPort, clusterPort: goClusterPort };
  let b = track(await startGoNode(spec));
  const subA = await conn(a);
  const got = collect(subA, 'k.data');
  // A client of b that only knows b: it learns a from connect_urls and moves there when b dies.
  const roaming = await conn(b, { reconnectTimeWait: 50, maxReconnectAttempts: -1 });
  await untilRouted(subA, roaming);
  assert.ok((roaming.info?.connect_urls ?? []).includes(`127.0.0.1:${a.port}`));
  const reconnected = (async () => {
    for await (const s of roaming.status()) if (s.type === 'reconnect') return String(s.data);
    return '';
  })();

  await b.stop();
  assert.equal(await reconnected, `127.0.0.1:${a.port}`);

  b = track(await startGoNode(spec));
  const pubB = await conn(b);
  // the end marker's interest first: once the probe's crossed the route, so has it (RS+ are ordered)
  const end = await endMarker(subA, 'k.end');
  await untilRouted(subA, pubB);
  for (let i = 0; i < 50; i++) pubB.publish('k.data', enc(String(i)));
  pubB.publish('k.end');
  await end();
  assert.deepEqual(got.got, Array.from({ length: 50 }, (_, i) => String(i)));

  // Now natstream is the one that dies; nats-server's configured route brings it back.
  const aPort = a.port;
  const aClusterPort = a.clusterPort;
  await a.stop();
  const a2 = track(await startNatstreamNode({ name: 'ns-a', clusterName: 'k', port: aPort, clusterPort: aClusterPort }));
  const subA2 = await conn(a2);
  const got2 = collect(subA2, 'k.data');
  const end2 = await endMarker(subA2, 'k.end2');
  await untilRouted(subA2, pubB);
  for (let i = 0; i < 50; i++) pubB.publish('k.data', enc(String(i)));
  pubB.publish('k.end2');
  await end2();
  assert.equal(got2.got.length, 50);
  assert.equal(a2.running.core!.cluster!.routes.size, 1);
});

test('without --cluster_name a node takes the configured name of the cluster it joins', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const named = track(await startGoNode({ name: 'go-named', clusterName: 'given' }));
  const anon = track(await startNatstreamNode({ name: 'ns-anon', routes: [named.routeUrl] }));
  const anon2 = track(await startNatstreamNode({ name: 'ns-anon2' }));
  const goAnon = track(await startGoNode({ name: 'go-anon', routes: [anon2.routeUrl] }));
  const [a, b, c, d] = await Promise.all([conn(anon), conn(named), conn(anon2), conn(goAnon)]);
  await untilRouted(a, b);
  await untilRouted(b, a);
  assert.equal(anon.running.core!.cluster!.clusterName, 'given');
  assert.equal(anon.running.core!.cluster!.dynamic, false);
  // Two random names: both sides settle on the same one.
  await untilRouted(c, d);
  await untilRouted(d, c);
  assert.equal(d.info!.cluster, anon2.running.core!.cluster!.clusterName);
});
