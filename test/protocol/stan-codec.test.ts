/**
 * Wire conformance of the STAN codecs: every client message round-trips against
 * node-nats-streaming's own codec (google-protobuf, lib/pb/protocol_pb.js) in both
 * directions with identical bytes; 64-bit fields are checked exactly with
 * google-protobuf's string readers/writers (its message classes use lossy numbers).
 */

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

import {
  CtrlMsgType, decodeAck, decodeCloseRequest, decodeCtrlMsg, encodeCtrlMsg, decodeCloseResponse, decodeConnectRequest, decodeConnectResponse,
  decodePing, decodePingResponse, decodePubAck, decodePubMsg, decodeSubscriptionRequest,
  decodeSubscriptionResponse, decodeUnsubscribeRequest, encodeAck, encodeCloseRequest,
  encodeCloseResponse, encodeConnectRequest, encodeConnectResponse, encodePing, encodePingResponse,
  encodePubAck, encodePubMsg, encodeSubscriptionRequest, encodeSubscriptionResponse,
  encodeUnsubscribeRequest,
} from '../../src/protocol/stan-codec.js';
import { decodeMsgProto, encodeRedelivery, makeMsg, msgFromEncoded } from '../../src/protocol/stan-msg.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pb: any = require('node-nats-streaming/lib/pb/protocol_pb.js').pb;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jspb: any = require('google-protobuf');

type Values = Record<string, unknown>;

interface Case {
  name: string;
  /** Field name (as in google-protobuf setters, camelCase) → value; every field set. */
  full: Values;
  encode: (v: Values) => Uint8Array;
  decode: (b: Uint8Array) => Values;
}

const b = (s: string) => Buffer.from(s);

/** google-protobuf message from values (64-bit values given as numbers). */
function theirs(name: string, v: Values): { serializeBinary(): Uint8Array } {
  const m = new pb[name]();
  for (const [k, val] of Object.entries(v)) {
    const setter = 'set' + k[0].toUpperCase() + k.slice(1);
    assert.equal(typeof m[setter], 'function', `${name}.${setter}`);
    m[setter](typeof val === 'bigint' ? Number(val) : val);
  }
  return m;
}

/** Values read back with google-protobuf getters. */
function readTheirs(name: string, bytes: Uint8Array, keys: string[]): Values {
  const m = pb[name].deserializeBinary(bytes);
  const out: Values = {};
  for (const k of keys) {
    const cap = k[0].toUpperCase() + k.slice(1);
    out[k] = typeof m[`get${cap}_asU8`] === 'function' ? Buffer.from(m[`get${cap}_asU8`]()) : m[`get${cap}`]();
  }
  return out;
}

function normalize(v: Values): Values {
  const out: Values = {};
  for (const [k, val] of Object.entries(v)) {
    out[k] = val instanceof Uint8Array ? Buffer.from(val) : typeof val === 'bigint' ? Number(val) : val;
  }
  return out;
}

