/**
 * Every statement of the SQL store, written once in MySQL form (`?` placeholders,
 * back-quoted `row`) and rewritten for PostgreSQL (`$1, $2, …`, bare `row`), as
 * the Go server does. Batch statements whose shape differs per dialect (multi-row
 * inserts, set membership) are built by the functions at the end.
 */
import type { SqlValue } from './db.js';
import type { SqlDriver } from './options.js';

const MYSQL = {
  // server info
  countServerInfo: 'SELECT COUNT(uniquerow) FROM ServerInfo',
  addServerInfo: 'INSERT INTO ServerInfo (id, proto, version) VALUES (?, ?, ?)',
  updateServerInfo: 'UPDATE ServerInfo SET id=?, proto=?, version=? WHERE uniquerow=1',
  recoverServerInfo: 'SELECT id, proto, version FROM ServerInfo WHERE uniquerow=1',
  // clients
  addClient: 'INSERT INTO Clients (id, hbinbox, proto) VALUES (?, ?, ?)',
  deleteClient: 'DELETE FROM Clients WHERE id=?',
  recoverClients: 'SELECT id, hbinbox, proto FROM Clients',
  // channels
  addChannel: 'INSERT INTO Channels (id, name, maxmsgs, maxbytes, maxage) VALUES (?, ?, ?, ?, ?)',
  maxChannelId: 'SELECT COALESCE(MAX(id), 0) FROM Channels',
  countChannels: 'SELECT COUNT(id) FROM Channels',
  recoverChannels: 'SELECT id, name, maxseq, maxmsgs, maxbytes, maxage FROM Channels WHERE deleted=FALSE',
  deletedChannels: 'SELECT id, name FROM Channels WHERE deleted=TRUE',
  updateChannelMaxSeq: 'UPDATE Channels SET maxseq=? WHERE id=?',
  updateChannelLimits: 'UPDATE Channels SET maxmsgs=?, maxbytes=?, maxage=? WHERE id=?',
  markChannelDeleted: 'UPDATE Channels SET deleted=TRUE WHERE id=?',
  deleteChannelRow: 'DELETE FROM Channels WHERE id=?',
  // messages
  lookupMsg: 'SELECT data FROM Messages WHERE id=? AND seq=?',
  lookupRange: 'SELECT seq, data FROM Messages WHERE id=? AND seq>=? AND seq<=? ORDER BY seq LIMIT ?',
  seqFromTimestamp: 'SELECT COALESCE(MIN(seq), 0) FROM Messages WHERE id=? AND seq>=? AND timestamp>=?',
  expiredMsgs: 'SELECT COALESCE(MAX(seq), 0) FROM Messages WHERE id=? AND timestamp<=?',
  firstMsgTimestamp: 'SELECT timestamp FROM Messages WHERE id=? AND seq>=? ORDER BY seq LIMIT 1',
  deleteMsgsBelow: 'DELETE FROM Messages WHERE id=? AND seq<?',
  deleteMsgsThrough: 'DELETE FROM Messages WHERE id=? AND seq<=?',
  deleteExpiredMsgs: 'DELETE FROM Messages WHERE id=? AND timestamp<=?',
  deleteAllMsgs: 'DELETE FROM Messages WHERE id=?',
  recoverMsgsSummary: 'SELECT COALESCE(MAX(seq), 0) FROM Messages WHERE id=?',
  recoverMsgSizes: 'SELECT seq, size FROM Messages WHERE id=? AND seq>? ORDER BY seq LIMIT ?',
  someMsgsSeq: 'SELECT COALESCE(MAX(seq), 0) FROM (SELECT seq FROM Messages WHERE id=? ORDER BY seq LIMIT ?) t',
  // subscriptions
  maxSubId: 'SELECT COALESCE(MAX(subid), 0) FROM Subscriptions',
  createSub: 'INSERT INTO Subscriptions (id, subid, proto) VALUES (?, ?, ?)',
  updateSub: 'UPDATE Subscriptions SET proto=? WHERE id=? AND subid=?',
  markSubDeleted: 'UPDATE Subscriptions SET deleted=TRUE WHERE id=? AND subid=?',
  deleteSub: 'DELETE FROM Subscriptions WHERE id=? AND subid=?',
  purgeMarkedSubs: 'DELETE FROM Subscriptions WHERE id=? AND deleted=TRUE',
  deleteSubPending: 'DELETE FROM SubsPending WHERE subid=?',
  updateLastSent: 'UPDATE Subscriptions SET lastsent=? WHERE id=? AND subid=?',
  addPendingSeq: 'INSERT INTO SubsPending (subid, `row`, seq) VALUES (?, ?, ?)',
  deletePendingSeq: 'DELETE FROM SubsPending WHERE subid=? AND seq=?',
  deletePendingRow: 'DELETE FROM SubsPending WHERE subid=? AND `row`=?',
  countMarkedSubs: 'SELECT COUNT(subid) FROM Subscriptions WHERE id=? AND deleted=TRUE',
  recoverSubs: 'SELECT subid, lastsent, proto FROM Subscriptions WHERE id=? AND deleted=FALSE',
  recoverPending:
    'SELECT p.subid, p.`row`, p.seq, p.lastsent, p.pending, p.acks FROM SubsPending p INNER JOIN Subscriptions s ' +
    'ON s.subid=p.subid WHERE s.id=? AND s.deleted=FALSE ORDER BY p.subid, p.`row`',
  purgePendingBelow: 'DELETE FROM SubsPending WHERE subid=? AND seq>0 AND seq<?',
  deleteChannelPending: 'DELETE FROM SubsPending WHERE subid IN (SELECT subid FROM Subscriptions WHERE id=?)',
  deleteChannelSubs: 'DELETE FROM Subscriptions WHERE id=?',
  // fault-tolerance lock
  lockSelect: 'SELECT id, tick FROM StoreLock FOR UPDATE',
  lockInsert: 'INSERT INTO StoreLock (id, tick) VALUES (?, ?)',
  lockUpdate: 'UPDATE StoreLock SET id=?, tick=?',
} as const;

