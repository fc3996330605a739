/**
 * `npm run bench`: the same loads against natstream and nats-server, side by
 * side. Each server runs in a child process and every client in another, so
 * the coordinator only starts things and reads clocks.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { ClientKind } from './messages.js';
import { parseOptions, usage, type BenchOptions } from './options.js';
import { cpuFigures, limitOf, renderTable, si, type Row, type Samples } from './report.js';
import { startServerUnderTest, type ServerKind, type ServerUnderTest } from './servers.js';
import {
  defaultWorkloads,
  runLatency,
  runThroughput,
  type LatencyResult,
  type ThroughputResult,
  type ThroughputWorkload,
  type Workload,
} from './workloads.js';

function pickWorkloads(o: BenchOptions): Workload[] {
  if (o.custom !== null) {
    const c = o.custom;
    const label = c.subs > 0 ? `${c.pubs} pub -> ${c.subs} sub, ${c.size} B` : `${c.pubs} pub only, ${c.size} B`;
    return [{ kind: 'throughput', name: 'custom', label, ...c }];
  }
  const all = defaultWorkloads(o.scale);
  if (o.workloads.length === 0) return all;
  for (const name of o.workloads) {
    if (!all.some((w) => w.name === name)) throw new Error(`unknown workload: ${name}`);
  }
  return all.filter((w) => o.workloads.includes(w.name));
}

function natsServerVersion(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return `${path} (version unknown)`;
  }
}

const NOTES = `Figures: median of the runs (min-max); ratios pair run i with run i. Throughput
counts messages delivered to subscribers (published, for pub only); MB/s counts payload.
"server CPU us/msg": the server's CPU time per message published (per request), which
other work on the machine disturbs far less than a rate: compare it before and after a
change. CPU%, in percent of one core during the median run: server / publisher
(requester) / busiest subscriber (replier) / all other work on the machine. The word
after it names the limit: "server" or "client" (that process was saturated), "machine"
(the cores were), "shared" (the cores were, largely by work outside the bench: suspect).`;

interface Collected {
  throughput: Map<ServerKind, ThroughputResult[]>;
  latency: Map<ServerKind, LatencyResult[]>;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(usage);
    return;
  }
  const workloads = pickWorkloads(o);
  console.log(`natstream bench: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (o.servers.includes('nats-server')) console.log(`reference: ${natsServerVersion(o.natsServerPath)}`);

  const servers: ServerUnderTest[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  };
  process.once('SIGINT', () => {
    stopAll().finally(() => process.exit(130));
  });
  try {
    for (const kind of o.servers) {
      const s = await startServerUnderTest(kind, { natsServerPath: o.natsServerPath, profileDir: o.profileDir });
      servers.push(s);
      console.log(`${kind}: ${s.command} (pid ${s.pid})`);
    }
    if (o.warmup) {
      const warm: ThroughputWorkload = { kind: 'throughput', name: 'warmup', label: 'warm-up', pubs: 1, subs: 1, size: 16, count: 100_000 };
      for (const s of servers) for (const c of o.clients) await runThroughput(s, warm, c, o.timeoutMs);
    }
    const rows: Row[] = [];
    const json: Record<string, unknown>[] = [];
    for (const client of o.clients) {
      for (const w of workloads) {
        rows.push(...rowsFor(w, client, await measure(w, client, servers, o, json)));
      }
    }
    console.log('');
    console.log(renderTable(rows));
    console.log('');
    console.log(NOTES);
    if (o.jsonPath !== '') writeFileSync(o.jsonPath, JSON.stringify(json, null, 2));
  } finally {
    await stopAll();
  }
  if (o.profileDir !== '') console.log(`natstream CPU profile written to ${o.profileDir}`);
}

/** `o.runs` runs of one workload on every server, alternating which server goes first. */
async function measure(w: Workload, client: ClientKind, servers: ServerUnderTest[], o: BenchOptions, json: Record<string, unknown>[]): Promise<Collected> {
  const got: Collected = { throughput: new Map(), latency: new Map() };
  for (let run = 0; run < o.runs; run++) {
    // Drift in the machine's load (2 shared cores) then hits both servers alike.
    const order = run % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      const tag = `  ${w.name} [${client}] run ${run + 1} ${s.kind}:`;
      try {
        if (w.kind === 'throughput') {
          const r = await runThroughput(s, w, client, o.timeoutMs);
          push(got.throughput, s.kind, r);
          console.log(
            `${tag} ${si(r.msgsPerSec)} msgs/s ${r.mbPerSec.toFixed(1)} MB/s in ${r.seconds.toFixed(2)} s` +
              ` (pub ${si(r.pubMsgsPerSec)} msgs/s; server ${r.serverMicrosPerMsg.toFixed(2)} us CPU/msg; CPU% server/pub/sub/others ${cpuFigures(r.cpu)} ${limitOf(r.cpu)})`,
          );
          json.push({ workload: w.name, client, server: s.kind, run: run + 1, ...r });
        } else {
          const r = await runLatency(s, w, client, o.timeoutMs);
          push(got.latency, s.kind, r);
          console.log(
            `${tag} p50 ${r.p50.toFixed(0)} us, p99 ${r.p99.toFixed(0)} us, mean ${r.mean.toFixed(0)} us, ${si(r.reqPerSec)} req/s, server ${r.serverMicrosPerMsg.toFixed(1)} us CPU/req` +
              ` (CPU% server/requester/replier/others ${cpuFigures(r.cpu)} ${limitOf(r.cpu)})`,
          );
          json.push({ workload: w.name, client, server: s.kind, run: run + 1, ...r, latenciesMicros: undefined });
        }
      } catch (err) {
        console.log(`${tag} FAILED ${(err as Error).message}`);
      }
    }
  }
  return got;
}

function push<T>(m: Map<ServerKind, T[]>, k: ServerKind, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function samples<T extends ThroughputResult | LatencyResult>(list: T[] | undefined, value: (r: T) => number): Samples | null {
  if (!list || list.length === 0) return null;
  return { values: list.map(value), cpu: list.map((r) => r.cpu), serverMicrosPerMsg: list.map((r) => r.serverMicrosPerMsg) };
}

function rowsFor(w: Workload, client: ClientKind, got: Collected): Row[] {
  if (w.kind === 'throughput') {
    const pick = (k: ServerKind) => samples(got.throughput.get(k), (r) => r.msgsPerSec);
    return [{ label: w.label, client, unit: 'msgs/s', higherIsBetter: true, size: w.size, natstream: pick('natstream'), natsServer: pick('nats-server') }];
  }
  const row = (label: string, value: (r: LatencyResult) => number): Row => {
    const pick = (k: ServerKind) => samples(got.latency.get(k), value);
    return { label: `${w.label} ${label}`, client, unit: 'us', higherIsBetter: false, size: 0, natstream: pick('natstream'), natsServer: pick('nats-server') };
  };
  return [row('p50', (r) => r.p50), row('p99', (r) => r.p99)];
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
