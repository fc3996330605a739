/**
 * Typed reads of parsed configuration values, failing as the Go servers do:
 * `parameter "<key>" value is expected to be <kind>, got <kind>`.
 */
import { ConfFloat, type ConfMap, type ConfValue } from './conf-parser.js';
import { optionErrors } from './errors.js';
import { parseGoDurationMs } from './go-values.js';
import { goPrintValue } from './size.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Kind = 'string' | 'int64' | 'float64' | 'bool' | 'map' | 'slice' | 'struct';

/** The Go reflect kind of a parsed value, for type-mismatch messages. */
export function kindOf(v: ConfValue): Kind {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'int64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof ConfFloat) return 'float64';
  if (v instanceof Date) return 'struct';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

export function expect(key: string, kind: Kind, v: ConfValue): void {
  const got = kindOf(v);
  if (got !== kind) throw new ConfigError(optionErrors.typeMismatch(key, kind, got));
}

export const str = (key: string, v: ConfValue): string => { expect(key, 'string', v); return v as string; };
export const int = (key: string, v: ConfValue): number => { expect(key, 'int64', v); return v as number; };
export const bool = (key: string, v: ConfValue): boolean => { expect(key, 'bool', v); return v as boolean; };

export function map(what: string, v: ConfValue): ConfMap {
  if (kindOf(v) !== 'map') throw new ConfigError(optionErrors.expectedMap(what, goPrintValue(v)));
  return v as ConfMap;
}

/** A duration written as a string (`"10s"`), as the streaming server requires. */
export function durationString(key: string, v: ConfValue): number {
  const r = parseGoDurationMs(str(key, v));
  if (!r.ok) throw new ConfigError(r.error);
  return r.value;
}

/** nats-server accepts a duration string, or a number of seconds (deprecated form). */
export function durationOrSeconds(key: string, v: ConfValue): number {
  if (typeof v === 'number') return v * 1000;
  if (v instanceof ConfFloat) return v.value * 1000;
  return durationString(key, v);
}

export function seconds(key: string, v: ConfValue): number {
  if (typeof v === 'number') return v;
  if (v instanceof ConfFloat) return v.value;
  throw new ConfigError(optionErrors.typeMismatch(key, 'float64', kindOf(v)));
}

export function entries(m: ConfMap): Array<[string, string, ConfValue]> {
  return Object.keys(m).map((k) => [k, k.toLowerCase(), m[k]]);
}

