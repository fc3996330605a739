/**
 * `natstream bench [flags] <subject>`: the load of the Go client's stan-bench
 * against any NATS Streaming server, with its flags and its summary lines, plus
 * the publish-to-delivery latency (p50/p99) that stan-bench does not measure.
 *
 *   natstream bench -s nats://127.0.0.1:4222 -c test-cluster -np 1 -ns 1 -n 100000 -ms 128 foo
 *
 * Subscribers start first and count until they have every message (a queue
 * group: until the group has); then the publishers send their share, keeping at
 * most `-mpa` PubAcks outstanding (or one at a time with `-sync`).
 * Latency: a message of 8 bytes or more carries its send time in its first 8
 * bytes; a shorter one is timed from the server's timestamp.
 */
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';

import { parseGoFlags } from '../config/go-flags.js';
import type { FlagKind, FlagSpec } from '../config/flag-table.js';
import { latencyLine, msgsPerClient, rate, report, sample, type Sample } from './bench-report.js';
import { BenchStan, type BenchConnectOptions } from './bench-stan.js';
import { Progress } from './progress.js';

export interface BenchOptions {
  servers: string[];
  clusterId: string;
  clientId: string;
  subject: string;
  numPubs: number;
  numSubs: number;
  numMsgs: number;
  msgSize: number;
  sync: boolean;
  ignoreOld: boolean;
  maxPubAcksInFlight: number;
  queue: string;
  csvFile: string;
  user?: string;
  pass?: string;
  creds?: string;
}

export const DEFAULT_BENCH_OPTIONS: Readonly<Omit<BenchOptions, 'subject'>> = Object.freeze({
  servers: ['nats://127.0.0.1:4222'], clusterId: 'test-cluster', clientId: 'benchmark',
  numPubs: 10, numSubs: 0, numMsgs: 100_000, msgSize: 128, sync: false, ignoreOld: false,
  maxPubAcksInFlight: 512, queue: '', csvFile: '',
});

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Draw a progress bar on `err` (a terminal). */
  tty: boolean;
}

export interface BenchResult {
  pubs: Sample[];
  subs: Sample[];
  /** Publish-to-delivery latencies (ms) of every delivery. */
  latencies: Float64Array;
  text: string;
}

export const BENCH_USAGE =
  'Usage: natstream bench [-s server (nats://127.0.0.1:4222)] [-c CLUSTER_ID] [-id CLIENT_ID] [-qgroup QUEUE_GROUP_NAME] ' +
  '[-np NUM_PUBLISHERS] [-ns NUM_SUBSCRIBERS] [-n NUM_MSGS] [-ms MESSAGE_SIZE] [-csv csvfile] ' +
  '[-mpa MAX_NUMBER_OF_PUBLISHED_ACKS_INFLIGHT] [-io] [-sync] [--creds credentials_file] [-u USERID] [-pw PASSWORD] <subject>\n';

type Setter = (o: BenchOptions, v: boolean | number | string) => void;
const FLAGS: Array<[string[], FlagKind, Setter]> = [
  [['c', 'cluster'], 'string', (o, v) => { o.clusterId = String(v); }],
  [['s'], 'string', (o, v) => { o.servers = String(v).split(',').map((u) => u.trim()).filter((u) => u !== ''); }],
  [['np'], 'int', (o, v) => { o.numPubs = Number(v); }],
  [['ns'], 'int', (o, v) => { o.numSubs = Number(v); }],
  [['n'], 'int', (o, v) => { o.numMsgs = Number(v); }],
  [['sync'], 'bool', (o, v) => { o.sync = Boolean(v); }],
  [['ms'], 'int', (o, v) => { o.msgSize = Number(v); }],
  [['io'], 'bool', (o, v) => { o.ignoreOld = Boolean(v); }],
  [['mpa'], 'int', (o, v) => { o.maxPubAcksInFlight = Number(v); }],
  [['id'], 'string', (o, v) => { o.clientId = String(v); }],
  [['csv'], 'string', (o, v) => { o.csvFile = String(v); }],
  [['qgroup'], 'string', (o, v) => { o.queue = String(v); }],
  [['creds'], 'string', (o, v) => { o.creds = String(v); }],
  [['u'], 'string', (o, v) => { o.user = String(v); }],
  [['pw'], 'string', (o, v) => { o.pass = String(v); }],
];

const SETTERS = new Map<FlagSpec, Setter>();
const SPECS = new Map<string, FlagSpec>();
for (const [names, kind, set] of FLAGS) {
  const spec = { names, kind, default: '', support: 'yes', apply: () => undefined } as unknown as FlagSpec;
  SETTERS.set(spec, set);
  for (const n of names) SPECS.set(n, spec);
}

/** The options of a `natstream bench` command line, or the text of what is wrong with it. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | { error: string } {
  const r = parseGoFlags(argv, (name) => SPECS.get(name));
  if (!r.ok) return { error: `${r.error}\n${BENCH_USAGE}` };
  if (r.args.length !== 1) return { error: BENCH_USAGE };
  const o: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, servers: [...DEFAULT_BENCH_OPTIONS.servers], subject: r.args[0] };
  for (const occ of r.occurrences) SETTERS.get(occ.spec)!(o, occ.value);
  if (o.numPubs < 0 || o.numSubs < 0 || o.numMsgs < 0 || o.msgSize < 0 || o.maxPubAcksInFlight < 1) {
    return { error: `counts and sizes cannot be negative, -mpa must be at least 1\n${BENCH_USAGE}` };
  }
  return o;
}

/** Wall-clock microseconds with sub-millisecond precision (shared by publishers and subscribers of this process). */
function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

