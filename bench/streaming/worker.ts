/**
 * One streaming bench client in its own process (forked by the coordinator):
 * a publisher or a subscriber, on the real node-nats-streaming client (the
 * figures a Node application sees) or on ./raw-stan.ts (the server's limit).
 * Speaks ./messages.ts.
 */
import { Meter, now } from '../cpu.js';
import { createRequire } from 'node:module';

import { newHistogram, record } from './histogram.js';
import type { FromWorker, Job, PubJob, SubJob, ToWorker } from './messages.js';
import { RawStan } from './raw-stan.js';

const require = createRequire(import.meta.url);
// node-nats-streaming is CommonJS without types worth importing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stan: any = require('node-nats-streaming');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stan = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StanMsg = any;

function send(m: FromWorker): void {
  process.send?.(m);
}

let stopping = false;
let closeClient: (() => Promise<void>) | null = null;
let go: (() => void) | null = null;
const started = new Promise<void>((resolve) => (go = resolve));
let finish: (() => void) | null = null;

function fail(message: string): void {
  if (stopping) return;
  send({ type: 'error', message });
  process.exit(1);
}

function connectStan(job: Job, extra: Record<string, unknown>): Promise<Stan> {
  return new Promise((resolve, reject) => {
    const sc = stan.connect(job.clusterId, job.clientId, {
      url: job.url,
      connectTimeout: 10_000,
      // Payloads are bytes; the default 'utf8' would decode each one to a string.
      stanEncoding: 'binary',
      reconnect: false,
      name: 'natstream-stream-bench',
      ...extra,
    });
    sc.once('connect', () => {
      closeClient = () =>
        new Promise<void>((done) => {
          if (sc.isClosed()) return done();
          sc.once('close', () => done());
          sc.close();
        });
      sc.on('error', (err: unknown) => fail(`client error: ${String(err)}`));
      sc.on('close', () => fail('connection closed'));
      resolve(sc);
    });
    sc.once('error', (err: unknown) => reject(new Error(`connect: ${String(err)}`)));
  });
}

async function connectRaw(job: Job): Promise<RawStan> {
  const sc = await RawStan.connect({ url: job.url, clusterId: job.clusterId, clientId: job.clientId }, (err) => fail(err.message));
  closeClient = () => sc.close();
  return sc;
}

/** The publisher's side of one run: publishes with at most `limit` PubAcks outstanding. */
interface PubOutcome {
  start: bigint;
  end: bigint;
  failed: number;
  firstError: string;
}

async function publishStan(job: PubJob, limit: number): Promise<() => Promise<PubOutcome>> {
  const { channel, count } = job;
  // The client fails a publish beyond its own limit (it does not wait): the loop below keeps under it.
  const sc = await connectStan(job, { maxPubAcksInflight: limit, ackTimeout: 120_000 });
  const payload = Buffer.alloc(job.size, 97);
  const stamped = job.size >= 8;
  let outstanding = 0;
  let answered = 0;
  let failed = 0;
  let firstError = '';
  let end = 0n;
  let wake: (() => void) | null = null;
  // One handler for every PubAck (no closure per message).
  const onAck = (err: unknown): void => {
    outstanding--;
    answered++;
    if (err) {
      failed++;
      if (firstError === '') firstError = String(err instanceof Error ? err.message : err);
    }
    if (answered === count) end = now();
    if (wake !== null && (outstanding < limit || answered === count)) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const waitForAcks = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  return async () => {
    const start = now();
    for (let i = 0; i < count; i++) {
      if (outstanding >= limit) await waitForAcks();
      if (stamped) payload.writeBigUInt64LE(now(), 0);
      outstanding++;
      sc.publish(channel, payload, onAck);
    }
    while (answered < count) await waitForAcks();
    return { start, end, failed, firstError };
  };
}

async function publishRaw(job: PubJob, limit: number): Promise<() => Promise<PubOutcome>> {
  const sc = await connectRaw(job);
  const p = sc.publisher(job.channel, job.size);
  await sc.nc.ping();
  const { count } = job;
  // Whole frames per write, about 64 KB.
  const perWrite = Math.max(1, Math.floor(65_536 / p.frameLength));
  return async () => {
    const start = now();
    let sent = 0;
    while (sent < count) {
      const room = limit - (sent - p.answered);
      if (room <= 0) {
        await p.answeredUpTo(sent - limit + 1);
        continue;
      }
      const k = Math.min(room, perWrite, count - sent);
      const drained = p.write(p.frames(k));
      sent += k;
      if (drained !== null) await drained;
    }
    await p.answeredUpTo(count);
    return { start, end: now(), failed: p.failed, firstError: p.firstError };
  };
}

async function runPub(job: PubJob): Promise<void> {
  const limit = job.sync ? 1 : job.window;
  const publish = job.client === 'raw' ? await publishRaw(job, limit) : await publishStan(job, limit);
  send({ type: 'ready' });
  await started;
  const meter = new Meter();
  const r = await publish();
  send({ type: 'pub-done', start: String(r.start), end: String(r.end), acked: job.count - r.failed, failed: r.failed, firstError: r.firstError, ...meter.stop() });
}

/** Counts deliveries and their latencies; `delivered` is the per-message hot path. */
class Deliveries {
  readonly latency = newHistogram();
  armed = false;
  received = 0;
  redelivered = 0;
  first = 0n;
  last = 0n;

  /** A delivery whose data is `d[at..end)`; the first 8 bytes are the publisher's hrtime. */
  delivered(d: Uint8Array, at: number, end: number, redelivered: boolean): void {
    const t = now();
    if (!this.armed) return fail('a message arrived before the run started');
    this.received++;
    if (this.received === 1) this.first = t;
    this.last = t;
    if (redelivered) this.redelivered++;
    if (end - at >= 8) {
      // little-endian u64 nanoseconds, exact as a double for ~104 days of uptime
      const stamp = (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16)) + d[at + 3] * 0x1000000 +
        (d[at + 4] | (d[at + 5] << 8) | (d[at + 6] << 16)) * 0x100000000 + d[at + 7] * 0x100000000000000;
      record(this.latency, (Number(t) - stamp) / 1000);
    }
  }
}

