/**
 * The loads the bench applies, and how one run of each is driven: every
 * publisher, subscriber, requester and replier is a separate process.
 */
import { pct, pubSubCpuShares } from './cpu.js';
import type { ClientKind } from './messages.js';
import { machineBusyMicros, processCpuMicros, type ServerUnderTest } from './servers.js';
import { coreWorker } from './core-worker.js';

export interface ThroughputWorkload {
  kind: 'throughput';
  name: string;
  label: string;
  pubs: number;
  subs: number;
  size: number;
  /** Messages published in total (each subscriber receives all of them). */
  count: number;
}

export interface LatencyWorkload {
  kind: 'latency';
  name: string;
  label: string;
  size: number;
  count: number;
}

export type Workload = ThroughputWorkload | LatencyWorkload;

/** The default suite, with counts sized for a full run of about a minute on 2 cores. */
export function defaultWorkloads(scale: number): Workload[] {
  const n = (base: number): number => Math.max(1, Math.round(base * scale));
  return [
    { kind: 'throughput', name: 'pubsub-16', label: '1 pub -> 1 sub, 16 B', pubs: 1, subs: 1, size: 16, count: n(300_000) },
    { kind: 'throughput', name: 'pubsub-1k', label: '1 pub -> 1 sub, 1 KB', pubs: 1, subs: 1, size: 1024, count: n(60_000) },
    { kind: 'throughput', name: 'pub-16', label: 'pub only, 16 B', pubs: 1, subs: 0, size: 16, count: n(500_000) },
    { kind: 'throughput', name: 'fanout5-16', label: '1 pub -> 5 subs, 16 B', pubs: 1, subs: 5, size: 16, count: n(60_000) },
    { kind: 'latency', name: 'reqrep', label: 'request/reply, 16 B', size: 16, count: n(3_000) },
  ];
}

export interface CpuShare {
  /** Percent of one core used during the measured phase. */
  server: number;
  pub: number;
  /** The busiest subscriber (or the replier). */
  sub: number;
  /** All subscribers together. */
  subsTotal: number;
  /**
   * Everything else the machine ran meanwhile (other users of the shared
   * cores, plus the coordinator): a high figure makes the run suspect.
   */
  others: number;
}

export interface ThroughputResult {
  /** Messages delivered to subscribers per second (published per second when there are none). */
  msgsPerSec: number;
  /** Payload megabytes (10^6) per second of the same. */
  mbPerSec: number;
  /** Publishing rate alone: messages out of the publishers per second. */
  pubMsgsPerSec: number;
  seconds: number;
  /**
   * Server CPU time per message published, in microseconds: unlike a rate, it
   * hardly moves when other work shares the cores, so it is the figure to
   * compare before and after a change.
   */
  serverMicrosPerMsg: number;
  cpu: CpuShare;
}

export interface LatencyResult {
  p50: number;
  p99: number;
  mean: number;
  reqPerSec: number;
  /** Server CPU time per request (and its reply), in microseconds. */
  serverMicrosPerMsg: number;
  cpu: CpuShare;
}

let runSeq = 0;

/** Messages a publisher may be ahead of its slowest subscriber: about 8 MB, never more than 100k. */
function windowFor(size: number): number {
  return Math.max(1000, Math.min(100_000, Math.floor((8 * 1024 * 1024) / (size + 48))));
}

