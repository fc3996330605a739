/**
 * Time and duration texts as the Go servers print them in monitoring JSON:
 * `time.Time` (RFC 3339 with up to 9 fractional digits, trailing zeros
 * dropped), `time.Duration.String()` (rtt) and the servers' own compact
 * uptime form (`1y2d3h4m5s`).
 *
 * Instants are epoch milliseconds as a float: Date values are whole
 * milliseconds, `preciseNow()` carries microseconds in the fraction.
 */

const NS_PER_MS = 1_000_000;

/** The current instant with sub-millisecond precision (for the `now` fields). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * RFC 3339 with nanoseconds as Go's `time.Time` marshals it. `local` selects
 * the process's time zone (with its offset, `Z` when it is UTC), otherwise UTC.
 */
export function formatGoTime(epochMs: number, local = false): string {
  let whole = Math.floor(epochMs);
  // Round the sub-millisecond part to microseconds: finer digits are float noise.
  let subNs = Math.round((epochMs - whole) * 1000) * 1000;
  if (subNs >= NS_PER_MS) {
    whole += 1;
    subNs -= NS_PER_MS;
  }
  const offsetMin = local ? -new Date(whole).getTimezoneOffset() : 0;
  const d = new Date(whole + offsetMin * 60_000);
  const date =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const nanos = d.getUTCMilliseconds() * NS_PER_MS + subNs;
  let frac = '';
  if (nanos > 0) frac = '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
  return date + frac + zone(offsetMin);
}

function zone(offsetMin: number): string {
  if (offsetMin === 0) return 'Z';
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The servers' `myUptime`: whole seconds, `5s`, `4m5s`, `3h4m5s`, `2d3h4m5s`, `1y2d3h4m5s`. */
export function goUptime(ms: number): string {
  const tsecs = Math.max(0, Math.trunc(ms / 1000));
  const tmins = Math.trunc(tsecs / 60);
  const thrs = Math.trunc(tmins / 60);
  const tdays = Math.trunc(thrs / 24);
  const tyrs = Math.trunc(tdays / 365);
  if (tyrs > 0) return `${tyrs}y${tdays % 365}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (tdays > 0) return `${tdays}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (thrs > 0) return `${thrs}h${tmins % 60}m${tsecs % 60}s`;
  if (tmins > 0) return `${tmins}m${tsecs % 60}s`;
  return `${tsecs}s`;
}

/** Go's `time.Duration.String()` for a whole number of nanoseconds: `0s`, `613µs`, `1.859484ms`, `1m0.5s`. */
export function goDurationNs(ns: number): string {
  ns = Math.trunc(ns);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let s: string;
  if (u < 1e9) {
    if (u < 1e3) s = `${u}ns`;
    else if (u < 1e6) s = fraction(u, 3) + 'µs';
    else s = fraction(u, 6) + 'ms';
  } else {
    const secNs = u % 60e9;
    s = fraction(secNs, 9) + 's';
    u = Math.trunc(u / 60e9);
    if (u > 0) {
      s = `${u % 60}m` + s;
      u = Math.trunc(u / 60);
      if (u > 0) s = `${u}h` + s;
    }
  }
  return neg ? '-' + s : s;
}

/** `v / 10^digits` with the fraction's trailing zeros (and a bare point) removed. */
function fraction(v: number, digits: number): string {
  const scale = 10 ** digits;
  const int = Math.trunc(v / scale);
  const frac = v - int * scale;
  if (frac === 0) return String(int);
  return `${int}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Milliseconds to the integer nanoseconds Go prints for `time.Duration` fields. */
export function msToNs(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}
