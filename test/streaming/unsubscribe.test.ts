/**
 * Unsubscribe and subscription-close requests (spec streaming-protocol.md §11):
 * every error string, unsubscribing by the delivery inbox, and the barrier
 * (publishes sent before an unsubscribe are stored and acknowledged first).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  decodeConnectResponse, decodeSubscriptionResponse, encodeCloseRequest, encodeConnectRequest, encodePubMsg,
  encodeSubscriptionRequest, encodeUnsubscribeRequest,
} from '../../src/protocol/stan-codec.js';
import { STAN_ERRORS } from '../../src/streaming/errors.js';
import { startStan, type Harness } from './harness.js';
import { rawConnect, rawRequest, type NatsConnection } from './raw.js';

describe('unsubscribe and subscription close', () => {
  let h: Harness;
  let nc: NatsConnection;
  before(async () => {
    h = await startStan({ clusterId: 'ticketing' });
    nc = await rawConnect(h.url);
    for (const id of ['raw-1', 'errs-main']) {
      const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({ clientId: id, heartbeatInbox: `_INBOX.hb.${id}`, protocol: 1 }));
      assert.equal(decodeConnectResponse(res!).error, '');
    }
  });
  after(async () => {
    for (const id of ['raw-1', 'errs-main']) await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest(id));
    await nc.close();
    await h.close();
  });

  async function sub(subject: string, inbox: string, durableName = ''): Promise<string> {
    const res = decodeSubscriptionResponse((await rawRequest(nc, '_STAN.sub.ticketing', encodeSubscriptionRequest({
      clientId: 'raw-1', subject, inbox, maxInFlight: 10, ackWaitInSecs: 30, durableName,
    })))!);
    assert.equal(res.error, '');
    return res.ackInbox;
  }

  async function unsub(subjectName: string, fields: Parameters<typeof encodeUnsubscribeRequest>[0]): Promise<string | null> {
    const res = await rawRequest(nc, subjectName, encodeUnsubscribeRequest(fields));
    return res === null ? null : res.length === 0 ? '' : decodeSubscriptionResponse(res).error;
  }

  for (const [kind, subject] of [['unsub', '_STAN.unsub.ticketing'], ['sub close', '_STAN.subclose.ticketing']] as const) {
    it(`${kind}: every error, then success`, async () => {
      const channel = kind === 'unsub' ? 'u.chan' : 'c.chan';
      const ackInbox = await sub(channel, `_INBOX.${kind.replace(' ', '')}.in`);
      const garbage = decodeSubscriptionResponse((await rawRequest(nc, subject, Buffer.from([0xff, 0xff, 0xff])))!);
      assert.equal(garbage.error, STAN_ERRORS.invalidUnsubReq);
      await h.logs.waitFor(kind === 'unsub'
        ? '[ERR] STREAM: Invalid unsub request from _STAN.unsub.ticketing'
        : '[ERR] STREAM: Invalid sub close request from _STAN.subclose.ticketing');
      assert.equal(await unsub(subject, { clientId: 'raw-1', subject: 'no.such.channel', inbox: ackInbox }), STAN_ERRORS.unknownChannel);
      assert.equal(await unsub(subject, { clientId: 'raw-1', subject: channel, inbox: '_INBOX.nope' }), STAN_ERRORS.invalidSub);
      assert.equal(await unsub(subject, { clientId: 'errs-main', subject: channel, inbox: ackInbox }), STAN_ERRORS.unknownClientId);
      assert.equal(await unsub(subject, { clientId: 'ghost', subject: channel, inbox: ackInbox }), STAN_ERRORS.unknownClientId);
      assert.equal(await unsub(subject, { clientId: 'raw-1', subject: channel, inbox: ackInbox }), '');
      assert.equal(await unsub(subject, { clientId: 'raw-1', subject: channel, inbox: ackInbox }), STAN_ERRORS.invalidSub);
    });
  }

  it('logs the unsub errors like the real server', async () => {
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] unsub request for unknown channel no.such.channel');
    await h.logs.waitFor('[ERR] STREAM: [Client:raw-1] unsub request for unknown inbox _INBOX.nope');
    await h.logs.waitFor('[ERR] STREAM: [Client:errs-main] unsub request for unknown client');
    await h.logs.waitFor('[ERR] STREAM: [Client:ghost] unsub request for unknown client');
  });

  it('the delivery inbox works too', async () => {
    await sub('d.chan', '_INBOX.by.delivery');
    assert.equal(await unsub('_STAN.unsub.ticketing', { clientId: 'raw-1', subject: 'd.chan', inbox: '_INBOX.by.delivery' }), '');
    assert.equal(h.server.channels.get('d.chan')!.subs.size, 0);
  });

  it('publishes sent before an unsubscribe are stored before it is handled', async () => {
    await sub('b.chan', '_INBOX.barrier');
    const acks = nc.subscribe('_INBOX.barrier.acks');
    for (let i = 0; i < 50; i++) {
      nc.publish('_STAN.pub.ticketing.b.chan', encodePubMsg({ clientId: 'raw-1', guid: `G${i}`, subject: 'b.chan', data: Buffer.from('x') }),
        { reply: '_INBOX.barrier.acks' });
    }
    assert.equal(await unsub('_STAN.unsub.ticketing', { clientId: 'raw-1', subject: 'b.chan', inbox: '_INBOX.barrier' }), '');
    assert.equal(h.server.channels.get('b.chan')!.lastSeq, 50);
    acks.unsubscribe();
  });

  it('a durable unsubscribed is gone; closed it stays offline', async () => {
    const a = await sub('dd.chan', '_INBOX.dd.a', 'd-unsub');
    const b = await sub('dd.chan', '_INBOX.dd.b', 'd-close');
    assert.equal(await unsub('_STAN.unsub.ticketing', { clientId: 'raw-1', subject: 'dd.chan', inbox: a }), '');
    assert.equal(await unsub('_STAN.subclose.ticketing', { clientId: 'raw-1', subject: 'dd.chan', inbox: b }), '');
    const subs = [...h.server.channels.get('dd.chan')!.subs];
    assert.deepEqual(subs.map((s) => [s.durableName, s.isOffline]), [['d-close', true]]);
  });
});