async function subscribeStan(job: SubJob, into: Deliveries): Promise<void> {
  const sc = await connectStan(job, {});
  const opts = sc.subscriptionOptions().setDeliverAllAvailable().setMaxInFlight(job.maxInFlight).setManualAckMode(job.manualAck);
  if (job.kind === 'durable' || job.kind === 'durable-queue') opts.setDurableName(job.durable);
  const queued = job.kind === 'queue' || job.kind === 'durable-queue';
  const manualAck = job.manualAck;
  const onMessage = (m: StanMsg): void => {
    const d: Uint8Array = m.getRawData();
    into.delivered(d, 0, d.length, m.isRedelivered());
    if (manualAck) m.ack();
  };
  const sub = queued ? sc.subscribe(job.channel, job.group, opts) : sc.subscribe(job.channel, opts);
  // Listen before 'ready': the first messages can come in the same read as the response.
  sub.on('message', onMessage);
  await new Promise<void>((resolve, reject) => {
    sub.once('ready', () => resolve());
    sub.once('error', (err: unknown) => reject(new Error(`subscribe: ${String(err)}`)));
  });
}

async function subscribeRaw(job: SubJob, into: Deliveries): Promise<void> {
  const sc = await connectRaw(job);
  const queued = job.kind === 'queue' || job.kind === 'durable-queue';
  const durable = job.kind === 'durable' || job.kind === 'durable-queue';
  // The raw client acks every delivery itself (on the wire, auto ack is the same thing).
  await sc.subscribe(
    job.channel,
    { qGroup: queued ? job.group : '', durableName: durable ? job.durable : '', maxInFlight: job.maxInFlight },
    (buf, at, end, redelivered) => into.delivered(buf, at, end, redelivered),
  );
}

async function runSub(job: SubJob): Promise<void> {
  const d = new Deliveries();
  await (job.client === 'raw' ? subscribeRaw(job, d) : subscribeStan(job, d));
  send({ type: 'ready' });
  await started;
  d.armed = true;
  const meter = new Meter();
  // Progress on a coarse timer, never per message.
  let reported = 0;
  const ticker = setInterval(() => {
    if (d.received !== reported) {
      reported = d.received;
      send({ type: 'progress', received: reported });
    }
  }, 10);
  await new Promise<void>((resolve) => (finish = resolve));
  clearInterval(ticker);
  send({
    type: 'sub-done',
    received: d.received,
    redelivered: d.redelivered,
    first: String(d.first),
    last: String(d.last),
    latency: Array.from(d.latency),
    ...meter.stop(),
  });
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'job':
      (m.job.role === 'pub' ? runPub(m.job) : runSub(m.job)).catch((err: Error) => fail(err.message));
      break;
    case 'go':
      go?.();
      break;
    case 'finish':
      finish?.();
      break;
    case 'stop': {
      stopping = true;
      // Closing tells the server the client is gone (and its subscriptions with it).
      const timer = setTimeout(() => process.exit(0), 3000);
      Promise.resolve(closeClient?.())
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(timer);
          process.exit(0);
        });
      break;
    }
  }
});
process.on('disconnect', () => process.exit(0));
