/**
 * The streaming bench's table: per scenario the median of each figure with its
 * min-max spread over the runs, and natstream's publish rate next to the Go
 * server's figure quoted in the issues (a reference measured elsewhere, not on
 * this machine).
 */
import { cpuFigures, limitOf, median, si } from '../report.js';
import type { RunResult } from './measure.js';
import type { ClientKind } from './messages.js';
import type { Scenario } from './scenarios.js';

export interface ScenarioResult {
  scenario: Scenario;
  client: ClientKind;
  runs: RunResult[];
  /** Why no (or not every) run produced a figure. */
  failures: string[];
}

function spread(values: number[], fmt: (n: number) => string): string {
  if (values.length === 0) return '-';
  const m = fmt(median(values));
  return values.length > 1 ? `${m} (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})` : m;
}

/** 850 -> "850us", 12_300 -> "12.3ms", 2_500_000 -> "2.50s". */
export function duration(micros: number): string {
  if (!Number.isFinite(micros)) return '-';
  if (micros >= 1e6) return `${(micros / 1e6).toFixed(2)}s`;
  if (micros >= 1e4) return `${(micros / 1e3).toFixed(0)}ms`;
  if (micros >= 1e3) return `${(micros / 1e3).toFixed(1)}ms`;
  return `${micros.toFixed(0)}us`;
}

/** CPU shares of the run whose publish rate is the median one, and what held it back. */
function cpuText(runs: RunResult[]): string {
  if (runs.length === 0) return '-';
  const m = median(runs.map((r) => r.pubPerSec));
  const r = runs.reduce((best, x) => (Math.abs(x.pubPerSec - m) < Math.abs(best.pubPerSec - m) ? x : best));
  return `${cpuFigures(r.cpu)} ${limitOf(r.cpu)}`.trimEnd();
}

function ratioText(s: ScenarioResult): string {
  const ref = s.scenario.reference;
  if (ref === null || s.runs.length === 0) return '-';
  const each = s.runs.map((r) => r.pubPerSec / ref.pubPerSec);
  const m = median(s.runs.map((r) => r.pubPerSec)) / ref.pubPerSec;
  return each.length > 1 ? `${m.toFixed(2)}x (${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)})` : `${m.toFixed(2)}x`;
}

export function renderTable(results: ScenarioResult[]): string {
  const header = [
    'scenario', 'client', 'runs', 'pub msgs/s', 'sub msgs/s', 'latency p50', 'latency p99', 'server us/msg',
    'CPU% srv/pub/sub/oth', 'Go pub/s (ref*)', 'natstream/Go (ref*)',
  ];
  const body = results.map((s) => {
    const r = s.runs;
    return [
      s.scenario.label,
      s.client,
      `${r.length}${s.failures.length > 0 ? ` +${s.failures.length} failed` : ''}`,
      spread(r.map((x) => x.pubPerSec), si),
      spread(r.map((x) => x.subPerSec), si),
      spread(r.map((x) => x.p50), duration),
      spread(r.map((x) => x.p99), duration),
      spread(r.map((x) => x.serverMicrosPerMsg), (n) => n.toFixed(1)),
      cpuText(r),
      s.scenario.reference !== null ? si(s.scenario.reference.pubPerSec) : '-',
      ratioText(s),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Where each reference figure of the table comes from. */
export function referenceLines(results: ScenarioResult[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of results) {
    const ref = r.scenario.reference;
    if (ref === null || seen.has(r.scenario.name)) continue;
    seen.add(r.scenario.name);
    lines.push(`  ${r.scenario.label}: ${si(ref.pubPerSec)} pub/s, ${ref.source}`);
  }
  return lines.length === 0 ? '' : `Reference figures from the issues, measured elsewhere:\n${lines.join('\n')}`;
}

export const NOTES = `Each cell: median of the runs (min-max). pub msgs/s: messages acknowledged by a PubAck
per second, first publish to last PubAck; sub msgs/s: deliveries per second, first publish
to last delivery; latency: publish to delivery (a timestamp in the payload; with async
publish it is mostly the time a message waits behind the window of unacknowledged ones).
server us/msg: natstream's CPU time per message published, steadier than a rate on shared
cores. CPU% (median run): natstream / publisher / busiest subscriber / all other work on the
machine (the database server included, for SQL), in percent of one core; then the limit:
"server" or "client" (that process was saturated), "machine" or "shared" (all cores were
busy; "shared": largely with work outside the bench, a suspect run). client: stan =
node-nats-streaming (with async publish usually the limit itself), raw =
bench/streaming/raw-stan.ts (a few us per message: the server is the limit).
* Go pub/s: REFERENCE FIGURES FROM THE ISSUES, MEASURED ELSEWHERE (nats-streaming-server
with its Go bench client on "this machine type", not on this machine, not in this run);
natstream/Go divides natstream's pub msgs/s by them. There is no Go streaming server here.`;
