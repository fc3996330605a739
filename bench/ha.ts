/**
 * Scale-out bench (not a test): FT groups on a real 3-node nats-server cluster.
 *
 *   node dist/bench/ha.js [--store file|postgres|mysql] [--runs N] [--seconds S]
 *
 * - failover: two natstream members (`--ft_group`), a publisher with a 250 ms
 *   PubAck timeout and a durable queue subscriber; kill -9 of the active; prints
 *   kill -> standby ready, and kill -> first PubAck of a publish sent after the
 *   kill, with acked messages lost (must be 0).
 * - throughput: async publishes acked per second through the cluster, one
 *   natstream alone (before and after) vs the active member of an FT group,
 *   on the same store.
 * Each natstream is `node bin/natstream.js -ns ...` in a process of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startTestDatabase, type TestDatabase } from '../test/support/databases.js';
import { FailoverLoad } from '../test/support/ft-load.js';
import { startNatsCluster, type NatsCluster } from '../test/support/nats-cluster.js';
import { NatstreamProcess } from '../test/support/natstream-process.js';
import { closeStan, connectStan } from '../test/streaming/harness.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const storeKind = arg('store', 'postgres');
const runs = Number(arg('runs', '2'));
const seconds = Number(arg('seconds', '5'));
const CID = 'hab';

async function storeArgs(): Promise<{ args: () => Promise<string[]>; done: () => Promise<void> }> {
  if (storeKind === 'file') {
    const dirs: string[] = [];
    return {
      args: async () => { const d = mkdtempSync(path.join(tmpdir(), 'natstream-hab-')); dirs.push(d); return ['-st', 'FILE', '-dir', d]; },
      done: async () => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); },
    };
  }
  const db: TestDatabase = await startTestDatabase(storeKind === 'mysql' ? 'mysql' : 'postgres');
  return {
    args: async () => { await db.reset(); return ['-st', 'SQL', '--sql_driver', db.driver, '--sql_source', db.source]; },
    done: () => db.shutdown(),
  };
}

async function failover(cluster: NatsCluster, store: string[]): Promise<{ readyMs: number; gapMs: number; missing: number }> {
  const group = ['-cid', CID, '--ft_group', 'g'];
  const a = new NatstreamProcess('A', ['-ns', cluster.nodes[0]!.url, ...group, ...store]);
  let b: NatstreamProcess | undefined;
  try {
    await a.waitFor('Streaming Server is ready', 15_000);
    // Started once A is active, so that B is the standby.
    b = new NatstreamProcess('B', ['-ns', cluster.nodes[2]!.url, ...group, ...store]);
    await b.waitFor('Starting in standby mode', 15_000);
    const load = new FailoverLoad({ url: cluster.nodes[1]!.url, clusterId: CID, ackTimeoutMs: 250 });
    await load.start();
    await load.untilAcked(500, 15_000);
    load.markKill();
    const killed = Date.now();
    await a.kill();
    await b.waitFor('Streaming Server is ready', 20_000);
    const readyMs = Date.now() - killed;
    await load.untilAcked(load.acked.size + 500, 20_000);
    await load.stopPublishing();
    const r = await load.report(10_000);
    await load.close();
    return { readyMs, gapMs: r.gapMs, missing: r.missing };
  } finally {
    await a.kill();
    await b?.kill();
  }
}

async function throughput(cluster: NatsCluster, store: string[], ft: boolean): Promise<number> {
  const extra = ft ? ['--ft_group', 'g'] : [];
  const members = [new NatstreamProcess('S', ['-ns', cluster.nodes[0]!.url, '-cid', CID, ...extra, ...store])];
  try {
    await members[0]!.waitFor('Streaming Server is ready', 15_000);
    if (ft) {
      members.push(new NatstreamProcess('S2', ['-ns', cluster.nodes[2]!.url, '-cid', CID, ...extra, ...store]));
      await members[1]!.waitFor('Starting in standby mode', 15_000);
    }
    const sc = await connectStan(cluster.nodes[1]!.url, CID, 'tp', { maxPubAcksInflight: 4096 });
    let acked = 0;
    let inFlight = 0;
    let running = true;
    const payload = Buffer.alloc(128, 120);
    const pump = () => {
      while (running && inFlight < 1000) {
        inFlight++;
        sc.publish('tp', payload, (err: unknown) => { inFlight--; if (!err) acked++; setImmediate(pump); });
      }
    };
    pump();
    await new Promise((r) => setTimeout(r, 1000)); // warm-up
    const start = acked;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const rate = ((acked - start) * 1000) / (Date.now() - t0);
    running = false;
    await closeStan(sc);
    return rate;
  } finally {
    for (const m of members) await m.kill();
  }
}

const cluster = await startNatsCluster(3);
const store = await storeArgs();
try {
  console.log(`store=${storeKind}, 3-node nats-server cluster, natstream members with -ns`);
  for (let i = 0; i < runs; i++) {
    const f = await failover(cluster, await store.args());
    console.log(`failover run ${i + 1}: kill -> standby ready ${f.readyMs} ms, kill -> first PubAck ${f.gapMs} ms, acked lost ${f.missing}`);
  }
  // single, group, single: the store may slow down as it fills, so the group is compared with the mean of both.
  const single1 = await throughput(cluster, await store.args(), false);
  const group = await throughput(cluster, await store.args(), true);
  const single2 = await throughput(cluster, await store.args(), false);
  const single = (single1 + single2) / 2;
  console.log(`throughput (128 B async publishes acked/s): single ${single1.toFixed(0)} then ${single2.toFixed(0)}, FT group ${group.toFixed(0)}, ratio ${(group / single).toFixed(2)}`);
} finally {
  await store.done();
  await cluster.stop();
}
