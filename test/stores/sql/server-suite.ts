/**
 * The SQL store under the real server and the real client (node-nats-streaming):
 * restart, kill -9 during async publishing, and a database restart while
 * publishing. One database server per test file.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { startServer, type RunningServer } from '../../../src/index.js';
import type { SqlDriver } from '../../../src/stores/sql/options.js';
import { startTestDatabase, type TestDatabase } from '../../support/databases.js';
import { freePort } from '../../support/ports.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stan: any = require('node-nats-streaming');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stan = any;

const BIN = fileURLToPath(new URL('../../../../bin/natstream.js', import.meta.url));

function connect(url: string, clusterId: string, clientId: string): Promise<Stan> {
  return new Promise((resolve, reject) => {
    const sc = stan.connect(clusterId, clientId, { url, connectTimeout: 5000, reconnect: false, maxPubAcksInflight: 100_000 });
    sc.once('connect', () => resolve(sc));
    sc.once('error', reject);
  });
}

/** The CLI's NATS port opens before its streaming layer answers: retry for a while. */
async function connectWhenReady(url: string, clusterId: string, clientId: string): Promise<Stan> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        const sc = stan.connect(clusterId, clientId, { url, connectTimeout: 1000, reconnect: false, maxPubAcksInflight: 100_000 });
        sc.once('connect', () => resolve(sc));
        sc.once('error', (err: Error) => { try { sc.close(); } catch { /* not connected */ } reject(err); });
      });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function closeClient(sc: Stan): Promise<void> {
  return new Promise((resolve) => {
    sc.once('close', () => resolve());
    sc.once('error', () => resolve());
    try { sc.close(); } catch { resolve(); }
  });
}

function publish(sc: Stan, subject: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // node-nats-streaming reports a PubAck error as the bare string
    sc.publish(subject, data, (err: Error | string | undefined) => (err ? reject(typeof err === 'string' ? new Error(err) : err) : resolve()));
  });
}

/** Upper bound of a read-back; only a failing test waits that long. */
const READ_LIMIT_MS = 30_000;

/**
 * Every message of `subject` from the start. A marker published first is the
 * last message of the channel, so the read ends when it arrives: no idle timer
 * that a busy machine could outlast, and a restarted server that recovered a
 * wrong last sequence (the marker colliding with a stored row) fails here too.
 */
async function readAll(sc: Stan, subject: string): Promise<string[]> {
  const marker = `end-of-${subject}-${Date.now()}`;
  await publish(sc, subject, marker);
  const opts = sc.subscriptionOptions().setDeliverAllAvailable().setMaxInFlight(10_000);
  return readUntil(sc, subject, opts, marker, false);
}

/** Messages of a new subscription up to (without) the one whose data is `last`. */
function readUntil(sc: Stan, subject: string, opts: unknown, last: string, manualAck: boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const sub = sc.subscribe(subject, opts);
    const limit = setTimeout(() => {
      try { sub.close(); } catch { /* the connection is gone */ }
      reject(new Error(`${JSON.stringify(last)} not delivered within ${READ_LIMIT_MS} ms; read ${got.length}: ${got.slice(-5).join(',')}`));
    }, READ_LIMIT_MS);
    sub.on('message', (m: { getData(): string | Buffer; ack(): void }) => {
      const data = String(m.getData());
      if (manualAck) m.ack();
      if (data !== last) {
        got.push(data);
        return;
      }
      clearTimeout(limit);
      sub.close();
      resolve(got);
    });
  });
}

