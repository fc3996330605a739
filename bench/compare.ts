/**
 * `npm run bench:compare`: natstream against a reference, one table of ratios
 * with the targets of issue 14.
 *
 * - core: natstream and Debian's nats-server started side by side, the raw load
 *   generator run against each alternately (median of the runs);
 * - start-up: natstream and nats-server started alternately (spawn to ready line);
 * - streaming, start with 1M stored messages, memory per message: there is no Go
 *   nats-streaming-server on this machine, so natstream's figures are divided by
 *   the Go figures recorded in issue 14 (stan-bench on the Go server, measured
 *   elsewhere). Those ratios are indications, not side-by-side results.
 *
 *   node dist/bench/compare.js [--runs N] [--scale F] [--sections core,start,streaming,memory,recovery]
 *
 * --scale multiplies the core and streaming counts; the memory (500k messages) and
 * recovery (1M) figures are fixed, as in the issue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { median, si } from './report.js';
import { freePort, repoRoot, startServerUnderTest, type ServerUnderTest } from './servers.js';
import { fillFileStore } from './startup-fill.js';
import { rssMb, timeStart, type StartSample } from './startup-lib.js';
import { runOnce, type RunShape } from './streaming/measure.js';
import { startNatstream } from './streaming/server.js';
import { runThroughput, type ThroughputWorkload } from './workloads.js';

const SECTIONS = ['core', 'start', 'streaming', 'memory', 'recovery'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  runs: number;
  scale: number;
  sections: Section[];
  natsServer: string;
  timeoutMs: number;
}

interface Row {
  label: string;
  natstream: number[];
  /** Side-by-side reference samples, or one figure from the issue. */
  reference: number[];
  unit: string;
  /** natstream/reference must be at least (or, with `lower`, at most) this. */
  target: number;
  lower: boolean;
  sideBySide: boolean;
}

const GO = 'Go nats-streaming-server 0.25.3, issue 14 (measured elsewhere)';

