/**
 * Bad route input, sent byte for byte to a natstream route port and to a
 * nats-server route port: the same answer from both (the same -ERR or none,
 * the connection closed), and the cluster around natstream unaffected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  client, collect, endMarker, skipWithoutNatsServer, startGoNode, startNatstreamNode, untilRouted, type Node, teardown,
} from '../support/cluster.js';
import { RawClient } from '../support/raw-client.js';

const { track, defer } = teardown();

const routeConnect = (name: string, cluster: string) =>
  `CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"${name}","cluster":"${cluster}","lnoc":true}\r\n`;
const routeInfo = (id: string, serverName: string, cluster: string) =>
  `INFO {"server_id":"${id}","server_name":"${serverName}","version":"2.9.10","proto":2,"host":"127.0.0.1","port":1,"headers":true,"max_payload":1048576,"cluster":"${cluster}","lnoc":true}\r\n`;

const CASES: Array<[string, string]> = [
  ['garbage', 'FOO BAR\r\n'],
  ['another cluster name', routeConnect('NXOTHER', 'other')],
  ['a duplicate server name', routeConnect('NXDUP', 'bad') + routeInfo('NXDUP', 'tgt', 'bad')],
  ['a client on the route port', 'CONNECT {"verbose":false,"lang":"node","version":"1.0"}\r\n'],
  ['a malformed RS+', routeConnect('NXRS', 'bad') + routeInfo('NXRS', 'rs-peer', 'bad') + 'RS+ $G\r\n'],
  ['an RMSG without a size', routeConnect('NXRM', 'bad') + routeInfo('NXRM', 'rm-peer', 'bad') + 'RMSG $G foo x\r\n'],
  ['a client UNSUB', routeConnect('NXUN', 'bad') + routeInfo('NXUN', 'un-peer', 'bad') + 'UNSUB 1\r\n'],
  ['a client MSG', routeConnect('NXMS', 'bad') + routeInfo('NXMS', 'ms-peer', 'bad') + 'MSG foo 1 2\r\nhi\r\n'],
  ['a bad CONNECT', 'CONNECT {bad\r\n'],
  ['an invalid subject', routeConnect('NXIS', 'bad') + routeInfo('NXIS', 'is-peer', 'bad') + 'RS+ $G foo.. \r\nRS+ $G\r\n'],
];

/** What a server answers to `input` on its route port, without its INFO, its PINGs and nats-server's own $SYS interest. */
async function answer(routePort: number, input: string): Promise<string> {
  const raw = await RawClient.connect(routePort);
  await raw.untilIncludes('\r\n');
  raw.consume();
  raw.write(input);
  const text = await raw.untilClosed(10_000);
  raw.close();
  return text.split('\r\n').filter((l) => l !== '' && l !== 'PING' && !l.startsWith('RS+ $SYS ')).join('\n');
}

test('bad route input gets nats-server\'s answer and leaves the cluster working', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const ns = track(await startNatstreamNode({ name: 'tgt', clusterName: 'bad' }));
  const partner = track(await startGoNode({ name: 'partner', clusterName: 'bad', routes: [ns.routeUrl] }));
  const reference = track(await startGoNode({ name: 'tgt', clusterName: 'bad' }));

  for (const [what, input] of CASES) {
    const ours = await answer(ns.clusterPort, input);
    const theirs = await answer(reference.clusterPort, input);
    assert.equal(ours, theirs, what);
  }
  assert.equal(await answer(ns.clusterPort, CASES[1][1]), `-ERR 'Rejecting connection, cluster name "other" does not match "bad"'`);

  // A real server from another cluster, and one with a duplicate name, are refused too.
  const stranger = track(await startGoNode({ name: 'stranger', clusterName: 'elsewhere', routes: [ns.routeUrl] }));
  const twin = track(await startGoNode({ name: 'tgt', clusterName: 'bad', routes: [ns.routeUrl] }));
  const a = await client(ns);
  const b = await client(partner);
  const s = await client(stranger);
  const t = await client(twin);
  defer(() => a.close(), () => b.close(), () => s.close(), () => t.close());
  const got = collect(a, 'still.works');
  const strayed = collect(s, 'still.works');
  const twinGot = collect(t, 'still.works');
  const end = await endMarker(a, 'still.end');
  await untilRouted(a, b);
  b.publish('still.works', new TextEncoder().encode('yes'));
  b.publish('still.end');
  await end();
  assert.deepEqual(got.got, ['yes']);
  assert.deepEqual(strayed.got, []);
  assert.deepEqual(twinGot.got, []);
  const cluster = ns.running.core!.cluster!;
  assert.equal(cluster.routes.size, 1, 'only the partner is routed');
  assert.equal([...cluster.routes.values()][0].remoteName, 'partner');
  assert.equal(cluster.clusterName, 'bad');
});

test('route credentials: a wrong password gets nats-server\'s answer; the right ones are routed', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const routeAuth = { user: 'ruser', pass: 'pw' };
  const ns = track(await startNatstreamNode({ name: 'guarded', clusterName: 'auth', routeAuth }));
  const reference = track(await startGoNode({ name: 'guarded', clusterName: 'auth', routeAuth }));
  const wrong = routeConnect('NXAUTH', 'auth').replace('"tls_required"', '"user":"ruser","pass":"no","tls_required"');
  assert.equal(await answer(ns.clusterPort, wrong), "-ERR 'Authorization Violation'");
  assert.equal(await answer(reference.clusterPort, wrong), "-ERR 'Authorization Violation'");
  // Anything before the CONNECT is refused the same way.
  const infoFirst = routeInfo('NXEARLY', 'early', 'auth');
  assert.equal(await answer(ns.clusterPort, infoFirst), await answer(reference.clusterPort, infoFirst));
  assert.equal(await answer(ns.clusterPort, infoFirst), "-ERR 'Authorization Violation'");
  // A real server with the credentials in its route URL is accepted.
  const peer = track(await startGoNode({ name: 'peer', clusterName: 'auth', routes: [`nats://ruser:pw@127.0.0.1:${ns.clusterPort}`] }));
  const a = await client(ns);
  const b = await client(peer);
  defer(() => a.close(), () => b.close());
  await untilRouted(a, b);
  assert.equal(ns.running.core!.cluster!.routes.size, 1);
});