export type Statements = { readonly [K in keyof typeof MYSQL]: string };

export function toPostgres(stmt: string): string {
  let n = 0;
  return stmt.replace(/\?/g, () => `$${++n}`).replace(/`row`/g, 'row');
}

const POSTGRES: Statements = Object.fromEntries(
  Object.entries(MYSQL).map(([k, v]) => [k, toPostgres(v)]),
) as unknown as Statements;

export function statements(driver: SqlDriver): Statements {
  return driver === 'postgres' ? POSTGRES : MYSQL;
}

export interface BuiltStatement {
  sql: string;
  params: SqlValue[];
}

/** Columns of one Messages row: channel id, seq, timestamp, size, data. */
export interface MsgRow {
  seq: number;
  timestamp: bigint;
  data: Uint8Array;
}

/**
 * One INSERT for many messages of a channel; rows that already exist (a batch
 * retried after a lost COMMIT reply) are skipped.
 */
export function insertMsgs(driver: SqlDriver, channelId: number, rows: readonly MsgRow[]): BuiltStatement {
  if (driver === 'postgres') {
    const seqs: number[] = new Array(rows.length);
    const stamps: string[] = new Array(rows.length);
    const sizes: number[] = new Array(rows.length);
    const datas: Uint8Array[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      seqs[i] = r.seq;
      stamps[i] = r.timestamp.toString();
      sizes[i] = r.data.length;
      datas[i] = r.data;
    }
    return {
      sql: 'INSERT INTO Messages (id, seq, timestamp, size, data) SELECT $1::int, * FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::bytea[])',
      params: [channelId, seqs as unknown as SqlValue, stamps as unknown as SqlValue, sizes as unknown as SqlValue, datas as unknown as SqlValue],
    };
  }
  const params: SqlValue[] = new Array(rows.length * 5);
  let p = 0;
  for (const r of rows) {
    params[p++] = channelId;
    params[p++] = r.seq;
    params[p++] = r.timestamp;
    params[p++] = r.data.length;
    params[p++] = r.data;
  }
  return {
    sql: 'INSERT INTO Messages (id, seq, timestamp, size, data) VALUES ' + repeatTuple('(?, ?, ?, ?, ?)', rows.length),
    params,
  };
}

