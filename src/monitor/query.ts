/**
 * Query decoding as the Go servers do it: Go's `url.ParseQuery` rules (pairs
 * with a `;` or a bad %-escape are dropped, `+` is a space, the first value of
 * a key wins) and nats-server's decodeBool/decodeInt/decodeUint64, whose
 * failures become a 400 with strconv's wording.
 */
import { MonitorText } from './errors.js';

export class Query {
  private readonly values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const pair of rawQuery.split('&')) {
      if (pair === '' || pair.includes(';')) continue;
      const eq = pair.indexOf('=');
      const key = unescape(eq < 0 ? pair : pair.slice(0, eq));
      const value = unescape(eq < 0 ? '' : pair.slice(eq + 1));
      if (key === null || value === null) continue;
      if (!this.values.has(key)) this.values.set(key, value);
    }
  }

  /** The first value of `key`, '' when absent (Go's `Values.Get`). */
  get(key: string): string {
    return this.values.get(key) ?? '';
  }
}

/**
 * Go's QueryUnescape; null where Go reports an error. Node hands the request
 * target over as latin1 (one char per byte), so raw bytes are re-read as UTF-8.
 */
function unescape(s: string): string | null {
  if (!s.includes('%') && !s.includes('+') && !NON_ASCII.test(s)) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b) {
      bytes.push(0x20);
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** A query value the handler rejects with 400 and this text. */
export class BadQuery extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = 'BadQuery';
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go `strconv.Atoi` outcome: the value, or 'syntax' / 'range'. */
export function goAtoi(s: string): number | 'syntax' | 'range' {
  if (!/^[+-]?[0-9]+$/.test(s)) return 'syntax';
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) return 'range';
  return Number(v);
}

/** nats-server decodeInt: '' is 0. */
export function decodeInt(q: Query, param: string): number {
  const s = q.get(param);
  if (s === '') return 0;
  const v = goAtoi(s);
  if (typeof v === 'number') return v;
  throw new BadQuery(MonitorText.decodeInt(param, s, v === 'range'));
}

/** nats-server decodeUint64: '' is 0. */
export function decodeUint64(q: Query, param: string): number {
  const s = q.get(param);
  if (s === '') return 0;
  if (!/^[0-9]+$/.test(s)) throw new BadQuery(MonitorText.decodeUint64(param, s, false));
  const v = BigInt(s);
  if (v > UINT64_MAX) throw new BadQuery(MonitorText.decodeUint64(param, s, true));
  return Number(v);
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** nats-server decodeBool (Go strconv.ParseBool): '' is false. */
export function decodeBool(q: Query, param: string): boolean {
  const s = q.get(param);
  if (s === '') return false;
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  throw new BadQuery(MonitorText.decodeBool(param, s));
}

/**
 * The streaming endpoints' `subs` option: only an integer equal to 1 turns it
 * on; anything unparsable is silently 0 (Go: `subs, _ := strconv.Atoi(...)`).
 */
export function streamingSubsOption(q: Query): boolean {
  return goAtoi(q.get('subs')) === 1;
}

/** The streaming endpoints' offset/limit: bad or negative offset is 0, bad or non-positive limit is 1024. */
export function streamingOffsetLimit(q: Query): { offset: number; limit: number } {
  const o = goAtoi(q.get('offset'));
  const l = goAtoi(q.get('limit'));
  const offset = typeof o === 'number' && o > 0 ? o : 0;
  const limit = typeof l === 'number' && l > 0 ? l : DEFAULT_LIST_LIMIT;
  return { offset, limit };
}

export const DEFAULT_LIST_LIMIT = 1024;

/** The [min, max) window of a list of `total` items (Go getMinMaxOffset). */
export function pageBounds(offset: number, limit: number, total: number): [number, number] {
  const min = Math.min(offset, total);
  const max = Math.min(offset + limit, total);
  return [min, max];
}
