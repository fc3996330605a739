/**
 * Every STAN request subject of a running natstream (a child process) gets
 * protobufs built from its schema with random field values (inherited names,
 * odd bytes, extreme numbers, bad enum values), sometimes with their bytes
 * mutated, sometimes plain garbage; sent by a raw `nats` client that did a
 * real STAN connect and subscribe first, so requests also reach the code past
 * the client-ID checks. The server must stay up and keep serving the canary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { connect, type NatsConnection } from 'nats';
import {
  AckSchema, CloseRequestSchema, ConnectRequestSchema, ConnectResponseSchema, PingSchema, PubMsgSchema,
  SubscriptionRequestSchema, SubscriptionResponseSchema, UnsubscribeRequestSchema, type ConnectResponse,
} from '../../src/protocol/gen/stan_pb.js';
import { FUZZ_CLUSTER } from './child-server.js';
import { fuzzParams, subjectArb, tokenArb } from './fuzz-env.js';
import { FuzzTarget } from './target.js';

const ATTACKER = 'attacker';
const CONN_ID = Buffer.from('attacker-conn-id');

const intArb = fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constantFrom(0x7fffffff, -0x80000000));
const u64Arb = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.constantFrom(0n, 2n ** 53n, 2n ** 64n - 1n));
const i64Arb = fc.oneof(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n));
const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.constant(new Uint8Array(CONN_ID)));
const clientArb = fc.oneof({ weight: 3, arbitrary: fc.constant(ATTACKER) }, { weight: 2, arbitrary: tokenArb });
/** A subject fit for the NATS protocol line (the protobuf fields may hold anything). */
const wireSubjectArb = subjectArb.map((s) => s.replace(/[\s\u0000-\u001f\u007f-\u00ff*>]/g, '_').replace(/^\.|\.$|\.\./g, '_') || '_');

/** How the protobuf bytes reach the wire: as built, mutated, or replaced by garbage. */
const mangleArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant((b: Uint8Array) => b) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([at, x]) => (b: Uint8Array) => {
    const c = Uint8Array.from(b);
    if (c.length > 0) c[at % c.length] = x;
    return c;
  }) },
  { weight: 1, arbitrary: fc.nat().map((at) => (b: Uint8Array) => b.subarray(0, b.length === 0 ? 0 : at % b.length)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((g) => () => g) },
);

function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

