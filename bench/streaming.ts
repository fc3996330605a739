/**
 * Streaming load generator: N publishers and M subscribers, each its own
 * process, using node-nats-streaming against natstream (started here in a child
 * process) or any STAN server (`--url`). Prints publish and delivery rates and
 * publish-to-delivery latency.
 *
 *   npx tsc -p tsconfig.json
 *   node dist/bench/streaming.js --pubs 1 --subs 1 --size 128 --count 100000          # async publish
 *   node dist/bench/streaming.js --pubs 1 --subs 1 --size 128 --count 10000 --sync    # wait for each PubAck
 *   node dist/bench/streaming.js --subs 3 --kind queue                                # plain|queue|durable|durable-queue
 *   node dist/bench/streaming.js --url nats://127.0.0.1:4222 --cluster test-cluster   # an already running server
 *
 * Async publishers keep at most `--window` PubAcks outstanding (default 16384, the
 * client's maxPubAcksInflight); every PubAck is accounted for (an error fails the
 * run). Latency: the publisher stamps each payload with CLOCK_MONOTONIC
 * (process.hrtime, shared by the processes of one machine).
 */

import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

type Kind = 'plain' | 'queue' | 'durable' | 'durable-queue';

interface Args {
  pubs: number;
  subs: number;
  size: number;
  count: number;
  sync: boolean;
  kind: Kind;
  window: number;
  url: string;
  cluster: string;
}

type Job =
  | { role: 'server'; cluster: string }
  | { role: 'pub'; id: number; url: string; cluster: string; count: number; size: number; sync: boolean; window: number }
  | { role: 'sub'; id: number; url: string; cluster: string; expect: number; kind: Kind };

type Report =
  | { type: 'url'; url: string }
  | { type: 'ready' }
  | { type: 'count'; received: number }
  | { type: 'pub-done'; startUs: number; endUs: number; acked: number }
  | { type: 'sub-done'; firstUs: number; lastUs: number; received: number; latenciesUs: number[] };

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

