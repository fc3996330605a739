/**
 * Routed throughput: a publisher on one node, a subscriber on the other,
 * every message crossing the route. Each pairing of natstream and nats-server
 * runs in child processes; the report gives msgs/s and the ratio to a
 * nats-server pair.
 *
 *   node dist/bench/cluster-routes.js [--count N] [--size B] [--runs R]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { freePort, repoRoot } from './servers.js';

type Kind = 'natstream' | 'nats-server';

interface Node {
  port: number;
  clusterPort: number;
  child: ChildProcess;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const COUNT = arg('count', 200_000);
const SIZE = arg('size', 16);
const RUNS = arg('runs', 3);
const NATS_SERVER = process.env.NATS_SERVER ?? 'nats-server';

async function startNode(kind: Kind, name: string, routes: string[]): Promise<Node> {
  const port = await freePort();
  const clusterPort = await freePort();
  const common = ['-a', '127.0.0.1', '-p', String(port), '--cluster', `nats://127.0.0.1:${clusterPort}`, '--cluster_name', 'bench'];
  if (routes.length > 0) common.push('--routes', routes.join(','));
  const child = kind === 'nats-server'
    ? spawn(NATS_SERVER, [...common, '-n', name], { stdio: 'ignore' })
    : spawn(process.execPath, [path.join(repoRoot, 'bin', 'natstream.js'), ...common], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
      await nc.close();
      break;
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { port, clusterPort, child };
}

async function untilRouted(sub: NatsConnection, pub: NatsConnection): Promise<void> {
  const s = sub.subscribe('_bench_probe', { callback: (_e, m) => m.respond() });
  await sub.flush();
  for (let i = 0; i < 500; i++) {
    try {
      await pub.request('_bench_probe', undefined, { timeout: 100 });
      s.unsubscribe();
      return;
    } catch {
      // not routed yet
    }
  }
  throw new Error('route never formed');
}

async function runPair(pubKind: Kind, subKind: Kind): Promise<number> {
  const a = await startNode(pubKind, 'A', []);
  const b = await startNode(subKind, 'B', [`nats://127.0.0.1:${a.clusterPort}`]);
  try {
    const pub = await connect({ servers: `127.0.0.1:${a.port}` });
    const sub = await connect({ servers: `127.0.0.1:${b.port}` });
    await untilRouted(sub, pub);
    let got = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => { resolveDone = r; });
    sub.subscribe('bench.routed', { callback: () => { if (++got === COUNT) resolveDone(); } });
    await untilRouted(sub, pub);
    const payload = new Uint8Array(SIZE);
    const start = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) {
      pub.publish('bench.routed', payload);
      if (i % 1000 === 999) await pub.flush();
    }
    await done;
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    await pub.close();
    await sub.close();
    return COUNT / secs;
  } finally {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  }
}

const pairs: Array<[Kind, Kind]> = [
  ['nats-server', 'nats-server'],
  ['natstream', 'natstream'],
  ['natstream', 'nats-server'],
  ['nats-server', 'natstream'],
];
const results = new Map<string, number[]>();
for (let r = 0; r < RUNS; r++) {
  for (const [p, s] of pairs) {
    const key = `${p} -> ${s}`;
    const rate = await runPair(p, s);
    (results.get(key) ?? results.set(key, []).get(key)!).push(rate);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const reference = median(results.get('nats-server -> nats-server')!);
console.log(`routed pub -> sub, ${COUNT} msgs of ${SIZE} B, median of ${RUNS} runs (publisher's node -> subscriber's node)`);
for (const [key, rates] of results) {
  const m = median(rates);
  console.log(`${key.padEnd(28)} ${(m / 1000).toFixed(1).padStart(8)}k msgs/s  ${(m / reference).toFixed(2)}x`);
}
