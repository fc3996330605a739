/**
 * The store conformance suite: every line of the store contract (spec stores.md §1,
 * src/stores/store.ts) as a test. Every store runs it unchanged:
 *
 *   runStoreConformance('file', async () => {
 *     const dir = await mkdtemp(...);
 *     return { store: await openFileStore(dir), cleanup: () => rm(dir, ...),
 *              reopen: () => openFileStore(dir) };
 *   }, { persistent: true, msgOverhead: 40 });
 *
 * `makeStore` gives a fresh, empty store (default limits) for each test, `cleanup`
 * removes its storage (the suite has closed the store by then), and `reopen` opens a
 * new store on the same storage after the suite closed the previous one (persistent
 * stores only; the suite sets limits and calls `recover()` itself).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeMsg, type Msg } from '../../src/protocol/stan-msg.js';
import { DEFAULT_STORE_LIMITS } from '../../src/stores/limits.js';
import {
  STORE_ERRORS, StoreError, type ChannelStore, type ClientInfo, type ServerInfo, type Store,
  type StoreLimits, type SubState,
} from '../../src/stores/store.js';

export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
  reopen?: () => Promise<Store>;
}

export interface ConformanceOptions {
  /** The store keeps its content across close/reopen (file, SQL). */
  persistent?: boolean;
  /** Bytes `MsgStore.state()` adds per message on top of the encoded MsgProto (file store: 40). */
  msgOverhead?: number;
  /** `getExclusiveLock()` is supported (file, SQL) instead of failing with `not supported`. */
  supportsLock?: boolean;
  /** Expected `Store.name`. */
  name?: string;
}

const T0 = 1_700_000_000_123_456_789n;

function limitsWith(over: Partial<StoreLimits>): StoreLimits {
  return { ...DEFAULT_STORE_LIMITS, ...over };
}

function msg(seq: number, data = `msg-${seq}`, ts: bigint = T0 + BigInt(seq) * 1000n, subject = 'foo', reply = ''): Msg {
  return makeMsg(seq, subject, reply, Buffer.from(data), ts);
}

function sub(over: Partial<SubState> = {}): SubState {
  return {
    id: 0, clientId: 'me', qGroup: '', inbox: '_INBOX.in', ackInbox: '_INBOX.ack', maxInFlight: 1024,
    ackWaitInSecs: 30, durableName: '', lastSent: 0, isDurable: false, isClosed: false, ...over,
  };
}

const serverInfo: ServerInfo = {
  clusterId: 'test-cluster', discovery: '_STAN.discover.test-cluster', publish: '_STAN.pub.test-cluster',
  subscribe: '_STAN.sub.test-cluster', unsubscribe: '_STAN.unsub.test-cluster', close: '_STAN.close.test-cluster',
  subClose: '_STAN.subclose.test-cluster', acksSubs: '_STAN.ack.test-cluster', nodeId: '',
};

function client(id: string, hb = `_INBOX.${id}`): ClientInfo {
  return { id, hbInbox: hb, connId: Buffer.from(`conn-${id}`), protocol: 1, pingInterval: 5, pingMaxOut: 3 };
}

async function rejectsWith(p: Promise<unknown>, text: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.equal(err.message, text);
    return true;
  });
}

