/**
 * The table-driven codec of the STAN control messages (src/protocol/stan-control.ts)
 * at its edges, against node-nats-streaming's google-protobuf codec: negative int32
 * values (10-byte varints), the two-byte tag of ConnectResponse.public_key (field
 * 100), a known field sent with another wire type (skipped, as an unknown field).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

import {
  decodeConnectRequest, decodeConnectResponse, decodeSubscriptionRequest, encodeConnectRequest,
  encodeConnectResponse, encodeSubscriptionRequest,
} from '../../src/protocol/stan-codec.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pb: any = require('node-nats-streaming/lib/pb/protocol_pb.js').pb;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jspb: any = require('google-protobuf');

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('STAN control codec edges', () => {
  it('negative int32 fields are 10-byte varints, as google-protobuf writes them', () => {
    const theirs = new pb.ConnectRequest();
    theirs.setClientId('c');
    theirs.setPingInterval(-1);
    theirs.setPingMaxOut(-2147483648);
    const ref = theirs.serializeBinary();
    const mine = encodeConnectRequest({ clientId: 'c', pingInterval: -1, pingMaxOut: -2147483648 });
    assert.equal(hex(mine), hex(ref));
    const back = decodeConnectRequest(ref);
    assert.equal(back.pingInterval, -1);
    assert.equal(back.pingMaxOut, -2147483648);

    const sub = new pb.SubscriptionRequest();
    sub.setMaxInFlight(-5);
    sub.setStartPosition(4);
    assert.equal(hex(encodeSubscriptionRequest({ maxInFlight: -5, startPosition: 4 })), hex(sub.serializeBinary()));
    assert.equal(decodeSubscriptionRequest(sub.serializeBinary()).maxInFlight, -5);
  });

  it('ConnectResponse.public_key (field 100) has a two-byte tag', () => {
    const theirs = new pb.ConnectResponse();
    theirs.setPublicKey('PK');
    theirs.setProtocol(1);
    const ref = theirs.serializeBinary();
    assert.equal(hex(encodeConnectResponse({ publicKey: 'PK', protocol: 1 })), hex(ref));
    const back = decodeConnectResponse(ref);
    assert.equal(back.publicKey, 'PK');
    assert.equal(back.protocol, 1);
  });

  it('a known field with another wire type is skipped like an unknown one', () => {
    const w = new jspb.BinaryWriter();
    w.writeUint32(1, 7); // clientId as a varint
    w.writeString(5, 'x'); // pingInterval as a string
    w.writeString(2, 'inbox');
    const d = decodeConnectRequest(w.getResultBuffer());
    assert.equal(d.clientId, '');
    assert.equal(d.pingInterval, 0);
    assert.equal(d.heartbeatInbox, 'inbox');
  });
});
