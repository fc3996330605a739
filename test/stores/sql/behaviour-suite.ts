/**
 * SQL-store behaviour beyond the shared contract, on one real database:
 * group commit, set-based limit deletes, the Go server's SubsPending formats,
 * database outages, and passwords kept out of logs.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { makeMsg, type Msg } from '../../../src/protocol/stan-msg.js';
import { DEFAULT_STORE_LIMITS } from '../../../src/stores/limits.js';
import type { Db, SqlRunner } from '../../../src/stores/sql/db.js';
import { num } from '../../../src/stores/sql/db.js';
import { SqlMsgStore, type MsgStoreContext } from '../../../src/stores/sql/msg-store.js';
import { openDb } from '../../../src/stores/sql/open-db.js';
import type { SqlDriver } from '../../../src/stores/sql/options.js';
import { openSqlStore } from '../../../src/stores/sql/sql-store.js';
import { statements } from '../../../src/stores/sql/statements.js';
import { WriteLane } from '../../../src/stores/sql/write-lane.js';
import type { ServerInfo, StoreLimits, SubState } from '../../../src/stores/store.js';
import type { Logger } from '../../../src/util/logger.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startTestDatabase } from '../../support/databases.js';

const info: ServerInfo = {
  clusterId: 'sql-test', discovery: '_STAN.discover.sql-test', publish: '_STAN.pub.x', subscribe: '_STAN.sub.x',
  unsubscribe: '_STAN.unsub.x', close: '_STAN.close.x', subClose: '_STAN.subclose.x', acksSubs: '_STAN.ack.x', nodeId: '',
};

function msg(seq: number, size = 16): Msg {
  return makeMsg(seq, 'foo', '', Buffer.alloc(size, seq & 0xff), BigInt(Date.now()) * 1_000_000n);
}

function sub(over: Partial<SubState> = {}): SubState {
  return {
    id: 0, clientId: 'c1', qGroup: '', inbox: '_INBOX.a', ackInbox: '_INBOX.ack', maxInFlight: 100,
    ackWaitInSecs: 30, durableName: 'dur', lastSent: 0, isDurable: true, isClosed: false, ...over,
  };
}

/** A logger that keeps every line. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (m: string) => { lines.push(`[${level}] ${m}`); };
  return {
    lines, notice: keep('INF'), warn: keep('WRN'), error: keep('ERR'), fatal: keep('FTL'), debug: keep('DBG'),
    trace: keep('TRC'), debugEnabled: true, traceEnabled: true,
  };
}

/** The same database, counting transactions and statements (a real pool, not a stand-in). */
function counting(db: Db): Db & { transactions: number; statements: string[] } {
  const statements: string[] = [];
  const wrap = (r: SqlRunner): SqlRunner => ({
    query: (sql, p) => { statements.push(sql); return r.query(sql, p); },
    exec: (sql, p) => { statements.push(sql); return r.exec(sql, p); },
  });
  const c = {
    driver: db.driver,
    transactions: 0,
    statements,
    ...wrap(db),
    transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      c.transactions++;
      return db.transaction((tx) => fn(wrap(tx)));
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
  return c;
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runSqlBehaviour(driver: SqlDriver): Promise<void> {
  const tdb = await startTestDatabase(driver);
  after(() => tdb.shutdown());
  const open = (log: Logger = silentLogger, limits?: StoreLimits) =>
    openSqlStore({ driver, source: tdb.source }, log, limits);

  describe(`sql store behaviour: ${driver}`, () => {
    it('concurrent stores and flushes share transactions; everything is in the table after', async () => {
      await tdb.reset();
      const store = await open();
      await store.init(info);
      await store.createChannel('foo');
      await store.close();
      const db = counting(openDb({ driver, source: tdb.source, poolSize: 4 }, silentLogger));
      const lane = new WriteLane(db, silentLogger);
      const ctx: MsgStoreContext = {
        db, driver, stmts: statements(driver), lane, log: silentLogger, noCaching: false, bulkRows: 500, maxMessageBytes: 1 << 24,
      };
      const cid = num((await db.query('SELECT id FROM Channels'))[0]![0]);
      const ms = new SqlMsgStore('foo', cid, { ...DEFAULT_STORE_LIMITS }, ctx);
      const flushes: Promise<void>[] = [];
      for (let i = 1; i <= 2000; i++) {
        ms.store(msg(i));
        // one flush per "I/O batch" of 10 publishes, all outstanding at once
        if (i % 10 === 0) flushes.push(ms.flush());
      }
      await Promise.all(flushes);
      const inserts = db.statements.filter((st) => /^INSERT (IGNORE )?INTO Messages/.test(st)).length;
      assert.ok(inserts >= 1 && inserts <= 10, `2000 messages in ${inserts} commits`);
      const rows = await db.query('SELECT COUNT(seq), MIN(seq), MAX(seq) FROM Messages WHERE id=?'.replace('?', driver === 'postgres' ? '$1' : '?'), [cid]);
      assert.deepEqual(rows[0]!.map(num), [2000, 1, 2000]);
      assert.equal((await ms.lookup(1234))?.sequence, 1234);
      await lane.close();
      await db.close();
    });

    it('limits remove old rows with one set-based DELETE per commit', async () => {
      await tdb.reset();
      const store = await open();
      await store.init(info);
      await store.createChannel('foo');
      await store.close();
      const db = counting(openDb({ driver, source: tdb.source, poolSize: 2 }, silentLogger));
      const lane = new WriteLane(db, silentLogger);
      const ctx: MsgStoreContext = {
        db, driver, stmts: statements(driver), lane, log: silentLogger, noCaching: false, bulkRows: 500, maxMessageBytes: 1 << 24,
      };
      const cid = num((await db.query('SELECT id FROM Channels'))[0]![0]);
      const ms = new SqlMsgStore('foo', cid, { ...DEFAULT_STORE_LIMITS, maxMsgs: 10 }, ctx);
      for (let i = 1; i <= 50; i++) ms.store(msg(i));
      await ms.flush();
      for (let i = 51; i <= 100; i++) ms.store(msg(i));
      await ms.flush();
      const deletes = db.statements.filter((s) => s.startsWith('DELETE FROM Messages'));
      assert.equal(deletes.length, 2, 'one DELETE per commit');
      const rows = await db.query(`SELECT seq FROM Messages WHERE id=${cid} ORDER BY seq`);
      assert.deepEqual(rows.map((r) => num(r[0])), [91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
      assert.deepEqual(ms.state(), { msgs: 10, bytes: 10 * msg(100).encoded.length });
      await lane.close();
      await db.close();
    });

    it('recovers the Go server\'s SubsPending rows (JSON batches and one row per sequence), then compacts them', async () => {
      await tdb.reset();
      const s1 = await open();
      await s1.init(info);
      const ch = await s1.createChannel('foo');
      for (let i = 1; i <= 6; i++) ch.msgs.store(msg(i));
      await ch.msgs.flush();
      const state = sub();
      await ch.subs.createSub(state);
      await s1.close();
      const a = tdb.admin();
      const q = (sql: string) => (driver === 'postgres' ? sql.replace(/`/g, '') : sql);
      // As nats-streaming-server writes them: caching-mode rows with JSON arrays
      // (seq=0), and a no-caching row per pending sequence.
      await a.exec(q(`INSERT INTO SubsPending (subid, \`row\`, seq, lastsent, pending, acks) VALUES (${state.id}, 1, 0, 3, '[1,2,3]', NULL)`));
      await a.exec(q(`INSERT INTO SubsPending (subid, \`row\`, seq, lastsent, pending, acks) VALUES (${state.id}, 2, 0, 4, '[4]', '[1,2]')`));
      await a.exec(q(`INSERT INTO SubsPending (subid, \`row\`, seq) VALUES (${state.id}, 3, 5)`));
      const s2 = await open();
      const rs = await s2.recover();
      const rc = rs!.channels.get('foo')!;
      assert.equal(rc.subscriptions.length, 1);
      assert.deepEqual([...rc.subscriptions[0]!.pending].sort(), [3, 4, 5]);
      assert.equal(rc.subscriptions[0]!.sub.lastSent, 5);
      const rowsOf = async () => num((await a.query(`SELECT COUNT(*) FROM SubsPending WHERE subid=${state.id}`))[0]![0]);
      assert.equal(await rowsOf(), 1, 'compacted into one row');
      for (const seq of [3, 4, 5]) rc.channel.subs.ackSeqPending(state.id, seq);
      await rc.channel.subs.flush();
      assert.equal(await rowsOf(), 0, 'fully acknowledged rows are deleted');
      // new pending after recovery lands in the Go format too
      rc.channel.subs.addSeqPending(state.id, 6);
      await rc.channel.subs.flush();
      const rows = await a.query(q(`SELECT seq, pending, acks FROM SubsPending WHERE subid=${state.id}`));
      assert.equal(rows.length, 1);
      assert.equal(num(rows[0]![0]), 0);
      assert.equal(Buffer.from(rows[0]![1] as Uint8Array).toString(), '[6]');
      await s2.close();
      const s3 = await open();
      const rs3 = await s3.recover();
      assert.deepEqual([...rs3!.channels.get('foo')!.subscriptions[0]!.pending], [6]);
      assert.equal(rs3!.channels.get('foo')!.channel.msgs.lastSequence(), 6);
      await s3.close();
    });

    it('fault-tolerance lock: one owner at a time, released on close, taken over when the owner stops', async () => {
      await tdb.reset();
      const hooks = { lockIntervalMs: 100, onLockLost: () => undefined };
      const a = await openSqlStore({ driver, source: tdb.source }, silentLogger, undefined, hooks);
      const b = await openSqlStore({ driver, source: tdb.source }, silentLogger, undefined, hooks);
      assert.equal(await a.getExclusiveLock(), true);
      assert.equal(await a.getExclusiveLock(), true, 'idempotent');
      assert.equal(await b.getExclusiveLock(), false, 'the owner keeps its tick moving');
      await a.close();
      assert.equal(await b.getExclusiveLock(), true, 'free after a clean close');
      // An owner that died without releasing: its tick stands still, and is stolen.
      const q = driver === 'postgres' ? '$1' : '?';
      await b.close();
      await tdb.admin().exec(`UPDATE StoreLock SET id=${q}, tick=7`, ['dead-owner']);
      const c = await openSqlStore({ driver, source: tdb.source }, silentLogger, undefined, hooks);
      assert.equal(await c.getExclusiveLock(), true);
      const rows = await tdb.admin().query('SELECT id, tick FROM StoreLock');
      assert.notEqual(String(rows[0]![0]), 'dead-owner');
      await c.close();
    });

    it('the subscription ID of a deleted highest subscription is never reused', async () => {
      await tdb.reset();
      const s1 = await open();
      await s1.init(info);
      const ch = await s1.createChannel('foo');
      const a = sub(); const b = sub({ durableName: 'b' });
      await ch.subs.createSub(a);
      await ch.subs.createSub(b);
      await ch.subs.deleteSub(b.id);
      await s1.close();
      const s2 = await open();
      const rs = await s2.recover();
      const rc = rs!.channels.get('foo')!;
      assert.deepEqual(rc.subscriptions.map((s) => s.sub.id), [a.id]);
      const c = sub({ durableName: 'c' });
      await rc.channel.subs.createSub(c);
      assert.equal(c.id, b.id + 1);
      await s2.close();
    });

    if (tdb.canRestart) {
      it('database restart: flushes fail with a clear error, the store carries on when it is back, nothing acknowledged is lost', async () => {
        await tdb.reset();
        const log = capturingLogger();
        const store = await open(log);
        await store.init(info);
        const ch = await store.createChannel('foo');
        const acked: number[] = [];
        let seq = 0;
        for (let i = 0; i < 20; i++) ch.msgs.store(msg(++seq));
        await ch.msgs.flush();
        for (let i = 1; i <= seq; i++) acked.push(i);

        await tdb.stop();
        // The next commit fails: an error for its publishers, no crash.
        const failedSeq = ++seq;
        ch.msgs.store(msg(failedSeq));
        await assert.rejects(ch.msgs.flush(), (err: Error) => {
          assert.match(err.message, /^sql: store unavailable: /);
          return true;
        });
        // While the database is away, new messages are refused at once.
        assert.throws(() => ch.msgs.store(msg(seq + 1)), /^Error: sql: store unavailable: |sql: store unavailable: /);

        await tdb.start();
        // No restart of the store: the background retry (or the next flush) finds the database again.
        await waitFor(async () => {
          try {
            ch.msgs.store(msg(seq + 1));
            await ch.msgs.flush();
            return true;
          } catch {
            return false;
          }
        }, 'the store to accept messages again');
        seq++;
        acked.push(seq);
        for (let i = 0; i < 20; i++) ch.msgs.store(msg(++seq));
        await ch.msgs.flush();
        for (let i = seq - 19; i <= seq; i++) acked.push(i);
        await store.close();

        const again = await open(log);
        const rs = await again.recover();
        const ms = rs!.channels.get('foo')!.channel.msgs;
        const all = await ms.lookupRange(1, ms.lastSequence(), 1000);
        const seqs = all.map((m) => m.sequence);
        for (const s of acked) assert.ok(seqs.includes(s), `acknowledged message ${s} is stored`);
        assert.equal(new Set(seqs).size, seqs.length, 'each message once');
        assert.ok(!seqs.includes(failedSeq), 'a publish that failed is not stored');
        await again.close();
        assert.ok(log.lines.some((l) => l.includes('sql: store unavailable')), 'the outage is logged');
        for (const l of log.lines) assert.ok(!l.includes(tdb.password), `no password in: ${l}`);
      });
    }

    it('the password never appears in logs or errors, even when connecting fails', async () => {
      const log = capturingLogger();
      const wrong = driver === 'postgres'
        ? tdb.source.replace(/password='[^']*'/, `password='${tdb.password}-wrong'`)
        : tdb.source.replace(tdb.password, `${tdb.password}-wrong`);
      await assert.rejects(openSqlStore({ driver, source: wrong }, log), (err: Error) => {
        assert.ok(!err.message.includes(tdb.password), err.message);
        return true;
      });
      const store = await open(log);
      assert.ok(!store.source.includes(tdb.password), store.source);
      assert.match(store.source, /xxxxx/);
      await store.close();
      for (const l of log.lines) assert.ok(!l.includes(tdb.password), l);
    });

    it('a missing schema is reported with what to run, and created on request', async () => {
      const a = tdb.admin();
      await a.exec('DROP TABLE IF EXISTS StoreLock');
      await assert.rejects(openSqlStore({ driver, source: tdb.source }, silentLogger), {
        message: `sql: missing table(s) StoreLock: run sql/${driver}.db.sql on the database or start with --sql_create_schema`,
      });
      const store = await openSqlStore({ driver, source: tdb.source, createSchema: true }, silentLogger);
      await store.close();
    });

    it('an unsupported schema version is refused', async () => {
      await tdb.reset();
      const s = await open();
      await s.init(info);
      await s.close();
      await tdb.admin().exec('UPDATE ServerInfo SET version=2');
      await assert.rejects(open(), { message: 'sql: unsupported version: 2 (supports [1..1])' });
      await tdb.reset();
    });

    if (driver === 'mysql') {
      it('a Go-created BLOB column: larger messages are refused up front, not in a failing batch', async () => {
        await tdb.reset();
        await tdb.admin().exec('ALTER TABLE Messages MODIFY data BLOB');
        try {
          const s = await open();
          await s.init(info);
          const ch = await s.createChannel('foo');
          ch.msgs.store(msg(1, 1000));
          assert.throws(() => ch.msgs.store(msg(2, 70_000)), /exceeds the 65535 bytes of the Messages.data column/);
          await ch.msgs.flush();
          await s.close();
        } finally {
          await tdb.admin().exec('ALTER TABLE Messages MODIFY data MEDIUMBLOB');
        }
      });
    }
  });
}
