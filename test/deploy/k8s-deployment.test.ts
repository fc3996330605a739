/**
 * The seed's Kubernetes Deployment, run for real: natstream started with the
 * container args exactly as written in infra/k8s/nats-depl.yaml (only the two
 * ports are remapped to free ones), then used the way the ticketing services
 * use it and probed the way the manifest's probes do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { freePort } from '../support/ports.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stan: any = require('node-nats-streaming');

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Container { args: string[]; ports: Array<{ containerPort: number }>; readinessProbe: { httpGet: { path: string; port: number } } }

function deploymentContainer(file: string): Container {
  const docs = parseAllDocuments(readFileSync(root + file, 'utf8')).map((d) => d.toJS());
  const depl = docs.find((d) => d.kind === 'Deployment');
  assert.equal(depl.metadata.name, 'nats-depl');
  const svc = docs.find((d) => d.kind === 'Service');
  assert.equal(svc.metadata.name, 'nats-srv');
  assert.deepEqual(svc.spec.ports.map((p: { port: number }) => p.port), [4222, 8222]);
  return depl.spec.template.spec.containers[0];
}

test('the seed Deployment args start natstream as the Go server would', async () => {
  const container = deploymentContainer('infra/k8s/nats-depl.yaml');
  assert.deepEqual(container.args, ['-p', '4222', '-m', '8222', '-hbi', '5s', '-hbt', '5s', '-hbf', '2', '-SD', '-cid', 'ticketing']);
  assert.equal(container.readinessProbe.httpGet.path, '/healthz');

  const [clientPort, monitorPort] = [await freePort(), await freePort()];
  const args = container.args.map((a, i, all) =>
    all[i - 1] === '-p' ? String(clientPort) : all[i - 1] === '-m' ? String(monitorPort) : a);
  const child = spawn(process.execPath, [root + 'bin/natstream.js', '-a', '127.0.0.1', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('Streaming Server is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`natstream exited ${code}: ${stderr}`)));
  });
  try {
    await ready;
    assert.match(stderr, /\[DBG\] STREAM: Discover subject: +_STAN\.discover\.ticketing/, '-SD prints the debug lines');

    const sc = stan.connect('ticketing', 'tickets-srv', { url: `nats://127.0.0.1:${clientPort}` });
    await new Promise((resolve, reject) => { sc.once('connect', resolve); sc.once('error', reject); });
    const opts = sc.subscriptionOptions().setManualAckMode(true).setDeliverAllAvailable().setDurableName('orders-service');
    const sub = sc.subscribe('ticket:created', 'orders-service', opts);
    const received = new Promise<string>((resolve) => sub.on('message', (m: { getData(): string; ack(): void }) => { m.ack(); resolve(m.getData()); }));
    await new Promise<void>((resolve, reject) => sc.publish('ticket:created', JSON.stringify({ id: 'a1', price: 20 }), (err: Error | undefined) => (err ? reject(err) : resolve())));
    assert.deepEqual(JSON.parse(await received), { id: 'a1', price: 20 });

    const health = await fetch(`http://127.0.0.1:${monitorPort}${container.readinessProbe.httpGet.path}`);
    assert.equal(health.status, 200);
    const serverz = await (await fetch(`http://127.0.0.1:${monitorPort}/streaming/serverz`)).json() as Record<string, unknown>;
    assert.equal(serverz.cluster_id, 'ticketing');
    assert.equal(serverz.clients, 1);
    assert.equal(serverz.channels, 1);
    await new Promise((resolve) => { sc.once('close', resolve); sc.close(); });
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

test('the file-store manifest keeps the seed args and adds the store on the volume', () => {
  const container = deploymentContainer('infra/k8s/nats-depl-file-store.yaml');
  assert.deepEqual(container.args.slice(0, 13), ['-p', '4222', '-m', '8222', '-hbi', '5s', '-hbt', '5s', '-hbf', '2', '-SD', '-cid', 'ticketing']);
  assert.deepEqual(container.args.slice(13), ['-store', 'file', '-dir', '/data/stan']);
});
