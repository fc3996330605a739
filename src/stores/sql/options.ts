/**
 * Options of the SQL store: the `-sql_*` flags of the Go server
 * (`sql { driver, source, no_caching, max_open_conns, bulk_insert_limit }`),
 * plus one natstream extension, `createSchema`.
 */

export type SqlDriver = 'postgres' | 'mysql';

export interface SqlStoreOptions {
  /** `-sql_driver`: `postgres` or `mysql` (MySQL and MariaDB). */
  driver: SqlDriver;
  /**
   * `-sql_source`: the DSN exactly as the Go server takes it:
   * PostgreSQL `dbname=nss user=u password=p sslmode=disable` or
   * `postgres://u:p@host:5432/nss?sslmode=disable`; MySQL `u:p@tcp(host:3306)/nss`.
   */
  source: string;
  /**
   * `-sql_no_caching`: run the SQL of every Store/AddSeqPending/AckSeqPending
   * at once instead of batching it until the next flush. Acks still wait for
   * the commit either way.
   */
  noCaching?: boolean;
  /** `-sql_max_open_conns`: pool size; 0 or less = the default (see DEFAULT_POOL_SIZE). */
  maxOpenConns?: number;
  /**
   * `-sql_bulk_insert_limit`: rows per multi-row INSERT when flushing messages;
   * 0 (or < 5, as in the Go server) = natstream's default batch size.
   */
  bulkInsertLimit?: number;
  /**
   * natstream extension (`--sql_create_schema`): create the tables when they are
   * missing. Off by default, as in the Go server, where a DBA runs the scripts in
   * `sql/` first.
   */
  createSchema?: boolean;
}

/**
 * The Go server leaves the pool unbounded when max_open_conns is 0. A Node
 * process gains nothing from hundreds of connections (one event loop), so
 * "unlimited" means this many.
 */
export const DEFAULT_POOL_SIZE = 10;

/** Rows per multi-row INSERT when bulkInsertLimit is off. */
export const DEFAULT_BULK_ROWS = 500;

export interface ResolvedSqlOptions {
  driver: SqlDriver;
  source: string;
  noCaching: boolean;
  poolSize: number;
  bulkRows: number;
  createSchema: boolean;
}

export function resolveSqlOptions(o: SqlStoreOptions): ResolvedSqlOptions {
  return {
    driver: o.driver,
    source: o.source,
    noCaching: o.noCaching ?? false,
    poolSize: o.maxOpenConns !== undefined && o.maxOpenConns > 0 ? o.maxOpenConns : DEFAULT_POOL_SIZE,
    bulkRows: o.bulkInsertLimit !== undefined && o.bulkInsertLimit >= 5 ? o.bulkInsertLimit : DEFAULT_BULK_ROWS,
    createSchema: o.createSchema ?? false,
  };
}
