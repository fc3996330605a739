/**
 * Dead letters (docs/dead-letters.md) through the real node-nats-streaming
 * client, on any store: a poison message stops after max_deliver deliveries and
 * lands in DLQ.<channel>, per plain subscription, durable and queue group (one
 * count per group); on a persistent store the counts survive a restart.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { startServer, type ConnectionSelection, type RunningServer, type StoreSelection } from '../../src/index.js';
import type { DeadLetterOptions } from '../../src/streaming/dead-letter-options.js';
import {
  Inbox, captureLogger, closeStan, connectStan, publish, type CapturedLogger, type Received, type Stan, type StanSub,
} from './harness.js';

const CLUSTER = 'dlq-cluster';

export interface DlqServer {
  server: RunningServer;
  logs: CapturedLogger;
}

export async function startDlq(
  store: StoreSelection, deadLetters: Partial<DeadLetterOptions>, monitor = false, connection?: ConnectionSelection,
): Promise<DlqServer> {
  const logs = captureLogger();
  const server = await startServer({
    port: 0, host: '127.0.0.1', clusterId: CLUSTER, store, connection,
    streaming: { deadLetters: { maxDeliver: 0, prefix: 'DLQ', ...deadLetters }, hbInterval: 60_000, hbTimeout: 10_000 },
    streamingLogger: logs,
    monitor: monitor ? { host: '127.0.0.1', port: 0 } : undefined,
  });
  return { server, logs };
}

export function listen(sc: Stan, subject: string, qGroup: string | null, o: unknown): Promise<{ sub: StanSub; inbox: Inbox }> {
  const sub = qGroup === null ? sc.subscribe(subject, o) : sc.subscribe(subject, qGroup, o);
  const inbox = new Inbox(sub);
  return new Promise((resolve, reject) => {
    sub.once('ready', () => resolve({ sub, inbox }));
    sub.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
}

/** Manual ack, ack wait 1 s (the shortest the protocol has), from the start. */
export function neverAck(sc: Stan, durable = ''): unknown {
  const o = sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setAckWait(1000);
  return durable === '' ? o : o.setDurableName(durable);
}

function counts(rs: Received[]): number[] {
  return rs.map((r) => r.count);
}

/**
 * One restart in the middle of a poison message's life: with max_deliver 3, a
 * durable and a durable queue group each get it twice, the server restarts, and
 * each gets it exactly once more (redelivery count 2: the stored counts came back)
 * before it lands in DLQ.poison.
 */
export function restartCase(store: () => Promise<StoreSelection>, connection?: () => ConnectionSelection): void {
  it('counts survive a restart: a durable and a durable queue group each get the third delivery, then DLQ', async () => {
    const sel = await store();
    let s = await startDlq(sel, { maxDeliver: 3 }, false, connection?.());
    const open: Stan[] = [];
    try {
      let sc = await connectStan(s.server.natsUrl, CLUSTER, 'app');
      open.push(sc);
      let worker = await connectStan(s.server.natsUrl, CLUSTER, 'worker');
      open.push(worker);
      await publish(sc, 'poison', 'not json {');
      const d1 = await listen(sc, 'poison', null, neverAck(sc, 'dur'));
      const q1 = await listen(worker, 'poison', 'workers', neverAck(worker, 'qdur'));
      assert.deepEqual(counts(await d1.inbox.take(2, 5000)), [0, 1]);
      assert.deepEqual(counts(await q1.inbox.take(2, 5000)), [0, 1]);
      await closeStan(sc);
      await closeStan(worker);
      await s.server.close();

      s = await startDlq(sel, { maxDeliver: 3 }, false, connection?.());
      sc = await connectStan(s.server.natsUrl, CLUSTER, 'app');
      open.push(sc);
      worker = await connectStan(s.server.natsUrl, CLUSTER, 'worker');
      open.push(worker);
      const dlq = await listen(sc, 'DLQ.poison', null, sc.subscriptionOptions().setDeliverAllAvailable());
      const d2 = await listen(sc, 'poison', null, neverAck(sc, 'dur'));
      const q2 = await listen(worker, 'poison', 'workers', neverAck(worker, 'qdur'));
      assert.deepEqual(counts(await d2.inbox.take(1, 5000)), [2]);
      assert.deepEqual(counts(await q2.inbox.take(1, 5000)), [2]);
      const dead = await dlq.inbox.take(2, 8000);
      assert.deepEqual(dead.map((r) => r.data), ['not json {', 'not json {']);
      assert.equal(dead[0].redelivered, false);
      const ch = s.server.streaming!.channels.get('poison')!;
      const subs = [...ch.subs];
      const durId = subs.find((x) => x.durableName === 'dur')!.id;
      await s.logs.waitFor(`to subid=${durId}; published to "DLQ.poison"`);
      await s.logs.waitFor('queue=qdur:workers; published to "DLQ.poison"');
      assert.equal(subs.reduce((n, x) => n + x.deadLettered, 0), 2);
      assert.ok(subs.every((x) => x.pendingCount === 0));
      assert.equal(s.logs.lines.filter((l) => l.includes('Dead letter: msg seq=1 of channel "poison"')).length, 2);
      assert.equal(d2.inbox.unread, 0);
      assert.equal(q2.inbox.unread, 0);
    } finally {
      for (const c of open) await closeStan(c);
      await s.server.close();
    }
  });
}