describe('fuzz: STAN protobufs on every request subject', () => {
  let nc: NatsConnection | undefined;
  let subjects: ConnectResponse;
  let ackInbox = '';
  let runs = 0;

  /** A raw client that did a real STAN connect and subscribe. */
  const target = new FuzzTarget(async () => {
    await nc?.close().catch(() => {});
    const c = await connect({ servers: target.server.url, reconnect: false });
    nc = c;
    const hb = `_INBOX.hb.${ATTACKER}`;
    c.subscribe(hb, { callback: (_e, m) => m.respond() });
    const res = await c.request(`_STAN.discover.${FUZZ_CLUSTER}`,
      encode(ConnectRequestSchema, { clientId: ATTACKER, heartbeatInbox: hb, protocol: 1, connId: CONN_ID, pingInterval: 5, pingMaxOut: 3 }));
    subjects = fromBinary(ConnectResponseSchema, res.data);
    assert.equal(subjects.error, '');
    const sub = await c.request(subjects.subRequests,
      encode(SubscriptionRequestSchema, { clientId: ATTACKER, subject: 'fz', inbox: `_INBOX.fz.${ATTACKER}`, maxInFlight: 100, ackWaitInSecs: 30 }));
    ackInbox = fromBinary(SubscriptionResponseSchema, sub.data).ackInbox;
    assert.ok(ackInbox);
  });

  before(() => target.ensure());
  after(async () => {
    await nc?.close().catch(() => {});
    await target.stop();
  });

  async function send(subject: string, payload: Uint8Array, what: string): Promise<void> {
    nc!.publish(subject, payload, { reply: `_INBOX.fuzz.${runs++}` });
    await nc!.flush().catch(() => {});
    await target.alive(`${what} to ${subject}: ${Buffer.from(payload).toString('hex')}`);
  }

  const run = (property: () => Promise<void>) => target.run(property);

  const N = 60;

  it('ConnectRequest on the discover subject', () => run(() => fc.assert(fc.asyncProperty(
    fc.record({ clientId: tokenArb, heartbeatInbox: subjectArb, protocol: intArb, connId: bytesArb, pingInterval: intArb, pingMaxOut: intArb }), mangleArb,
    (m, mangle) => send(`_STAN.discover.${FUZZ_CLUSTER}`, mangle(encode(ConnectRequestSchema, m)), 'ConnectRequest')), fuzzParams(N))));

  it('PubMsg on the publish subjects', () => run(() => fc.assert(fc.asyncProperty(
    wireSubjectArb,
    fc.record({ clientId: clientArb, guid: tokenArb, subject: subjectArb, reply: subjectArb, data: fc.uint8Array({ maxLength: 64 }), connId: bytesArb, sha256: bytesArb }),
    fc.boolean(), mangleArb,
    (channel, m, same, mangle) => send(`${subjects.pubPrefix}.${channel}`, mangle(encode(PubMsgSchema, same ? { ...m, subject: channel } : m)), 'PubMsg')),
  fuzzParams(N))));

  it('SubscriptionRequest on the subscribe subject', () => run(() => fc.assert(fc.asyncProperty(
    fc.record({
      clientId: clientArb, subject: subjectArb, qGroup: fc.oneof(fc.constant(''), tokenArb), inbox: subjectArb, maxInFlight: intArb,
      ackWaitInSecs: intArb, durableName: fc.oneof(fc.constant(''), tokenArb), startPosition: fc.integer({ min: -1, max: 7 }),
      startSequence: u64Arb, startTimeDelta: i64Arb,
    }), mangleArb,
    (m, mangle) => send(subjects.subRequests, mangle(encode(SubscriptionRequestSchema, m)), 'SubscriptionRequest')), fuzzParams(N))));

  it('UnsubscribeRequest on the unsubscribe and subscription-close subjects', () => run(() => fc.assert(fc.asyncProperty(
    fc.record({ clientId: clientArb, subject: subjectArb, inbox: fc.oneof(fc.constant(ackInbox), subjectArb), durableName: fc.oneof(fc.constant(''), tokenArb) }),
    fc.boolean(), mangleArb,
    (m, close, mangle) => send(close ? subjects.subCloseRequests : subjects.unsubRequests, mangle(encode(UnsubscribeRequestSchema, m)), 'UnsubscribeRequest')),
  fuzzParams(N))));

  it('Ack on a live subscription\'s ack inbox, Ping on the ping subject', () => run(() => fc.assert(fc.asyncProperty(
    fc.record({ subject: fc.oneof(fc.constant('fz'), subjectArb), sequence: u64Arb }), bytesArb, mangleArb,
    async (ack, connId, mangle) => {
      await send(ackInbox, mangle(encode(AckSchema, ack)), 'Ack');
      if (subjects.pingRequests) await send(subjects.pingRequests, mangle(encode(PingSchema, { connId })), 'Ping');
    }), fuzzParams(N))));

  // last: a close of the attacker itself ends its requests
  it('CloseRequest on the close subject', () => run(() => fc.assert(fc.asyncProperty(
    fc.record({ clientId: fc.oneof(tokenArb, fc.constant(ATTACKER)) }), mangleArb,
    (m, mangle) => send(subjects.closeRequests, mangle(encode(CloseRequestSchema, m)), 'CloseRequest')), fuzzParams(N))));

  it('the canary exchanged messages throughout, none lost', async () => {
    assert.deepEqual(await target.canaryProblems(), []);
  });
});
