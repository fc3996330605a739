/**
 * The memory store's layout (src/stores/memory/msg-slabs.ts): message bytes in
 * shared slabs, only the newest messages kept as objects. Long channels put most
 * messages on the decoded path, slabs are dropped as limits remove messages, a
 * message larger than a slab gets one of its own, sequence gaps stay holes.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeMsg } from '../../src/protocol/stan-msg.js';
import { DEFAULT_STORE_LIMITS } from '../../src/stores/limits.js';
import { MemoryMsgStore } from '../../src/stores/memory/msg-store.js';
import { silentLogger } from '../../src/util/logger.js';

/** Payload of message `seq`: its number, padded to a size that varies with it. */
function payload(seq: number): Buffer {
  const head = Buffer.from(`m${seq}:`);
  return Buffer.concat([head, Buffer.alloc(seq % 300, seq % 251)]);
}

function channel(maxMsgs = 0): MemoryMsgStore {
  return new MemoryMsgStore('slabs', { ...DEFAULT_STORE_LIMITS, maxMsgs, maxBytes: 0, maxAge: 0 }, silentLogger);
}

describe('memory store slabs', () => {
  it('returns every message of a long channel intact, old ones decoded from their slab', async () => {
    const ms = channel();
    const n = 30_000;
    for (let seq = 1; seq <= n; seq++) ms.store(makeMsg(seq, 'slabs', seq % 7 === 0 ? 'reply' : '', payload(seq), 1000n + BigInt(seq)));
    for (const seq of [1, 2, 777, 12_345, n - 9000, n - 1, n]) {
      const m = await ms.lookup(seq);
      assert.ok(m, `seq ${seq}`);
      assert.equal(m.sequence, seq);
      assert.equal(m.subject, 'slabs');
      assert.equal(m.reply, seq % 7 === 0 ? 'reply' : '');
      assert.deepEqual(Buffer.from(m.data), payload(seq));
      assert.equal(m.timestamp, 1000n + BigInt(seq));
    }
    const range = ms.lookupRangeSync(9_990, 20_000, 50);
    assert.deepEqual(range.map((m) => m.sequence), Array.from({ length: 50 }, (_, i) => 9_990 + i));
    assert.equal(await ms.getSequenceFromTimestamp(1000n + 4321n), 4321);
    assert.equal(await ms.getSequenceFromTimestamp(0n), 1);
    assert.equal(await ms.getSequenceFromTimestamp(1000n + BigInt(n) + 1n), n + 1);
    assert.equal(ms.state().msgs, n);
    assert.equal(ms.state().bytes, sumEncoded(ms, 1, n));
  });

  it('drops the oldest messages by limit across slabs and keeps the rest readable', async () => {
    const ms = channel(5_000);
    for (let seq = 1; seq <= 40_000; seq++) ms.store(makeMsg(seq, 'slabs', '', payload(seq), BigInt(seq)));
    assert.equal(ms.firstSequence(), 35_001);
    assert.equal(ms.lastSequence(), 40_000);
    assert.equal(await ms.lookup(35_000), undefined);
    assert.deepEqual(Buffer.from((await ms.lookup(35_001))!.data), payload(35_001));
    assert.equal(ms.state().msgs, 5_000);
    assert.equal(ms.state().bytes, sumEncoded(ms, 35_001, 40_000));
  });

  it('stores a message larger than a slab and skips sequence gaps', async () => {
    const ms = channel();
    const big = Buffer.alloc(3 << 20, 7);
    ms.store(makeMsg(1, 'slabs', '', Buffer.from('a'), 1n));
    ms.store(makeMsg(2, 'slabs', '', big, 2n));
    ms.store(makeMsg(5, 'slabs', '', Buffer.from('c'), 5n));
    assert.equal((await ms.lookup(2))!.data.length, big.length);
    assert.equal(await ms.lookup(3), undefined);
    assert.deepEqual(ms.lookupRangeSync(1, 10, 10).map((m) => m.sequence), [1, 2, 5]);
    assert.equal(await ms.getSequenceFromTimestamp(3n), 5);
    await ms.empty();
    assert.equal(ms.state().msgs, 0);
    assert.equal(ms.firstSequence(), 6);
    ms.store(makeMsg(6, 'slabs', '', Buffer.from('d'), 6n));
    assert.equal(Buffer.from((await ms.lookup(6))!.data).toString(), 'd');
  });
});

function sumEncoded(ms: MemoryMsgStore, from: number, to: number): number {
  let bytes = 0;
  for (let s = from; s <= to; s++) bytes += ms.lookupSync(s)?.encoded.length ?? 0;
  return bytes;
}
