/**
 * Routes over mutual TLS (`cluster { tls {} }`) between natstream and
 * nats-server; a route without TLS cannot join.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCerts } from '../support/certs.js';
import {
  client, collect, endMarker, skipWithoutNatsServer, startGoNode, startNatstreamNode, teardown, untilRouted,
} from '../support/cluster.js';
import { captureLogger } from '../streaming/harness.js';

const { track, defer } = teardown();

test('routes over TLS: natstream and nats-server verify each other; a plain route is refused', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const certs = makeTestCerts();
  defer(async () => certs.cleanup());
  const routeTls = { cert: certs.routeCert, key: certs.routeKey, ca: certs.ca };
  const logs = captureLogger();
  const ns = track(await startNatstreamNode({ name: 'ns-tls', clusterName: 'tls', routeTls }, { logger: logs }));
  const go = track(await startGoNode({ name: 'go-tls', clusterName: 'tls', routes: [ns.routeUrl], routeTls }));
  const a = await client(ns);
  const b = await client(go);
  defer(() => a.close(), () => b.close());
  const got = collect(a, 'secure.data');
  const end = await endMarker(a, 'secure.end');
  await untilRouted(a, b);
  await untilRouted(b, a);
  b.publish('secure.data', new TextEncoder().encode('over tls'));
  b.publish('secure.end');
  await end();
  assert.deepEqual(got.got, ['over tls']);
  const [route] = [...ns.running.core!.cluster!.routes.values()];
  assert.equal(route.remoteName, 'go-tls');
  assert.equal(route.socket.constructor.name, 'TLSSocket');

  // natstream dialling nats-server over TLS (it verifies the server's certificate for 127.0.0.1).
  const dialer = track(await startNatstreamNode({ name: 'ns-dialer', clusterName: 'tls', routes: [go.routeUrl], routeTls }));
  const c = await client(dialer);
  defer(() => c.close());
  await untilRouted(c, b);
  await untilRouted(b, c);

  // A natstream without TLS dials the TLS route port: the handshake fails, nothing is routed.
  const plain = track(await startNatstreamNode({ name: 'ns-plain', clusterName: 'tls', routes: [ns.routeUrl] }));
  await logs.waitFor('TLS route handshake error', 10_000);
  assert.equal(plain.running.core!.cluster!.routes.size, 0);
  assert.equal(ns.running.core!.cluster!.routes.size, 2, 'go-tls, and ns-dialer discovered through it');
});