function assertSameMsg(actual: Msg | undefined, expected: Msg): void {
  assert.ok(actual, `message ${expected.sequence} present`);
  assert.equal(actual.sequence, expected.sequence);
  assert.equal(actual.subject, expected.subject);
  assert.equal(actual.reply, expected.reply);
  assert.equal(actual.timestamp, expected.timestamp);
  assert.deepEqual(Buffer.from(actual.data), Buffer.from(expected.data));
  assert.deepEqual(Buffer.from(actual.encoded), Buffer.from(expected.encoded));
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function runStoreConformance(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  opts: ConformanceOptions = {},
): void {
  const overhead = opts.msgOverhead ?? 0;

  /** Runs `body` on a fresh store; closes whatever store is current and cleans up. */
  function withStore(body: (h: {
    store: () => Store;
    /** Close the current store, open it again, set `limits`, recover. */
    reopen: (limits?: StoreLimits) => Promise<Awaited<ReturnType<Store['recover']>>>;
  }) => Promise<void>): () => Promise<void> {
    return async () => {
      const sut = await makeStore();
      let current = sut.store;
      try {
        await body({
          store: () => current,
          reopen: async (limits) => {
            assert.ok(sut.reopen, 'persistent stores must provide reopen');
            await current.close();
            current = await sut.reopen();
            if (limits) current.setLimits(limits);
            return current.recover();
          },
        });
      } finally {
        await current.close();
        await sut.cleanup();
      }
    };
  }

  describe(`store conformance: ${name}`, () => {
    describe('Store', () => {
      it('has a name', withStore(async ({ store }) => {
        assert.equal(typeof store().name, 'string');
        assert.ok(store().name.length > 0);
        if (opts.name) assert.equal(store().name, opts.name);
      }));

      it('exclusive lock: supported and idempotent, or "not supported"', withStore(async ({ store }) => {
        if (opts.supportsLock) {
          assert.equal(await store().getExclusiveLock(), true);
          assert.equal(await store().getExclusiveLock(), true);
        } else {
          await rejectsWith(store().getExclusiveLock(), STORE_ERRORS.notSupported);
        }
      }));

      it('recovers nothing when nothing was stored', withStore(async ({ store }) => {
        assert.equal(await store().recover(), null);
      }));

      it('errors are StoreErrors with the wire text', withStore(async ({ store }) => {
        await store().createChannel('dup');
        const err = await store().createChannel('dup').then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'alreadyExists');
        assert.equal(err.message, 'already exists');
      }));

      it('createChannel: "already exists" for a second create', withStore(async ({ store }) => {
        const cs = await store().createChannel('foo');
        assert.ok(cs.msgs && cs.subs);
        await rejectsWith(store().createChannel('foo'), STORE_ERRORS.alreadyExists);
      }));

      it('createChannel: "too many channels" at max_channels, room again after delete', withStore(async ({ store }) => {
        store().setLimits(limitsWith({ maxChannels: 2 }));
        await store().createChannel('c1');
        await store().createChannel('c2');
        await rejectsWith(store().createChannel('c3'), STORE_ERRORS.tooManyChannels);
        await store().deleteChannel('c1');
        await store().createChannel('c3');
      }));

      it('max_channels 0 means unlimited', withStore(async ({ store }) => {
        store().setLimits(limitsWith({ maxChannels: 0 }));
        for (let i = 0; i < 150; i++) await store().createChannel(`ch${i}`);
      }));

      it('deleteChannel: "not found" for an unknown channel', withStore(async ({ store }) => {
        await rejectsWith(store().deleteChannel('nope'), STORE_ERRORS.notFound);
        await store().createChannel('x');
        await store().deleteChannel('x');
        await rejectsWith(store().deleteChannel('x'), STORE_ERRORS.notFound);
        // the name is free again
        await store().createChannel('x');
      }));

      it('getChannelLimits: undefined for unknown channels, resolved limits otherwise', withStore(async ({ store }) => {
        store().setLimits(limitsWith({
          maxMsgs: 100, maxBytes: 5000, maxAge: 60_000, maxSubscriptions: 7,
          perChannel: {
            'foo.>': { maxMsgs: 10 },
            'foo.*': { maxBytes: 300 },
            'foo.bar': { maxSubscriptions: -1, maxAge: 1000 },
          },
        }));
        assert.equal(store().getChannelLimits('foo.bar'), undefined);
        await store().createChannel('foo.bar');
        await store().createChannel('foo.baz');
        await store().createChannel('foo.a.b');
        await store().createChannel('other');
        assert.deepEqual(store().getChannelLimits('foo.bar'),
          { maxMsgs: 10, maxBytes: 300, maxAge: 1000, maxSubscriptions: 0, maxInactivity: 0 });
        assert.deepEqual(store().getChannelLimits('foo.baz'),
          { maxMsgs: 10, maxBytes: 300, maxAge: 60_000, maxSubscriptions: 7, maxInactivity: 0 });
        assert.deepEqual(store().getChannelLimits('foo.a.b'),
          { maxMsgs: 10, maxBytes: 5000, maxAge: 60_000, maxSubscriptions: 7, maxInactivity: 0 });
        assert.deepEqual(store().getChannelLimits('other'),
          { maxMsgs: 100, maxBytes: 5000, maxAge: 60_000, maxSubscriptions: 7, maxInactivity: 0 });
      }));

      it('per-channel limits are enforced on that channel only', withStore(async ({ store }) => {
        store().setLimits(limitsWith({ perChannel: { 'capped.*': { maxMsgs: 2 } } }));
        const capped = await store().createChannel('capped.one');
        const free = await store().createChannel('free');
        for (let i = 1; i <= 5; i++) { capped.msgs.store(msg(i)); free.msgs.store(msg(i)); }
        assert.equal(capped.msgs.state().msgs, 2);
        assert.equal(capped.msgs.firstSequence(), 4);
        assert.equal(free.msgs.state().msgs, 5);
      }));

      it('setLimits rejects negative values with the Go text', withStore(async ({ store }) => {
        assert.throws(() => store().setLimits(limitsWith({ maxChannels: -1 })), { message: 'max channels limit cannot be negative (-1)' });
        assert.throws(() => store().setLimits(limitsWith({ maxMsgs: -2 })), { message: 'max messages limit cannot be negative (-2)' });
      }));

      it('addClient/deleteClient accept unknown and repeated IDs', withStore(async ({ store }) => {
        await store().addClient(client('a'));
        await store().addClient(client('a', '_INBOX.other'));
        await store().deleteClient('a');
        await store().deleteClient('never-added');
      }));

      it('close is idempotent', withStore(async ({ store }) => {
        await store().createChannel('foo');
        await store().close();
        await store().close();
      }));
    });

    describe('MsgStore', () => {
      const chan = async (store: Store, limits?: StoreLimits, name = 'foo'): Promise<ChannelStore> => {
        if (limits) store.setLimits(limits);
        return store.createChannel(name);
      };

      it('an empty channel reports 0/0 and finds nothing', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        assert.equal(msgs.firstSequence(), 0);
        assert.equal(msgs.lastSequence(), 0);
        assert.deepEqual(msgs.state(), { msgs: 0, bytes: 0 });
        assert.equal(await msgs.lookup(1), undefined);
        assert.equal(await msgs.firstMsg(), undefined);
        assert.equal(await msgs.lastMsg(), undefined);
        assert.equal(await msgs.getSequenceFromTimestamp(T0), 0);
        assert.deepEqual(await msgs.lookupRange(1, 10, 10), []);
      }));

      it('stores messages in sequence and looks them up exactly', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        const sent: Msg[] = [];
        for (let i = 1; i <= 20; i++) {
          const m = msg(i, `payload ${i}`, T0 + BigInt(i), 'foo', i % 2 ? '' : `reply.${i}`);
          sent.push(m);
          assert.equal(msgs.store(m), i);
        }
        await msgs.flush();
        assert.equal(msgs.firstSequence(), 1);
        assert.equal(msgs.lastSequence(), 20);
        for (const m of sent) assertSameMsg(await msgs.lookup(m.sequence), m);
        assert.equal(await msgs.lookup(0), undefined);
        assert.equal(await msgs.lookup(21), undefined);
        assertSameMsg(await msgs.firstMsg(), sent[0]);
        assertSameMsg(await msgs.lastMsg(), sent[19]);
      }));

      it('keeps 64-bit nanosecond timestamps exact', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        const ts = [1n, 9_007_199_254_740_993n, 1_700_000_000_123_456_789n, 9_223_372_036_854_775_807n];
        ts.forEach((t, i) => msgs.store(msg(i + 1, 'x', t)));
        for (let i = 0; i < ts.length; i++) assert.equal((await msgs.lookup(i + 1))!.timestamp, ts[i]);
      }));

      it('stores empty payloads and large payloads', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        const empty = makeMsg(1, 'foo', '', new Uint8Array(0), T0);
        const big = makeMsg(2, 'foo', 'r', Buffer.alloc(1024 * 1024, 7), T0 + 1n);
        msgs.store(empty);
        msgs.store(big);
        await msgs.flush();
        assertSameMsg(await msgs.lookup(1), empty);
        assertSameMsg(await msgs.lookup(2), big);
      }));

      it('ignores a message whose sequence is not above the last one', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        msgs.store(msg(1, 'one'));
        msgs.store(msg(2, 'two'));
        const before = msgs.state();
        assert.equal(msgs.store(msg(2, 'other two')), 2);
        assert.equal(msgs.store(msg(1, 'other one')), 1);
        assert.deepEqual(msgs.state(), before);
        assert.equal(msgs.lastSequence(), 2);
        assert.equal(Buffer.from((await msgs.lookup(2))!.data).toString(), 'two');
      }));

      it('state() counts messages and their bytes', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        let bytes = 0;
        for (let i = 1; i <= 13; i++) {
          const m = msg(i, 'x'.repeat(i * 3));
          bytes += m.encoded.length + overhead;
          msgs.store(m);
        }
        assert.deepEqual(msgs.state(), { msgs: 13, bytes });
      }));

      it('max_msgs drops the oldest messages, sequences continue', withStore(async ({ store }) => {
        const { msgs } = await chan(store(), limitsWith({ maxMsgs: 5 }));
        for (let i = 1; i <= 10; i++) msgs.store(msg(i));
        assert.equal(msgs.state().msgs, 5);
        assert.equal(msgs.firstSequence(), 6);
        assert.equal(msgs.lastSequence(), 10);
        assert.equal(await msgs.lookup(5), undefined);
        assertSameMsg(await msgs.lookup(6), msg(6));
        assertSameMsg(await msgs.firstMsg(), msg(6));
        assert.equal(msgs.store(msg(11)), 11);
        assert.equal(msgs.firstSequence(), 7);
        assert.equal(msgs.state().msgs, 5);
      }));

      it('max_bytes drops the oldest messages but keeps at least the new one', withStore(async ({ store }) => {
        const size = msg(1, 'x'.repeat(50)).encoded.length + overhead;
        const { msgs } = await chan(store(), limitsWith({ maxBytes: size * 3 }));
        for (let i = 1; i <= 6; i++) msgs.store(msg(i, 'x'.repeat(50)));
        assert.equal(msgs.state().msgs, 3);
        assert.equal(msgs.state().bytes, size * 3);
        assert.equal(msgs.firstSequence(), 4);
        // a message bigger than the limit replaces everything but is kept itself
        msgs.store(msg(7, 'y'.repeat(size * 10)));
        assert.equal(msgs.state().msgs, 1);
        assert.equal(msgs.firstSequence(), 7);
        assert.equal(msgs.lastSequence(), 7);
        assert.ok(await msgs.lookup(7));
      }));

      it('max_msgs 1 keeps exactly the last message', withStore(async ({ store }) => {
        const { msgs } = await chan(store(), limitsWith({ maxMsgs: 1 }));
        for (let i = 1; i <= 3; i++) msgs.store(msg(i));
        assert.equal(msgs.firstSequence(), 3);
        assert.equal(msgs.lastSequence(), 3);
        assert.equal(msgs.state().msgs, 1);
      }));

      it('lookupRange returns stored messages in order, bounded by max', withStore(async ({ store }) => {
        const { msgs } = await chan(store(), limitsWith({ maxMsgs: 8 }));
        for (let i = 1; i <= 10; i++) msgs.store(msg(i));
        const all = await msgs.lookupRange(1, 100, 100);
        assert.deepEqual(all.map((m) => m.sequence), [3, 4, 5, 6, 7, 8, 9, 10]);
        const some = await msgs.lookupRange(4, 9, 3);
        assert.deepEqual(some.map((m) => m.sequence), [4, 5, 6]);
        assertSameMsg(some[0], msg(4));
        assert.deepEqual(await msgs.lookupRange(11, 20, 5), []);
      }));

      it('getSequenceFromTimestamp finds the first message at or after a time', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        for (let i = 1; i <= 10; i++) msgs.store(msg(i, 'x', T0 + BigInt(i) * 100n));
        assert.equal(await msgs.getSequenceFromTimestamp(0n), 1);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 100n), 1);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 101n), 2);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 500n), 5);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 550n), 6);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 1000n), 10);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 1001n), 11);
      }));

      it('equal timestamps: the first of them is found', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        for (let i = 1; i <= 6; i++) msgs.store(msg(i, 'x', T0 + (i <= 3 ? 0n : 10n)));
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 5n), 4);
        assert.equal(await msgs.getSequenceFromTimestamp(T0 + 10n), 4);
      }));

      it('max_age expires old messages; then first = last+1', withStore(async ({ store }) => {
        const { msgs } = await chan(store(), limitsWith({ maxAge: 100 }));
        const now = BigInt(Date.now()) * 1_000_000n;
        msgs.store(msg(1, 'old', now - 10_000_000_000n));
        msgs.store(msg(2, 'new', now));
        msgs.store(msg(3, 'new', now));
        await msgs.flush();
        await waitFor(() => msgs.state().msgs === 0, 'all messages to expire');
        assert.equal(msgs.firstSequence(), 4);
        assert.equal(msgs.lastSequence(), 3);
        assert.deepEqual(msgs.state(), { msgs: 0, bytes: 0 });
        assert.equal(await msgs.lookup(3), undefined);
        assert.equal(await msgs.getSequenceFromTimestamp(now), 4);
        // sequences continue after everything expired
        msgs.store(msg(4, 'again', BigInt(Date.now()) * 1_000_000n));
        assert.equal(msgs.firstSequence(), 4);
        assert.equal(msgs.lastSequence(), 4);
        assert.equal(msgs.state().msgs, 1);
      }));

      it('max_age keeps messages younger than the limit', withStore(async ({ store }) => {
        const { msgs } = await chan(store(), limitsWith({ maxAge: 60_000 }));
        const now = BigInt(Date.now()) * 1_000_000n;
        msgs.store(msg(1, 'expired', now - 120_000_000_000n));
        msgs.store(msg(2, 'young', now));
        await msgs.flush();
        await waitFor(() => msgs.firstSequence() === 2, 'the old message to expire');
        assert.equal(msgs.state().msgs, 1);
        assert.ok(await msgs.lookup(2));
      }));

      it('empty() removes everything and sequences continue', withStore(async ({ store }) => {
        const { msgs } = await chan(store());
        for (let i = 1; i <= 4; i++) msgs.store(msg(i));
        await msgs.empty();
        assert.deepEqual(msgs.state(), { msgs: 0, bytes: 0 });
        assert.equal(await msgs.lookup(2), undefined);
        assert.equal(msgs.store(msg(5)), 5);
        assert.equal(msgs.lastSequence(), 5);
        assertSameMsg(await msgs.lookup(5), msg(5));
      }));

      it('channels are independent', withStore(async ({ store }) => {
        const a = await store().createChannel('a');
        const b = await store().createChannel('b');
        a.msgs.store(msg(1, 'a1', T0, 'a'));
        a.msgs.store(msg(2, 'a2', T0 + 1n, 'a'));
        b.msgs.store(msg(1, 'b1', T0, 'b'));
        assert.equal(a.msgs.lastSequence(), 2);
        assert.equal(b.msgs.lastSequence(), 1);
        assert.equal(Buffer.from((await b.msgs.lookup(1))!.data).toString(), 'b1');
      }));
    });

    describe('SubStore', () => {
      it('createSub assigns increasing IDs that are never reused', withStore(async ({ store }) => {
        const { subs } = await store().createChannel('foo');
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) { const s = sub(); await subs.createSub(s); ids.push(s.id); }
        assert.ok(ids[0] > 0);
        assert.ok(ids[0] < ids[1] && ids[1] < ids[2]);
        await subs.deleteSub(ids[2]);
        await subs.deleteSub(ids[1]);
        const s = sub();
        await subs.createSub(s);
        assert.ok(s.id > ids[2], `new id ${s.id} above every earlier id`);
      }));

      it('"too many subscriptions per channel" at max_subs; offline durables count', withStore(async ({ store }) => {
        store().setLimits(limitsWith({ maxSubscriptions: 2 }));
        const { subs } = await store().createChannel('foo');
        const durable = sub({ durableName: 'd', isDurable: true });
        await subs.createSub(durable);
        const plain = sub();
        await subs.createSub(plain);
        await rejectsWith(subs.createSub(sub()), STORE_ERRORS.tooManySubs);
        // a closed durable is still stored and still counts
        await subs.updateSub({ ...durable, isClosed: true });
        await rejectsWith(subs.createSub(sub()), STORE_ERRORS.tooManySubs);
        await subs.deleteSub(plain.id);
        await subs.createSub(sub());
      }));

      it('sub limits are per channel', withStore(async ({ store }) => {
        store().setLimits(limitsWith({ maxSubscriptions: 1 }));
        const a = await store().createChannel('a');
        const b = await store().createChannel('b');
        await a.subs.createSub(sub());
        await b.subs.createSub(sub());
        await rejectsWith(a.subs.createSub(sub()), STORE_ERRORS.tooManySubs);
      }));

      it('pending and acks are accepted for known subscriptions', withStore(async ({ store }) => {
        const { subs } = await store().createChannel('foo');
        const s = sub();
        await subs.createSub(s);
        for (let seq = 1; seq <= 100; seq++) subs.addSeqPending(s.id, seq);
        for (let seq = 1; seq <= 100; seq += 2) subs.ackSeqPending(s.id, seq);
        subs.ackSeqPending(s.id, 1000); // unknown ack: harmless
        await subs.flush();
      }));
    });

    if (opts.persistent) {
      describe('Recovery', () => {
        it('recovers server info, clients, channels, messages and subscriptions', withStore(async ({ store, reopen }) => {
          await store().init(serverInfo);
          await store().addClient(client('c1'));
          await store().addClient(client('c2'));
          await store().addClient(client('c3'));
          await store().deleteClient('c2');
          await store().addClient(client('c3', '_INBOX.c3-new'));
          const foo = await store().createChannel('foo');
          const bar = await store().createChannel('bar');
          const sent: Msg[] = [];
          for (let i = 1; i <= 5; i++) { const m = msg(i); sent.push(m); foo.msgs.store(m); }
          await foo.msgs.flush();
          const durable = sub({ clientId: 'c1', durableName: 'dur', isDurable: true, inbox: '_INBOX.d', ackInbox: '_INBOX.da' });
          const plain = sub({ clientId: 'c3', inbox: '_INBOX.p', ackInbox: '_INBOX.pa', maxInFlight: 7, ackWaitInSecs: 3 });
          const gone = sub({ clientId: 'c3' });
          await foo.subs.createSub(durable);
          await foo.subs.createSub(plain);
          await foo.subs.createSub(gone);
          foo.subs.addSeqPending(durable.id, 1);
          foo.subs.addSeqPending(durable.id, 2);
          foo.subs.addSeqPending(durable.id, 3);
          foo.subs.ackSeqPending(durable.id, 2);
          foo.subs.addSeqPending(plain.id, 5);
          await foo.subs.flush();
          await foo.subs.deleteSub(gone.id);
          await foo.subs.updateSub({ ...durable, isClosed: true, lastSent: 3 });
          await foo.subs.flush();

          const state = await reopen();
          assert.ok(state, 'state recovered');
          assert.deepEqual(state.info, serverInfo);
          const clients = [...state.clients].sort((a, b) => a.id.localeCompare(b.id));
          assert.deepEqual(clients.map((c) => [c.id, c.hbInbox]), [['c1', '_INBOX.c1'], ['c3', '_INBOX.c3-new']]);
          assert.deepEqual(Buffer.from(clients[0].connId).toString(), 'conn-c1');
          assert.equal(clients[0].protocol, 1);
          assert.equal(clients[0].pingInterval, 5);
          assert.equal(clients[0].pingMaxOut, 3);
          assert.deepEqual([...state.channels.keys()].sort(), ['bar', 'foo']);

          const rfoo = state.channels.get('foo')!;
          assert.equal(rfoo.channel.msgs.firstSequence(), 1);
          assert.equal(rfoo.channel.msgs.lastSequence(), 5);
          for (const m of sent) assertSameMsg(await rfoo.channel.msgs.lookup(m.sequence), m);
          assert.deepEqual(rfoo.channel.msgs.state(),
            { msgs: 5, bytes: sent.reduce((n, m) => n + m.encoded.length + overhead, 0) });

          const rsubs = [...rfoo.subscriptions].sort((a, b) => a.sub.id - b.sub.id);
          assert.equal(rsubs.length, 2);
          assert.deepEqual(rsubs[0].sub, { ...durable, isClosed: true, lastSent: 3 });
          assert.deepEqual([...rsubs[0].pending].sort((a, b) => a - b), [1, 3]);
          assert.equal(rsubs[1].sub.id, plain.id);
          assert.equal(rsubs[1].sub.maxInFlight, 7);
          assert.equal(rsubs[1].sub.ackWaitInSecs, 3);
          assert.equal(rsubs[1].sub.lastSent, 5, 'lastSent raised by the pending message');
          assert.deepEqual([...rsubs[1].pending], [5]);

          const rbar = state.channels.get('bar')!;
          assert.equal(rbar.channel.msgs.lastSequence(), 0);
          assert.deepEqual(rbar.subscriptions, []);
          // a recovered channel exists
          await rejectsWith(store().createChannel('foo'), STORE_ERRORS.alreadyExists);
        }));

        it('sequences and subscription IDs continue after recovery', withStore(async ({ store, reopen }) => {
          await store().init(serverInfo);
          const foo = await store().createChannel('foo');
          foo.msgs.store(msg(1));
          foo.msgs.store(msg(2));
          await foo.msgs.flush();
          const ids: number[] = [];
          for (let i = 0; i < 3; i++) { const s = sub(); await foo.subs.createSub(s); ids.push(s.id); }
          await foo.subs.deleteSub(ids[2]);
          await foo.subs.flush();
          const state = await reopen();
          const rfoo = state!.channels.get('foo')!.channel;
          assert.equal(rfoo.msgs.store(msg(3)), 3);
          await rfoo.msgs.flush();
          assert.equal(rfoo.msgs.lastSequence(), 3);
          const s = sub();
          await rfoo.subs.createSub(s);
          assert.ok(s.id > ids[2], `sub id ${s.id} not reused after recovery (max was ${ids[2]})`);
        }));

        it('a deleted channel is not recovered', withStore(async ({ store, reopen }) => {
          await store().init(serverInfo);
          const gone = await store().createChannel('gone');
          gone.msgs.store(msg(1));
          await gone.msgs.flush();
          await store().createChannel('kept');
          await store().deleteChannel('gone');
          const state = await reopen();
          assert.deepEqual([...state!.channels.keys()], ['kept']);
        }));

        it('init replaces the server info', withStore(async ({ store, reopen }) => {
          await store().init(serverInfo);
          await store().init({ ...serverInfo, nodeId: 'node-2', acksSubs: '_STAN.ack.x' });
          const state = await reopen();
          assert.deepEqual(state!.info, { ...serverInfo, nodeId: 'node-2', acksSubs: '_STAN.ack.x' });
        }));

        it('channels without server info: "no server state recovered but channels present"', withStore(async ({ store, reopen }) => {
          const foo = await store().createChannel('foo');
          foo.msgs.store(msg(1));
          await foo.msgs.flush();
          await assert.rejects(reopen(), { message: STORE_ERRORS.noServerStateButChannels });
        }));

        it('recovered limits-capped channel keeps first/last', withStore(async ({ store, reopen }) => {
          store().setLimits(limitsWith({ maxMsgs: 3 }));
          await store().init(serverInfo);
          const foo = await store().createChannel('foo');
          for (let i = 1; i <= 7; i++) foo.msgs.store(msg(i));
          await foo.msgs.flush();
          const state = await reopen(limitsWith({ maxMsgs: 3 }));
          const rfoo = state!.channels.get('foo')!.channel;
          assert.equal(rfoo.msgs.firstSequence(), 5);
          assert.equal(rfoo.msgs.lastSequence(), 7);
          assert.equal(rfoo.msgs.state().msgs, 3);
          assert.equal(await rfoo.msgs.lookup(4), undefined);
          assertSameMsg(await rfoo.msgs.lookup(7), msg(7));
        }));
      });
    } else {
      describe('Recovery (non-persistent store)', () => {
        it('recover() returns null even after data was stored', withStore(async ({ store }) => {
          await store().init(serverInfo);
          await store().addClient(client('c1'));
          const foo = await store().createChannel('foo');
          foo.msgs.store(msg(1));
          await foo.msgs.flush();
          assert.equal(await store().recover(), null);
        }));
      });
    }
  });
}
