/**
 * The `pg` driver behind the Db seam. Statements are named (prepared once per
 * connection); rows come back as arrays.
 */
import pg from 'pg';
import type { Logger } from '../../util/logger.js';
import type { Db, Row, SqlRunner, SqlValue } from './db.js';
import { parsePgSource } from './dsn.js';

/** Connect attempts give up after this long unless the DSN sets connect_timeout. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Statement text → prepared statement name, shared by every pool of the process. */
const names = new Map<string, string>();

function nameOf(text: string): string {
  let n = names.get(text);
  if (n === undefined) {
    n = `natstream_${names.size + 1}`;
    names.set(text, n);
  }
  return n;
}

type Queryable = pg.Pool | pg.PoolClient;

async function runQuery(q: Queryable, text: string, params: readonly SqlValue[] | undefined): Promise<pg.QueryArrayResult> {
  return q.query({ name: nameOf(text), text, values: params as unknown[] | undefined, rowMode: 'array' });
}

function runner(q: Queryable): SqlRunner {
  return {
    async query(text, params) {
      return (await runQuery(q, text, params)).rows as Row[];
    },
    async exec(text, params) {
      return (await runQuery(q, text, params)).rowCount ?? 0;
    },
  };
}

export function openPgDb(source: string, poolSize: number, log: Logger): Db {
  const t = parsePgSource(source);
  const config: pg.PoolConfig = {
    max: poolSize,
    connectionTimeoutMillis: t.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    ssl: t.ssl,
  };
  if (t.host !== undefined) config.host = t.host;
  if (t.port !== undefined) config.port = t.port;
  if (t.user !== undefined) config.user = t.user;
  if (t.password !== undefined) config.password = t.password;
  if (t.database !== undefined) config.database = t.database;
  if (t.applicationName !== undefined) config.application_name = t.applicationName;
  if (t.options !== undefined) config.options = t.options;
  const pool = new pg.Pool(config);
  // An idle connection that the server closes (restart, failover) reports here;
  // the pool drops it and the next query opens a new one.
  pool.on('error', (err) => log.debug(`sql: idle connection closed: ${err.message}`));
  const base = runner(pool);
  return {
    driver: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const r = await fn(runner(client));
        await client.query('COMMIT');
        return r;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (e) {
          broken = e as Error;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
