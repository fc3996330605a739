/**
 * The summary `natstream bench` prints: the lines of stan-bench (the nats.go
 * bench package's Report: `Pub/Sub stats`, `Pub stats`, `Sub stats`, one line
 * per client and min/avg/max/stddev when there are several), so the outputs of
 * the two tools compare line by line; then natstream's latency line.
 */

export interface Sample {
  /** Messages of the job (published, or received). */
  jobMsgs: number;
  msgBytes: number;
  /** ms (performance.now()). */
  start: number;
  end: number;
}

export function sample(jobMsgs: number, msgSize: number, start: number, end: number): Sample {
  return { jobMsgs, msgBytes: jobMsgs * msgSize, start, end };
}

function seconds(s: Sample): number {
  return (s.end - s.start) / 1000;
}

/** Messages per second, truncated as Go's int64 conversion does. */
export function rate(s: Sample): number {
  const secs = seconds(s);
  return secs > 0 ? Math.trunc(s.jobMsgs / secs) : 0;
}

function throughput(s: Sample): number {
  const secs = seconds(s);
  return secs > 0 ? s.msgBytes / secs : 0;
}

function sampleText(s: Sample): string {
  return `${commaFormat(rate(s))} msgs/sec ~ ${humanBytes(throughput(s))}/sec`;
}

/** The samples of a group as one: counts summed, from the earliest start to the latest end. */
export function aggregate(samples: readonly Sample[]): Sample {
  const out: Sample = { jobMsgs: 0, msgBytes: 0, start: Infinity, end: -Infinity };
  for (const s of samples) {
    out.jobMsgs += s.jobMsgs;
    out.msgBytes += s.msgBytes;
    out.start = Math.min(out.start, s.start);
    out.end = Math.max(out.end, s.end);
  }
  return out;
}

function statistics(samples: readonly Sample[]): string {
  const rates = samples.map(rate);
  const min = Math.min(...rates);
  const max = Math.max(...rates);
  const avg = Math.trunc(rates.reduce((a, b) => a + b, 0) / rates.length);
  const stddev = Math.sqrt(rates.reduce((a, r) => a + (r - avg) ** 2, 0) / rates.length);
  return `min ${commaFormat(min)} | avg ${commaFormat(avg)} | max ${commaFormat(max)} | stddev ${commaFormat(Math.trunc(stddev))} msgs`;
}

/** The nats.go bench Report text for `name` ("NATS Streaming"). */
export function report(name: string, pubs: readonly Sample[], subs: readonly Sample[]): string {
  if (pubs.length === 0 && subs.length === 0) return 'No publisher or subscribers. Nothing to report.';
  let out = '';
  let indent = '';
  if (pubs.length > 0 && subs.length > 0) {
    out += `${name} Pub/Sub stats: ${sampleText(aggregate([...pubs, ...subs]))}\n`;
    indent = ' ';
  }
  const group = (title: string, list: readonly Sample[]) => {
    if (list.length === 0) return;
    out += `${indent}${title} stats: ${sampleText(aggregate(list))}\n`;
    if (list.length > 1) {
      list.forEach((s, i) => { out += `${indent} [${i + 1}] ${sampleText(s)} (${s.jobMsgs} msgs)\n`; });
      out += `${indent} ${statistics(list)}\n`;
    }
  };
  group('Pub', pubs);
  group('Sub', subs);
  return out;
}

/** natstream's addition: publish-to-delivery latency quantiles over every delivery measured. */
export function latencyLine(latenciesMs: Float64Array): string {
  if (latenciesMs.length === 0) return '';
  const sorted = Float64Array.from(latenciesMs).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return `Latency (publish to delivery): p50 ${ms(q(0.5))} | p99 ${ms(q(0.99))} | max ${ms(sorted[sorted.length - 1])} (${commaFormat(sorted.length)} msgs)\n`;
}

function ms(v: number): string {
  return v < 1 ? `${(v * 1000).toFixed(0)} us` : `${v.toFixed(2)} ms`;
}

/** 1234567 → "1,234,567" (Go bench commaFormat). */
export function commaFormat(n: number): string {
  const neg = n < 0;
  const digits = String(Math.abs(Math.trunc(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return neg ? `-${out}` : out;
}

/** Go bench HumanBytes (base 1024): "512.00 B", "1.50 MB". */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toFixed(2)} B`;
  const exp = Math.trunc(Math.log(bytes) / Math.log(1024));
  const units = ['K', 'M', 'G', 'T', 'P', 'E'][exp - 1] + 'B';
  return `${(bytes / 1024 ** exp).toFixed(2)} ${units}`;
}

/** Go bench MsgsPerClient: `n` split as evenly as possible, the first ones getting the rest. */
export function msgsPerClient(n: number, clients: number): number[] {
  if (clients === 0 || n === 0) return [];
  const out = new Array<number>(clients).fill(Math.floor(n / clients));
  for (let i = 0; i < n % clients; i++) out[i]++;
  return out;
}
