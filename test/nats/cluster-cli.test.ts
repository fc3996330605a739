/**
 * The `natstream` command with nats-server's clustering flags, as a child
 * process: its route log lines, a nats-server joining it, and a STAN client
 * on the nats-server node served by natstream's streaming layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { client, skipWithoutNatsServer, startGoNode, untilAccepting, untilRouted, type Node, teardown } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { closeStan, connectStan, publish, subscribe, inboxOf } from '../streaming/harness.js';

const BIN = fileURLToPath(new URL('../../../bin/natstream.js', import.meta.url));
const { defer } = teardown();

test('natstream --cluster --cluster_name: a nats-server joins, STAN clients on it are served', { skip: skipWithoutNatsServer, timeout: 30_000 }, async () => {
  const port = await freePort();
  const clusterPort = await freePort();
  const child = spawn(process.execPath, [
    BIN, '-a', '127.0.0.1', '-p', String(port), '--cluster', `nats://127.0.0.1:${clusterPort}`, '--cluster_name', 'cli', '-D',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  defer(async () => { child.kill('SIGTERM'); await exited; });
  await untilAccepting(port);
  const ns: Node = {
    kind: 'natstream', name: 'cli', port, clusterPort, url: `nats://127.0.0.1:${port}`,
    routeUrl: `nats://127.0.0.1:${clusterPort}`, stop: async () => undefined,
  };
  const go = await startGoNode({ name: 'go-cli', clusterName: 'cli', routes: [ns.routeUrl] });
  defer(() => go.stop());
  const a = await client(ns);
  const b = await client(go);
  defer(() => a.close(), () => b.close());
  await untilRouted(a, b);

  assert.match(log, /\[INF\] {3}Cluster: {2}cli\n/);
  assert.match(log, /\[INF\] Cluster name is cli\n/);
  assert.match(log, new RegExp(`\\[INF\\] Listening for route connections on 127\\.0\\.0\\.1:${clusterPort}\\n`));
  assert.match(log, /\[INF\] 127\.0\.0\.1:\d+ - rid:\d+ - Route connection created\n/);
  assert.match(log, /\[DBG\] 127\.0\.0\.1:\d+ - rid:\d+ - Registering remote route "N[A-Z0-9]{55}"\n/);

  const sc = await connectStan(go.url, 'test-cluster', 'via-go');
  defer(() => closeStan(sc));
  await publish(sc, 'cli.channel', 'routed');
  const sub = await subscribe(sc, 'cli.channel', null, sc.subscriptionOptions().setDeliverAllAvailable());
  assert.deepEqual((await inboxOf(sub).take(1)).map((r) => r.data), ['routed']);
});
