/**
 * One measured run: M subscribers subscribe (each in its own process), then N
 * publishers publish the run's messages on a channel of its own; the run ends
 * when every PubAck came back and every message was delivered.
 */
import { pubSubCpuShares } from '../cpu.js';
import { machineBusyMicros } from '../servers.js';
import type { CpuShare } from '../workloads.js';
import { BUCKETS, merge, newHistogram, quantile } from './histogram.js';
import type { ClientKind, PubDone, SubDone, SubKind } from './messages.js';
import { CLUSTER_ID, type StreamingServerUnderTest } from './server.js';
import { StreamingWorker } from './worker-handle.js';

export interface RunShape {
  client: ClientKind;
  pubs: number;
  subs: number;
  size: number;
  count: number;
  sync: boolean;
  window: number;
  subKind: SubKind;
  manualAck: boolean;
  maxInFlight: number;
}

export interface RunResult {
  /** Messages published (PubAck received) per second, from the first publish to the last PubAck. */
  pubPerSec: number;
  /** Deliveries per second, from the first publish to the last delivery. */
  subPerSec: number;
  /** Publish-to-delivery latency, microseconds. */
  p50: number;
  p99: number;
  seconds: number;
  delivered: number;
  redelivered: number;
  failedPubs: number;
  firstError: string;
  /** Server CPU time per message published, microseconds. */
  serverMicrosPerMsg: number;
  cpu: CpuShare;
}

let runSeq = 0;

export async function runOnce(server: StreamingServerUnderTest, shape: RunShape, timeoutMs: number): Promise<RunResult> {
  const run = ++runSeq;
  const channel = `bench.${process.pid}.${run}`;
  const tag = `${process.pid}-${run}`;
  const subs = Array.from({ length: shape.subs }, (_, i) => new StreamingWorker(`sub ${i}`));
  const pubs = Array.from({ length: shape.pubs }, (_, i) => new StreamingWorker(`pub ${i}`));
  const all = [...subs, ...pubs];
  const queued = shape.subKind === 'queue' || shape.subKind === 'durable-queue';
  let progress: ((n: number) => void) | null = null;
  for (const h of subs) h.onReceived = () => progress?.(subs.reduce((sum, s) => sum + s.received, 0));
  // Any client failing ends the run at once with its error.
  const failure = Promise.race(all.map((h) => h.failed));
  const orFail = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
  try {
    return await withTimeout(
      (async () => {
        subs.forEach((h, i) =>
          h.start({
            role: 'sub', client: shape.client, url: server.url, clusterId: CLUSTER_ID, clientId: `bench-sub-${tag}-${i}`, channel,
            kind: shape.subKind, group: `bench-group-${tag}`,
            // Members of a durable queue group share the durable name; plain durables each have their own.
            durable: shape.subKind === 'durable-queue' ? `bench-durable-${tag}` : `bench-durable-${tag}-${i}`,
            manualAck: shape.manualAck, maxInFlight: shape.maxInFlight,
          }),
        );
        // Subscribers first; they start at the channel's first message anyway.
        await orFail(Promise.all(subs.map((h) => h.next('ready'))));
        pubs.forEach((h, i) =>
          h.start({
            role: 'pub', client: shape.client, url: server.url, clusterId: CLUSTER_ID, clientId: `bench-pub-${tag}-${i}`, channel,
            count: share(shape.count, shape.pubs, i), size: shape.size, sync: shape.sync, window: shape.window,
          }),
        );
        await orFail(Promise.all(pubs.map((h) => h.next('ready'))));
        const pubsDone = pubs.map((h) => h.next('pub-done'));
        const cpu0 = server.cpuMicros();
        const machine0 = machineBusyMicros();
        const wall0 = process.hrtime.bigint();
        for (const h of all) h.send({ type: 'go' });
        const pubResults: PubDone[] = await orFail(Promise.all(pubsDone));
        const acked = pubResults.reduce((sum, r) => sum + r.acked, 0);
        // Messages refused by the store are not delivered; the others reach every plain subscriber, or the group once.
        const expected = shape.subs === 0 ? 0 : queued ? acked : acked * shape.subs;
        await orFail(
          new Promise<void>((resolve) => {
            progress = (n) => {
              if (n >= expected) resolve();
            };
            progress(subs.reduce((sum, s) => sum + s.received, 0));
          }),
        );
        const subsDone = subs.map((h) => h.next('sub-done'));
        for (const h of subs) h.send({ type: 'finish' });
        const subResults: SubDone[] = await orFail(Promise.all(subsDone));
        const serverCpu = server.cpuMicros() - cpu0;
        const machine = machineBusyMicros() - machine0;
        const wall = Number(process.hrtime.bigint() - wall0) / 1000;
        const start = min(pubResults.map((r) => BigInt(r.start)));
        const pubEnd = max(pubResults.map((r) => BigInt(r.end)));
        const delivered = subResults.reduce((sum, r) => sum + r.received, 0);
        const subEnd = subResults.length > 0 ? max(subResults.map((r) => BigInt(r.last))) : pubEnd;
        const latency = newHistogram();
        for (const r of subResults) merge(latency, r.latency.length === BUCKETS ? r.latency : []);
        const failed = pubResults.reduce((sum, r) => sum + r.failed, 0);
        return {
          pubPerSec: acked / seconds(start, pubEnd),
          subPerSec: delivered / seconds(start, subEnd),
          p50: quantile(latency, 0.5),
          p99: quantile(latency, 0.99),
          seconds: seconds(start, subEnd > pubEnd ? subEnd : pubEnd),
          delivered,
          redelivered: subResults.reduce((sum, r) => sum + r.redelivered, 0),
          failedPubs: failed,
          firstError: pubResults.find((r) => r.firstError !== '')?.firstError ?? '',
          serverMicrosPerMsg: serverCpu / shape.count,
          cpu: pubSubCpuShares(serverCpu, machine, wall, pubResults, subResults),
        };
      })(),
      timeoutMs,
      () => {
        const got = subs.map((s) => s.received).join('+');
        return `no result within ${timeoutMs} ms (deliveries so far: ${got || 'no subscriber'})`;
      },
    );
  } finally {
    await Promise.all(all.map((h) => h.stop()));
  }
}

function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

function seconds(from: bigint, to: bigint): number {
  return Number(to - from) / 1e9;
}


function min(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}

function max(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
