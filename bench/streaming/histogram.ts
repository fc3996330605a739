/**
 * A log-bucketed latency histogram: 2 % wide buckets from 1 us to about
 * 2 minutes in under 1000 counters. Subscribers fill one each; the coordinator
 * sums them (any number of subscribers, any count) and reads quantiles with
 * 2 % precision, without shipping one number per message over IPC.
 */

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
export const BUCKETS = 950;

export function newHistogram(): Float64Array {
  return new Float64Array(BUCKETS);
}

/** Counts one latency in microseconds. */
export function record(h: Float64Array, micros: number): void {
  const i = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
  h[i]++;
}

export function merge(into: Float64Array, from: ArrayLike<number>): void {
  for (let i = 0; i < BUCKETS; i++) into[i] += from[i] ?? 0;
}

export function total(h: Float64Array): number {
  let n = 0;
  for (let i = 0; i < BUCKETS; i++) n += h[i];
  return n;
}

/** The upper bound of the bucket holding the q-quantile (nearest rank), in microseconds; NaN when empty. */
export function quantile(h: Float64Array, q: number): number {
  const n = total(h);
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h[i];
    if (seen >= rank) return GROWTH ** i;
  }
  return GROWTH ** (BUCKETS - 1);
}
