/**
 * `node dist/bench/load.js`: the load scenarios of issue 15 against natstream
 * in a child process (memory store unless --store file), with raw STAN clients
 * (bench/streaming/raw-stan.ts) so that the clients cost little next to the server.
 *
 *   fan-out     --clients 1000 --subs 10 --channels 50 --publishes 10000:
 *               every client subscribes to 10 channels (200 subscriptions per channel),
 *               one publisher sends 10k messages round-robin over the channels
 *               (2M deliveries, each acked). Reports the server's peak RSS and how long
 *               after the last PubAck the last delivery arrived.
 *   saturation  --seconds 10 --ack-timeout 5000: one client publishes flat out
 *               (no in-flight limit: it writes whenever its socket takes more) and times
 *               every PubAck; reports how many came later than the ack timeout, the
 *               worst, and the server's peak RSS.
 *
 * Go nats-streaming-server 0.25.3 figures from the issue, on the same scenarios:
 * fan-out 201 MB peak, deliveries done ~1 s after the last publish; saturation:
 * no PubAck later than the 5 s ack timeout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createRequire } from 'node:module';

import { RawStan, type RawPublisher } from './streaming/raw-stan.js';
import { CLUSTER_ID, startNatstream, type StreamingServerUnderTest } from './streaming/server.js';

interface LoadOptions {
  scenario: 'fan-out' | 'saturation' | 'both';
  clients: number;
  subs: number;
  channels: number;
  publishes: number;
  size: number;
  seconds: number;
  ackTimeout: number;
  store: 'memory' | 'file';
  /** Saturation client: the raw one (waits for its socket) or node-nats-streaming (never waits). */
  client: 'raw' | 'stan';
  profileDir: string;
  serverArgs: string[];
}

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stan: any = require('node-nats-streaming');

