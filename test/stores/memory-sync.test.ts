/**
 * The memory store's optional synchronous answers, which let the server skip
 * flush turns and read catch-up batches without awaiting: `needsFlush()` is
 * false, and `lookupRangeSync` returns what `lookupRange` resolves to.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeMsg } from '../../src/protocol/stan-msg.js';
import { createStore } from '../../src/stores/factory.js';
import { DEFAULT_STORE_LIMITS } from '../../src/stores/limits.js';
import { silentLogger } from '../../src/util/logger.js';

describe('memory store, synchronous answers', () => {
  it('has nothing to flush and reads ranges synchronously as lookupRange does', async () => {
    const store = await createStore('memory', { limits: { ...DEFAULT_STORE_LIMITS, maxMsgs: 5 } }, silentLogger);
    try {
      const cs = await store.createChannel('foo');
      assert.equal(cs.msgs.needsFlush?.(), false);
      assert.equal(cs.subs.needsFlush?.(), false);
      for (let seq = 1; seq <= 8; seq++) cs.msgs.store(makeMsg(seq, 'foo', '', Buffer.from(`m${seq}`), BigInt(seq)));
      const readSync = cs.msgs.lookupRangeSync?.bind(cs.msgs);
      assert.ok(readSync !== undefined);
      const ranges: Array<[number, number, number]> = [[1, 8, 100], [4, 6, 100], [5, 8, 2], [9, 12, 10], [1, 3, 10]];
      for (const [from, to, max] of ranges) {
        const got: number[] = readSync(from, to, max).map((m) => m.sequence);
        const want: number[] = (await cs.msgs.lookupRange(from, to, max)).map((m) => m.sequence);
        assert.deepEqual(got, want, `${from}..${to} max ${max}`);
      }
      assert.deepEqual(readSync(1, 8, 100).map((m) => m.sequence), [4, 5, 6, 7, 8]);
    } finally {
      await store.close();
    }
  });
});
