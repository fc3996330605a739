/**
 * The Go server's tables and columns (nats-streaming-server scripts/*.db.sql,
 * spec stores.md §4.2), the start-up check, and `--sql_create_schema`.
 *
 * The DBA scripts sql/postgres.db.sql and sql/mysql.db.sql at the repository root
 * are `schemaScript(driver)`; a unit test keeps them equal.
 *
 * One deliberate difference on MySQL: Messages.data is MEDIUMBLOB (16 MB), not
 * BLOB (64 KB), so that the default 1 MB max_payload fits. A database created by
 * the Go script keeps its BLOB; the store reads the column type at start and
 * refuses larger messages with a clear error instead of failing a whole batch.
 */
import type { Db } from './db.js';
import { num, str } from './db.js';
import { SqlErrors, SqlStoreError } from './errors.js';
import type { SqlDriver } from './options.js';

/** ServerInfo.version this store writes and reads. */
export const SQL_SCHEMA_VERSION = 1;

export const TABLES = ['ServerInfo', 'Clients', 'Channels', 'Messages', 'Subscriptions', 'SubsPending', 'StoreLock'] as const;

const POSTGRES_DDL = [
  'CREATE TABLE IF NOT EXISTS ServerInfo (uniquerow INTEGER DEFAULT 1, id VARCHAR(1024), proto BYTEA, version INTEGER, PRIMARY KEY (uniquerow));',
  'CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024), hbinbox TEXT, proto BYTEA, PRIMARY KEY (id));',
  'CREATE TABLE IF NOT EXISTS Channels (id INTEGER, name VARCHAR(1024) NOT NULL, maxseq BIGINT DEFAULT 0, maxmsgs INTEGER DEFAULT 0, maxbytes BIGINT DEFAULT 0, maxage BIGINT DEFAULT 0, deleted BOOL DEFAULT FALSE, PRIMARY KEY (id));',
  'CREATE INDEX IF NOT EXISTS Idx_ChannelsName ON Channels (name);',
  'CREATE TABLE IF NOT EXISTS Messages (id INTEGER, seq BIGINT, timestamp BIGINT, size INTEGER, data BYTEA, CONSTRAINT PK_MsgKey PRIMARY KEY(id, seq));',
  'CREATE INDEX IF NOT EXISTS Idx_MsgsTimestamp ON Messages (timestamp);',
  'CREATE TABLE IF NOT EXISTS Subscriptions (id INTEGER, subid BIGINT, lastsent BIGINT DEFAULT 0, proto BYTEA, deleted BOOL DEFAULT FALSE, CONSTRAINT PK_SubKey PRIMARY KEY(id, subid));',
  'CREATE TABLE IF NOT EXISTS SubsPending (subid BIGINT, row BIGINT, seq BIGINT DEFAULT 0, lastsent BIGINT DEFAULT 0, pending BYTEA, acks BYTEA, CONSTRAINT PK_MsgPendingKey PRIMARY KEY(subid, row));',
  'CREATE INDEX IF NOT EXISTS Idx_SubsPendingSeq ON SubsPending (seq);',
  'CREATE TABLE IF NOT EXISTS StoreLock (id VARCHAR(30), tick BIGINT DEFAULT 0);',
];

const MYSQL_DDL = [
  'CREATE TABLE IF NOT EXISTS ServerInfo (uniquerow INT DEFAULT 1, id VARCHAR(1024), proto BLOB, version INTEGER, PRIMARY KEY (uniquerow));',
  'CREATE TABLE IF NOT EXISTS Clients (id VARCHAR(1024), hbinbox TEXT, proto BLOB, PRIMARY KEY (id(256)));',
  'CREATE TABLE IF NOT EXISTS Channels (id INTEGER, name VARCHAR(1024) NOT NULL, maxseq BIGINT UNSIGNED DEFAULT 0, maxmsgs INTEGER DEFAULT 0, maxbytes BIGINT DEFAULT 0, maxage BIGINT DEFAULT 0, deleted BOOL DEFAULT FALSE, PRIMARY KEY (id), INDEX Idx_ChannelsName (name(256)));',
  'CREATE TABLE IF NOT EXISTS Messages (id INTEGER, seq BIGINT UNSIGNED, timestamp BIGINT, size INTEGER, data MEDIUMBLOB, CONSTRAINT PK_MsgKey PRIMARY KEY(id, seq), INDEX Idx_MsgsTimestamp (timestamp));',
  'CREATE TABLE IF NOT EXISTS Subscriptions (id INTEGER, subid BIGINT UNSIGNED, lastsent BIGINT UNSIGNED DEFAULT 0, proto BLOB, deleted BOOL DEFAULT FALSE, CONSTRAINT PK_SubKey PRIMARY KEY(id, subid));',
  'CREATE TABLE IF NOT EXISTS SubsPending (subid BIGINT UNSIGNED, `row` BIGINT UNSIGNED, seq BIGINT UNSIGNED DEFAULT 0, lastsent BIGINT UNSIGNED DEFAULT 0, pending BLOB, acks BLOB, CONSTRAINT PK_MsgPendingKey PRIMARY KEY(subid, `row`), INDEX Idx_SubsPendingSeq (seq));',
  'CREATE TABLE IF NOT EXISTS StoreLock (id VARCHAR(30), tick BIGINT UNSIGNED DEFAULT 0);',
];

