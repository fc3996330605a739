/**
 * Value syntaxes of Go's `flag` and `time` packages, reproduced so that every
 * value the Go server accepts is accepted here, and every value it rejects is
 * rejected with the same words: booleans (strconv.ParseBool), integers
 * (strconv.ParseInt with base 0: `0x1f`, `0o17`, `017`, `1_000`) and durations
 * (time.ParseDuration: `5s`, `1h30m`, `250ms`, `1.5h`, `0`).
 */
import { durationErrors, flagErrors } from './errors.js';
import { ownValue } from '../util/dict.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | null {
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return null;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN_ABS = 1n << 63n;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * strconv.ParseInt(s, 0, 64). The error is the reason Go's flag package prints
 * after the colon: `parse error` or `value out of range`.
 */
export function parseGoInt(s: string): Parsed<number> {
  const r = parseGoInt64(s);
  return r.ok ? { ok: true, value: Number(r.value) } : r;
}

export function parseGoInt64(s0: string): Parsed<bigint> {
  const syntax = { ok: false as const, error: flagErrors.parseError };
  if (s0.length === 0) return syntax;
  let s = s0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
    if (s.length === 0) return syntax;
  }
  let base = 10n;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1].toLowerCase() : '';
    if (p === 'b') { base = 2n; s = s.slice(2); }
    else if (p === 'o') { base = 8n; s = s.slice(2); }
    else if (p === 'x') { base = 16n; s = s.slice(2); }
    else { base = 8n; s = s.slice(1); }
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') { underscores = true; continue; }
    const d = digitValue(c);
    if (d < 0 || BigInt(d) >= base) return syntax;
    n = n * base + BigInt(d);
    // Go stops at the first overflow: a later bad digit is still "out of range".
    if (n > UINT64_MAX) return { ok: false, error: flagErrors.outOfRange };
  }
  if (underscores && !underscoreOK(s0)) return syntax;
  if (!neg && n > INT64_MAX) return { ok: false, error: flagErrors.outOfRange };
  if (neg && n > INT64_MIN_ABS) return { ok: false, error: flagErrors.outOfRange };
  return { ok: true, value: neg ? -n : n };
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 122) return lower - 97 + 10;
  return -1;
}

/** Go's rule: an underscore only between digits (or after a base prefix). */
function underscoreOK(s0: string): boolean {
  let s = s0;
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1].toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1].toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    const lc = c.toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) { saw = '0'; continue; }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n,
  '\u03bcs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** time.ParseDuration, in nanoseconds; the error is Go's `time: ...` text. */
export function parseGoDurationNs(orig: string): Parsed<bigint> {
  const invalid = { ok: false as const, error: durationErrors.invalid(orig) };
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, value: 0n };
  if (s === '') return invalid;
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid;
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > INT64_MIN_ABS) return invalid;
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let fracOverflow = false;
      while (isDigit(s[j])) {
        if (!fracOverflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (y > INT64_MAX) fracOverflow = true;
          else { f = y; scale *= 10; }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return invalid;
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) return { ok: false, error: durationErrors.missingUnit(orig) };
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = ownValue(UNIT_NS, unitName);
    if (unit === undefined) return { ok: false, error: durationErrors.unknownUnit(unitName, orig) };
    if (v > INT64_MIN_ABS / unit) return invalid;
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > INT64_MIN_ABS) return invalid;
    }
    d += v;
    if (d > INT64_MIN_ABS) return invalid;
  }
  if (neg) return { ok: true, value: -d };
  if (d > INT64_MAX) return invalid;
  return { ok: true, value: d };
}

/** Duration in milliseconds (fractional below 1 ms), for option objects. */
export function parseGoDurationMs(s: string): Parsed<number> {
  const r = parseGoDurationNs(s);
  return r.ok ? { ok: true, value: nsToMs(r.value) } : r;
}

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Go's time.Duration.String(): `0s`, `300ms`, `1.5µs`, `1m0s`, `1h2m3.5s`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = fraction(u, 3) + '\u00b5s';
    else out = fraction(u, 6) + 'ms';
  } else {
    out = fraction(u % 60_000_000_000n, 9) + 's';
    u /= 60_000_000_000n;
    if (u > 0n) {
      out = `${u % 60n}m` + out;
      u /= 60n;
      if (u > 0n) out = `${u}h` + out;
    }
  }
  return neg ? '-' + out : out;
}

/** `v / 10^prec` with the fraction's trailing zeros (and a bare dot) removed. */
function fraction(v: bigint, prec: number): string {
  const p = 10n ** BigInt(prec);
  const whole = v / p;
  const frac = (v % p).toString().padStart(prec, '0').replace(/0+$/, '');
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}

/** Go's formatting of a millisecond duration, for messages and banners. */
export function formatGoDurationMs(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms * 1e6)));
}
