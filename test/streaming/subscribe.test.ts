/**
 * Subscription requests (spec streaming-protocol.md §6): every start position,
 * every validation error in the real server's order, and the response/delivery
 * order.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  decodeConnectResponse, decodeSubscriptionResponse, encodeCloseRequest, encodeConnectRequest,
  encodeSubscriptionRequest, type SubscriptionRequestFields,
} from '../../src/protocol/stan-codec.js';
import { STAN_ERRORS } from '../../src/streaming/errors.js';
import { inboxOf, publish, sleep, startStan, subscribe, type Harness, type Stan } from './harness.js';
import { rawConnect, rawRequest, type NatsConnection } from './raw.js';

describe('subscribe', () => {
  let h: Harness;
  let sc: Stan;
  let nc: NatsConnection;
  before(async () => {
    h = await startStan({ clusterId: 'ticketing' });
    sc = await h.connect('sub-main');
    nc = await rawConnect(h.url);
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({ clientId: 'raw-1', heartbeatInbox: '_INBOX.hb.raw-1', protocol: 1 }));
    assert.equal(decodeConnectResponse(res!).error, '');
  });
  after(async () => {
    await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest('raw-1'));
    await nc.close();
    await h.close();
  });

  const rawSub = async (fields: Partial<SubscriptionRequestFields>) =>
    decodeSubscriptionResponse((await rawRequest(nc, '_STAN.sub.ticketing', encodeSubscriptionRequest({
      clientId: 'raw-1', subject: 'raw.chan', inbox: '_INBOX.raw.in', maxInFlight: 10, ackWaitInSecs: 30, ...fields,
    })))!);

  async function fill(channel: string, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) await publish(sc, channel, `${channel}-${i}`);
  }

  async function firstSeqs(channel: string, opts: unknown, n: number): Promise<number[]> {
    const sub = await subscribe(sc, channel, null, opts);
    const inbox = inboxOf(sub);
    const got = await inbox.take(n);
    await sleep(20);
    assert.equal(inbox.unread, 0, 'nothing more');
    sub.unsubscribe();
    return got.map((r) => r.seq);
  }

  it('start positions: new only, last received, first, sequence, time delta', async () => {
    await fill('pos', 5);
    // new only: nothing old, then the next one
    const newOnly = await subscribe(sc, 'pos', null, sc.subscriptionOptions());
    const newInbox = inboxOf(newOnly);
    await publish(sc, 'pos', 'pos-6');
    assert.deepEqual((await newInbox.take(1)).map((r) => r.seq), [6]);
    newOnly.unsubscribe();
    assert.deepEqual(await firstSeqs('pos', sc.subscriptionOptions().setStartWithLastReceived(), 1), [6]);
    assert.deepEqual(await firstSeqs('pos', sc.subscriptionOptions().setDeliverAllAvailable(), 6), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await firstSeqs('pos', sc.subscriptionOptions().setStartAtSequence(4), 3), [4, 5, 6]);
    // messages of the last 200 ms only
    await sleep(300);
    await publish(sc, 'pos', 'pos-7');
    assert.deepEqual(await firstSeqs('pos', sc.subscriptionOptions().setStartAtTimeDelta(200), 1), [7]);
    assert.deepEqual(await firstSeqs('pos', sc.subscriptionOptions().setStartTime(new Date(Date.now() - 60_000)), 7), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('start positions on an empty channel start at the first message', async () => {
    for (const opts of [
      sc.subscriptionOptions(), sc.subscriptionOptions().setStartWithLastReceived(), sc.subscriptionOptions().setDeliverAllAvailable(),
      sc.subscriptionOptions().setStartAtSequence(5), sc.subscriptionOptions().setStartAtTimeDelta(1000),
    ]) {
      const ch = `empty.${Math.random().toString(36).slice(2)}`;
      const sub = await subscribe(sc, ch, null, opts);
      const inbox = inboxOf(sub);
      await publish(sc, ch, 'x');
      assert.deepEqual((await inbox.take(1)).map((r) => r.seq), [1]);
      sub.unsubscribe();
    }
  });

  it('a time delta after the last message means new only', async () => {
    await fill('td.new', 2);
    await sleep(60);
    const sub = await subscribe(sc, 'td.new', null, sc.subscriptionOptions().setStartAtTimeDelta(20));
    const inbox = inboxOf(sub);
    await publish(sc, 'td.new', 'x');
    assert.deepEqual((await inbox.take(1)).map((r) => r.seq), [3]);
  });

  it('logs the start of each kind with its position', async () => {
    await subscribe(sc, 'logged', null, sc.subscriptionOptions().setDeliverAllAvailable());
    await h.logs.waitFor('[DBG] STREAM: [Client:sub-main] Started new subscription, subject=logged, inbox=_INBOX.');
    const plain = h.lines('Started new subscription, subject=logged')[0];
    assert.match(plain, /, subid=1, sending from beginning, seq=1$/);
    await subscribe(sc, 'logged', null, sc.subscriptionOptions().setDurableName('dur').setStartWithLastReceived());
    assert.match(await h.logs.waitFor('Started new durable subscription, subject=logged'), /, durable=dur, subid=2, sending last message, seq=1$/);
    await subscribe(sc, 'logged', 'grp', sc.subscriptionOptions());
    assert.match(await h.logs.waitFor('Started new queue subscription, subject=logged'), /, queue=grp, subid=3, sending new-only, seq=1$/);
    await subscribe(sc, 'logged', 'grp', sc.subscriptionOptions().setDurableName('d1'));
    assert.match(await h.logs.waitFor('Started new durable queue subscription, subject=logged'), /, queue=d1:grp, subid=4, sending new-only, seq=1$/);
    await subscribe(sc, 'logged', 'grp', sc.subscriptionOptions().setDurableName('d1'));
    assert.match(await h.logs.waitFor('Added member to durable queue subscription, subject=logged'), /, queue=d1:grp, subid=5$/);
    await subscribe(sc, 'logged', 'grp', sc.subscriptionOptions());
    assert.match(await h.logs.waitFor('Added member to queue subscription, subject=logged'), /, queue=grp, subid=6$/);
    await fill('seqlog', 3);
    await subscribe(sc, 'seqlog', null, sc.subscriptionOptions().setStartAtSequence(50));
    await h.logs.waitFor('subject=seqlog, inbox=');
    assert.match(h.lines('subject=seqlog')[0], /sending from sequence, asked_seq=50 actual_seq=4$/);
  });

  it('validation errors in the real server order', async () => {
    assert.equal((await rawSub({ clientId: '' })).error, STAN_ERRORS.missingClientId);
    await h.logs.waitFor('[ERR] STREAM: Missing ClientID in subscription request from _STAN.sub.ticketing');
    assert.equal((await rawSub({ ackWaitInSecs: 0, maxInFlight: 0 })).error, STAN_ERRORS.invalidAckWait);
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] Invalid AckWait (0) in subscription request from _STAN.sub.ticketing');
    assert.equal((await rawSub({ maxInFlight: 0 })).error, STAN_ERRORS.invalidMaxInflight);
    assert.equal((await rawSub({ maxInFlight: -5 })).error, STAN_ERRORS.invalidMaxInflight);
    assert.equal((await rawSub({ startPosition: 7 })).error, STAN_ERRORS.invalidStartPosition);
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] Invalid StartPosition (7) in subscription request from _STAN.sub.ticketing');
    for (const subject of ['foo.*', 'foo..bar', 'foo/bar', 'a>b']) {
      assert.equal((await rawSub({ subject })).error, STAN_ERRORS.invalidSubject, subject);
    }
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] Invalid channel "foo.*" in subscription request from _STAN.sub.ticketing');
    assert.equal((await rawSub({ clientId: 'ghost' })).error, STAN_ERRORS.unknownClientId);
    const garbage = decodeSubscriptionResponse((await rawRequest(nc, '_STAN.sub.ticketing', Buffer.from([0xff, 0xff, 0xff])))!);
    assert.equal(garbage.error, STAN_ERRORS.invalidSubReq);
    await h.logs.waitFor('[ERR] STREAM: Invalid Subscription request from _STAN.sub.ticketing: unexpected EOF');
    assert.equal((await rawSub({ qGroup: 'grp', durableName: 'a:b' })).error, STAN_ERRORS.durableQueueColon);
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] Invalid DurableName ("a:b") for queue subscriber from raw.chan');
  });

  it('errors as node-nats-streaming shows them', async () => {
    await assert.rejects(subscribe(sc, 'e.chan', null, sc.subscriptionOptions().setMaxInFlight(0)), { message: STAN_ERRORS.invalidMaxInflight });
    await assert.rejects(subscribe(sc, 'e.chan', null, sc.subscriptionOptions().setAckWait(0)), { message: STAN_ERRORS.invalidAckWait });
    await assert.rejects(subscribe(sc, 'foo.*', null), { message: STAN_ERRORS.invalidSubject });
    await subscribe(sc, 'dur.chan', null, sc.subscriptionOptions().setDurableName('d1'));
    await assert.rejects(subscribe(sc, 'dur.chan', null, sc.subscriptionOptions().setDurableName('d1')), { message: STAN_ERRORS.duplicateDurable });
    await h.logs.waitFor('[ERR] STREAM: [Client:sub-main] Duplicate durable subscription registration');
    await h.logs.waitFor('[ERR] STREAM: Unable to create subscription on "dur.chan": stan: duplicate durable registration');
    // the durable key includes the client ID: another client may use the same name
    const other = await h.connect('sub-other');
    await subscribe(other, 'dur.chan', null, other.subscriptionOptions().setDurableName('d1'));
    // a durable queue group of the same name is another identity
    await subscribe(sc, 'dur.chan', 'grp', sc.subscriptionOptions().setDurableName('d1'));
    await subscribe(sc, 'dur.chan', 'grp', sc.subscriptionOptions().setDurableName('d1'));
    await assert.rejects(subscribe(sc, 'dur.chan', 'grp', sc.subscriptionOptions().setDurableName('a:b')), { message: STAN_ERRORS.durableQueueColon });
    await publish(sc, 'upper', 'x');
    await assert.rejects(subscribe(sc, 'UPPER', null), /rejecting channel "UPPER" because channel "upper" alreay exists/);
  });

  it('the largest maxInFlight is accepted and delivers', async () => {
    const sub = await subscribe(sc, 'huge.inflight', null, sc.subscriptionOptions().setMaxInFlight(2_147_483_647).setDeliverAllAvailable());
    await fill('huge.inflight', 3);
    assert.deepEqual((await inboxOf(sub).take(3)).map((r) => r.seq), [1, 2, 3]);
    assert.equal([...h.server.channels.get('huge.inflight')!.subs][0].maxInFlight, 2_147_483_647);
  });

  it('an empty delivery inbox is accepted', async () => {
    const res = await rawSub({ inbox: '', subject: 'raw.empty' });
    assert.equal(res.error, '');
    assert.match(res.ackInbox, /^_INBOX\.\w{22}$/);
  });

  it('the SubscriptionResponse comes before the first message', async () => {
    await fill('resp.first', 3);
    const order: string[] = [];
    // both callbacks run in wire order as the client parses what the server sent
    const deliveries = nc.subscribe('_INBOX.raw.order', { callback: () => order.push('msg') });
    const replies = nc.subscribe('_INBOX.raw.order-reply', {
      callback: (_e, m) => { assert.equal(decodeSubscriptionResponse(m.data).error, ''); order.push('response'); },
    });
    nc.publish('_STAN.sub.ticketing', encodeSubscriptionRequest({
      clientId: 'raw-1', subject: 'resp.first', inbox: '_INBOX.raw.order', maxInFlight: 10, ackWaitInSecs: 30, startPosition: 4,
    }), { reply: '_INBOX.raw.order-reply' });
    const end = Date.now() + 3000;
    while (order.length < 4 && Date.now() < end) await sleep(10);
    deliveries.unsubscribe();
    replies.unsubscribe();
    assert.deepEqual(order, ['response', 'msg', 'msg', 'msg']);
  });
});