export function schemaStatements(driver: SqlDriver): readonly string[] {
  return driver === 'postgres' ? POSTGRES_DDL : MYSQL_DDL;
}

/** The text of sql/<driver>.db.sql. */
export function schemaScript(driver: SqlDriver): string {
  const comment = driver === 'postgres' ? '--' : '#';
  const head = [
    `${comment} natstream SQL store schema (${driver === 'postgres' ? 'PostgreSQL' : 'MySQL / MariaDB'}).`,
    `${comment} The tables and columns of nats-streaming-server's scripts/${driver}.db.sql (schema version ${SQL_SCHEMA_VERSION}),`,
    `${comment} so one database serves either server. Generated from src/stores/sql/schema.ts.`,
    ...(driver === 'mysql'
      ? [`${comment} Messages.data is MEDIUMBLOB (the Go script has BLOB, limited to 64 KB per message).`]
      : []),
    '',
  ];
  const upgrade = driver === 'postgres'
    ? ['', '-- A database created before nats-streaming-server 0.10.0 lacks Clients.proto:', '-- ALTER TABLE Clients ADD proto BYTEA;']
    : ['', '# A database created before nats-streaming-server 0.10.0 lacks Clients.proto:', '# ALTER TABLE Clients ADD proto BLOB;'];
  return [...head, ...schemaStatements(driver), ...upgrade, ''].join('\n');
}

/** Statements that remove every table (tests, and `sql/drop_*.db.sql`-style cleanup). */
export function dropStatements(): string[] {
  return TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`);
}

export interface SchemaInfo {
  /** Largest MsgProto the Messages.data column holds. */
  maxMessageBytes: number;
}

async function existingColumns(db: Db): Promise<Map<string, Set<string>>> {
  const sql = db.driver === 'postgres'
    ? 'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()'
    : 'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()';
  const out = new Map<string, Set<string>>();
  for (const r of await db.query(sql)) {
    const t = str(r[0]).toLowerCase();
    let cols = out.get(t);
    if (!cols) out.set(t, cols = new Set());
    cols.add(str(r[1]).toLowerCase());
  }
  return out;
}

/**
 * Checks that the tables exist (creating them when `create` is set), adds the
 * 0.10.0 Clients.proto column if it is missing and `create` is set, and checks
 * the stored schema version.
 */
export async function ensureSchema(db: Db, create: boolean): Promise<SchemaInfo> {
  let cols = await existingColumns(db);
  const missing = TABLES.filter((t) => !cols.has(t.toLowerCase()));
  if (missing.length > 0) {
    if (!create) throw new SqlStoreError(SqlErrors.schemaMissing(missing, db.driver));
    for (const stmt of schemaStatements(db.driver)) await db.exec(stmt);
    cols = await existingColumns(db);
  }
  if (!cols.get('clients')?.has('proto')) {
    if (!create) throw new SqlStoreError(SqlErrors.schemaMissing(['Clients.proto'], db.driver));
    await db.exec(`ALTER TABLE Clients ADD proto ${db.driver === 'postgres' ? 'BYTEA' : 'BLOB'}`);
  }
  const rows = await db.query('SELECT version FROM ServerInfo');
  for (const r of rows) {
    const v = num(r[0]);
    if (v !== SQL_SCHEMA_VERSION) throw new SqlStoreError(SqlErrors.unsupportedVersion(v, SQL_SCHEMA_VERSION));
  }
  return { maxMessageBytes: await messageColumnCapacity(db) };
}

async function messageColumnCapacity(db: Db): Promise<number> {
  if (db.driver === 'postgres') return 1024 * 1024 * 1024 - 1;
  const rows = await db.query(
    "SELECT data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND LOWER(table_name) = 'messages' AND LOWER(column_name) = 'data'",
  );
  const type = rows.length > 0 ? str(rows[0]![0]).toLowerCase() : 'blob';
  switch (type) {
    case 'tinyblob': return 255;
    case 'blob': return 65535;
    case 'mediumblob': return 16 * 1024 * 1024 - 1;
    default: return 0xffffffff;
  }
}
