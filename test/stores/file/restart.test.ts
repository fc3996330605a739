/**
 * Restarts through the real node-nats-streaming client: channels, messages,
 * durable and durable-queue positions and unacknowledged redelivery survive a
 * server restart on the file store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../../src/index.js';
import {
  Inbox, closeStan, closeSub, connectStan, publish, type Received, type Stan, type StanSub,
} from '../../streaming/harness.js';
import { tempDir } from './helpers.js';

async function start(dir: string, port = 0): Promise<RunningServer> {
  return startServer({
    port, host: '127.0.0.1', clusterId: 'restart-cluster',
    store: { type: 'FILE', dir },
    streaming: { hbInterval: 60_000, hbTimeout: 10_000, hbFailCount: 10 },
  });
}

/** Subscribes with the inbox attached before the server answers (messages may come in the same read). */
function listen(sc: Stan, subject: string, qGroup: string | null, o: unknown, onMsg?: (r: Received) => void): Promise<{ sub: StanSub; inbox: Inbox }> {
  const sub = qGroup === null ? sc.subscribe(subject, o) : sc.subscribe(subject, qGroup, o);
  const inbox = new Inbox(sub, onMsg);
  return new Promise((resolve, reject) => {
    sub.once('ready', () => resolve({ sub, inbox }));
    sub.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
}

function opts(sc: Stan, durable: string, ackWaitMs = 30_000) {
  const o = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(ackWaitMs);
  return durable ? o.setDurableName(durable) : o;
}

describe('file store: restart through the real client', () => {
  it('keeps channels, messages, durable and queue positions, and redelivers what was not acked', async () => {
    const { dir, cleanup } = await tempDir();
    let server = await start(dir);
    const clients: Stan[] = [];
    try {
      let sc = await connectStan(server.natsUrl, 'restart-cluster', 'app');
      clients.push(sc);
      for (let i = 1; i <= 10; i++) await publish(sc, 'orders', `order-${i}`);
      for (let i = 1; i <= 3; i++) await publish(sc, 'tickets', JSON.stringify({ ticket: i }));

      // durable: gets 10, acks 1..6
      const { sub: dur, inbox: durIn } = await listen(sc, 'orders', null, opts(sc, 'dur'), (r) => { if (r.seq <= 6) r.msg.ack(); });
      const first = await durIn.take(10);
      assert.deepEqual(first.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const stamps = new Map(first.map((r) => [r.seq, r.msg.getTimestampRaw()]));
      // durable queue group: acks everything
      const { inbox: qIn } = await listen(sc, 'orders', 'workers', opts(sc, 'qdur'), (r) => r.msg.ack());
      await qIn.take(10);
      await closeSub(dur);
      await closeStan(sc);
      await server.close();

      server = await start(dir);
      sc = await connectStan(server.natsUrl, 'restart-cluster', 'app');
      clients.push(sc);
      // messages and their timestamps are back
      const { inbox: allIn } = await listen(sc, 'tickets', null, sc.subscriptionOptions().setDeliverAllAvailable());
      const tickets = await allIn.take(3);
      assert.deepEqual(tickets.map((r) => [r.seq, r.data]), [[1, '{"ticket":1}'], [2, '{"ticket":2}'], [3, '{"ticket":3}']]);
      const { inbox: ordersIn } = await listen(sc, 'orders', null, sc.subscriptionOptions().setStartAtSequence(9));
      const o = await ordersIn.take(2);
      assert.deepEqual(o.map((r) => [r.seq, r.data]), [[9, 'order-9'], [10, 'order-10']]);
      assert.equal(o[0].msg.getTimestampRaw(), stamps.get(9));

      // the durable resumes: 7..10 redelivered, then new messages only
      const { inbox: dur2In } = await listen(sc, 'orders', null, opts(sc, 'dur'), (r) => r.msg.ack());
      const redelivered = await dur2In.take(4);
      assert.deepEqual(redelivered.map((r) => [r.seq, r.redelivered]), [[7, true], [8, true], [9, true], [10, true]]);
      // the durable queue group resumes after its last position
      const { inbox: q2In } = await listen(sc, 'orders', 'workers', opts(sc, 'qdur'), (r) => r.msg.ack());
      await publish(sc, 'orders', 'order-11');
      const [next] = await dur2In.take(1);
      assert.deepEqual([next.seq, next.data, next.redelivered], [11, 'order-11', false], 'sequence continues at 11');
      const [qnext] = await q2In.take(1);
      assert.equal(qnext.seq, 11);
      assert.equal(q2In.unread, 0);
      assert.deepEqual(qIn.all.length, 10);
    } finally {
      for (const c of clients) await closeStan(c);
      await server.close();
      await cleanup();
    }
  });
});
