/**
 * Turns repeated runs into the printed table: the median of each figure with
 * its spread (min-max over runs), and the ratio natstream / nats-server.
 */
import type { CpuShare } from './workloads.js';

export interface Samples {
  values: number[];
  cpu: CpuShare[];
  /** Server CPU microseconds per message (or request), one per run. */
  serverMicrosPerMsg: number[];
}

export interface Row {
  label: string;
  /** The client library of the load generator. */
  client: string;
  unit: string;
  /** False for latencies: there a ratio below 1 means natstream is faster. */
  higherIsBetter: boolean;
  natstream: Samples | null;
  natsServer: Samples | null;
  /** Payload bytes per message, to add MB/s to a msgs/s figure; 0 for none. */
  size: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 1234567 -> "1.23M", 81234 -> "81.2k". */
export function si(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 100) return n.toFixed(0);
  return n.toFixed(1);
}

function figure(s: Samples | null, size: number): string {
  if (s === null || s.values.length === 0) return '-';
  const m = median(s.values);
  const range = s.values.length > 1 ? ` (${si(Math.min(...s.values))}-${si(Math.max(...s.values))})` : '';
  const mb = size > 0 ? ` ${((m * size) / 1e6).toFixed(1)} MB/s` : '';
  return `${si(m)}${range}${mb}`;
}

/** Per-run ratios, pairing run i of natstream with run i of nats-server. */
function ratios(row: Row): number[] {
  const a = row.natstream?.values ?? [];
  const b = row.natsServer?.values ?? [];
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(a[i] / b[i]);
  return out;
}

export function ratioOfMedians(row: Row): number {
  if (!row.natstream?.values.length || !row.natsServer?.values.length) return NaN;
  return median(row.natstream.values) / median(row.natsServer.values);
}

function ratioText(row: Row): string {
  const r = ratioOfMedians(row);
  if (!Number.isFinite(r)) return '-';
  const each = ratios(row);
  const range = each.length > 1 ? ` (${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)})` : '';
  return `${r.toFixed(2)}x${range}`;
}

/** CPU use of server / publisher / busiest subscriber in the median run, and which one limited the run. */
function cpuText(s: Samples | null): string {
  if (s === null || s.values.length === 0) return '-';
  const m = median(s.values);
  const i = s.values.indexOf(s.values.reduce((best, v) => (Math.abs(v - m) < Math.abs(best - m) ? v : best)));
  const c = s.cpu[i];
  return `${cpuFigures(c)} ${limitOf(c)}`.trimEnd();
}

/** Median server CPU per message, natstream vs nats-server. */
function cpuPerMsgText(row: Row): string {
  const a = row.natstream?.serverMicrosPerMsg ?? [];
  const b = row.natsServer?.serverMicrosPerMsg ?? [];
  const f = (xs: number[]): string => (xs.length > 0 ? median(xs).toFixed(2) : '-');
  return `${f(a)} vs ${f(b)}`;
}

/** server/publisher/busiest subscriber/others, in percent of one core. */
export function cpuFigures(c: CpuShare): string {
  return [c.server, c.pub, c.sub, c.others].map((x) => x.toFixed(0)).join('/');
}

/**
 * Which process held the run back. A Node process is single-threaded, so
 * one near 100 % of a core is saturated; with every process together near
 * 200 % the 2-core machine itself is ('shared' when a good part of that was
 * other work on the machine, which makes the run suspect).
 */
export function limitOf(c: CpuShare): string {
  const busy = 90;
  const clientBusy = Math.max(c.pub, c.sub);
  if (c.server + c.pub + c.subsTotal + c.others >= 180) return c.others >= 30 ? 'shared' : 'machine';
  if (c.server >= busy && c.server >= clientBusy) return 'server';
  if (clientBusy >= busy) return 'client';
  return '';
}

export function renderTable(rows: Row[]): string {
  const header = ['workload', 'client', 'natstream', 'nats-server', 'natstream/nats-server', 'server CPU us/msg', 'CPU% natstream', 'CPU% nats-server'];
  const body = rows.map((r) => [
    `${r.label} (${r.unit})`,
    r.client,
    figure(r.natstream, r.size),
    figure(r.natsServer, r.size),
    ratioText(r) + (r.higherIsBetter ? '' : ' (lower is faster)'),
    cpuPerMsgText(r),
    cpuText(r.natstream),
    cpuText(r.natsServer),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