function parseArgs(argv: string[]): Args {
  const a: Args = { pubs: 1, subs: 1, size: 128, count: 100_000, sync: false, kind: 'plain', window: 16384, url: '', cluster: 'bench-cluster' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case '--pubs': a.pubs = Number(v); i++; break;
      case '--subs': a.subs = Number(v); i++; break;
      case '--size': a.size = Number(v); i++; break;
      case '--count': a.count = Number(v); i++; break;
      case '--window': a.window = Number(v); i++; break;
      case '--kind': a.kind = v as Kind; i++; break;
      case '--url': a.url = v; i++; break;
      case '--cluster': a.cluster = v; i++; break;
      case '--sync': a.sync = true; break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (a.size < 8) a.size = 8; // room for the timestamp
  return a;
}

// ---------------------------------------------------------------------------
// child roles

function send(r: Report): void {
  process.send!(r);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function connect(url: string, cluster: string, clientId: string, window = 16384): Promise<any> {
  const stan = require('node-nats-streaming');
  return new Promise((resolve, reject) => {
    const sc = stan.connect(cluster, clientId, { url, maxPubAcksInflight: window, connectTimeout: 5000 });
    sc.once('connect', () => resolve(sc));
    sc.once('error', reject);
  });
}

async function runServer(job: Extract<Job, { role: 'server' }>): Promise<void> {
  const { startServer } = await import('../src/index.js');
  const server = await startServer({ port: 0, host: '127.0.0.1', clusterId: job.cluster });
  send({ type: 'url', url: server.natsUrl });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
}

async function runPub(job: Extract<Job, { role: 'pub' }>): Promise<void> {
  const sc = await connect(job.url, job.cluster, `bench-pub-${job.id}-${process.pid}`, job.window);
  const payload = Buffer.alloc(job.size, 0x61);
  let sent = 0;
  let acked = 0;
  const startUs = nowUs();
  await new Promise<void>((resolve, reject) => {
    const onAck = (err: unknown) => {
      if (err) { reject(new Error(`PubAck error: ${String(err)}`)); return; }
      acked++;
      if (acked === job.count) resolve();
      else if (job.sync) publishOne();
      else if (sent - acked < job.window / 2) pump();
    };
    const publishOne = () => {
      const p = Buffer.from(payload);
      p.writeDoubleLE(nowUs(), 0);
      sent++;
      sc.publish('bench', p, onAck);
    };
    let pumping = false;
    const pump = () => {
      if (pumping) return;
      pumping = true;
      // yield between bursts so acks and the socket get their turn
      const burst = () => {
        let n = 0;
        while (sent < job.count && sent - acked < job.window && n++ < 512) publishOne();
        if (sent < job.count && sent - acked < job.window) setImmediate(burst);
        else pumping = false;
      };
      burst();
    };
    if (job.sync) publishOne();
    else pump();
  });
  send({ type: 'pub-done', startUs, endUs: nowUs(), acked });
  sc.close();
}

async function runSub(job: Extract<Job, { role: 'sub' }>): Promise<void> {
  const sc = await connect(job.url, job.cluster, `bench-sub-${job.id}-${process.pid}`);
  const opts = sc.subscriptionOptions().setMaxInFlight(16384);
  if (job.kind === 'durable' || job.kind === 'durable-queue') opts.setDurableName('bench-durable');
  const queue = job.kind === 'queue' || job.kind === 'durable-queue' ? 'bench-group' : null;
  const sub = queue === null ? sc.subscribe('bench', opts) : sc.subscribe('bench', queue, opts);
  const latencies: number[] = [];
  let firstUs = 0;
  let lastUs = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => { finish = resolve; });
  sub.on('message', (m: any) => {
    const now = nowUs();
    if (latencies.length === 0) firstUs = now;
    lastUs = now;
    latencies.push(now - m.getRawData().readDoubleLE(0));
    if (latencies.length === job.expect) finish();
  });
  process.on('message', (m) => { if (m === 'stop') finish(); });
  await new Promise<void>((resolve, reject) => { sub.once('ready', resolve); sub.once('error', reject); });
  send({ type: 'ready' });
  // queue members only see their share: the coordinator adds these up and says stop
  const progress = setInterval(() => send({ type: 'count', received: latencies.length }), 50);
  await finished;
  clearInterval(progress);
  send({ type: 'sub-done', firstUs, lastUs, received: latencies.length, latenciesUs: latencies });
  sc.close();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------
// coordinator

const self = fileURLToPath(import.meta.url);

function spawn(job: Job): ChildProcess {
  return fork(self, ['--child', JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next(child: ChildProcess, type: Report['type']): Promise<Report> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Report) => { if (m.type === type) { child.off('message', onMsg); resolve(m); } };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before '${type}'`)));
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function coordinate(a: Args): Promise<void> {
  let server: ChildProcess | null = null;
  let url = a.url;
  if (!url) {
    server = spawn({ role: 'server', cluster: a.cluster });
    url = (await next(server, 'url') as Extract<Report, { type: 'url' }>).url;
  }
  const queue = a.kind === 'queue' || a.kind === 'durable-queue';
  const subs = Array.from({ length: a.subs }, (_, i) => spawn({
    role: 'sub', id: i, url, cluster: a.cluster, kind: a.kind,
    // a queue group shares the messages: each member waits for all, and is stopped when the group has them
    expect: a.count,
  }));
  await Promise.all(subs.map((c) => next(c, 'ready')));
  const subDone = subs.map((c) => next(c, 'sub-done'));
  const perPub = Math.floor(a.count / a.pubs);
  const pubs = Array.from({ length: a.pubs }, (_, i) => spawn({
    role: 'pub', id: i, url, cluster: a.cluster, size: a.size, sync: a.sync, window: a.window,
    count: i === a.pubs - 1 ? a.count - perPub * (a.pubs - 1) : perPub,
  }));
  const pubResults = await Promise.all(pubs.map((c) => next(c, 'pub-done'))) as Array<Extract<Report, { type: 'pub-done' }>>;
  if (queue) {
    // the members of a group share the messages: stop them once the group has all
    const counts = new Array<number>(subs.length).fill(0);
    await new Promise<void>((resolve) => {
      subs.forEach((c, i) => c.on('message', (m: Report) => {
        if (m.type !== 'count') return;
        counts[i] = m.received;
        if (counts.reduce((x, y) => x + y, 0) >= a.count) resolve();
      }));
    });
    for (const c of subs) c.send('stop');
  }
  const subResults = await Promise.all(subDone) as Array<Extract<Report, { type: 'sub-done' }>>;
  const start = Math.min(...pubResults.map((r) => r.startUs));
  const pubEnd = Math.max(...pubResults.map((r) => r.endUs));
  const subEnd = Math.max(...subResults.map((r) => r.lastUs));
  const acked = pubResults.reduce((n, r) => n + r.acked, 0);
  const received = subResults.reduce((n, r) => n + r.received, 0);
  const lat = subResults.flatMap((r) => r.latenciesUs).sort((x, y) => x - y);
  const mode = a.sync ? 'sync' : 'async';
  console.log(`${a.pubs} pub (${mode}) + ${a.subs} sub (${a.kind}), ${a.size} B, ${a.count} msgs${a.url ? ` on ${a.url}` : ' on natstream'}`);
  console.log(`  pub: ${acked} acked, ${Math.round(acked / ((pubEnd - start) / 1e6))} msgs/s`);
  console.log(`  sub: ${received} received, ${Math.round(received / ((subEnd - start) / 1e6))} msgs/s`);
  console.log(`  latency: p50 ${(quantile(lat, 0.5) / 1000).toFixed(3)} ms, p99 ${(quantile(lat, 0.99) / 1000).toFixed(3)} ms`);
  if (acked !== a.count) throw new Error(`only ${acked} of ${a.count} publishes acknowledged`);
  if (server) {
    server.send('stop');
    await new Promise((r) => server!.once('exit', r));
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const job = JSON.parse(argv[1]) as Job;
  const run = job.role === 'server' ? runServer(job) : job.role === 'pub' ? runPub(job) : runSub(job);
  run.catch((err) => { console.error(err); process.exit(1); });
} else {
  coordinate(parseArgs(argv)).catch((err) => { console.error(err); process.exit(1); });
}
