/**
 * The database seam of the SQL store: the few things it needs from a driver,
 * the same for `pg` and `mysql2`. Rows come back as arrays in select order;
 * integers may arrive as number, string or bigint depending on driver and
 * column type, so readers go through `num()` / `big()`.
 */
import type { SqlDriver } from './options.js';

export type SqlValue = number | bigint | string | Uint8Array | boolean | null;
export type Row = unknown[];

/** Something statements run on: the pool (autocommit) or a transaction. */
export interface SqlRunner {
  /** Rows of a SELECT. */
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Rows affected by INSERT/UPDATE/DELETE. */
  exec(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Db extends SqlRunner {
  readonly driver: SqlDriver;
  /** BEGIN, `fn`, COMMIT (ROLLBACK when `fn` or COMMIT fails); one pooled connection. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Round trip that proves the server answers. */
  ping(): Promise<void>;
  /** Close the pool; pending queries finish first. */
  close(): Promise<void>;
}

/** An integer column as a JS number (sequences, counts, sizes: exact below 2^53). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`not an integer column: ${typeof v}`);
}

/** An int64 column (nanosecond timestamps) exactly. */
export function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  if (v === null || v === undefined) return 0n;
  throw new TypeError(`not an int64 column: ${typeof v}`);
}

/** A BYTEA/BLOB column (null stays null). */
export function bytes(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  throw new TypeError(`not a binary column: ${typeof v}`);
}

export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

/** MySQL returns BOOL as TINYINT. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
