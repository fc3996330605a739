/**
 * Dead letters on the memory store: plain subscriptions, queue groups (one count
 * per group), dropping with an empty prefix, monitoring (channelsz, /metrics),
 * the flags and the per-channel configuration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';

import { parseCommandLine, type CommandLine } from '../../src/config/options.js';
import { maxDeliverOf } from '../../src/streaming/dead-letter-options.js';
import { closeStan, connectStan, publish, type Stan } from './harness.js';
import { listen, neverAck, startDlq, type DlqServer } from './dead-letter-suite.js';

const CLUSTER = 'dlq-cluster';

describe('dead letters (memory store)', () => {
  let s: DlqServer;
  let sc: Stan;
  before(async () => {
    s = await startDlq({ type: 'MEMORY' }, { maxDeliver: 2, perChannel: { 'keep.>': 0, 'drop.*': 1 } }, true);
    sc = await connectStan(s.server.natsUrl, CLUSTER, 'dlq-app');
  });
  after(async () => {
    await closeStan(sc);
    await s.server.close();
  });

  it('a poison message stops after max_deliver deliveries and lands in DLQ.<channel>, data unchanged', async () => {
    const dlq = await listen(sc, 'DLQ.orders', null, sc.subscriptionOptions().setDeliverAllAvailable());
    const { inbox } = await listen(sc, 'orders', null, neverAck(sc));
    await publish(sc, 'orders', Buffer.from([0xff, 0x00, 0x7b]));
    const got = await inbox.take(2, 5000);
    assert.deepEqual(got.map((r) => [r.seq, r.count]), [[1, 0], [1, 1]]);
    const [dead] = await dlq.inbox.take(1, 5000);
    assert.equal(dead.seq, 1);
    assert.deepEqual(Buffer.from(dead.msg.getRawData()), Buffer.from([0xff, 0x00, 0x7b]));
    const line = await s.logs.waitFor('Dead letter: msg seq=1 of channel "orders"');
    assert.match(line, /^\[WRN\] STREAM: \[Client:dlq-app\] .* delivered 2 time\(s\) without an ack to subid=\d+; published to "DLQ.orders" as seq=1$/);

    // channelsz?subs=1 and /metrics show it
    const doc = await (await fetch(`${s.server.monitorUrl}/streaming/channelsz?channel=orders&subs=1`)).json() as
      { subscriptions: Array<{ dead_lettered?: number; pending_count: number }> };
    assert.deepEqual(doc.subscriptions.map((x) => [x.dead_lettered, x.pending_count]), [[1, 0]]);
    const metrics = await (await fetch(`${s.server.monitorUrl}/metrics`)).text();
    assert.match(metrics, /^nss_server_dead_letters\{server_id="[^"]+"\} 1$/m);
    assert.match(metrics, /^nss_chan_subs_dead_lettered\{[^}]*channel="orders"[^}]*\} 1$/m);
    // nothing more is delivered, and it was logged once
    assert.equal(inbox.unread, 0);
    assert.equal(s.logs.lines.filter((l) => l.includes('Dead letter: msg seq=1 of channel "orders"')).length, 1);
  });

  it('a queue group counts deliveries per group, whichever member got them', async () => {
    const other = await connectStan(s.server.natsUrl, CLUSTER, 'dlq-other');
    try {
      const dlq = await listen(sc, 'DLQ.jobs', null, sc.subscriptionOptions().setDeliverAllAvailable());
      const a = await listen(sc, 'jobs', 'workers', neverAck(sc));
      const b = await listen(other, 'jobs', 'workers', neverAck(other));
      await publish(sc, 'jobs', 'job-1');
      await dlq.inbox.take(1, 6000);
      await s.logs.waitFor('queue=workers; published to "DLQ.jobs"');
      const all = [...a.inbox.all, ...b.inbox.all].sort((x, y) => x.count - y.count);
      assert.deepEqual(all.map((r) => r.count), [0, 1], 'two deliveries in all, not two per member');
    } finally {
      await closeStan(other);
    }
  });

  it('per-channel max_deliver: 0 keeps redelivering, 1 dead-letters after the first delivery', async () => {
    const keep = await listen(sc, 'keep.it', null, neverAck(sc));
    const once = await listen(sc, 'drop.it', null, neverAck(sc));
    await publish(sc, 'keep.it', 'k');
    await publish(sc, 'drop.it', 'd');
    await s.logs.waitFor('Dead letter: msg seq=1 of channel "drop.it" delivered 1 time(s)');
    assert.deepEqual(once.inbox.all.map((r) => r.count), [0]);
    const k = await keep.inbox.take(3, 6000);
    assert.deepEqual(k.map((r) => r.count), [0, 1, 2]);
    assert.equal(s.logs.lines.filter((l) => l.includes('channel "keep.it"')).length, 0);
    keep.sub.unsubscribe();
  });

  it('a dead letter of a dead-letter channel is dropped, not sent on to DLQ.DLQ', async () => {
    await publish(sc, 'DLQ.loop', 'x');
    await listen(sc, 'DLQ.loop', null, neverAck(sc));
    await s.logs.waitFor('Dead letter: msg seq=1 of channel "DLQ.loop" delivered 2 time(s)');
    const line = await s.logs.waitFor('of channel "DLQ.loop"');
    assert.match(line, /; dropped$/);
    assert.equal(s.server.streaming!.channels.has('DLQ.DLQ.loop'), false);
  });
});

describe('dead letters: empty prefix drops', () => {
  let s: DlqServer;
  before(async () => { s = await startDlq({ type: 'MEMORY' }, { maxDeliver: 1, prefix: '' }); });
  after(async () => { await s.server.close(); });

  it('the message leaves the pending set, no channel is created', async () => {
    const sc = await connectStan(s.server.natsUrl, CLUSTER, 'drop-app');
    try {
      await listen(sc, 'events', null, neverAck(sc));
      await publish(sc, 'events', 'e');
      const line = await s.logs.waitFor('Dead letter: msg seq=1 of channel "events"', 5000);
      assert.match(line, /; dropped$/);
      assert.deepEqual([...s.server.streaming!.channels.keys()], ['events']);
      const [sub] = [...s.server.streaming!.channels.get('events')!.subs];
      assert.equal(sub.pendingCount, 0);
    } finally {
      await closeStan(sc);
    }
  });
});

describe('dead letters: the dead-letter channel cannot be created', () => {
  let s: DlqServer;
  before(async () => {
    s = await startDlq({ type: 'MEMORY' }, { maxDeliver: 1 });
  });
  after(async () => { await s.server.close(); });

  it('the error is logged and the message stays pending, not delivered again', async () => {
    // max_channels 1: "work" exists, "DLQ.work" cannot be created
    s.server.streaming!.store.setLimits({ ...s.server.streaming!.options.limits, maxChannels: 1 });
    const sc = await connectStan(s.server.natsUrl, CLUSTER, 'full-app');
    try {
      const { inbox } = await listen(sc, 'work', null, neverAck(sc));
      await publish(sc, 'work', 'w');
      await s.logs.waitFor('Unable to publish dead letter seq=1 of channel "work" to "DLQ.work": too many channels', 5000);
      const [sub] = [...s.server.streaming!.channels.get('work')!.subs];
      assert.equal(sub.pendingCount, 1);
      assert.equal(sub.deadLettered, 0);
      assert.deepEqual(inbox.all.map((r) => r.count), [0]);
    } finally {
      await closeStan(sc);
    }
  });
});

test('max_deliver resolution: global value, wildcard keys, the most specific wins, 0/-1 = never', () => {
  const o = { maxDeliver: 5, prefix: 'DLQ', perChannel: { 'a.>': 2, 'a.b': -1, 'a.*': 3 } };
  assert.equal(maxDeliverOf(o, 'x'), 5);
  assert.equal(maxDeliverOf(o, 'a.c'), 3);
  assert.equal(maxDeliverOf(o, 'a.c.d'), 2);
  assert.equal(maxDeliverOf(o, 'a.b'), 0);
  assert.equal(maxDeliverOf({ maxDeliver: -3, prefix: '' }, 'x'), 0);
});

test('flags and configuration file: --max_deliver, --dead_letter_prefix, store_limits channels max_deliver', () => {
  const r = parseCommandLine(['--max_deliver', '4', '--dead_letter_prefix', 'DEAD'], { env: {} }) as Extract<CommandLine, { kind: 'run' }>;
  assert.equal(r.kind, 'run');
  assert.deepEqual(r.options.streaming?.deadLetters, { maxDeliver: 4, prefix: 'DEAD', perChannel: undefined });
  const dir = mkdtempSync(join(tmpdir(), 'natstream-dlq-conf-'));
  try {
    const conf = join(dir, 'stan.conf');
    writeFileSync(conf, 'streaming {\n  max_deliver: 7\n  store_limits {\n    channels {\n      "orders.>": { max_deliver: 2 }\n      audit: { max_deliver: 0 }\n    }\n  }\n}\n');
    const c = parseCommandLine(['-sc', conf], { env: {} }) as Extract<CommandLine, { kind: 'run' }>;
    assert.equal(c.kind, 'run', JSON.stringify(c));
    assert.deepEqual(c.options.streaming?.deadLetters, { maxDeliver: 7, prefix: 'DLQ', perChannel: { 'orders.>': 2, audit: -1 } });
    const none = parseCommandLine([], { env: {} }) as Extract<CommandLine, { kind: 'run' }>;
    assert.equal(none.options.streaming?.deadLetters, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
