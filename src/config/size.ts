/**
 * "size" flags (`-mb 1GB`, `--file_buffer_size 2MB`): the Go streaming server
 * hands `bytes: <value>` to the NATS configuration parser and accepts the
 * value only if that yields an integer, so sizes follow the config format's
 * suffix rules (`1k` = 1000, `1kb`/`1ki`/`1kib` = 1024, ... up to `e`/`eb`).
 */
import { ConfFloat, parseConf, type ConfValue } from './conf-parser.js';
import { flagErrors } from './errors.js';
import type { Parsed } from './go-values.js';

export function parseSizeFlag(flagName: string, raw: string): Parsed<number> {
  let value: ConfValue | undefined;
  try {
    value = parseConf(`bytes: ${raw}`, { env: {} }).bytes;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (typeof value === 'number') return { ok: true, value };
  return { ok: false, error: flagErrors.notASize(flagName, goPrintValue(value)) };
}

/** Go's `%v` of a configuration value, for messages. */
export function goPrintValue(v: ConfValue | undefined): string {
  if (v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof ConfFloat) return goFloat(v.value);
  if (v instanceof Date) return v.toISOString().replace(/\.000Z$/, ' +0000 UTC').replace('T', ' ');
  if (Array.isArray(v)) return `[${v.map(goPrintValue).join(' ')}]`;
  const keys = Object.keys(v).sort();
  return `map[${keys.map((k) => `${k}:${goPrintValue(v[k])}`).join(' ')}]`;
}

/** Go's `%v` of a float64 (shortest representation, exponent from 1e21). */
function goFloat(f: number): string {
  const s = String(f);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}
