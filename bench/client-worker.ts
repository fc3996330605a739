/**
 * One bench client in its own process (forked by the coordinator), so that the
 * load generator's publishers and subscribers share an event loop neither with
 * each other nor with the server. Speaks the protocol of ./messages.ts.
 */
import { Meter, now } from './cpu.js';
import { connect, type Msg, type NatsConnection, type NatsError } from 'nats';
import type { FromWorker, Job, PubJob, ReplierJob, RequesterJob, SubJob, ToWorker } from './messages.js';
import { pubFrames, RawConnection, token } from './raw-client.js';

function send(m: FromWorker): void {
  process.send?.(m);
}

/** Tracks the subscribers' progress (relayed by the coordinator) and lets a publisher wait for it. */
class Pacer {
  slowest: number;
  private readonly progress: number[];
  private needed = 0;
  private wake: (() => void) | null = null;

  constructor(subs: number) {
    this.progress = new Array<number>(subs).fill(0);
    this.slowest = subs > 0 ? 0 : Infinity;
  }

  update(index: number, received: number): void {
    this.progress[index] = Math.max(this.progress[index], received);
    this.slowest = Math.min(...this.progress);
    if (this.wake !== null && this.slowest >= this.needed) {
      const w = this.wake;
      this.wake = null;
      w();
    }
  }

  waitFor(needed: number): Promise<void> {
    this.needed = needed;
    return new Promise((resolve) => (this.wake = resolve));
  }
}

let stopping = false;
let closeConnection: (() => Promise<void> | void) | null = null;
let pacer = new Pacer(0);
let go: (() => void) | null = null;
const started = new Promise<void>((resolve) => (go = resolve));

function fail(message: string): void {
  if (stopping) return;
  send({ type: 'error', message });
  process.exit(1);
}

async function openNats(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, reconnect: false, pingInterval: 10 * 60 * 1000, name: 'natstream-bench' });
  nc.closed().then((err) => {
    if (err) fail(`connection closed: ${err.message}`);
  });
  closeConnection = () => nc.close();
  return nc;
}

async function openRaw(url: string, onMsg: (buf: Buffer, start: number, end: number, size: number) => void): Promise<RawConnection> {
  const c = await RawConnection.connect(url, { onMsg }, (err) => fail(err.message));
  closeConnection = () => c.close();
  return c;
}

/** Counts deliveries; the returned function is the per-message hot path of a subscriber. */
function subscriberCounter(job: SubJob): { onMessage: () => void; arm: () => void } {
  let received = 0;
  let first = 0n;
  let meter: Meter | null = null;
  const { expect, progressEvery, index } = job;
  return {
    arm: () => {
      meter = new Meter();
    },
    onMessage: () => {
      received++;
      if (received === 1) first = now();
      if (received === expect) {
        const last = now();
        send({ type: 'progress', index, received });
        const spent = meter !== null ? meter.stop() : { cpuMicros: 0, wallMicros: 0 };
        send({ type: 'sub-done', first: String(first), last: String(last), received, ...spent });
      } else if (received % progressEvery === 0) {
        send({ type: 'progress', index, received });
      }
    },
  };
}

async function runSub(job: SubJob): Promise<void> {
  const counter = subscriberCounter(job);
  if (job.client === 'nats') {
    const nc = await openNats(job.url);
    nc.subscribe(job.subject, {
      callback: (err: NatsError | null) => {
        if (err) return fail(err.message);
        counter.onMessage();
      },
    });
    await nc.flush();
  } else {
    const c = await openRaw(job.url, counter.onMessage);
    c.write(`SUB ${job.subject} 1\r\n`);
    await c.ping();
  }
  send({ type: 'ready' });
  await started;
  counter.arm();
}

