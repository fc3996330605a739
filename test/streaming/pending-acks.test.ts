/**
 * PendingAcks against a Map model: random deliveries (mostly ascending, some
 * out of order), acks, deadline updates and clears; after every step the same
 * size, membership, deadlines and ascending order.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { PendingAcks } from '../../src/streaming/pending-acks.js';

type Op =
  | { kind: 'deliver'; gap: number }
  | { kind: 'insert'; seq: number }
  | { kind: 'ack'; pick: number }
  | { kind: 'ackMissing'; seq: number }
  | { kind: 'touch'; pick: number; deadline: number }
  | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('deliver' as const), gap: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), seq: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ackMissing' as const), seq: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('touch' as const), pick: fc.nat(), deadline: fc.integer({ min: 1, max: 1e6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);

function check(p: PendingAcks, model: Map<number, number>): void {
  assert.equal(p.size, model.size);
  const sorted = [...model.keys()].sort((a, b) => a - b);
  assert.deepEqual([...p.keys()], sorted);
  assert.deepEqual([...p], sorted.map((k) => [k, model.get(k)]));
  assert.deepEqual([...p.values()], sorted.map((k) => model.get(k)));
  for (const k of sorted) {
    assert.ok(p.has(k));
    assert.equal(p.get(k), model.get(k));
  }
}

describe('PendingAcks', () => {
  it('behaves as a Map of sequence to deadline, iterated in sequence order', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const p = new PendingAcks();
      const model = new Map<number, number>();
      let next = 1;
      let clock = 1000;
      for (const o of ops) {
        switch (o.kind) {
          case 'deliver':
            next += o.gap - 1;
            p.set(next, ++clock);
            model.set(next, clock);
            next++;
            break;
          case 'insert':
            p.set(o.seq, ++clock);
            model.set(o.seq, clock);
            if (o.seq >= next) next = o.seq + 1;
            break;
          case 'ack': {
            const keys = [...model.keys()];
            if (keys.length === 0) break;
            const k = keys[o.pick % keys.length];
            assert.equal(p.delete(k), true);
            model.delete(k);
            break;
          }
          case 'ackMissing':
            assert.equal(p.delete(o.seq), model.delete(o.seq));
            break;
          case 'touch': {
            const keys = [...model.keys()];
            if (keys.length === 0) break;
            const k = keys[o.pick % keys.length];
            p.set(k, o.deadline);
            model.set(k, o.deadline);
            break;
          }
          case 'clear':
            p.clear();
            model.clear();
            break;
        }
        check(p, model);
      }
    }), { seed: 20261204, numRuns: 300 });
  });

  it('a long run of deliveries acked in order keeps its memory bounded', () => {
    const p = new PendingAcks();
    for (let seq = 1; seq <= 100_000; seq++) {
      p.set(seq, seq);
      if (seq > 50) assert.equal(p.delete(seq - 50), true);
    }
    assert.equal(p.size, 50);
    assert.deepEqual([...p.keys()].slice(0, 2), [99_951, 99_952]);
    // internal arrays stay near the in-flight count rather than growing with the run
    const capacity = (p as unknown as { seqs: Float64Array }).seqs.length;
    assert.ok(capacity <= 256, `capacity ${capacity}`);
  });
});
