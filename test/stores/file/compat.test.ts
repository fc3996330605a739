/**
 * Byte compatibility with nats-streaming-server data directories: the spec's
 * sample (written by the Go server 0.25.3) is reproduced byte for byte, read back,
 * and extended; files of a bigger scenario are checked record by record with an
 * independent parser.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeMsg, type Msg } from '../../../src/protocol/stan-msg.js';
import { DEFAULT_STORE_LIMITS } from '../../../src/stores/limits.js';
import { FileStore } from '../../../src/stores/file/index.js';
import type { ClientInfo, ServerInfo, SubState } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { GO_SAMPLE } from './fixtures/go-sample.js';
import { listFiles, parseIndexFile, parseRecordFile, protoFields, tempDir } from './helpers.js';

const TS1 = 1795978802481625349n;
const TS2 = 1795978802483843941n;

const ticketing: ServerInfo = {
  clusterId: 'ticketing', discovery: '_STAN.discover.ticketing', publish: '_STAN.pub.ticketing',
  subscribe: '_STAN.sub.ticketing', unsubscribe: '_STAN.unsub.ticketing', close: '_STAN.close.ticketing',
  subClose: '_STAN.subclose.ticketing', acksSubs: '_STAN.ack.ticketing', nodeId: '',
};

const c1: ClientInfo = {
  id: 'c1', hbInbox: '_INBOX.QK0D1I7U31UNNGBZM5UD33', connId: Buffer.from('QK0D1I7U31UNNGBZM5UD8F'),
  protocol: 1, pingInterval: 5, pingMaxOut: 3,
};

function durable(): SubState {
  return {
    id: 0, clientId: 'c1', qGroup: '', inbox: '_INBOX.QK0D1I7U31UNNGBZM5UDLR', ackInbox: '_INBOX.1yHlum4hZZOnum33iQ3AK2',
    maxInFlight: 16384, ackWaitInSecs: 30, durableName: 'dur', lastSent: 0, isDurable: true, isClosed: false,
  };
}

function writeSample(dir: string): void {
  for (const [name, hex] of Object.entries(GO_SAMPLE)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), Buffer.from(hex, 'hex'));
  }
}

describe('file store: compatibility with Go-written directories', () => {
  it('writes the sample scenario byte for byte like nats-streaming-server', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir }, silentLogger);
      assert.equal(await store.recover(), null);
      await store.init(ticketing);
      await store.addClient(c1);
      const foo = await store.createChannel('foo');
      foo.msgs.store(makeMsg(1, 'foo', '', Buffer.from('hello'), TS1));
      foo.msgs.store(makeMsg(2, 'foo', '', Buffer.from('world'), TS2));
      await foo.msgs.flush();
      const sub = durable();
      await foo.subs.createSub(sub);
      assert.equal(sub.id, 1);
      foo.subs.addSeqPending(1, 1);
      foo.subs.addSeqPending(1, 2);
      foo.subs.ackSeqPending(1, 1);
      await foo.subs.flush();
      await foo.subs.updateSub({ ...sub, lastSent: 2, isClosed: true });
      await store.deleteClient('c1');
      await store.close();

      assert.deepEqual(listFiles(dir), Object.keys(GO_SAMPLE).sort(), 'same files, no lock left behind');
      for (const [name, hex] of Object.entries(GO_SAMPLE)) {
        assert.equal(fs.readFileSync(path.join(dir, name)).toString('hex'), hex, name);
      }
    } finally {
      await cleanup();
    }
  });

  it('recovers the Go-written sample and appends to it in the same format', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      writeSample(dir);
      const store = await FileStore.open({ dir }, silentLogger);
      const state = await store.recover();
      assert.ok(state);
      assert.deepEqual(state.info, ticketing);
      assert.deepEqual(state.clients, [], 'c1 was deleted');
      const foo = state.channels.get('foo');
      assert.ok(foo);
      const msgs = foo.channel.msgs;
      assert.equal(msgs.firstSequence(), 1);
      assert.equal(msgs.lastSequence(), 2);
      assert.deepEqual(msgs.state(), { msgs: 2, bytes: 2 * (24 + 40) });
      const m1 = await msgs.lookup(1);
      const m2 = await msgs.lookup(2);
      assert.equal(Buffer.from(m1!.data).toString(), 'hello');
      assert.equal(m1!.timestamp, TS1);
      assert.equal(Buffer.from(m2!.data).toString(), 'world');
      assert.equal(m2!.timestamp, TS2);
      assert.equal(await msgs.getSequenceFromTimestamp(TS2), 2);
      assert.equal(foo.subscriptions.length, 1);
      assert.deepEqual(foo.subscriptions[0].sub, { ...durable(), id: 1, lastSent: 2, isClosed: true });
      assert.deepEqual([...foo.subscriptions[0].pending], [2]);

      // carry on: a third message, a new subscription ID, a new client
      msgs.store(makeMsg(3, 'foo', '', Buffer.from('again'), TS2 + 1000n));
      await msgs.flush();
      const s2 = { ...durable(), durableName: '' };
      await foo.channel.subs.createSub(s2);
      assert.equal(s2.id, 2);
      await store.addClient({ ...c1, id: 'c2' });
      await store.close();

      const dat = fs.readFileSync(path.join(dir, 'foo/msgs.1.dat'));
      const idx = fs.readFileSync(path.join(dir, 'foo/msgs.1.idx'));
      assert.equal(dat.subarray(0, 68).toString('hex'), GO_SAMPLE['foo/msgs.1.dat'], 'existing bytes untouched');
      assert.equal(idx.subarray(0, 68).toString('hex'), GO_SAMPLE['foo/msgs.1.idx']);
      const recs = parseRecordFile(dat, false);
      assert.deepEqual(recs.map((r) => r.offset), [4, 36, 68]);
      const entries = parseIndexFile(idx);
      assert.deepEqual(entries.map((e) => [e.seq, e.offset, e.size]), [[1, 4, 24], [2, 36, 24], [3, 68, recs[2].size]]);
      assert.equal(entries[2].timestamp, TS2 + 1000n);
      const subs = parseRecordFile(fs.readFileSync(path.join(dir, 'foo/subs.dat')), true);
      assert.deepEqual(subs.map((r) => r.type), [1, 5, 5, 4, 2, 1]);
      const clients = parseRecordFile(fs.readFileSync(path.join(dir, 'clients.dat')), true);
      assert.deepEqual(clients.map((r) => r.type), [1, 2, 1]);
    } finally {
      await cleanup();
    }
  });

  it('message slices, index entries and records follow the layout record by record', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir, sliceMaxMsgs: 3 }, silentLogger);
      store.setLimits({ ...DEFAULT_STORE_LIMITS });
      await store.init(ticketing);
      const ch = await store.createChannel('orders.created');
      const sent: Msg[] = [];
      for (let i = 1; i <= 7; i++) {
        const m = makeMsg(i, 'orders.created', i === 4 ? '_INBOX.reply' : '', Buffer.from(`payload-${i}`.repeat(i)), 1_700_000_000_000_000_000n + BigInt(i));
        sent.push(m);
        ch.msgs.store(m);
      }
      await ch.msgs.flush();
      assert.equal(ch.msgs.state().bytes, sent.reduce((n, m) => n + m.encoded.length + 40, 0));
      await store.close();

      assert.deepEqual(listFiles(dir), [
        'orders.created/msgs.1.dat', 'orders.created/msgs.1.idx', 'orders.created/msgs.2.dat',
        'orders.created/msgs.2.idx', 'orders.created/msgs.3.dat', 'orders.created/msgs.3.idx',
        'orders.created/subs.dat', 'server.dat',
      ]);
      let seq = 1;
      for (const n of [1, 2, 3]) {
        const recs = parseRecordFile(fs.readFileSync(path.join(dir, `orders.created/msgs.${n}.dat`)), false);
        const idx = parseIndexFile(fs.readFileSync(path.join(dir, `orders.created/msgs.${n}.idx`)));
        assert.equal(recs.length, idx.length);
        assert.equal(recs.length, n < 3 ? 3 : 1);
        for (let i = 0; i < recs.length; i++, seq++) {
          const m = sent[seq - 1];
          assert.deepEqual(recs[i].payload, Buffer.from(m.encoded), `record of seq ${seq} is the MsgProto`);
          assert.deepEqual(idx[i], { seq, offset: recs[i].offset, timestamp: m.timestamp, size: recs[i].size });
          const f = protoFields(recs[i].payload);
          assert.deepEqual(f.map(([no]) => no), seq === 4 ? [1, 2, 3, 4, 5] : [1, 2, 4, 5], 'fields in number order, defaults omitted');
        }
      }
      const server = parseRecordFile(fs.readFileSync(path.join(dir, 'server.dat')), false);
      assert.equal(server.length, 1);
      assert.deepEqual(protoFields(server[0].payload).map(([no]) => no), [1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await cleanup();
    }
  });

  it('compaction rewrites subs.dat as new + msg records of live subscriptions', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir, compactMinFileSize: 0, compactInterval: 1, compactFragmentation: 50 }, silentLogger);
      await store.init(ticketing);
      const ch = await store.createChannel('foo');
      const keep = durable();
      const gone = { ...durable(), durableName: 'gone' };
      await ch.subs.createSub(keep);
      await ch.subs.createSub(gone);
      for (let seq = 1; seq <= 6; seq++) { ch.subs.addSeqPending(keep.id, seq); ch.subs.addSeqPending(gone.id, seq); }
      for (let seq = 1; seq <= 4; seq++) ch.subs.ackSeqPending(keep.id, seq);
      await ch.subs.flush();
      await ch.subs.deleteSub(gone.id); // fragmentation well above 50 %: compacts
      await ch.subs.flush();
      await store.close();
      const recs = parseRecordFile(fs.readFileSync(path.join(dir, 'foo/subs.dat')), true);
      assert.deepEqual(recs.map((r) => r.type), [1, 5, 5, 3], 'live sub, its pending, the highest ID deleted');
      assert.deepEqual(protoFields(recs[1].payload), [[1, 1n], [2, 5n]]);
      assert.deepEqual(protoFields(recs[2].payload), [[1, 1n], [2, 6n]]);
      assert.deepEqual(protoFields(recs[3].payload), [[1, 2n]]);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('subs')), [], 'no temporary file left');

      const again = await FileStore.open({ dir }, silentLogger);
      const state = await again.recover();
      const subs = state!.channels.get('foo')!.subscriptions;
      assert.equal(subs.length, 1);
      assert.equal(subs[0].sub.lastSent, 6);
      assert.deepEqual([...subs[0].pending].sort(), [5, 6]);
      const next = durable();
      await state!.channels.get('foo')!.channel.subs.createSub(next);
      assert.equal(next.id, 3, 'deleted IDs are not reused after compaction either');
      await again.close();
    } finally {
      await cleanup();
    }
  });
});
