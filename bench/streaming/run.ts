/**
 * `npm run bench:streaming`: streaming load (publishers and subscribers, each
 * in a process of its own, on node-nats-streaming or the raw client) against
 * natstream in a child process, on each store, with the Go server's figures
 * from the issues printed alongside as a reference.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';

import { cpuFigures, limitOf, si } from '../report.js';
import { runOnce, type RunResult, type RunShape } from './measure.js';
import type { ClientKind } from './messages.js';
import { parseOptions, usage, type StreamingBenchOptions } from './options.js';
import { duration, NOTES, referenceLines, renderTable, type ScenarioResult } from './report.js';
import { defaultScenarios, type Scenario } from './scenarios.js';
import { startNatstream, type StreamingServerUnderTest } from './server.js';
import { StoreProvider } from './stores.js';

function pickScenarios(o: StreamingBenchOptions): Scenario[] {
  const all = defaultScenarios(o.scale);
  let chosen: Scenario[];
  if (o.custom !== null) {
    const c = o.custom;
    const twin = all.find((s) => s.store === c.store && s.sync === c.sync && (c.store !== 'file' || s.fileSync === c.fileSync));
    const label = `${c.store}${c.store === 'file' ? ` -file_sync=${c.fileSync}` : ''}, ${c.sync ? 'sync' : 'async'} publish`;
    chosen = [{
      name: 'custom', label, store: c.store, fileSync: c.fileSync, sync: c.sync,
      count: twin?.count ?? Math.max(10, Math.round((c.sync ? 2_000 : 50_000) * o.scale)),
      reference: twin?.reference ?? null,
    }];
  } else if (o.scenarios.length === 0) {
    chosen = all;
  } else {
    for (const name of o.scenarios) {
      if (!all.some((s) => s.name === name)) throw new Error(`unknown scenario: ${name} (${all.map((s) => s.name).join(', ')})`);
    }
    chosen = all.filter((s) => o.scenarios.includes(s.name));
  }
  // The Go figures are for 1 plain subscriber, 1 publisher, 128 B: other loads get none.
  const comparable = o.pubs === 1 && o.subs === 1 && o.size === 128 && o.subKind === 'plain';
  return chosen.map((s) => ({ ...s, count: o.count > 0 ? o.count : s.count, reference: comparable ? s.reference : null }));
}

function shapeOf(s: Scenario, o: StreamingBenchOptions, client: ClientKind, count: number): RunShape {
  return {
    client, pubs: o.pubs, subs: o.subs, size: o.size, count, sync: s.sync, window: o.window,
    subKind: o.subKind, manualAck: o.manualAck, maxInFlight: o.maxInFlight,
  };
}

function runLine(r: RunResult): string {
  const problems = [
    r.failedPubs > 0 ? `${r.failedPubs} publishes FAILED (${r.firstError})` : '',
    r.redelivered > 0 ? `${r.redelivered} redelivered` : '',
  ].filter(Boolean).join(', ');
  return `pub ${si(r.pubPerSec)} msgs/s, sub ${si(r.subPerSec)} msgs/s, latency p50 ${duration(r.p50)} p99 ${duration(r.p99)}, ` +
    `${r.seconds.toFixed(2)} s, server ${r.serverMicrosPerMsg.toFixed(1)} us CPU/msg ` +
    `(CPU% server/pub/sub/others ${cpuFigures(r.cpu)} ${limitOf(r.cpu)})${problems ? ` ${problems}` : ''}`;
}

/** One scenario: a server on its store, then for each client a warm-up and the runs. */
async function runScenario(
  s: Scenario, o: StreamingBenchOptions, stores: StoreProvider, json: Record<string, unknown>[],
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = o.clients.map((client) => ({ scenario: s, client, runs: [], failures: [] }));
  let server: StreamingServerUnderTest | null = null;
  let release = async (): Promise<void> => {};
  try {
    const store = await stores.prepare(s.store, s.fileSync);
    release = store.release;
    server = await startNatstream([...store.args, ...o.serverArgs], { profileDir: o.profileDir, mask: store.mask });
    console.log(`\n${s.name}: ${s.label}, ${s.count} msgs of ${o.size} B per run; ${store.describe}`);
    console.log(`  ${server.command} (pid ${server.pid})`);
    for (const result of results) {
      const client = result.client;
      if (o.warmup) {
        const warm = Math.max(10, Math.round(s.count / 5));
        try {
          const r = await runOnce(server, shapeOf(s, o, client, warm), o.timeoutMs);
          console.log(`  [${client}] warm-up (${warm} msgs, discarded): ${runLine(r)}`);
        } catch (err) {
          console.log(`  [${client}] warm-up FAILED: ${(err as Error).message}`);
        }
      }
      for (let i = 1; i <= o.runs; i++) {
        try {
          const r = await runOnce(server, shapeOf(s, o, client, s.count), o.timeoutMs);
          if (r.failedPubs > 0) result.failures.push(`[${client}] run ${i}: ${r.failedPubs} publishes failed: ${r.firstError}`);
          else result.runs.push(r);
          console.log(`  [${client}] run ${i}: ${runLine(r)}`);
          json.push({ scenario: s.name, client, run: i, ...r });
        } catch (err) {
          result.failures.push(`[${client}] run ${i}: ${(err as Error).message}`);
          console.log(`  [${client}] run ${i}: FAILED ${(err as Error).message}`);
        }
      }
    }
  } catch (err) {
    results[0].failures.push((err as Error).message);
    console.log(`\n${s.name}: FAILED ${(err as Error).message}`);
  } finally {
    await server?.stop();
    await release().catch(() => undefined);
  }
  return results;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(usage);
    return;
  }
  const scenarios = pickScenarios(o);
  const subs = o.subs === 0 ? 'no subscriber' : `${o.subs} ${o.subKind} sub${o.subs > 1 ? 's' : ''} (${o.manualAck ? 'manual' : 'auto'} ack, MaxInflight ${o.maxInFlight})`;
  console.log(`natstream streaming bench: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`load: ${o.pubs} pub${o.pubs > 1 ? 's' : ''} (async window ${o.window} PubAcks), ${subs}, ${o.size} B, ${o.runs} runs per scenario; client ${o.clients.map((c) => (c === 'stan' ? 'stan (node-nats-streaming)' : 'raw (bench/streaming/raw-stan.ts)')).join(', ')}`);
  const stores = new StoreProvider();
  process.once('SIGINT', () => {
    stores.close().finally(() => process.exit(130));
  });
  const results: ScenarioResult[] = [];
  const json: Record<string, unknown>[] = [];
  try {
    for (const s of scenarios) results.push(...(await runScenario(s, o, stores, json)));
  } finally {
    await stores.close();
  }
  console.log('');
  console.log(renderTable(results));
  console.log('');
  console.log(NOTES);
  const refs = referenceLines(results);
  if (refs !== '') console.log(refs);
  const failed = results.filter((r) => r.failures.length > 0);
  if (failed.length > 0) {
    console.log('\nFailures:');
    for (const r of failed) for (const f of r.failures) console.log(`  ${r.scenario.name}: ${f.split('\n').slice(0, 12).join('\n    ')}`);
  }
  if (o.jsonPath !== '') writeFileSync(o.jsonPath, JSON.stringify(json, null, 2));
  if (o.profileDir !== '') console.log(`natstream CPU profiles written to ${o.profileDir} (one per scenario)`);
}

main().catch((err: Error) => {
  console.error(`bench:streaming: ${err.message}`);
  process.exit(1);
});