/** A SubsPending row of the caching format (seq = 0, JSON arrays of sequences). */
export interface PendingRow {
  subid: number;
  row: number;
  lastSent: number;
  pending: Uint8Array | null;
  acks: Uint8Array | null;
}

export function insertPendingRows(driver: SqlDriver, rows: readonly PendingRow[]): BuiltStatement {
  if (driver === 'postgres') {
    return {
      sql: 'INSERT INTO SubsPending (subid, row, lastsent, pending, acks) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[], $5::bytea[]) ON CONFLICT DO NOTHING',
      params: [
        rows.map((r) => r.subid) as unknown as SqlValue,
        rows.map((r) => r.row) as unknown as SqlValue,
        rows.map((r) => r.lastSent) as unknown as SqlValue,
        rows.map((r) => r.pending) as unknown as SqlValue,
        rows.map((r) => r.acks) as unknown as SqlValue,
      ],
    };
  }
  const params: SqlValue[] = [];
  for (const r of rows) params.push(r.subid, r.row, r.lastSent, r.pending, r.acks);
  return {
    sql: 'INSERT IGNORE INTO SubsPending (subid, `row`, lastsent, pending, acks) VALUES ' + repeatTuple('(?, ?, ?, ?, ?)', rows.length),
    params,
  };
}

/** SubsPending rows of the no-caching format (one row per pending sequence). */
export function insertPendingSeqs(driver: SqlDriver, subid: number, rows: readonly number[], seqs: readonly number[]): BuiltStatement {
  if (driver === 'postgres') {
    return {
      sql: 'INSERT INTO SubsPending (subid, row, seq) SELECT $1::bigint, * FROM unnest($2::bigint[], $3::bigint[]) ON CONFLICT DO NOTHING',
      params: [subid, rows as unknown as SqlValue, seqs as unknown as SqlValue],
    };
  }
  const params: SqlValue[] = [];
  for (let i = 0; i < rows.length; i++) params.push(subid, rows[i]!, seqs[i]!);
  return {
    sql: 'INSERT IGNORE INTO SubsPending (subid, `row`, seq) VALUES ' + repeatTuple('(?, ?, ?)', rows.length),
    params,
  };
}

/** DELETE FROM SubsPending WHERE subid = ? AND <column> IN (values). */
export function deletePendingIn(driver: SqlDriver, subid: number, column: 'row' | 'seq', values: readonly number[]): BuiltStatement {
  if (driver === 'postgres') {
    return { sql: `DELETE FROM SubsPending WHERE subid=$1 AND ${column} = ANY($2::bigint[])`, params: [subid, values as unknown as SqlValue] };
  }
  const col = column === 'row' ? '`row`' : 'seq';
  return {
    sql: `DELETE FROM SubsPending WHERE subid=? AND ${col} IN (${repeatTuple('?', values.length)})`,
    params: [subid, ...values],
  };
}

/** INSERT that does nothing when the key exists (an update of a subscription never created). */
export function insertSubIfMissing(driver: SqlDriver): string {
  return driver === 'postgres'
    ? 'INSERT INTO Subscriptions (id, subid, proto) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING'
    : 'INSERT IGNORE INTO Subscriptions (id, subid, proto) VALUES (?, ?, ?)';
}

function repeatTuple(tuple: string, n: number): string {
  let s = tuple;
  for (let i = 1; i < n; i++) s += ', ' + tuple;
  return s;
}
