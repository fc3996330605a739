/**
 * Connecting, client IDs, duplicate client IDs, client PINGs and close requests
 * (spec streaming-protocol.md §3, §4.2, §11), with node-nats-streaming and raw
 * protobuf where the client cannot produce the input.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  decodeCloseResponse, decodeConnectResponse, decodePingResponse, encodeCloseRequest, encodeConnectRequest, encodePing,
} from '../../src/protocol/stan-codec.js';
import { STAN_ERRORS } from '../../src/streaming/errors.js';
import { closeStan, inboxOf, connectStan, publish, startStan, subscribe, type Harness } from './harness.js';
import { rawConnect, rawRequest, type NatsConnection } from './raw.js';

describe('connect', () => {
  let h: Harness;
  let nc: NatsConnection;
  before(async () => {
    h = await startStan({ clusterId: 'ticketing', dupClientCheckTimeout: 200 });
    nc = await rawConnect(h.url);
  });
  after(async () => {
    await nc.close();
    await h.close();
  });

  it('answers a ConnectRequest with every request subject and echoes the ping settings', async () => {
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({
      clientId: 'wire-1', heartbeatInbox: '_INBOX.hb.wire-1', protocol: 1, connId: Buffer.from('CONNID0001'), pingInterval: 5, pingMaxOut: 3,
    }));
    const cr = decodeConnectResponse(res!);
    assert.deepEqual(cr, {
      pubPrefix: '_STAN.pub.ticketing', subRequests: '_STAN.sub.ticketing', unsubRequests: '_STAN.unsub.ticketing',
      closeRequests: '_STAN.close.ticketing', error: '', subCloseRequests: '_STAN.subclose.ticketing',
      pingRequests: '_STAN.discover.ticketing.pings', pingInterval: 5, pingMaxOut: 3, protocol: 1, publicKey: '',
    });
    // the real server's bytes for the same request
    assert.equal(res!.length, 152);
    const close = await rawRequest(nc, cr.closeRequests, encodeCloseRequest('wire-1'));
    assert.equal(close!.length, 0);
  });

  it('a protocol-0 client gets no ping settings', async () => {
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({ clientId: 'old-1', heartbeatInbox: '_INBOX.hb.old' }));
    const cr = decodeConnectResponse(res!);
    assert.equal(cr.pingRequests, '');
    assert.equal(cr.pingInterval, 0);
    assert.equal(cr.protocol, 1);
    await rawRequest(nc, cr.closeRequests, encodeCloseRequest('old-1'));
  });

  it('garbage or a missing heartbeat inbox: "stan: invalid connection request"', async () => {
    for (const payload of [Buffer.from([0xff, 0xff, 0xff]), encodeConnectRequest({ clientId: 'nohb' })]) {
      const res = await rawRequest(nc, '_STAN.discover.ticketing', payload);
      assert.equal(Buffer.from(res!).toString('hex'), '2a20' + Buffer.from(STAN_ERRORS.invalidConnReq).toString('hex'));
    }
    await h.logs.waitFor('[ERR] STREAM: [Client:?] Invalid conn request: ClientID=, Inbox=, err=unexpected EOF');
    await h.logs.waitFor('[ERR] STREAM: [Client:?] Invalid conn request: ClientID=nohb, Inbox=, err=<nil>');
  });

  it('client IDs outside [a-zA-Z0-9_-] are refused', async () => {
    for (const id of ['bad id!', 'orders.1', 'a:b', 'é', '']) {
      const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({ clientId: id, heartbeatInbox: '_INBOX.x' }));
      assert.equal(decodeConnectResponse(res!).error, STAN_ERRORS.invalidClientId, id);
    }
    await assert.rejects(connectStan(h.url, 'ticketing', 'bad id!'), { message: STAN_ERRORS.invalidClientId });
    await h.logs.waitFor("[ERR] STREAM: [Client:bad id!] Invalid ClientID, only alphanumeric and `-` or `_` characters allowed");
  });

  it('a wrong cluster ID gets no answer (client-side connect timeout)', async () => {
    await assert.rejects(connectStan(h.url, 'wrong-cluster', 'c-wrong', { connectTimeout: 300 }), /connect request timeout/);
  });

  it('duplicate client ID while the first holder is alive: "stan: clientID already registered"', async () => {
    const first = await h.connect('dup-1');
    await assert.rejects(connectStan(h.url, 'ticketing', 'dup-1'), { message: STAN_ERRORS.clientIdRegistered });
    await h.logs.waitFor('[DBG] STREAM: [Client:dup-1] Connect failed; already connected');
    // the first client is untouched
    await publish(first, 'dup.chan', 'still here');
  });

  it('duplicate client ID after the first holder died: the new one replaces it and resumes its durable', async () => {
    const first = await connectStan(h.url, 'ticketing', 'dead-1', { reconnect: false });
    const oldHb = h.server.clients.get('dead-1')!.hbInbox;
    const opts = first.subscriptionOptions().setDurableName('dur').setDeliverAllAvailable().setManualAckMode(true);
    await subscribe(first, 'dead.chan', null, opts);
    await publish(first, 'dead.chan', 'm1');
    // the process "dies": its TCP connection goes away without a STAN close
    first.nc.stream.destroy();
    const second = await h.connect('dead-1');
    await h.logs.waitFor(`[DBG] STREAM: [Client:dead-1] Closed (Inbox=${oldHb})`);
    const replaced = await h.logs.waitFor('[DBG] STREAM: [Client:dead-1] Replaced old client (Inbox=');
    assert.ok(!replaced.includes(oldHb));
    // the durable of the old registration went offline and is resumed by the new client
    const sub = await subscribe(second, 'dead.chan', null, second.subscriptionOptions().setDurableName('dur').setManualAckMode(true));
    const [msg] = await inboxOf(sub).take(1);
    assert.deepEqual([msg.seq, msg.redelivered], [1, true]);
    await closeStan(first);
  });

  it('client PINGs: registered connID → empty reply, unknown → error, empty payload → silence', async () => {
    const connId = Buffer.from('PINGCONN01');
    const res = await rawRequest(nc, '_STAN.discover.ticketing', encodeConnectRequest({
      clientId: 'pinger', heartbeatInbox: '_INBOX.hb.pinger', protocol: 1, connId, pingInterval: 5, pingMaxOut: 3,
    }));
    const cr = decodeConnectResponse(res!);
    const ok = await rawRequest(nc, cr.pingRequests, encodePing(connId));
    assert.equal(ok!.length, 0);
    const unknown = await rawRequest(nc, cr.pingRequests, encodePing(Buffer.from('NOSUCHCONN')));
    assert.equal(Buffer.from(unknown!).toString('hex'), '0a33' + Buffer.from(STAN_ERRORS.unknownClient).toString('hex'));
    assert.equal(decodePingResponse(unknown!).error, 'client has been replaced or is no longer registered');
    assert.equal(await rawRequest(nc, cr.pingRequests, new Uint8Array(0), 300), null);
    assert.equal(await rawRequest(nc, cr.pingRequests, Buffer.from([0xff, 0xff, 0xff]), 300), null);
    await rawRequest(nc, cr.closeRequests, encodeCloseRequest('pinger'));
    const after = await rawRequest(nc, cr.pingRequests, encodePing(connId));
    assert.equal(decodePingResponse(after!).error, STAN_ERRORS.unknownClient);
  });

  it('close requests: garbage, unknown and empty client IDs, success', async () => {
    const garbage = await rawRequest(nc, '_STAN.close.ticketing', Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(decodeCloseResponse(garbage!).error, STAN_ERRORS.invalidCloseReq);
    await h.logs.waitFor('[ERR] STREAM: Received invalid close request, subject=_STAN.close.ticketing');
    const ghost = await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest('ghost'));
    assert.equal(Buffer.from(ghost!).toString('hex'), '0a16' + Buffer.from(STAN_ERRORS.unknownClientId).toString('hex'));
    await h.logs.waitFor('[ERR] STREAM: Unknown client "ghost" in close request');
    const empty = await rawRequest(nc, '_STAN.close.ticketing', encodeCloseRequest(''));
    assert.equal(decodeCloseResponse(empty!).error, STAN_ERRORS.unknownClientId);

    const sc = await connectStan(h.url, 'ticketing', 'closer-1');
    assert.ok(h.server.clients.has('closer-1'));
    await closeStan(sc);
    assert.ok(!h.server.clients.has('closer-1'));
    await h.logs.waitFor('[DBG] STREAM: [Client:closer-1] Closed (Inbox=');
  });

  it('logs connects', async () => {
    const sc = await h.connect('logged-1');
    const line = await h.logs.waitFor('[DBG] STREAM: [Client:logged-1] Connected (Inbox=');
    assert.match(line, /Connected \(Inbox=_INBOX\.\w+\)$/);
    assert.equal(h.server.clients.get('logged-1')!.hbInbox, line.slice(line.indexOf('Inbox=') + 6, -1));
    await closeStan(sc);
  });
});
