/** Opens the pool of the configured driver. */
import type { Logger } from '../../util/logger.js';
import type { Db } from './db.js';
import { SqlErrors, SqlStoreError } from './errors.js';
import { openMysqlDb } from './mysql-db.js';
import type { ResolvedSqlOptions } from './options.js';
import { openPgDb } from './pg-db.js';

export function openDb(opts: Pick<ResolvedSqlOptions, 'driver' | 'source' | 'poolSize'>, log: Logger): Db {
  switch (opts.driver) {
    case 'postgres':
      return openPgDb(opts.source, opts.poolSize, log);
    case 'mysql':
      return openMysqlDb(opts.source, opts.poolSize, log);
    default:
      throw new SqlStoreError(SqlErrors.unknownDriver(String(opts.driver)));
  }
}