export async function runThroughput(
  server: ServerUnderTest,
  w: ThroughputWorkload,
  client: ClientKind,
  timeoutMs: number,
): Promise<ThroughputResult> {
  const subject = `bench.${process.pid}.${++runSeq}`;
  const window = windowFor(w.size);
  const subs = Array.from({ length: w.subs }, (_, i) => coreWorker(`sub ${i}`));
  const pubs = Array.from({ length: w.pubs }, (_, i) => coreWorker(`pub ${i}`));
  for (const s of subs) s.onProgress = (p) => pubs.forEach((h) => h.send(p));
  const all = [...subs, ...pubs];
  try {
    return await withTimeout(
      (async () => {
        subs.forEach((h, index) =>
          h.start({ role: 'sub', client, url: server.url, subject, expect: w.count, index, progressEvery: Math.max(1, Math.floor(window / 4)) }),
        );
        // Subscribers first: a message published before a SUB is registered would be lost.
        await Promise.all(subs.map((h) => h.next('ready')));
        pubs.forEach((h, i) =>
          h.start({
            role: 'pub',
            client,
            url: server.url,
            subject,
            count: share(w.count, w.pubs, i),
            size: w.size,
            pubs: w.pubs,
            subs: w.subs,
            window,
          }),
        );
        await Promise.all(pubs.map((h) => h.next('ready')));
        const cpu0 = server.cpuMicros();
        const machine0 = machineBusyMicros();
        const wall0 = process.hrtime.bigint();
        const subsDone = subs.map((h) => h.next('sub-done'));
        const pubsDone = pubs.map((h) => h.next('pub-done'));
        // Whichever fails first is reported; the others must not surface as unhandled.
        for (const p of [...subsDone, ...pubsDone]) p.catch(() => {});
        for (const h of all) h.send({ type: 'go' });
        const pubResults = await Promise.all(pubsDone);
        const subResults = await Promise.all(subsDone);
        const serverCpu = server.cpuMicros() - cpu0;
        const machine = machineBusyMicros() - machine0;
        const wall = Number(process.hrtime.bigint() - wall0) / 1000;
        const start = min(pubResults.map((r) => BigInt(r.start)));
        const pubEnd = max(pubResults.map((r) => BigInt(r.end)));
        const end = subResults.length > 0 ? max(subResults.map((r) => BigInt(r.last))) : pubEnd;
        const seconds = Number(end - start) / 1e9;
        const delivered = w.subs > 0 ? w.count * w.subs : w.count;
        const msgsPerSec = delivered / seconds;
        return {
          msgsPerSec,
          mbPerSec: (msgsPerSec * w.size) / 1e6,
          pubMsgsPerSec: w.count / (Number(pubEnd - start) / 1e9),
          seconds,
          serverMicrosPerMsg: serverCpu / w.count,
          cpu: pubSubCpuShares(serverCpu, machine, wall, pubResults, subResults),
        };
      })(),
      timeoutMs,
      `${w.name} on ${server.kind}`,
    );
  } finally {
    await Promise.all(all.map((h) => h.stop()));
  }
}

export async function runLatency(server: ServerUnderTest, w: LatencyWorkload, client: ClientKind, timeoutMs: number): Promise<LatencyResult> {
  const subject = `bench.${process.pid}.${++runSeq}.req`;
  const warmup = Math.min(500, w.count);
  const replier = coreWorker('replier');
  const requester = coreWorker('requester');
  try {
    return await withTimeout(
      (async () => {
        replier.start({ role: 'replier', client, url: server.url, subject, size: w.size });
        await replier.next('ready');
        requester.start({ role: 'requester', client, url: server.url, subject, count: w.count, warmup, size: w.size });
        await requester.next('ready');
        const done = requester.next('req-done');
        // CPU is read from /proc for all three processes, over the same span (warm-up included).
        const cpu0 = [server.pid, requester.pid, replier.pid].map(processCpuMicros);
        const machine0 = machineBusyMicros();
        const wall0 = process.hrtime.bigint();
        requester.send({ type: 'go' });
        const r = await done;
        const wall = Number(process.hrtime.bigint() - wall0) / 1000;
        const [serverCpu, requesterCpu, replierCpu] = [server.pid, requester.pid, replier.pid].map((pid, i) => processCpuMicros(pid) - cpu0[i]);
        const machine = machineBusyMicros() - machine0;
        const sorted = Float64Array.from(r.latenciesMicros).sort();
        const seconds = Number(BigInt(r.end) - BigInt(r.start)) / 1e9;
        return {
          p50: quantile(sorted, 0.5),
          p99: quantile(sorted, 0.99),
          mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
          reqPerSec: w.count / seconds,
          serverMicrosPerMsg: serverCpu / (w.count + warmup),
          cpu: {
            server: pct(serverCpu, wall),
            pub: pct(requesterCpu, wall),
            sub: pct(replierCpu, wall),
            subsTotal: pct(replierCpu, wall),
            others: Math.max(0, pct(machine - serverCpu - requesterCpu - replierCpu, wall)),
          },
        };
      })(),
      timeoutMs,
      `${w.name} on ${server.kind}`,
    );
  } finally {
    await Promise.all([replier.stop(), requester.stop()]);
  }
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}


function min(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}

function max(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
