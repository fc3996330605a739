/**
 * Publishing (spec streaming-protocol.md §5): PubAcks after storing, the
 * validation of PubMsgs and its error string, channel auto-creation and the
 * case rule, sequences and timestamps.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  decodeConnectResponse, decodePubAck, encodeCloseRequest, encodeConnectRequest, encodePubMsg,
} from '../../src/protocol/stan-codec.js';
import { decodeMsgProto } from '../../src/protocol/stan-msg.js';
import { STAN_ERRORS, channelCaseConflict } from '../../src/streaming/errors.js';
import { inboxOf, publish, startStan, subscribe, type Harness, type Stan } from './harness.js';
import { rawConnect, rawRequest, type NatsConnection } from './raw.js';

describe('publish', () => {
  let h: Harness;
  let sc: Stan;
  let nc: NatsConnection;
  const connId = Buffer.from('RAWCONNID1');
  before(async () => {
    h = await startStan({ clusterId: 'ticketing' });
    sc = await h.connect('errs-main');
    nc = await rawConnect(h.url);
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({
      clientId: 'raw-1', heartbeatInbox: '_INBOX.hb.raw-1', protocol: 1, connId, pingInterval: 5, pingMaxOut: 3,
    }));
    assert.equal(decodeConnectResponse(res!).error, '');
  });
  after(async () => {
    await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest('raw-1'));
    await nc.close();
    await h.close();
  });

  const rawPub = async (natsSubject: string, fields: Parameters<typeof encodePubMsg>[0]) =>
    decodePubAck((await rawRequest(nc, natsSubject, encodePubMsg(fields)))!);

  it('acks with the guid once stored; sequences start at 1 per channel', async () => {
    const guid = await publish(sc, 'orders', 'o1');
    assert.match(guid, /^\w{22}$/);
    await publish(sc, 'orders', 'o2');
    await publish(sc, 'other', 'x');
    const ch = h.server.channels.get('orders')!;
    assert.equal(ch.firstSeq, 1);
    assert.equal(ch.lastSeq, 2);
    assert.equal(ch.msgs, 2);
    assert.equal(h.server.channels.get('other')!.lastSeq, 1);
  });

  it('the bytes of a channel are the encoded size of its MsgProtos', async () => {
    await publish(sc, 'bytes.chan', 'x');
    const ch = h.server.channels.get('bytes.chan')!;
    const stored = (await ch.store.msgs.lookup(1))!;
    assert.equal(ch.bytes, stored.encoded.length);
    // seq(2) + subject(12) + data(3) + timestamp(10) = 27
    assert.equal(ch.bytes, 2 + 2 + 'bytes.chan'.length + 3 + 10);
  });

  it('channel names with wildcards or "/" get "stan: invalid publish request"', async () => {
    for (const name of ['foo.*', 'foo.>', '*', '>', 'a*b', 'foo/bar']) {
      await assert.rejects(publish(sc, name, 'x'), { message: STAN_ERRORS.invalidPubReq }, name);
    }
    await h.logs.waitFor('[ERR] STREAM: Received invalid client publish message clientID:"errs-main" guid:"');
    const line = h.lines('Received invalid client publish message').find((l) => l.includes('subject:"foo.*"'))!;
    assert.match(line, /data:"x" connID:"\w+" $/);
  });

  it('raw PubMsgs: bad channel names, no guid, garbage, unknown client, wrong connID', async () => {
    for (const subject of ['foo.*', 'foo..bar', '', 'foo/bar']) {
      const ack = await rawPub('_STAN.pub.ticketing.x', { clientId: 'raw-1', guid: 'G-bad', subject, data: Buffer.from('x'), connId });
      assert.deepEqual(ack, { guid: 'G-bad', error: STAN_ERRORS.invalidPubReq }, subject);
    }
    const noGuid = await rawRequest(nc, '_STAN.pub.ticketing.ok', encodePubMsg({ clientId: 'raw-1', subject: 'ok.channel', data: Buffer.from('x'), connId }));
    assert.equal(Buffer.from(noGuid!).toString('hex'), '121d' + Buffer.from(STAN_ERRORS.invalidPubReq).toString('hex'));
    const garbage = await rawRequest(nc, '_STAN.pub.ticketing.foo', Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(Buffer.from(garbage!).toString('hex'), '121d' + Buffer.from(STAN_ERRORS.invalidPubReq).toString('hex'));
    await h.logs.waitFor('[ERR] STREAM: Unable to unmarshal PubMsg: unexpected EOF');
    assert.deepEqual(await rawPub('_STAN.pub.ticketing.foo', { clientId: 'ghost', guid: 'G-ghost', subject: 'foo', data: Buffer.from('x') }),
      { guid: 'G-ghost', error: STAN_ERRORS.invalidPubReq });
    await h.logs.waitFor('Received invalid client publish message clientID:"ghost" guid:"G-ghost" subject:"foo" data:"x" ');
    assert.deepEqual(await rawPub('_STAN.pub.ticketing.foo', { clientId: 'raw-1', guid: 'G-conn', subject: 'foo', data: Buffer.from('x'), connId: Buffer.from('BOGUS') }),
      { guid: 'G-conn', error: STAN_ERRORS.invalidPubReq });
    assert.equal(h.server.channels.has('foo'), false, 'nothing was stored');
  });

  it('an empty clientID with a valid connID is accepted', async () => {
    assert.deepEqual(await rawPub('_STAN.pub.ticketing.connid.only', { guid: 'G-connid-only', subject: 'connid.only', data: Buffer.from('x'), connId }),
      { guid: 'G-connid-only', error: '' });
  });

  it('the channel is PubMsg.subject, not the NATS subject suffix', async () => {
    assert.deepEqual(await rawPub('_STAN.pub.ticketing.other.channel', { clientId: 'raw-1', guid: 'G-real', subject: 'real.channel', data: Buffer.from('x'), connId }),
      { guid: 'G-real', error: '' });
    assert.ok(h.server.channels.has('real.channel'));
    assert.ok(!h.server.channels.has('other.channel'));
    await h.logs.waitFor('[INF] STREAM: Channel "real.channel" has been created');
  });

  it('a PubMsg without a reply subject is stored', async () => {
    nc.publish('_STAN.pub.ticketing.noreply.chan', encodePubMsg({ clientId: 'raw-1', guid: 'G-noreply', subject: 'noreply.chan', data: Buffer.from('x'), connId }));
    await nc.flush();
    await publish(sc, 'noreply.chan', 'after'); // publishes are handled in order
    const ch = h.server.channels.get('noreply.chan')!;
    assert.equal(ch.lastSeq, 2);
  });

  it('a client that closed cannot publish', async () => {
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({ clientId: 'closer-1', heartbeatInbox: '_INBOX.hb.closer' }));
    assert.equal(decodeConnectResponse(res!).error, '');
    await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest('closer-1'));
    assert.deepEqual(await rawPub('_STAN.pub.ticketing.foo', { clientId: 'closer-1', guid: 'G-closed', subject: 'foo', data: Buffer.from('x') }),
      { guid: 'G-closed', error: STAN_ERRORS.invalidPubReq });
  });

  it('names that differ only by case are refused', async () => {
    await publish(sc, 'cased', 'x');
    await assert.rejects(publish(sc, 'Cased', 'x'), { message: channelCaseConflict('Cased', 'cased') });
    assert.equal(channelCaseConflict('Orders', 'orders'),
      'rejecting channel "Orders" because channel "orders" alreay exists (different cases not allowed)');
    await h.logs.waitFor('[ERR] STREAM: [Client:errs-main] Error processing message for subject "_STAN.pub.ticketing.Cased": rejecting channel "Cased"');
  });

  it('timestamps are nanoseconds, never going back within a channel', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < 20; i++) sc.publish('ts.chan', `m${i}`);
    await publish(sc, 'ts.chan', 'last');
    const after = BigInt(Date.now()) * 1_000_000n;
    const msgs = await h.server.channels.get('ts.chan')!.store.msgs.lookupRange(1, 21, 100);
    assert.equal(msgs.length, 21);
    for (let i = 1; i < msgs.length; i++) assert.ok(msgs[i].timestamp >= msgs[i - 1].timestamp);
    assert.ok(msgs[0].timestamp >= before - 5_000_000n && msgs[20].timestamp <= after + 5_000_000n);
  });

  it('deliveries of a message leave before its PubAck', async () => {
    const sub = await subscribe(sc, 'order.chan', null, sc.subscriptionOptions());
    const inbox = inboxOf(sub);
    let delivered = false;
    sub.on('message', () => { delivered = true; });
    await publish(sc, 'order.chan', 'x');
    assert.ok(delivered, 'the MsgProto came in before the PubAck');
    await inbox.take(1);
  });

  it('a raw subscriber sees MsgProto fields exactly', async () => {
    const inboxSub = nc.subscribe('_INBOX.raw.deliveries', { max: 1 });
    const sr = (await import('../../src/protocol/stan-codec.js')).encodeSubscriptionRequest({
      clientId: 'raw-1', subject: 'raw.fields', inbox: '_INBOX.raw.deliveries', maxInFlight: 10, ackWaitInSecs: 30, startPosition: 4,
    });
    await rawRequest(nc, '_STAN.sub.ticketing', sr);
    await rawPub('_STAN.pub.ticketing.raw.fields', { clientId: 'raw-1', guid: 'G-f', subject: 'raw.fields', reply: 'my.reply', data: Buffer.from('hello'), connId });
    for await (const m of inboxSub) {
      const d = decodeMsgProto(m.data);
      assert.equal(d.sequence, 1);
      assert.equal(d.subject, 'raw.fields');
      assert.equal(d.reply, 'my.reply');
      assert.equal(Buffer.from(d.data).toString(), 'hello');
      assert.equal(d.redelivered, false);
      assert.ok(d.timestamp > 1_600_000_000_000_000_000n);
    }
  });
});
