/**
 * Store limits: defaults, validation, per-channel resolution and the start-up
 * banner lines (spec streaming-protocol.md §10; Go stores/limits.go).
 */

import type { ChannelLimits, StoreLimits } from './store.js';

export const DEFAULT_CHANNEL_LIMITS: Readonly<ChannelLimits> = Object.freeze({
  maxSubscriptions: 1000,
  maxMsgs: 1_000_000,
  maxBytes: 1_000_000 * 1024,
  maxAge: 0,
  maxInactivity: 0,
});

export const DEFAULT_STORE_LIMITS: Readonly<StoreLimits> = Object.freeze({
  maxChannels: 100,
  ...DEFAULT_CHANNEL_LIMITS,
});

/** Validation error texts (Go: StoreLimits.Build / checkGlobalLimits). */
export const LIMITS_ERRORS = {
  negative: (what: string, v: number) => `${what} limit cannot be negative (${v})`,
  invalidChannel: (name: string) => `invalid channel name ${JSON.stringify(name)}`,
  tooManyDefined: (n: number, max: number) =>
    `too many channels defined (${n}). The max channels limit is set to ${max}`,
} as const;

/** Throws an Error with the Go server's text when the limits are not acceptable. */
export function validateLimits(limits: StoreLimits): void {
  const checks: Array<[string, number]> = [
    ['max channels', limits.maxChannels],
    ['max subscriptions', limits.maxSubscriptions],
    ['max messages', limits.maxMsgs],
    ['max bytes', limits.maxBytes],
    ['max age', limits.maxAge],
    ['max inactivity', limits.maxInactivity],
  ];
  for (const [what, v] of checks) {
    if (v < 0) throw new Error(LIMITS_ERRORS.negative(what, v));
  }
  const per = limits.perChannel;
  if (!per) return;
  let literals = 0;
  for (const name of Object.keys(per)) {
    if (!isValidLimitsKey(name)) throw new Error(LIMITS_ERRORS.invalidChannel(name));
    if (isLiteral(name)) {
      literals++;
      if (limits.maxChannels > 0 && literals > limits.maxChannels) {
        throw new Error(LIMITS_ERRORS.tooManyDefined(literals, limits.maxChannels));
      }
    }
  }
}

/**
 * The effective limits of `channel`: the global values, overridden by every
 * per-channel key matching it from the widest to the narrowest. In a per-channel
 * entry, a missing or 0 value inherits and a negative value means unlimited (0).
 */
export function resolveChannelLimits(limits: StoreLimits, channel: string): ChannelLimits {
  const out: ChannelLimits = {
    maxSubscriptions: limits.maxSubscriptions,
    maxMsgs: limits.maxMsgs,
    maxBytes: limits.maxBytes,
    maxAge: limits.maxAge,
    maxInactivity: limits.maxInactivity,
  };
  const per = limits.perChannel;
  if (!per) return out;
  const matching = Object.keys(per).filter((key) => keyMatches(key, channel));
  matching.sort(byWidth);
  for (const key of matching) applyOverride(out, per[key]);
  return out;
}

function applyOverride(out: ChannelLimits, o: Partial<ChannelLimits>): void {
  for (const k of ['maxSubscriptions', 'maxMsgs', 'maxBytes', 'maxAge', 'maxInactivity'] as const) {
    const v = o[k];
    if (v === undefined || v === 0) continue;
    out[k] = v < 0 ? 0 : v;
  }
}

function isLiteral(key: string): boolean {
  return !key.split('.').some((t) => t === '*' || t === '>');
}

/** Per-channel keys are channel names where whole tokens may be `*` or a final `>`. */
function isValidLimitsKey(key: string): boolean {
  if (key.length === 0 || key.includes('/')) return false;
  const tokens = key.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.length === 0) return false;
    if (t === '*') continue;
    if (t === '>') { if (i !== tokens.length - 1) return false; continue; }
    if (t.includes('*') || t.includes('>')) return false;
  }
  return true;
}

export function keyMatches(key: string, channel: string): boolean {
  const kt = key.split('.');
  const ct = channel.split('.');
  for (let i = 0; i < kt.length; i++) {
    const t = kt[i];
    if (t === '>') return ct.length > i;
    if (i >= ct.length) return false;
    if (t !== '*' && t !== ct[i]) return false;
  }
  return kt.length === ct.length;
}

