/**
 * The SQL store's delivery counts (see ../delivery-counts.ts): one natstream-only
 * table, `NatstreamDeliveries`, created on first use (only when dead letters are
 * on), keyed by the channel's ID as the Go tables are. The Go server never reads
 * it, and none of the Go tables change. Changes are buffered and written in one
 * transaction per `flush()`, one flush after the other.
 */
import type { DeliveryCountRecord, DeliveryCounts } from '../delivery-counts.js';
import { num, str, type Db, type SqlValue } from './db.js';
import { toPostgres } from './statements.js';

export const DELIVERY_COUNTS_TABLE = 'NatstreamDeliveries';

const CREATE = {
  postgres: `CREATE TABLE IF NOT EXISTS ${DELIVERY_COUNTS_TABLE} (id INTEGER, unit VARCHAR(512), seq BIGINT, count INTEGER, PRIMARY KEY (id, unit, seq))`,
  mysql: `CREATE TABLE IF NOT EXISTS ${DELIVERY_COUNTS_TABLE} (id INTEGER, unit VARCHAR(512), seq BIGINT UNSIGNED, count INTEGER, PRIMARY KEY (id, unit, seq))`,
};

const UPSERT = {
  postgres: `INSERT INTO ${DELIVERY_COUNTS_TABLE} (id, unit, seq, count) VALUES ($1, $2, $3, $4) ON CONFLICT (id, unit, seq) DO UPDATE SET count = EXCLUDED.count`,
  mysql: `INSERT INTO ${DELIVERY_COUNTS_TABLE} (id, unit, seq, count) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE count = VALUES(count)`,
};

/** The other statements, in MySQL form (`toPostgres` rewrites them for PostgreSQL). */
const LOAD = `SELECT unit, seq, count FROM ${DELIVERY_COUNTS_TABLE} WHERE id=?`;
const CLEAR = `DELETE FROM ${DELIVERY_COUNTS_TABLE} WHERE id=?`;
const REMOVE = `DELETE FROM ${DELIVERY_COUNTS_TABLE} WHERE id=? AND unit=? AND seq=?`;

function dialect(driver: 'postgres' | 'mysql', sql: string): string {
  return driver === 'postgres' ? toPostgres(sql) : sql;
}

/** Creates the table once per database handle. */
const created = new WeakMap<Db, Promise<void>>();

export function ensureDeliveryCountsTable(db: Db): Promise<void> {
  let p = created.get(db);
  if (p === undefined) {
    p = db.exec(CREATE[db.driver]).then(() => undefined);
    p.catch(() => created.delete(db));
    created.set(db, p);
  }
  return p;
}

export class SqlDeliveryCounts implements DeliveryCounts {
  private ops: Array<[string, SqlValue[]]> = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Db, private readonly channelId: number) {}

  async load(): Promise<DeliveryCountRecord[]> {
    await ensureDeliveryCountsTable(this.db);
    const rows = await this.db.query(dialect(this.db.driver, LOAD), [this.channelId]);
    return rows.map((r) => ({ unit: str(r[0]), seq: num(r[1]), count: num(r[2]) }));
  }

  async clear(): Promise<void> {
    this.ops = [];
    await ensureDeliveryCountsTable(this.db);
    await this.db.exec(dialect(this.db.driver, CLEAR), [this.channelId]);
  }

  set(unit: string, seq: number, count: number): void {
    this.ops.push([UPSERT[this.db.driver], [this.channelId, unit, seq, count]]);
  }

  remove(unit: string, seq: number): void {
    this.ops.push([dialect(this.db.driver, REMOVE), [this.channelId, unit, seq]]);
  }

  flush(): Promise<void> {
    if (this.ops.length === 0) return this.writing;
    const ops = this.ops;
    this.ops = [];
    this.writing = this.writing.then(async () => {
      await ensureDeliveryCountsTable(this.db);
      await this.db.transaction(async (tx) => {
        for (const [sql, params] of ops) await tx.exec(sql, params);
      });
    });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
  }
}