async function waitPort(port: number, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runSqlServerTests(driver: SqlDriver): Promise<void> {
  const tdb: TestDatabase = await startTestDatabase(driver);
  after(() => tdb.shutdown());
  const storeOf = () => ({ type: 'SQL', sql: { driver, source: tdb.source } });
  const start = (clusterId: string): Promise<RunningServer> =>
    startServer({ port: 0, host: '127.0.0.1', clusterId, store: storeOf() });

  describe(`sql store through the real client: ${driver}`, () => {
    it('restart: messages, durable position and clients survive', async () => {
      await tdb.reset();
      let srv = await start('restart');
      let sc = await connect(srv.natsUrl, 'restart', 'c1');
      for (let i = 1; i <= 10; i++) await publish(sc, 'orders', `m${i}`);
      // a durable that received and acknowledged everything so far
      await new Promise<void>((resolve) => {
        const opts = sc.subscriptionOptions().setDeliverAllAvailable().setDurableName('dur').setManualAckMode(true);
        const sub = sc.subscribe('orders', opts);
        let n = 0;
        sub.on('message', (m: { ack(): void }) => {
          m.ack();
          if (++n === 10) setTimeout(() => sub.close(), 50);
        });
        sub.on('closed', () => resolve());
      });
      await closeClient(sc);
      await srv.close();

      srv = await start('restart');
      try {
        sc = await connect(srv.natsUrl, 'restart', 'c1');
        await publish(sc, 'orders', 'm11');
        // Resumed from m1 (position lost), the durable would get m1..m10 before m11.
        const opts = sc.subscriptionOptions().setDurableName('dur').setManualAckMode(true);
        const before = await readUntil(sc, 'orders', opts, 'm11', true);
        assert.deepEqual(before, [], 'the durable resumes after its last acknowledged message');
        const all = await readAll(sc, 'orders');
        assert.deepEqual(all, Array.from({ length: 11 }, (_, i) => `m${i + 1}`));
        await closeClient(sc);
      } finally {
        await srv.close();
      }
    });

    it('kill -9 during async publishing: every acknowledged message is there exactly once', async () => {
      await tdb.reset();
      const port = await freePort();
      const args = ['-a', '127.0.0.1', '-p', String(port), '-cid', 'crash', '-st', 'SQL',
        '--sql_driver', driver, '--sql_source', tdb.source];
      const spawnServer = (): ChildProcess => spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let child = spawnServer();
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      try {
        await waitPort(port);
        const url = `nats://127.0.0.1:${port}`;
        const sc = await connectWhenReady(url, 'crash', 'pub');
        sc.on('error', () => undefined);
        const acked = new Set<string>();
        let killed = false;
        // node-nats-streaming 0.3.2 calls every pending ack handler WITHOUT an
        // error when its NATS connection closes (lib/stan.js: the 'close' handler
        // runs cleanupOnClose() with no argument), which looks exactly like a
        // PubAck. Once the killed server's socket closed no PubAck can come, so a
        // handler called after that is not an acknowledgement. This listener runs
        // before the client's own 'close' handler.
        let connectionClosed = false;
        const connectionGone = new Promise<void>((resolve) => {
          sc.nc.prependListener('close', () => { connectionClosed = true; resolve(); });
        });
        const killedAt = new Promise<void>((resolve) => {
          for (let i = 0; i < 20_000; i++) {
            const data = `p${i}`;
            try {
              sc.publish('crash.chan', data, (err: Error | undefined) => {
                if (err || connectionClosed) return;
                acked.add(data);
                if (!killed && acked.size >= 500) {
                  killed = true;
                  child.kill('SIGKILL');
                  resolve();
                }
              });
            } catch {
              break;
            }
          }
        });
        await killedAt;
        // Every PubAck the server sent is read before the socket's close; the
        // handlers of the unanswered publishes then run (without an error) in
        // the client's own close, every time.
        await Promise.all([new Promise((r) => child.once('exit', r)), connectionGone]);
        const ackedCount = acked.size;
        assert.ok(ackedCount >= 500);

        child = spawnServer();
        child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
        await waitPort(port);
        const reader = await connectWhenReady(url, 'crash', 'reader');
        const all = await readAll(reader, 'crash.chan');
        await closeClient(reader);
        const seen = new Set(all);
        assert.equal(seen.size, all.length, 'no message stored twice');
        for (const a of acked) assert.ok(seen.has(a), `acknowledged ${a} was stored`);
        assert.ok(!stderr.includes(tdb.password), 'no password in the server log');
      } finally {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }
      }
    });

    if (tdb.canRestart) {
      it('database restart while publishing: clean errors while down, success after, nothing acknowledged lost', async () => {
        await tdb.reset();
        const srv = await start('dbrestart');
        try {
          const sc = await connect(srv.natsUrl, 'dbrestart', 'pub');
          const acked: string[] = [];
          const errors: string[] = [];
          let n = 0;
          const pub = async () => {
            const data = `d${n++}`;
            try {
              await publish(sc, 'dbr', data);
              acked.push(data);
              return true;
            } catch (err) {
              errors.push((err as Error).message);
              return false;
            }
          };
          for (let i = 0; i < 50; i++) assert.ok(await pub());
          await tdb.stop();
          // While the database is away: errors, no positive PubAck, no crash.
          for (let i = 0; i < 5; i++) assert.equal(await pub(), false);
          assert.ok(errors.every((e) => /sql: store unavailable/.test(e)), errors.join('\n'));
          await tdb.start();
          // Without restarting natstream, publishing works again.
          const end = Date.now() + 20_000;
          while (!(await pub())) {
            assert.ok(Date.now() < end, 'publishing recovers after the database is back');
            await new Promise((r) => setTimeout(r, 100));
          }
          for (let i = 0; i < 50; i++) assert.ok(await pub());
          const all = await readAll(sc, 'dbr');
          const seen = new Set(all);
          assert.equal(seen.size, all.length, 'each message once');
          for (const a of acked) assert.ok(seen.has(a), `acknowledged ${a} is delivered`);
          await closeClient(sc);
        } catch (err) {
          await srv.close().catch(() => undefined);
          throw err;
        }
        await srv.close();
      });

      it('database restart under load: publishes in flight during the outage get errors, never acks; 0 acked lost', async () => {
        await tdb.reset();
        const srv = await start('dbload');
        const clients: Stan[] = [];
        try {
          for (let c = 0; c < 4; c++) clients.push(await connect(srv.natsUrl, 'dbload', `load${c}`));
          type Phase = 'before' | 'down' | 'after';
          let phase: Phase = 'before';
          const acked: string[] = [];
          const ackedWhileDown: string[] = [];
          const errorsWhileDown: string[] = [];
          let ackedAfter = 0;
          let stopped = false;
          let inFlight = 0;
          let settled: (() => void) | null = null;
          const waiters: Array<{ until: () => boolean; resolve: () => void }> = [];
          const wake = () => {
            for (const w of waiters.splice(0)) { if (w.until()) w.resolve(); else waiters.push(w); }
            if (inFlight === 0) settled?.();
          };
          const until = (cond: () => boolean) => new Promise<void>((resolve) => { waiters.push({ until: cond, resolve }); wake(); });
          // each client keeps up to 100 publishes in flight, paced so the outage errors do not spin
          const pump = (sc: Stan, c: number) => {
            let n = 0;
            let mine = 0;
            const tick = () => {
              while (!stopped && mine < 100) {
                const data = `l${c}-${n++}`;
                const at: Phase = phase;
                mine++;
                inFlight++;
                sc.publish('dbload', data, (err: unknown) => {
                  mine--;
                  inFlight--;
                  if (err) { if (at === 'down') errorsWhileDown.push(String(err)); }
                  else {
                    acked.push(data);
                    if (at === 'down') ackedWhileDown.push(data);
                    if (at === 'after') ackedAfter++;
                  }
                  wake();
                });
              }
              if (!stopped) setTimeout(tick, 2);
            };
            tick();
          };
          clients.forEach(pump);
          await until(() => acked.length >= 500);
          await tdb.stop();
          phase = 'down';
          await until(() => errorsWhileDown.length >= 50);
          phase = 'after';
          await tdb.start();
          await until(() => ackedAfter >= 500);
          stopped = true;
          if (inFlight > 0) await new Promise<void>((r) => (settled = r));
          assert.deepEqual(ackedWhileDown, [], 'no publish made while the database was down was acknowledged');
          const all = await readAll(clients[0], 'dbload');
          const seen = new Set(all);
          assert.equal(seen.size, all.length, 'each message once');
          const lost = acked.filter((a) => !seen.has(a));
          assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acked.length} acknowledged messages lost`);
          for (const sc of clients) await closeClient(sc);
        } catch (err) {
          for (const sc of clients) await closeClient(sc).catch(() => undefined);
          await srv.close().catch(() => undefined);
          throw err;
        }
        await srv.close();
      });
    }
  });
}
