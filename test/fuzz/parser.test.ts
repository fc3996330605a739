/**
 * The core protocol parser alone (in process, so thousands of streams a second):
 * generated well-formed and mutated streams, each fed whole and split at every
 * byte position (and byte by byte). The parser must never throw, must stop at
 * its first error, and the events must not depend on how TCP cut the stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parserRecorder, type ParserEvent } from '../support/parser-recorder.js';
import { NatsErr } from '../../src/protocol/nats-errors.js';
import { fuzzParams } from './fuzz-env.js';
import { mutatedStreamArb, streamArb } from './nats-grammar.js';

type Event = ParserEvent;
const LIMITS = { maxControlLine: 1024, maxPayload: 4096, headers: true };

function parseChunks(chunks: Buffer[]): Event[] {
  const { parser, events } = parserRecorder(LIMITS);
  // each chunk in a fresh buffer, as a socket hands them over
  for (const c of chunks) parser.parse(Buffer.from(c));
  return events;
}

const ERRORS = new Set<unknown>([null, ...Object.values(NatsErr)]);

function checkStream(b: Buffer): void {
  const whole = parseChunks([b]);
  const errors = whole.filter((e) => e[0] === 'error');
  assert.ok(errors.length <= 1, 'one protocol error at most');
  if (errors.length === 1) {
    assert.equal(whole[whole.length - 1][0], 'error', 'nothing is delivered after the error');
    assert.ok(ERRORS.has(errors[0][1]), `documented error text: ${String(errors[0][1])}`);
  }
  // every byte for usual streams; long ones (big payloads) every few bytes
  const step = Math.ceil(b.length / 600);
  for (let i = 1; i < b.length; i += step) {
    assert.deepEqual(parseChunks([b.subarray(0, i), b.subarray(i)]), whole, `split at byte ${i}`);
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < b.length; i++) bytes.push(b.subarray(i, i + 1));
  assert.deepEqual(parseChunks(bytes), whole, 'byte by byte');
}

describe('fuzz: core parser', () => {
  it('well-formed streams: same events however they are split, no error', () => {
    fc.assert(fc.property(streamArb, (b) => {
      checkStream(b);
      const ev = parseChunks([b]);
      const err = ev.find((e) => e[0] === 'error');
      // only limits may refuse a well-formed operation
      assert.ok(!err || err[1] === NatsErr.maxPayload || err[1] === NatsErr.maxControlLine, `unexpected ${String(err?.[1])}`);
    }), fuzzParams(100));
  });

  it('mutated streams: never throws, one documented error at most, split-invariant', () => {
    fc.assert(fc.property(mutatedStreamArb, checkStream), fuzzParams(200));
  });
});