/** Widest first: fewer literal tokens, then `>` before `*`, then fewer tokens. */
export function byWidth(a: string, b: string): number {
  const wa = width(a);
  const wb = width(b);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return wa[i] - wb[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

function width(key: string): number[] {
  const tokens = key.split('.');
  const literals = tokens.filter((t) => t !== '*' && t !== '>').length;
  const hasFwc = tokens[tokens.length - 1] === '>' ? 0 : 1;
  return [literals, hasFwc, tokens.length];
}

// ---------------------------------------------------------------------------
// Banner (Go StoreLimits.Print)

/** `util.FriendlyBytes` of the Go server: `135 B`, `976.56 MB`. */
export function friendlyBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const pre = ['K', 'M', 'G', 'T', 'P', 'E'];
  const exp = Math.floor(Math.log(bytes) / Math.log(1024));
  return `${(bytes / Math.pow(1024, exp)).toFixed(2)} ${pre[exp - 1]}B`;
}

/** Go's `time.Duration.String()` for a duration in milliseconds (`1h0m0s`, `1.5s`, `250ms`). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  if (neg) ms = -ms;
  let s: string;
  if (ms < 1000) {
    s = `${trimFloat(ms)}ms`;
  } else {
    const totalSec = ms / 1000;
    const h = Math.floor(totalSec / 3600);
    const m = Math.floor((totalSec - h * 3600) / 60);
    const sec = totalSec - h * 3600 - m * 60;
    s = `${trimFloat(sec)}s`;
    if (h > 0 || m > 0) s = `${m}m` + s;
    if (h > 0) s = `${h}h` + s;
  }
  return neg ? '-' + s : s;
}

function trimFloat(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}

type Kind = 'count' | 'bytes' | 'duration';

function limitStr(isGlobal: boolean, val: number, parent: number, kind: Kind): string {
  if (!isGlobal && val === parent) return '';
  const inherited = val === parent ? ' *' : '';
  let v: string;
  if (val === 0) v = 'unlimited';
  else if (kind === 'bytes') v = friendlyBytes(val);
  else if (kind === 'duration') v = goDuration(val);
  else v = String(val);
  return v.padStart(13) + inherited;
}

const ROWS: Array<[keyof ChannelLimits, string, string, Kind]> = [
  ['maxSubscriptions', '  Subscriptions: ', 'Subscriptions ', 'count'],
  ['maxMsgs', '  Messages     : ', 'Messages      ', 'count'],
  ['maxBytes', '  Bytes        : ', 'Bytes         ', 'bytes'],
  ['maxAge', '  Age          : ', 'Age           ', 'duration'],
  ['maxInactivity', '  Inactivity   : ', 'Inactivity    ', 'duration'],
];

/** The lines of the start-up banner's limits block, without the `STREAM: ` prefix. */
export function printLimits(limits: StoreLimits): string[] {
  const title = '---------- Store Limits ----------';
  const txt = [title];
  txt.push(`Channels:        ${limitStr(true, limits.maxChannels, DEFAULT_STORE_LIMITS.maxChannels, 'count')}`);
  txt.push('--------- Channels Limits --------');
  for (const [k, label, , kind] of ROWS) {
    txt.push(label + limitStr(true, limits[k], DEFAULT_CHANNEL_LIMITS[k], kind));
  }
  let maxLen = title.length;
  const per = limits.perChannel;
  if (per && Object.keys(per).length > 0) {
    const keys = Object.keys(per).sort(byWidth);
    const lines: string[] = [];
    for (const key of keys) {
      // parent: the effective limits of the narrowest wider key (or the globals)
      const parents = keys.filter((p) => p !== key && keyMatchesKey(p, key));
      const level = parents.length;
      const parent = parents.length > 0
        ? resolveKey(limits, parents[parents.length - 1], keys)
        : limits;
      const own = resolveKey(limits, key, keys);
      const padL = ' '.repeat(level);
      const block = [padL + key];
      for (const [k, , label, kind] of ROWS) {
        const v = limitStr(false, own[k], parent[k], kind);
        if (v !== '') block.push(`${padL} |-> ${label}${v}`);
      }
      for (const l of block) if (l.length > maxLen) maxLen = l.length;
      lines.push(...block);
    }
    const t = ' List of Channels ';
    const left = Math.floor((maxLen - t.length) / 2);
    txt.push('-'.repeat(left) + t + '-'.repeat(maxLen - t.length - left));
    txt.push(...lines);
  }
  txt.push('-'.repeat(maxLen));
  return txt;
}

/** Whether every channel matched by key `narrow` is matched by key `wide`. */
function keyMatchesKey(wide: string, narrow: string): boolean {
  return keyMatches(wide, narrow.replace(/(^|\.)[*>](?=\.|$)/g, '$1x'));
}

function resolveKey(limits: StoreLimits, key: string, keys: string[]): ChannelLimits {
  const chain = keys.filter((k) => k === key || keyMatchesKey(k, key));
  const out: ChannelLimits = {
    maxSubscriptions: limits.maxSubscriptions, maxMsgs: limits.maxMsgs, maxBytes: limits.maxBytes,
    maxAge: limits.maxAge, maxInactivity: limits.maxInactivity,
  };
  for (const k of chain) applyOverride(out, limits.perChannel![k]);
  return out;
}