async function runPub(job: PubJob): Promise<void> {
  pacer = new Pacer(job.subs);
  const { count, pubs, window, subject, size } = job;
  if (job.client === 'nats') {
    const nc = await openNats(job.url);
    const payload = new Uint8Array(size).fill(97);
    send({ type: 'ready' });
    await started;
    const meter = new Meter();
    const start = now();
    for (let i = 1; i <= count; i++) {
      // Stay a bounded distance ahead of the slowest subscriber, so that no
      // server ever holds a backlog that could cut a subscriber as slow.
      if (i * pubs - pacer.slowest > window) await pacer.waitFor(i * pubs - window);
      nc.publish(subject, payload);
    }
    await nc.flush();
    const end = now();
    send({ type: 'pub-done', start: String(start), end: String(end), sent: count, ...meter.stop() });
    return;
  }
  const c = await openRaw(job.url, () => {});
  const frameLength = pubFrames(subject, size, 1).length;
  // Whole frames per write: about 64 KB, and a small part of the window.
  const perWrite = Math.max(1, Math.min(Math.floor(65536 / frameLength), Math.floor(window / (4 * pubs))));
  const chunk = pubFrames(subject, size, perWrite);
  send({ type: 'ready' });
  await started;
  const meter = new Meter();
  const start = now();
  let sent = 0;
  while (sent < count) {
    const k = Math.min(perWrite, count - sent);
    const target = (sent + k) * pubs - window;
    if (target > pacer.slowest) await pacer.waitFor(target);
    const drained = c.write(k === perWrite ? chunk : chunk.subarray(0, k * frameLength));
    sent += k;
    if (drained !== null) await drained;
  }
  await c.ping();
  const end = now();
  send({ type: 'pub-done', start: String(start), end: String(end), sent: count, ...meter.stop() });
}

async function runReplier(job: ReplierJob): Promise<void> {
  if (job.client === 'nats') {
    const nc = await openNats(job.url);
    nc.subscribe(job.subject, {
      callback: (err: NatsError | null, m: Msg) => {
        if (err) return fail(err.message);
        m.respond(m.data);
      },
    });
    await nc.flush();
  } else {
    const body = Buffer.alloc(job.size + 2, 97);
    body[job.size] = 13;
    body[job.size + 1] = 10;
    const c = await openRaw(job.url, (buf, start, end, size) => {
      // MSG <subject> <sid> <reply> <size>
      const reply = token(buf, start, end, 3);
      c.write(Buffer.concat([Buffer.from(`PUB ${reply} ${size}\r\n`, 'latin1'), body.subarray(body.length - size - 2)]));
    });
    c.write(`SUB ${job.subject} 1\r\n`);
    await c.ping();
  }
  send({ type: 'ready' });
}

async function runRequester(job: RequesterJob): Promise<void> {
  let request: () => Promise<unknown>;
  if (job.client === 'nats') {
    const nc = await openNats(job.url);
    const payload = new Uint8Array(job.size).fill(97);
    request = () => nc.request(job.subject, payload, { timeout: 5000 });
  } else {
    let answered: (() => void) | null = null;
    const c = await openRaw(job.url, () => {
      const a = answered;
      answered = null;
      a?.();
    });
    const inbox = `_INBOX.bench.${process.pid}`;
    c.write(`SUB ${inbox} 1\r\n`);
    await c.ping();
    const frame = pubFrames(job.subject, job.size, 1, inbox);
    request = () =>
      new Promise<void>((resolve) => {
        answered = resolve;
        c.write(frame);
      });
  }
  send({ type: 'ready' });
  await started;
  for (let i = 0; i < job.warmup; i++) await request();
  const meter = new Meter();
  const latencies = new Array<number>(job.count);
  const start = now();
  for (let i = 0; i < job.count; i++) {
    const t0 = now();
    await request();
    latencies[i] = Number(now() - t0) / 1000;
  }
  const end = now();
  send({ type: 'req-done', start: String(start), end: String(end), latenciesMicros: latencies, ...meter.stop() });
}

function run(job: Job): Promise<void> {
  switch (job.role) {
    case 'sub':
      return runSub(job);
    case 'pub':
      return runPub(job);
    case 'replier':
      return runReplier(job);
    case 'requester':
      return runRequester(job);
  }
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'job':
      run(m.job).catch((err: Error) => fail(err.message));
      break;
    case 'go':
      go?.();
      break;
    case 'progress':
      pacer.update(m.index, m.received);
      break;
    case 'stop': {
      stopping = true;
      Promise.resolve(closeConnection?.()).finally(() => process.exit(0));
      break;
    }
  }
});
process.on('disconnect', () => process.exit(0));