function parse(argv: string[]): Options {
  const o: Options = { runs: 3, scale: 1, sections: [...SECTIONS], natsServer: '/usr/sbin/nats-server', timeoutMs: 60_000 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--runs': o.runs = Number(v); i++; break;
      case '--scale': o.scale = Number(v); i++; break;
      case '--sections':
        o.sections = v.split(',').map((s) => {
          if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(', ')})`);
          return s as Section;
        });
        i++;
        break;
      case '--nats-server': o.natsServer = v; i++; break;
      case '--help':
        process.stdout.write(`node dist/bench/compare.js [--runs N] [--scale F] [--sections ${SECTIONS.join(',')}] [--nats-server PATH]\n`);
        process.exit(0);
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

/** Core NATS, raw client: both servers up, loads alternate between them. */
async function core(o: Options, rows: Row[]): Promise<void> {
  const n = (c: number) => Math.max(1000, Math.round(c * o.scale));
  const loads: Array<[ThroughputWorkload, number]> = [
    [{ kind: 'throughput', name: 'pubsub-16', label: 'core: 1 pub -> 1 sub, 16 B (msgs/s)', pubs: 1, subs: 1, size: 16, count: n(300_000) }, 1.0],
    [{ kind: 'throughput', name: 'pub-16', label: 'core: pub only, 16 B (msgs/s)', pubs: 1, subs: 0, size: 16, count: n(500_000) }, 0.8],
  ];
  const servers: ServerUnderTest[] = [];
  try {
    servers.push(await startServerUnderTest('natstream', { natsServerPath: o.natsServer, profileDir: '' }));
    servers.push(await startServerUnderTest('nats-server', { natsServerPath: o.natsServer, profileDir: '' }));
    for (const [w, target] of loads) {
      const row: Row = { label: w.label, natstream: [], reference: [], unit: 'msgs/s', target, lower: false, sideBySide: true };
      for (let r = 0; r < o.runs; r++) {
        for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
          const res = await runThroughput(s, w, 'raw', o.timeoutMs);
          (s.kind === 'natstream' ? row.natstream : row.reference).push(res.msgsPerSec);
          console.log(`  ${w.name} run ${r + 1} ${s.kind}: ${si(res.msgsPerSec)} msgs/s`);
        }
      }
      rows.push(row);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Empty start, natstream and nats-server alternately. */
async function start(o: Options, rows: Row[]): Promise<void> {
  const cli = path.join(repoRoot, 'bin', 'natstream.js');
  const ns: StartSample[] = [];
  const ref: StartSample[] = [];
  for (let r = 0; r < Math.max(5, o.runs); r++) {
    for (const which of r % 2 === 0 ? ['natstream', 'ref'] : ['ref', 'natstream']) {
      const port = String(await freePort());
      if (which === 'natstream') ns.push(await timeStart(process.execPath, [cli, '-a', '127.0.0.1', '-p', port], 'Streaming Server is ready'));
      else ref.push(await timeStart(o.natsServer, ['-a', '127.0.0.1', '-p', port], 'Server is ready'));
    }
  }
  const row = (label: string, f: (s: StartSample) => number, unit: string): Row =>
    ({ label, natstream: ns.map(f), reference: ref.map(f), unit, target: Infinity, lower: true, sideBySide: true });
  rows.push(row('start to ready, empty, vs nats-server (ms)', (s) => s.readyMs, 'ms'));
  rows.push(row('RSS after start, empty, vs nats-server (MB)', (s) => s.rssMb, 'MB'));
  rows.push({ label: 'start to ready, empty, vs Go streaming (ms)', natstream: ns.map((s) => s.readyMs), reference: [52], unit: 'ms', target: 120 / 52, lower: true, sideBySide: false });
  rows.push({ label: 'RSS after start, empty, vs Go streaming (MB)', natstream: ns.map((s) => s.rssMb), reference: [18], unit: 'MB', target: 40 / 18, lower: true, sideBySide: false });
}

/** The stan-bench shapes of issue 14 with the raw STAN client, against the Go figures. */
async function streaming(o: Options, rows: Row[]): Promise<void> {
  const n = (c: number) => Math.max(100, Math.round(c * o.scale));
  const shapes: Array<{ label: string; store: string[]; shape: Partial<RunShape>; go: number; target: number; aggregate: boolean }> = [
    { label: '1 pub + 1 sub async, memory (aggregate msgs/s)', store: ['-st', 'MEMORY'], shape: { pubs: 1, subs: 1, count: n(100_000) }, go: 274_000, target: 1.5, aggregate: true },
    { label: '1 pub + 1 sub async, file (aggregate msgs/s)', store: ['-st', 'FILE'], shape: { pubs: 1, subs: 1, count: n(80_000) }, go: 136_000, target: 1.5, aggregate: true },
    { label: 'sync publish, memory (pub msgs/s)', store: ['-st', 'MEMORY'], shape: { pubs: 1, subs: 1, count: n(4_000), sync: true }, go: 4_600, target: 1.3, aggregate: false },
    { label: 'sync publish, file (pub msgs/s)', store: ['-st', 'FILE'], shape: { pubs: 1, subs: 1, count: n(1_500), sync: true }, go: 1_390, target: 1.3, aggregate: false },
    { label: '10 publishers async, memory (msgs/s)', store: ['-st', 'MEMORY'], shape: { pubs: 10, subs: 0, count: n(100_000) }, go: 115_000, target: 1.5, aggregate: true },
    { label: '1 pub + 10 subs fan-out, memory (aggregate msgs/s)', store: ['-st', 'MEMORY'], shape: { pubs: 1, subs: 10, count: n(20_000) }, go: 271_000, target: 1.5, aggregate: true },
  ];
  for (const s of shapes) {
    const dir = s.store[1] === 'FILE' ? mkdtempSync(path.join(os.tmpdir(), 'natstream-compare-')) : '';
    const server = await startNatstream([...s.store, ...(dir ? ['-dir', path.join(dir, 'store')] : [])], { profileDir: '', mask: [] });
    const row: Row = { label: `streaming: ${s.label}`, natstream: [], reference: [s.go], unit: 'msgs/s', target: s.target, lower: false, sideBySide: false };
    try {
      const shape: RunShape = {
        client: 'raw', pubs: 1, subs: 1, size: 128, count: 10_000, sync: false, window: 16_384,
        subKind: 'plain', manualAck: false, maxInFlight: 1024, ...s.shape,
      };
      await runOnce(server, { ...shape, count: Math.max(10, Math.round(shape.count / 5)) }, o.timeoutMs); // warm-up
      for (let r = 0; r < o.runs; r++) {
        const res = await runOnce(server, shape, o.timeoutMs);
        const v = s.aggregate ? (shape.count + res.delivered) / res.seconds : res.pubPerSec;
        row.natstream.push(v);
        console.log(`  ${s.label} run ${r + 1}: ${si(v)} msgs/s (server ${res.serverMicrosPerMsg.toFixed(1)} us CPU/msg)`);
      }
    } finally {
      await server.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
    rows.push(row);
  }
}

/** RSS growth of a memory-store server per stored 128 B message. */
async function memory(o: Options, rows: Row[]): Promise<void> {
  // Fixed, as the figure: the per-message cost only shows over many messages.
  const count = 500_000;
  const row: Row = { label: `bytes of RSS per stored message (${si(count)}, memory store)`, natstream: [], reference: [510], unit: 'B', target: 0.7, lower: true, sideBySide: false };
  for (let r = 0; r < o.runs; r++) {
    const server = await startNatstream(['-st', 'MEMORY', '-mm', '0', '-mb', '0'], { profileDir: '', mask: [] });
    try {
      const before = rssMb(server.pid);
      await runOnce(server, { client: 'raw', pubs: 1, subs: 0, size: 128, count, sync: false, window: 16_384, subKind: 'plain', manualAck: false, maxInFlight: 1024 }, o.timeoutMs);
      const per = ((rssMb(server.pid) - before) * 1024 * 1024) / count;
      row.natstream.push(per);
      console.log(`  memory run ${r + 1}: ${per.toFixed(0)} B/msg`);
    } finally {
      await server.stop();
    }
  }
  rows.push(row);
}

/** Start to ready with 1M messages in the file store (filled once through the store API). */
async function recovery(o: Options, rows: Row[]): Promise<void> {
  const count = 1_000_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'natstream-compare-rec-'));
  try {
    console.log(`  filling ${dir}: ${await fillFileStore(dir, count, 1)}`);
    const cli = path.join(repoRoot, 'bin', 'natstream.js');
    const samples: StartSample[] = [];
    for (let r = 0; r < Math.max(3, o.runs); r++) {
      const port = String(await freePort());
      samples.push(await timeStart(process.execPath, [cli, '-a', '127.0.0.1', '-p', port, '-st', 'FILE', '-dir', dir, '-mm', '0', '-mb', '0'], 'Streaming Server is ready'));
      console.log(`  recovery run ${r + 1}: ready in ${samples[r].readyMs.toFixed(0)} ms, RSS ${samples[r].rssMb.toFixed(0)} MB`);
    }
    rows.push({ label: `start to ready, ${si(count)} file-store messages (ms)`, natstream: samples.map((s) => s.readyMs), reference: [236], unit: 'ms', target: 1, lower: true, sideBySide: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(rows: Row[]): string {
  const head = ['figure', 'natstream', 'reference', 'ratio', 'target', 'met', 'reference is'];
  const body = rows.map((r) => {
    const ns = median(r.natstream);
    const ref = median(r.reference);
    const ratio = ns / ref;
    const fmt = (v: number) => (r.unit === 'msgs/s' ? si(v) : v.toFixed(r.unit === 'MB' ? 1 : 0));
    const met = !Number.isFinite(r.target) ? '-' : (r.lower ? ratio <= r.target : ratio >= r.target) ? 'yes' : 'no';
    const target = !Number.isFinite(r.target) ? '-' : `${r.lower ? '<=' : '>='} ${r.target.toFixed(2)}`;
    return [r.label, fmt(ns), fmt(ref), `${ratio.toFixed(2)}x`, target, met, r.sideBySide ? 'measured here, alternately' : GO];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  console.log(`natstream compare: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${o.runs} runs`);
  const rows: Row[] = [];
  const steps: Record<Section, (o: Options, rows: Row[]) => Promise<void>> = { core, start, streaming, memory, recovery };
  for (const s of o.sections) {
    console.log(`\n${s}:`);
    try {
      await steps[s](o, rows);
    } catch (err) {
      console.log(`  ${s} FAILED: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  console.log('\n' + render(rows));
  console.log(`\nMedians; ratio = natstream / reference. Rows marked "${GO}" divide by figures from the issue:\n` +
    'there is no Go streaming server on this machine, so they indicate an order of magnitude, not a result.');
}

main().catch((err: Error) => {
  console.error(`bench:compare: ${err.message}`);
  process.exit(1);
});
