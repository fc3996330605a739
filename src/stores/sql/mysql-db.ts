/**
 * The `mysql2` driver (MySQL and MariaDB) behind the Db seam. Parameters are
 * interpolated by the driver (as the Go driver's `interpolateParams` does), so a
 * multi-row INSERT of any size is one round trip and no server-side statement
 * cache grows with batch sizes.
 */
import mysql from 'mysql2/promise';
import type { Logger } from '../../util/logger.js';
import type { Db, Row, SqlRunner, SqlValue } from './db.js';
import { parseMysqlDsn } from './dsn.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

type Queryable = mysql.Pool | mysql.PoolConnection;

async function run(q: Queryable, sql: string, params: readonly SqlValue[] | undefined): Promise<unknown> {
  const [result] = await q.query({ sql, rowsAsArray: true }, params as unknown[] | undefined);
  return result;
}

function runner(q: Queryable): SqlRunner {
  return {
    async query(sql, params) {
      return (await run(q, sql, params)) as Row[];
    },
    async exec(sql, params) {
      const r = (await run(q, sql, params)) as { affectedRows?: number };
      return r.affectedRows ?? 0;
    },
  };
}

export function openMysqlDb(source: string, poolSize: number, log: Logger): Db {
  const t = parseMysqlDsn(source);
  if (t.ignored.length > 0) log.warn(`sql: DSN parameter(s) not supported, ignored: ${t.ignored.join(', ')}`);
  const config: mysql.PoolOptions = {
    user: t.user,
    password: t.password,
    database: t.database,
    connectionLimit: poolSize,
    maxIdle: poolSize,
    idleTimeout: 30_000,
    connectTimeout: t.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    supportBigNumbers: true,
    bigNumberStrings: true,
    enableKeepAlive: true,
    multipleStatements: false,
  };
  if (t.socketPath !== undefined) config.socketPath = t.socketPath;
  if (t.host !== undefined) config.host = t.host;
  if (t.port !== undefined) config.port = t.port;
  if (t.charset !== undefined) config.charset = t.charset;
  if (t.ssl !== undefined) config.ssl = t.ssl;
  const pool = mysql.createPool(config);
  const base = runner(pool);
  return {
    driver: 'mysql',
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const conn = await pool.getConnection();
      let broken = false;
      // A connection the server dropped reports 'error' once; without a listener
      // that would be an uncaught exception.
      const onError = (): void => { broken = true; };
      conn.connection.on('error', onError);
      try {
        await conn.beginTransaction();
        const r = await fn(runner(conn));
        await conn.commit();
        return r;
      } catch (err) {
        try {
          await conn.rollback();
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        conn.connection.removeListener('error', onError);
        if (broken) conn.destroy();
        else conn.release();
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