const cases: Case[] = [
  {
    name: 'PubMsg',
    full: { clientId: 'c-1', guid: 'G1', subject: 'orders.créé', reply: 'r', data: b('hello'), connId: b('CONNID0001'), sha256: b('x'.repeat(32)) },
    encode: (v) => encodePubMsg(v),
    decode: (x) => ({ ...decodePubMsg(x) }),
  },
  {
    name: 'PubAck',
    full: { guid: 'G1', error: 'stan: invalid publish request' },
    encode: (v) => encodePubAck(v.guid as string ?? '', v.error as string ?? ''),
    decode: (x) => ({ ...decodePubAck(x) }),
  },
  {
    name: 'MsgProto',
    full: { sequence: 123456789, subject: 'foo', reply: 'bar', data: b('payload'), timestamp: 1_700_000_000_123_456, redelivered: true, redeliveryCount: 300 },
    encode: (v) => {
      const m = makeMsg(Number(v.sequence ?? 0), (v.subject as string) ?? '', (v.reply as string) ?? '',
        (v.data as Uint8Array) ?? new Uint8Array(0), BigInt((v.timestamp as number) ?? 0));
      return v.redelivered || v.redeliveryCount
        ? encodeRedelivery(m, (v.redeliveryCount as number) ?? 0, Boolean(v.redelivered))
        : m.encoded;
    },
    decode: (x) => {
      const m = decodeMsgProto(x);
      return { sequence: m.sequence, subject: m.subject, reply: m.reply, data: m.data, timestamp: m.timestamp, redelivered: m.redelivered, redeliveryCount: m.redeliveryCount };
    },
  },
  {
    name: 'Ack',
    full: { subject: 'foo.bar', sequence: 2 ** 40 + 7 },
    encode: (v) => encodeAck((v.subject as string) ?? '', Number(v.sequence ?? 0)),
    decode: (x) => ({ ...decodeAck(x) }),
  },
  {
    name: 'ConnectRequest',
    full: { clientId: 'orders-1', heartbeatInbox: '_INBOX.hb', protocol: 1, connId: b('NUID'), pingInterval: 5, pingMaxOut: 3 },
    encode: (v) => encodeConnectRequest(v),
    decode: (x) => ({ ...decodeConnectRequest(x) }),
  },
  {
    name: 'ConnectResponse',
    full: {
      pubPrefix: '_STAN.pub.c', subRequests: '_STAN.sub.c', unsubRequests: '_STAN.unsub.c', closeRequests: '_STAN.close.c',
      error: 'e', subCloseRequests: '_STAN.subclose.c', pingRequests: '_STAN.discover.c.pings', pingInterval: 5,
      pingMaxOut: 88, protocol: 1, publicKey: 'pk',
    },
    encode: (v) => encodeConnectResponse(v),
    decode: (x) => ({ ...decodeConnectResponse(x) }),
  },
  {
    name: 'Ping',
    full: { connId: b('CONNID0001') },
    encode: (v) => encodePing((v.connId as Uint8Array) ?? new Uint8Array(0)),
    decode: (x) => ({ ...decodePing(x) }),
  },
  {
    name: 'PingResponse',
    full: { error: 'client has been replaced or is no longer registered' },
    encode: (v) => encodePingResponse((v.error as string) ?? ''),
    decode: (x) => ({ ...decodePingResponse(x) }),
  },
  {
    name: 'SubscriptionRequest',
    full: {
      clientId: 'c', subject: 'foo', qGroup: 'q', inbox: '_INBOX.s', maxInFlight: 16384, ackWaitInSecs: 30,
      durableName: 'dur', startPosition: 3, startSequence: 2 ** 50, startTimeDelta: 60_000_000_000,
    },
    encode: (v) => encodeSubscriptionRequest({
      ...v,
      startSequence: v.startSequence === undefined ? undefined : BigInt(v.startSequence as number),
      startTimeDelta: v.startTimeDelta === undefined ? undefined : BigInt(v.startTimeDelta as number),
    }),
    decode: (x) => ({ ...decodeSubscriptionRequest(x) }),
  },
  {
    name: 'SubscriptionResponse',
    full: { ackInbox: '_INBOX.sIoETERI7GcIhEuEneTb6k', error: 'stan: unknown clientID' },
    encode: (v) => encodeSubscriptionResponse((v.ackInbox as string) ?? '', (v.error as string) ?? ''),
    decode: (x) => ({ ...decodeSubscriptionResponse(x) }),
  },
  {
    name: 'UnsubscribeRequest',
    full: { clientId: 'c', subject: 'foo', inbox: '_INBOX.a', durableName: 'd' },
    encode: (v) => encodeUnsubscribeRequest(v),
    decode: (x) => ({ ...decodeUnsubscribeRequest(x) }),
  },
  {
    name: 'CloseRequest',
    full: { clientId: 'c' },
    encode: (v) => encodeCloseRequest((v.clientId as string) ?? ''),
    decode: (x) => ({ ...decodeCloseRequest(x) }),
  },
  {
    name: 'CloseResponse',
    full: { error: 'stan: unknown clientID' },
    encode: (v) => encodeCloseResponse((v.error as string) ?? ''),
    decode: (x) => ({ ...decodeCloseResponse(x) }),
  },
];

function pick(v: Values, keys: string[]): Values {
  const out: Values = {};
  for (const k of keys) out[k] = v[k];
  return out;
}

