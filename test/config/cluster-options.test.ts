/**
 * Route clustering options from the command line (`--cluster`, `--routes`,
 * `--cluster_name`, ...) and from nats-server's `cluster {}` block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, type CommandLine, type NatstreamOptions } from '../../src/config/options.js';
import { checkStartup } from '../../src/config/startup-checks.js';

function run(argv: string[]): NatstreamOptions {
  const r = parseCommandLine(argv, { env: {} });
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as Extract<CommandLine, { kind: 'run' }>).options;
}

test('flags - --cluster, --routes and the routing options become the core\'s cluster options', () => {
  const o = run([
    '--cluster', 'nats://127.0.0.1:-1', '--routes', 'nats://a:6222, nats://ruser:rpass@b:7222',
    '--cluster_name', 'east', '--no_advertise', '--connect_retries', '3', '--cluster_advertise', 'pub.example:7000',
    '--client_advertise', 'clients.example:4333',
  ]);
  assert.deepEqual(o.core.cluster, {
    host: '127.0.0.1', port: -1, name: 'east', routes: ['nats://a:6222', 'nats://ruser:rpass@b:7222'],
    advertise: 'pub.example:7000', clientAdvertise: 'clients.example:4333', noAdvertise: true, connectRetries: 3,
  });
  assert.equal(checkStartup(o, {}), undefined, 'routes are no longer refused');
});

test('flags - --cluster with credentials; without a port nats-server\'s default 6222', () => {
  assert.deepEqual(run(['--cluster', 'nats://u:p@0.0.0.0:4248']).core.cluster, {
    host: '0.0.0.0', port: 4248, routes: [], user: 'u', pass: 'p',
  });
  assert.equal(run(['--cluster', 'nats://10.0.0.1']).core.cluster?.port, 6222);
  assert.equal(run(['-p', '4222']).core.cluster, undefined, 'no route listener without --cluster');
});

test('flags - the Go server\'s refusals', () => {
  const r = parseCommandLine(['--routes', 'nats://h:6222'], { env: {} });
  assert.equal(r.kind, 'error');
  assert.equal((r as Extract<CommandLine, { kind: 'error' }>).stderr, 'solicited routes require cluster capabilities, e.g. --cluster\n');
  const bad = parseCommandLine(['--cluster', 'nats://no good:1'], { env: {} });
  assert.equal(bad.kind, 'error');
});

test('config file - the cluster {} block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-cluster-'));
  try {
    const file = join(dir, 'c.conf');
    writeFileSync(file, `
port: 4222
cluster {
  name: "west"
  listen: 127.0.0.1:6333
  routes: [
    nats://10.0.0.2:6333
    nats://10.0.0.3:6333
  ]
  authorization { user: ruser, password: s3cret, timeout: 0.5 }
  tls { cert_file: "/etc/route.pem", key_file: "/etc/route-key.pem", ca_file: "/etc/ca.pem", timeout: 3 }
  no_advertise: true
  connect_retries: 5
}
streaming { cluster_id: ticketing }
`);
    const o = run(['-c', file]);
    assert.deepEqual(o.core.cluster, {
      host: '127.0.0.1', port: 6333, name: 'west', routes: ['nats://10.0.0.2:6333', 'nats://10.0.0.3:6333'],
      noAdvertise: true, connectRetries: 5, user: 'ruser', pass: 's3cret', authTimeout: 0.5,
      tls: { cert: '/etc/route.pem', key: '/etc/route-key.pem', ca: '/etc/ca.pem', timeout: 3 },
    });
    // The command line overrides the file.
    assert.equal(run(['-c', file, '--cluster_name', 'other']).core.cluster?.name, 'other');
    // `routes` in the file need no --cluster: the block has a listen address.
    const routesOnly = join(dir, 'r.conf');
    writeFileSync(routesOnly, 'cluster { port: 6444, routes: ["nats://10.0.0.9:6444"] }\n');
    assert.deepEqual(run(['-c', routesOnly]).core.cluster, { host: '0.0.0.0', port: 6444, routes: ['nats://10.0.0.9:6444'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('client URLs a server announces to the cluster: client_advertise, else the listen address', async () => {
  const { ownClientUrls } = await import('../../src/nats/cluster/client-urls.js');
  assert.deepEqual(ownClientUrls('127.0.0.1', 4222, 'clients.example:4333'), ['clients.example:4333']);
  assert.deepEqual(ownClientUrls('127.0.0.1', 4222, 'clients.example'), ['clients.example:4222']);
  assert.deepEqual(ownClientUrls('10.1.2.3', 4222), ['10.1.2.3:4222']);
  const any = ownClientUrls('0.0.0.0', 4222);
  // The machine's non-loopback addresses (127.0.0.1 only on a machine without any).
  assert.ok(any.length > 0 && any.every((u) => u.endsWith(':4222')), JSON.stringify(any));
  assert.ok(any.length === 1 || any.every((u) => !u.startsWith('127.')), JSON.stringify(any));
});
