/**
 * Store limits as the server applies them (spec streaming-protocol.md §9.2, §10):
 * -mc, -msu, -mm, -mb, -ma, -mi and per-channel limits, with the real
 * server's errors and log lines.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { STORE_ERRORS } from '../../src/stores/store.js';
import {
  closeSub, inboxOf, limits, publish, sleep, startStan, subscribe, type Harness,
} from './harness.js';

async function withServer(over: Parameters<typeof limits>[0], body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startStan({ clusterId: 'ticketing', limits: limits(over) });
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

describe('limits', () => {
  it('-mc 2: a third channel is refused for publish and subscribe', () => withServer({ maxChannels: 2 }, async (h) => {
    const sc = await h.connect('limits-1');
    await publish(sc, 'c1', 'x');
    await publish(sc, 'c2', 'x');
    await assert.rejects(publish(sc, 'c3', 'x'), { message: STORE_ERRORS.tooManyChannels });
    await h.logs.waitFor('[ERR] STREAM: Creating channel "c3" failed: too many channels');
    await h.logs.waitFor('[ERR] STREAM: [Client:limits-1] Error processing message for subject "_STAN.pub.ticketing.c3": too many channels');
    await assert.rejects(subscribe(sc, 'c4', null), { message: STORE_ERRORS.tooManyChannels });
    await h.logs.waitFor('[ERR] STREAM: Unable to create subscription on "c4": too many channels');
    await publish(sc, 'c1', 'still fine');
    assert.deepEqual([...h.server.channels.keys()].sort(), ['c1', 'c2']);
  }));

  it('-msu 1: one subscription per channel; offline durables and every queue member count', () => withServer({ maxSubscriptions: 1 }, async (h) => {
    const sc = await h.connect('limits-1');
    await subscribe(sc, 'one', null);
    await assert.rejects(subscribe(sc, 'one', null), { message: STORE_ERRORS.tooManySubs });
    await h.logs.waitFor('[ERR] STREAM: Unable to store subscription [limits-1:_INBOX.');
    await h.logs.waitFor('[ERR] STREAM: Unable to add subscription for one: too many subscriptions per channel');
    await h.logs.waitFor('[ERR] STREAM: Unable to create subscription on "one": too many subscriptions per channel');
    await assert.rejects(subscribe(sc, 'one', 'grp'), { message: STORE_ERRORS.tooManySubs });

    const dd = await subscribe(sc, 'two', null, sc.subscriptionOptions().setDurableName('dd'));
    await closeSub(dd);
    await assert.rejects(subscribe(sc, 'two', null), { message: STORE_ERRORS.tooManySubs });
    await subscribe(sc, 'two', null, sc.subscriptionOptions().setDurableName('dd'));
    await h.logs.waitFor('Resumed durable subscription, subject=two');

    await subscribe(sc, 'three', 'g');
    await assert.rejects(subscribe(sc, 'three', 'g'), { message: STORE_ERRORS.tooManySubs });
  }));

  it('-mm 5: old messages are dropped, every publish succeeds', () => withServer({ maxMsgs: 5 }, async (h) => {
    const sc = await h.connect('limits-1');
    for (let i = 1; i <= 10; i++) await publish(sc, 'capped', `msg-${i}`);
    const ch = h.server.channels.get('capped')!;
    assert.deepEqual([ch.msgs, ch.firstSeq, ch.lastSeq], [5, 6, 10]);
    const warn = await h.logs.waitFor('Reached limits for store "capped"');
    assert.match(warn, /^\[WRN\] STREAM: Reached limits for store "capped" \(msgs=5\/5 bytes=\d+ B\/976\.56 MB\), dropping old messages to make room for new ones$/);
    assert.equal(h.lines('Reached limits').length, 1, 'logged once');
    const all = await subscribe(sc, 'capped', null, sc.subscriptionOptions().setDeliverAllAvailable());
    assert.deepEqual((await inboxOf(all).take(5)).map((r) => [r.seq, r.data]),
      [[6, 'msg-6'], [7, 'msg-7'], [8, 'msg-8'], [9, 'msg-9'], [10, 'msg-10']]);
    const fromTwo = await subscribe(sc, 'capped', null, sc.subscriptionOptions().setStartAtSequence(2));
    assert.equal((await inboxOf(fromTwo).take(1))[0].seq, 6);
    await h.logs.waitFor('sending from sequence, asked_seq=2 actual_seq=6');
    const fromFifty = await subscribe(sc, 'capped', null, sc.subscriptionOptions().setStartAtSequence(50));
    await h.logs.waitFor('sending from sequence, asked_seq=50 actual_seq=11');
    await publish(sc, 'capped', 'msg-11');
    assert.equal((await inboxOf(fromFifty).take(1))[0].seq, 11);
    assert.deepEqual([ch.msgs, ch.firstSeq, ch.lastSeq], [5, 7, 11]);
  }));

  it('-mb: old messages are dropped to stay under the byte limit', () => withServer({ maxBytes: 300 }, async (h) => {
    const sc = await h.connect('limits-1');
    for (let i = 1; i <= 10; i++) await publish(sc, 'bytes', 'x'.repeat(50));
    const ch = h.server.channels.get('bytes')!;
    assert.ok(ch.bytes <= 300);
    assert.ok(ch.msgs >= 1 && ch.msgs < 10);
    assert.equal(ch.lastSeq, 10);
    assert.equal(ch.firstSeq, 10 - ch.msgs + 1);
    // a message larger than the limit is still stored, alone
    await publish(sc, 'bytes', 'y'.repeat(1000));
    assert.deepEqual([ch.msgs, ch.firstSeq, ch.lastSeq], [1, 11, 11]);
  }));

  it('-ma: messages expire; sequences continue', () => withServer({ maxAge: 150 }, async (h) => {
    const sc = await h.connect('limits-1');
    await publish(sc, 'aged', 'a');
    await publish(sc, 'aged', 'b');
    const ch = h.server.channels.get('aged')!;
    assert.equal(ch.msgs, 2);
    const end = Date.now() + 3000;
    while (ch.msgs > 0 && Date.now() < end) await sleep(20);
    assert.deepEqual([ch.msgs, ch.firstSeq, ch.lastSeq], [0, 3, 2]);
    const sub = await subscribe(sc, 'aged', null, sc.subscriptionOptions().setDeliverAllAvailable());
    await publish(sc, 'aged', 'c');
    assert.deepEqual((await inboxOf(sub).take(1)).map((r) => r.seq), [3]);
  }));

  it('-mi: a channel without subscriptions or messages for that long is deleted', () => withServer({ maxInactivity: 200 }, async (h) => {
    const sc = await h.connect('limits-1');
    await publish(sc, 'idle', 'x');
    const busy = await subscribe(sc, 'busy', null);
    await h.logs.waitFor('[INF] STREAM: Channel "idle" has been deleted', 3000);
    assert.ok(!h.server.channels.has('idle'));
    assert.ok(h.server.channels.has('busy'), 'a channel with an active subscription stays');
    // an offline durable does not keep a channel alive
    const dd = await subscribe(sc, 'offline', null, sc.subscriptionOptions().setDurableName('dd'));
    await closeSub(dd);
    await h.logs.waitFor('[INF] STREAM: Channel "offline" has been deleted', 3000);
    // a deleted channel starts again from 1
    await publish(sc, 'idle', 'again');
    assert.equal(h.server.channels.get('idle')!.lastSeq, 1);
    await closeSub(busy);
  }));

  it('per-channel limits apply to matching channels only', () => withServer({ perChannel: { 'capped.*': { maxMsgs: 2 } } }, async (h) => {
    const sc = await h.connect('limits-1');
    for (let i = 1; i <= 4; i++) {
      await publish(sc, 'capped.one', `m${i}`);
      await publish(sc, 'free', `m${i}`);
    }
    assert.equal(h.server.channels.get('capped.one')!.msgs, 2);
    assert.equal(h.server.channels.get('free')!.msgs, 4);
    assert.equal(h.server.channels.get('capped.one')!.limits.maxMsgs, 2);
  }));

  it('a pending message dropped by limits is not redelivered', () => withServer({ maxMsgs: 1 }, async (h) => {
    const sc = await h.connect('limits-1');
    const opts = sc.subscriptionOptions().setManualAckMode(true).setAckWait(1000);
    const sub = await subscribe(sc, 'dropped', null, opts);
    const inbox = inboxOf(sub);
    await publish(sc, 'dropped', 'one');
    await inbox.take(1);
    await publish(sc, 'dropped', 'two'); // drops seq 1
    const [two] = await inbox.take(1);
    two.msg.ack();
    await sleep(1300);
    assert.equal(inbox.unread, 0, 'seq 1 was not redelivered');
    const state = [...h.server.channels.get('dropped')!.subs][0];
    assert.equal(state.pendingCount, 0);
  }));
});