describe('STAN codecs vs node-nats-streaming (google-protobuf)', () => {
  for (const c of cases) {
    const keys = Object.keys(c.full);
    // every field alone, then all together
    const variants: Array<[string, Values]> = keys.map((k) => [k, { [k]: c.full[k] }]);
    variants.push(['all fields', c.full]);

    it(`${c.name}: ours → theirs and theirs → ours, identical bytes`, () => {
      for (const [label, v] of variants) {
        const mine = Buffer.from(c.encode(v));
        const ref = Buffer.from(theirs(c.name, v).serializeBinary());
        assert.deepEqual(mine.toString('hex'), ref.toString('hex'), `${c.name} ${label}: bytes`);
        const read = readTheirs(c.name, mine, Object.keys(v));
        assert.deepEqual(normalize(read), normalize(v), `${c.name} ${label}: theirs decodes ours`);
        const back = c.decode(ref);
        assert.deepEqual(normalize(pick(back, Object.keys(v))), normalize(v), `${c.name} ${label}: ours decodes theirs`);
      }
    });

    it(`${c.name}: empty message is zero bytes and decodes to defaults`, () => {
      assert.equal(c.encode({}).length, 0);
      assert.equal(theirs(c.name, {}).serializeBinary().length, 0);
      const d = c.decode(new Uint8Array(0));
      for (const [k, val] of Object.entries(d)) {
        if (val instanceof Uint8Array) assert.equal(val.length, 0, k);
        else assert.ok(val === '' || val === 0 || val === 0n || val === false, `${k} default`);
      }
    });
  }

  it('64-bit fields are exact in both directions', () => {
    const big = [0n, 1n, 2n ** 53n + 1n, 1_700_000_000_123_456_789n, 2n ** 63n - 1n];
    for (const ts of big) {
      const m = makeMsg(1, 'foo', '', b('x'), ts);
      const r = new jspb.BinaryReader(m.encoded);
      let got = '';
      while (r.nextField()) {
        if (r.getFieldNumber() === 5) got = r.readInt64String(); else r.skipField();
      }
      assert.equal(got === '' ? '0' : got, ts.toString(), 'timestamp written exactly');
      const w = new jspb.BinaryWriter();
      w.writeUint64String(1, '9007199254740991');
      w.writeInt64String(5, ts.toString());
      const d = decodeMsgProto(w.getResultBuffer());
      assert.equal(d.timestamp, ts, 'timestamp read exactly');
      assert.equal(d.sequence, Number.MAX_SAFE_INTEGER);
    }
    // negative int64 (10-byte varint) in SubscriptionRequest.startTimeDelta, large uint64 startSequence
    const w = new jspb.BinaryWriter();
    w.writeUint64String(11, '18446744073709551615');
    w.writeInt64String(12, '-5000000000');
    const written = w.getResultBuffer(); // (getResultBuffer may only be called once)
    const s = decodeSubscriptionRequest(written);
    assert.equal(s.startSequence, 18446744073709551615n);
    assert.equal(s.startTimeDelta, -5_000_000_000n);
    const mine = encodeSubscriptionRequest({ startSequence: 18446744073709551615n, startTimeDelta: -5_000_000_000n });
    assert.equal(Buffer.from(mine).toString('hex'), Buffer.from(written).toString('hex'));
    // a negative timestamp (before 1970) is a 10-byte varint
    const neg = makeMsg(1, '', '', new Uint8Array(0), -1n);
    assert.equal(neg.encoded.length, 2 + 1 + 10);
    assert.equal(decodeMsgProto(neg.encoded).timestamp, -1n);
  });

  it('spec examples', () => {
    assert.equal(Buffer.from(encodePubAck('g1')).toString('hex'), '0a026731');
    assert.equal(Buffer.from(encodeAck('foo', 5)).toString('hex'), '0a03666f6f1005');
    assert.equal(encodePingResponse().length, 0);
    assert.equal(encodeCloseResponse().length, 0);
    assert.equal(encodeSubscriptionResponse('').length, 0);
    assert.equal(Buffer.from(encodePubAck('', 'stan: invalid publish request')).toString('hex'),
      '121d' + Buffer.from('stan: invalid publish request').toString('hex'));
  });

  it('the captured ConnectResponse and MsgProto (real server) are reproduced', () => {
    const cr = encodeConnectResponse({
      pubPrefix: '_STAN.pub.ticketing', subRequests: '_STAN.sub.ticketing', unsubRequests: '_STAN.unsub.ticketing',
      closeRequests: '_STAN.close.ticketing', subCloseRequests: '_STAN.subclose.ticketing',
      pingRequests: '_STAN.discover.ticketing.pings', pingInterval: 5, pingMaxOut: 3, protocol: 1,
    });
    const captured = Buffer.from('\n\x13_STAN.pub.ticketing\x12\x13_STAN.sub.ticketing\x1a\x15_STAN.unsub.ticketing"\x15_STAN.close.ticketing2\x18_STAN.subclose.ticketing:\x1e_STAN.discover.ticketing.pings@\x05H\x03P\x01', 'latin1');
    assert.equal(cr.length, 152);
    assert.deepEqual(Buffer.from(cr), captured);

    const delivered = Buffer.from('\x08\x01\x12\x09wire.chan"\x05hello(\xd5\x85\xf0\xcf\x93\xa9\xa6\xf6\x18', 'latin1');
    const m = msgFromEncoded(delivered);
    assert.equal(m.sequence, 1);
    assert.equal(m.subject, 'wire.chan');
    assert.equal(Buffer.from(m.data).toString(), 'hello');
    const again = makeMsg(m.sequence, m.subject, m.reply, m.data, m.timestamp);
    assert.deepEqual(Buffer.from(again.encoded), delivered);
  });

  it('unknown fields of every wire type are skipped', () => {
    const w = new jspb.BinaryWriter();
    w.writeString(2, 'G1');
    w.writeUint64(15, 99);
    w.writeFixed64(16, 5);
    w.writeFixed32(17, 6);
    w.writeString(18, 'junk');
    w.writeString(3, 'foo');
    const written = w.getResultBuffer(); // (getResultBuffer may only be called once)
    const p = decodePubMsg(written);
    assert.equal(p.guid, 'G1');
    assert.equal(p.subject, 'foo');
    const a = decodeAck(written);
    assert.equal(a.sequence, 0);
  });

  it('malformed input throws', () => {
    const garbage = [Buffer.from([0xff, 0xff, 0xff]), Buffer.from([0x12, 0x05, 0x61]), Buffer.from([0x0b])];
    for (const g of garbage) {
      assert.throws(() => decodePubMsg(g));
      assert.throws(() => decodeConnectRequest(g));
      assert.throws(() => decodeSubscriptionRequest(g));
      assert.throws(() => decodeMsgProto(g));
    }
  });

  it('a delivered MsgProto keeps redelivery fields after the stored ones', () => {
    const m = makeMsg(7, 'foo', '', b('x'), 1n);
    const r = encodeRedelivery(m, 1);
    const ref = theirs('MsgProto', { sequence: 7, subject: 'foo', data: b('x'), timestamp: 1, redelivered: true, redeliveryCount: 1 }).serializeBinary();
    assert.deepEqual(Buffer.from(r), Buffer.from(ref));
  });
});

