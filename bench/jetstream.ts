/**
 * JETSTREAM store benchmark (not a test): 1 publisher + 1 subscriber, 128-byte
 * messages, async publishes (node-nats-streaming, up to 1024 PubAcks in flight),
 * on the FILE store vs the JETSTREAM store with R1 and R3 streams on a local
 * 3-node nats-server cluster; then the speed of `natstream migrate` from a FILE store.
 *
 *   npx tsc -p . && node dist/bench/jetstream.js [messages=20000] [migrateMessages=200000]
 *
 * Everything runs on this machine (natstream in this process, nats-server nodes as
 * children), so the figures are ratios between stores on the same box, not absolutes.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { startServer, type StartOptions } from '../src/index.js';
import { migrate } from '../src/migrate/migrate.js';
import { makeMsg } from '../src/protocol/stan-msg.js';
import { createStore } from '../src/stores/factory.js';
import { silentLogger } from '../src/util/logger.js';
import { JsCluster } from '../test/support/js-cluster.js';
import { freePort } from '../test/support/ports.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stan: any = require('node-nats-streaming');

const N = Number(process.argv[2] ?? 20_000);
const M = Number(process.argv[3] ?? 200_000);
const payload = Buffer.alloc(128, 'x');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function connectStan(servers: string[], cid: string, id: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const sc = stan.connect(cid, id, { servers, maxPubAcksInflight: 1024, ackTimeout: 30_000 });
    sc.once('connect', () => resolve(sc));
    sc.once('error', reject);
  });
}

async function pubSub(name: string, servers: string[], cid: string, start: StartOptions): Promise<{ name: string; rate: number }> {
  const server = await startServer(start);
  try {
    const sub = await connectStan(servers, cid, 'sub');
    const pub = await connectStan(servers, cid, 'pub');
    let received = 0;
    let done!: () => void;
    const allIn = new Promise<void>((r) => { done = r; });
    const s = sub.subscribe('bench', sub.subscriptionOptions().setMaxInFlight(4096));
    await new Promise((r) => s.once('ready', r));
    s.on('message', () => { if (++received === N) done(); });
    const t0 = process.hrtime.bigint();
    let acked = 0;
    let allAcked!: () => void;
    const acks = new Promise<void>((r) => { allAcked = r; });
    let room: (() => void) | undefined;
    for (let i = 0; i < N; i++) {
      // node-nats-streaming fails a publish beyond its in-flight limit: wait for room
      while (i - acked >= 1000) await new Promise<void>((r) => { room = r; });
      pub.publish('bench', payload, (err: unknown) => {
        if (err) throw new Error(String(err));
        if (++acked === N) allAcked();
        room?.();
        room = undefined;
      });
      if (i % 512 === 511) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([acks, allIn]);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    await new Promise((r) => { pub.once('close', r); pub.close(); });
    await new Promise((r) => { sub.once('close', r); sub.close(); });
    return { name, rate: N / secs };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const rows: Array<{ name: string; rate: number }> = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'natstream-bench-js-'));
  const cluster = await JsCluster.start(3);
  try {
    const urls = cluster.urls;
    const servers = [cluster.url(0)];
    const filePort = await freePort();
    rows.push(await pubSub('FILE store (embedded NATS)', [`nats://127.0.0.1:${filePort}`], 'bf',
      { port: filePort, clusterId: 'bf', store: { type: 'FILE', dir: path.join(dir, 'file') } }));
    rows.push(await pubSub('FILE store on nats-server (-ns)', servers, 'bfx',
      { clusterId: 'bfx', store: { type: 'FILE', dir: path.join(dir, 'file-ns') }, connection: { natsServerUrl: servers[0] } }));
    rows.push(await pubSub('JETSTREAM R1', servers, 'bj1',
      { clusterId: 'bj1', store: { type: 'JETSTREAM', jetstream: { replicas: 1 } }, connection: { natsServerUrl: urls } }));
    rows.push(await pubSub('JETSTREAM R3', servers, 'bj3',
      { clusterId: 'bj3', store: { type: 'JETSTREAM', jetstream: { replicas: 3 } }, connection: { natsServerUrl: urls } }));
    const ref = rows[0].rate;
    console.log(`1 pub + 1 sub, ${N} x 128 B, async publish (1024 in flight)`);
    for (const r of rows) console.log(`${r.name.padEnd(34)} ${Math.round(r.rate).toString().padStart(8)} msgs/s  ${(r.rate / ref).toFixed(2)}x FILE`);

    // migration speed
    const src = path.join(dir, 'migrate-src');
    const fs = await createStore('FILE', { dir: src }, silentLogger);
    await fs.init({ clusterId: 'mig', discovery: 'd', publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'c', subClose: 'sc', acksSubs: 'a', nodeId: '' });
    const ch = await fs.createChannel('big');
    const t = 1_700_000_000_000_000_000n;
    for (let i = 1; i <= M; i++) {
      ch.msgs.store(makeMsg(i, 'big', '', payload, t + BigInt(i)));
      if (i % 10_000 === 0) await ch.msgs.flush();
    }
    await ch.msgs.flush();
    await fs.close();
    for (const replicas of [1, 3]) {
      const t0 = Date.now();
      const report = await migrate({ from: `file:${src}`, to: { servers: urls, clusterId: `mig-r${replicas}`, replicas } });
      const secs = (Date.now() - t0) / 1000;
      console.log(`migrate ${M} msgs FILE -> JETSTREAM R${replicas}: ${secs.toFixed(1)} s, ${Math.round(M / secs)} msgs/s ` +
        `(copy + verification), verified ${report.ok ? 'OK' : 'FAIL'}`);
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