export async function runBench(o: BenchOptions, io: BenchIo): Promise<BenchResult> {
  const conn = (clientId: string): BenchConnectOptions => ({
    servers: o.servers, clusterId: o.clusterId, clientId, user: o.user, pass: o.pass, creds: o.creds,
  });
  const isQueue = o.queue !== '';
  const expected = o.numMsgs * (o.numPubs > 0 ? 1 : 0) + (isQueue ? (o.numSubs > 0 ? o.numMsgs : 0) : o.numMsgs * o.numSubs);
  const progress = new Progress(io.tty ? io.err : null, expected);
  const clients: BenchStan[] = [];
  const latencies = new Float64Array(isQueue ? o.numMsgs : o.numMsgs * o.numSubs);
  let measured = 0;
  const subs: Sample[] = [];
  const pubs: Sample[] = [];
  try {
    // subscribers first
    let queueTotal = 0;
    const queueDone: Array<() => void> = [];
    const subDone: Array<Promise<void>> = [];
    for (let i = 0; i < o.numSubs; i++) {
      const sc = await BenchStan.connect(conn(`${o.clientId}-sub-${i}`));
      clients.push(sc);
      let received = 0;
      let start = 0;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => { finish = resolve; });
      const end = () => {
        subs[i] = sample(received, o.msgSize, start || performance.now(), performance.now());
        finish();
      };
      subs.push(sample(0, o.msgSize, 0, 0));
      if (isQueue) queueDone.push(end);
      subDone.push(o.numMsgs === 0 ? Promise.resolve() : done);
      await sc.subscribe(o.subject, o.queue, o.ignoreOld, (d) => {
        received++;
        if (received === 1) start = performance.now();
        if (measured < latencies.length) {
          latencies[measured++] = d.data.length >= 8
            ? (nowMicros() - Buffer.from(d.data.buffer, d.data.byteOffset, 8).readDoubleLE(0)) / 1000
            : Date.now() - Number(d.timestamp / 1_000_000n);
        }
        progress.add(1);
        if (isQueue) {
          if (++queueTotal === o.numMsgs) for (const e of queueDone) e();
        } else if (received === o.numMsgs) end();
      });
    }

    // then the publishers
    io.err(`Starting benchmark [msgs=${o.numMsgs}, msgsize=${o.msgSize}, pubs=${o.numPubs}, subs=${o.numSubs}]\n`);
    const counts = msgsPerClient(o.numMsgs, o.numPubs);
    const publishers: BenchStan[] = [];
    for (let i = 0; i < o.numPubs; i++) {
      const sc = await BenchStan.connect(conn(`${o.clientId}-pub-${i}`));
      clients.push(sc);
      publishers.push(sc);
    }
    const pubRuns = publishers.map(async (sc, i) => {
      const start = performance.now();
      await publishAll(sc, o, counts[i] ?? 0, () => progress.add(1));
      pubs[i] = sample(counts[i] ?? 0, o.msgSize, start, performance.now());
    });
    await Promise.all([...pubRuns, ...subDone]);
  } finally {
    progress.done();
    await Promise.all(clients.map((c) => c.close()));
  }
  const lat = latencies.subarray(0, measured);
  const text = report('NATS Streaming', pubs, subs) + latencyLine(lat);
  io.out(text);
  if (o.csvFile !== '') {
    writeFileSync(o.csvFile, csv(pubs, subs));
    io.out(`Saved metric data in csv file ${o.csvFile}\n`);
  }
  return { pubs, subs, latencies: lat, text };
}

/** Publishes `count` messages, keeping at most `-mpa` PubAcks outstanding (one with `-sync`). */
function publishAll(sc: BenchStan, o: BenchOptions, count: number, onAcked: () => void): Promise<void> {
  const window = o.sync ? 1 : o.maxPubAcksInFlight;
  const data = Buffer.alloc(o.msgSize);
  const stamped = o.msgSize >= 8;
  let sent = 0;
  let acked = 0;
  return new Promise((resolve, reject) => {
    if (count === 0) { resolve(); return; }
    const onAck = (error: string) => {
      if (error !== '') { reject(new Error(`publisher ${sc.clientId}: ${error}`)); return; }
      acked++;
      onAcked();
      if (acked === count) resolve();
      else pump();
    };
    const pump = () => {
      while (sent < count && sc.pubAcksPending < window) {
        if (stamped) data.writeDoubleLE(nowMicros(), 0);
        sent++;
        sc.publish(o.subject, data, onAck);
      }
    };
    sc.nc.closed().then((err) => { if (acked < count) reject(err ?? new Error('connection closed')); }, reject);
    pump();
  });
}

function csv(pubs: Sample[], subs: Sample[]): string {
  const runId = String(Math.trunc(Date.now() / 1000));
  let out = '#RunID,ClientID,MsgCount,MsgBytes,MsgsPerSec,BytesPerSec,DurationSecs\n';
  const rows = (pre: string, list: Sample[]) => list.forEach((s, j) => {
    const secs = (s.end - s.start) / 1000;
    out += `${runId},${pre}${j},${s.jobMsgs},${s.msgBytes},${rate(s)},${(secs > 0 ? s.msgBytes / secs : 0).toFixed(6)},${secs.toFixed(6)}\n`;
  });
  rows('S', subs);
  rows('P', pubs);
  return out;
}

/** The subcommand: parses, runs, prints; resolves with the exit status. */
export async function benchMain(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help' || argv[0] === '-help')) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  const o = parseBenchArgs(argv);
  if ('error' in o) {
    process.stderr.write(o.error);
    return 2;
  }
  try {
    await runBench(o, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      tty: process.stderr.isTTY === true,
    });
    return 0;
  } catch (err) {
    process.stderr.write(`natstream bench: ${(err as Error).message}\n`);
    return 1;
  }
}