// The server-to-server CtrlMsg (FT heartbeats, partitioning) is not in node-nats-streaming:
// it is checked against the generated protobuf-es code of stan.proto instead.
describe('CtrlMsg codec vs the generated protobuf-es code', () => {
  it('ours → theirs and theirs → ours, identical bytes; empty is zero bytes', async () => {
    const { create, fromBinary, toBinary } = await import('@bufbuild/protobuf');
    const { CtrlMsgSchema } = await import('../../src/protocol/gen/stan_pb.js');
    const cases = [
      { msgType: CtrlMsgType.FTHeartbeat, serverId: 'srv-1', data: b('\x01\x02\x03'), refId: '' },
      { msgType: CtrlMsgType.Partitioning, serverId: 'ü-2', data: b('foo\x00bar'), refId: 'ref' },
      { msgType: CtrlMsgType.SubUnsubscribe, serverId: '', data: new Uint8Array(0), refId: '' },
    ];
    for (const c of cases) {
      const ours = encodeCtrlMsg(c);
      const ref = toBinary(CtrlMsgSchema, create(CtrlMsgSchema, { MsgType: c.msgType, ServerID: c.serverId, Data: c.data, RefID: c.refId }));
      assert.deepEqual(Buffer.from(ours), Buffer.from(ref));
      const back = fromBinary(CtrlMsgSchema, ours);
      assert.deepEqual([back.MsgType, back.ServerID, Buffer.from(back.Data), back.RefID], [c.msgType, c.serverId, Buffer.from(c.data), c.refId]);
      const decoded = decodeCtrlMsg(ref);
      assert.deepEqual({ ...decoded, data: Buffer.from(decoded.data) }, { ...c, data: Buffer.from(c.data) });
    }
    assert.equal(encodeCtrlMsg({}).length, 0);
  });
});