function parseArgs(argv: string[]): LoadOptions {
  const o: LoadOptions = {
    scenario: 'both', clients: 1000, subs: 10, channels: 50, publishes: 10_000, size: 128, seconds: 10, ackTimeout: 5000,
    store: 'memory', client: 'raw', profileDir: '', serverArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--scenario': o.scenario = v() as LoadOptions['scenario']; break;
      case '--clients': o.clients = Number(v()); break;
      case '--subs': o.subs = Number(v()); break;
      case '--channels': o.channels = Number(v()); break;
      case '--publishes': o.publishes = Number(v()); break;
      case '--size': o.size = Number(v()); break;
      case '--seconds': o.seconds = Number(v()); break;
      case '--ack-timeout': o.ackTimeout = Number(v()); break;
      case '--store': o.store = v() as LoadOptions['store']; break;
      case '--client': o.client = v() as LoadOptions['client']; break;
      case '--profile': o.profileDir = path.resolve(v()); break;
      case '--': o.serverArgs = argv.slice(i + 1); i = argv.length; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

/** The server's resident memory now and its peak, in MB, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function startServer(o: LoadOptions): Promise<{ server: StreamingServerUnderTest; cleanup: () => void }> {
  let dir = '';
  const storeArgs: string[] = [];
  if (o.store === 'file') {
    dir = mkdtempSync(path.join(os.tmpdir(), 'natstream-load-'));
    storeArgs.push('-st', 'FILE', '-dir', dir);
  }
  const server = await startNatstream([...storeArgs, ...o.serverArgs], { profileDir: o.profileDir, mask: [] });
  return { server, cleanup: () => { if (dir) rmSync(dir, { recursive: true, force: true }); } };
}

function fail(err: Error): void {
  console.error(`client error: ${err.message}`);
}

async function inBatches<T>(n: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => make(i + k))));
  return out;
}

async function fanOut(o: LoadOptions): Promise<void> {
  const { server, cleanup } = await startServer(o);
  try {
    const url = server.url;
    const perChannel = Math.round((o.clients * o.subs) / o.channels);
    const expected = o.publishes * perChannel;
    let delivered = 0;
    let doneAt = 0;
    let allDelivered: () => void = () => {};
    const done = new Promise<void>((r) => (allDelivered = r));
    const t0 = Date.now();
    const clients = await inBatches(o.clients, 50, async (i) => {
      const sc = await RawStan.connect({ url, clusterId: CLUSTER_ID, clientId: `load-${i}` }, fail);
      for (let j = 0; j < o.subs; j++) {
        await sc.subscribe(`load.${(i * o.subs + j) % o.channels}`, { qGroup: '', durableName: '', maxInFlight: 1024 }, () => {
          if (++delivered === expected) { doneAt = Date.now(); allDelivered(); }
        });
      }
      return sc;
    });
    const setupMs = Date.now() - t0;
    const afterSetup = memoryOf(server.pid);
    // one connection per channel's publisher (a RawStan takes PubAcks for one publisher)
    const pubClients = await inBatches(o.channels, 50, (c) => RawStan.connect({ url, clusterId: CLUSTER_ID, clientId: `load-pub-${c}` }, fail));
    const pubs: RawPublisher[] = pubClients.map((pc, c) => pc.publisher(`load.${c}`, o.size));
    const cpu0 = server.cpuMicros();
    const benchCpu0 = process.cpuUsage();
    const tPub = Date.now();
    // flat out, round-robin over the channels, 100 messages at a time per channel; PubAcks awaited at the end
    let sent = 0;
    const perPub = new Array<number>(o.channels).fill(0);
    while (sent < o.publishes) {
      for (let c = 0; c < o.channels && sent < o.publishes; c++) {
        const k = Math.min(100, o.publishes - sent);
        const w = pubs[c].write(pubs[c].frames(k));
        if (w) await w;
        perPub[c] += k;
        sent += k;
      }
    }
    const lastPublishAt = Date.now();
    await Promise.all(pubs.map((p, c) => p.answeredUpTo(perPub[c])));
    const lastAckAt = Date.now();
    let peak = memoryOf(server.pid).peak;
    const sampler = setInterval(() => { peak = Math.max(peak, memoryOf(server.pid).peak); }, 100);
    const limit = setTimeout(() => allDelivered(), 120_000);
    await done;
    clearTimeout(limit);
    clearInterval(sampler);
    const end = memoryOf(server.pid);
    const failed = pubs.reduce((n, p) => n + p.failed, 0);
    console.log(`fan-out: ${o.clients} clients x ${o.subs} subs over ${o.channels} channels (${perChannel} subs/channel), ${o.publishes} publishes of ${o.size} B, ${o.store} store`);
    console.log(`  set-up (connect + subscribe) ${setupMs} ms; RSS after set-up ${afterSetup.rss.toFixed(0)} MB`);
    console.log(`  publishing ${lastPublishAt - tPub} ms, last PubAck ${lastAckAt - lastPublishAt} ms after the last publish; PubAck errors ${failed}`);
    console.log(`  deliveries ${delivered}/${expected}; last delivery ${doneAt ? doneAt - lastPublishAt : 'never (timed out)'} ms after the last publish`);
    console.log(`  server peak RSS ${Math.max(peak, end.peak).toFixed(0)} MB (Go 0.25.3 in the issue: 201 MB, ~1 s); server CPU ${((server.cpuMicros() - cpu0) / 1e6).toFixed(1)} s, bench clients CPU ${(((u) => (u.user + u.system) / 1e6)(process.cpuUsage(benchCpu0))).toFixed(1)} s`);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await Promise.all(pubClients.map((c) => c.close().catch(() => {})));
  } finally {
    await server.stop();
    cleanup();
  }
}

/**
 * node-nats-streaming publishing flat out: publish() never waits (the client
 * queues what its socket does not take), each PubAck timed from its publish()
 * call, an unlimited number in flight and the given ack timeout, as in the issue.
 */
async function saturationStan(o: LoadOptions, server: StreamingServerUnderTest): Promise<{ sent: number; acked: number; errors: number; firstError: string; late: number; worst: number; lastAckAfter: number }> {
  const sc = await new Promise<any>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const c = stan.connect(CLUSTER_ID, 'flat-out-stan', { url: server.url, ackTimeout: o.ackTimeout, maxPubAcksInflight: 1e9, reconnect: false });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  const data = Buffer.alloc(o.size, 97);
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError = '';
  let late = 0;
  let worst = 0;
  let allAnswered: () => void = () => {};
  let stopped = false;
  const answered = new Promise<void>((r) => (allAnswered = r));
  const end = Date.now() + o.seconds * 1000;
  await new Promise<void>((resolve) => {
    const burst = () => {
      for (let i = 0; i < 500; i++) {
        const at = Date.now();
        sent++;
        sc.publish('saturation', data, (err: unknown) => {
          const lat = Date.now() - at;
          if (err) { errors++; if (firstError === '') firstError = String(err); } else acked++;
          if (lat > o.ackTimeout) late++;
          if (lat > worst) worst = lat;
          if (stopped && acked + errors === sent) allAnswered();
        });
      }
      if (Date.now() < end) setImmediate(burst);
      else resolve();
    };
    burst();
  });
  stopped = true;
  const stopAt = Date.now();
  if (acked + errors === sent) allAnswered();
  await Promise.race([answered, new Promise((r) => setTimeout(r, 120_000))]);
  const lastAckAfter = Date.now() - stopAt;
  await new Promise<void>((r) => { sc.once('close', () => r()); sc.close(); });
  return { sent, acked, errors, firstError, late, worst, lastAckAfter };
}

async function saturation(o: LoadOptions): Promise<void> {
  const { server, cleanup } = await startServer(o);
  if (o.client === 'stan') {
    try {
      let peak = 0;
      const sampler = setInterval(() => { peak = Math.max(peak, memoryOf(server.pid).peak); }, 100);
      const r = await saturationStan(o, server);
      clearInterval(sampler);
      peak = Math.max(peak, memoryOf(server.pid).peak);
      console.log(`saturation (node-nats-streaming): publishing flat out for ${o.seconds} s, ${o.size} B, ${o.store} store, ack timeout ${o.ackTimeout} ms`);
      console.log(`  published ${r.sent}, acked ${r.acked}, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}; last answer ${r.lastAckAfter} ms after the last publish`);
      console.log(`  PubAcks/errors later than ${o.ackTimeout} ms: ${r.late}; worst ${r.worst} ms; server peak RSS ${peak.toFixed(0)} MB (Go 0.25.3 in the issue: none late)`);
    } finally {
      await server.stop();
      cleanup();
    }
    return;
  }
  try {
    const sc = await RawStan.connect({ url: server.url, clusterId: CLUSTER_ID, clientId: 'flat-out' }, fail);
    const pub = sc.publisher('saturation', o.size);
    // send times by frame number: frames go out in order and PubAcks come back in order
    const sentAt: number[] = [];
    let late = 0;
    let worst = 0;
    pub.onAnswer = () => {
      const lat = Date.now() - sentAt[pub.answered - 1];
      if (lat > o.ackTimeout) late++;
      if (lat > worst) worst = lat;
    };
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, memoryOf(server.pid).peak); }, 100);
    const end = Date.now() + o.seconds * 1000;
    let sent = 0;
    while (Date.now() < end) {
      const now = Date.now();
      for (let i = 0; i < 64; i++) sentAt.push(now);
      sent += 64;
      const w = pub.write(pub.frames(64));
      if (w) await w;
    }
    const stopAt = Date.now();
    const limit = new Promise<void>((r) => setTimeout(r, 120_000));
    await Promise.race([pub.answeredUpTo(sent), limit]);
    clearInterval(sampler);
    peak = Math.max(peak, memoryOf(server.pid).peak);
    console.log(`saturation: one client publishing flat out for ${o.seconds} s, ${o.size} B, ${o.store} store, ack timeout ${o.ackTimeout} ms`);
    console.log(`  published ${sent}, acked ${pub.answered} (${pub.failed} errors); last PubAck ${Date.now() - stopAt} ms after the last publish`);
    console.log(`  PubAcks later than ${o.ackTimeout} ms: ${late}; worst ${worst} ms; server peak RSS ${peak.toFixed(0)} MB (Go 0.25.3 in the issue: none late)`);
    await sc.close().catch(() => {});
  } finally {
    await server.stop();
    cleanup();
  }
}

const o = parseArgs(process.argv.slice(2));
if (o.scenario !== 'saturation') await fanOut(o);
if (o.scenario !== 'fan-out') await saturation(o);
process.exit(0);
