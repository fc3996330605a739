/**
 * The allocation-free decoders and encoders of the publish/ack hot path give
 * exactly what the general ones give: the same fields, the same failures on
 * malformed input, the same bytes.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AckView, PubMsgView, decodeAck, decodeAckInto, decodePubMsg, decodePubMsgInto, encodeAck, encodePubAck,
  encodePubAckFromBytes, encodePubMsg, pubMsgFieldsOf,
} from '../../src/protocol/stan-codec.js';
import { makeMsg, makeMsgFrom, msgFromEncoded } from '../../src/protocol/stan-msg.js';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function outcome<T>(f: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
}

const pubMsgs: Uint8Array[] = [
  encodePubMsg({ clientId: 'me', guid: 'g1', subject: 'foo', data: Buffer.from('hello'), connId: Buffer.from('cid') }),
  encodePubMsg({ clientId: 'me', guid: 'g2', subject: 'foo.bar', reply: 'r', data: new Uint8Array(128).fill(7) }),
  encodePubMsg({ guid: 'g3', subject: 'big', data: new Uint8Array(20000).fill(1), sha256: new Uint8Array(32).fill(2) }),
  encodePubMsg({ clientId: 'ü-client', guid: 'gü', subject: 'chännel' }),
  encodePubMsg({}),
  // an unknown length-delimited field (7), an unknown varint field (8) and a repeated subject (the last wins)
  Buffer.concat([
    encodePubMsg({ clientId: 'me', subject: 'first' }), Buffer.from([0x3a, 0x01, 0x41, 0x40, 0x05]),
    encodePubMsg({ subject: 'second', guid: 'g' }),
  ]),
];

describe('PubMsgView', () => {
  it('decodes what decodePubMsg decodes, valid or not', () => {
    const rnd = prng(12345);
    const inputs: Uint8Array[] = [...pubMsgs];
    for (const m of pubMsgs) {
      for (let cut = 0; cut < Math.min(m.length, 40); cut++) inputs.push(m.subarray(0, cut));
      for (let i = 0; i < 20; i++) {
        const bad = Uint8Array.from(m.subarray(0, Math.min(m.length, 200)));
        if (bad.length > 0) bad[rnd() % bad.length] = rnd() & 0xff;
        inputs.push(bad);
      }
    }
    for (let i = 0; i < 200; i++) inputs.push(Uint8Array.from({ length: rnd() % 24 }, () => rnd() & 0xff));
    const v = new PubMsgView();
    for (const input of inputs) {
      const want = outcome(() => decodePubMsg(input));
      const got = outcome(() => { decodePubMsgInto(input, v); return pubMsgFieldsOf(v); });
      assert.equal(got.ok, want.ok, `ok for ${Buffer.from(input).toString('hex')}`);
      if (got.ok && want.ok) assert.deepEqual(got.value, want.value, Buffer.from(input).toString('hex'));
    }
  });

  it('builds the PubAck from the guid bytes as encodePubAck does from the string', () => {
    const v = new PubMsgView();
    for (const m of pubMsgs) {
      decodePubMsgInto(m, v);
      const pm = decodePubMsg(m);
      assert.deepEqual(Buffer.from(encodePubAckFromBytes(m, v.guidStart, v.guidEnd)), Buffer.from(encodePubAck(pm.guid)));
    }
  });
});

describe('AckView', () => {
  it('decodes what decodeAck decodes, valid or not', () => {
    const rnd = prng(777);
    const acks = [encodeAck('foo', 1), encodeAck('foo.bar', 2 ** 40 + 3), encodeAck('', 5), encodeAck('x', 0), encodeAck('chännel', 127), encodeAck('s'.repeat(200), 2 ** 50 + 1), encodeAck('a', 2 ** 49 - 1), encodeAck('a', 2 ** 49)];
    const inputs: Uint8Array[] = [...acks];
    for (const a of acks) for (let cut = 0; cut < a.length; cut++) inputs.push(a.subarray(0, cut));
    for (let i = 0; i < 300; i++) inputs.push(Uint8Array.from({ length: rnd() % 16 }, () => rnd() & 0xff));
    const v = new AckView();
    for (const input of inputs) {
      const want = outcome(() => decodeAck(input));
      const got = outcome(() => {
        decodeAckInto(input, v);
        return { subject: Buffer.from(input.subarray(v.subjectStart, v.subjectEnd)).toString('utf8'), sequence: v.sequence };
      });
      assert.equal(got.ok, want.ok, `ok for ${Buffer.from(input).toString('hex')}`);
      if (got.ok && want.ok) assert.deepEqual(got.value, want.value, Buffer.from(input).toString('hex'));
    }
  });
});

describe('makeMsgFrom', () => {
  it('encodes a range of a buffer as makeMsg encodes the same bytes', () => {
    const src = Buffer.alloc(300);
    for (let i = 0; i < src.length; i++) src[i] = i & 0xff;
    for (const [from, to] of [[0, 0], [3, 10], [10, 73], [0, 300], [100, 299], [0, 257], [1, 300]]) {
      const data = Uint8Array.from(src.subarray(from, to));
      const want = makeMsg(9, 'foo', from === 3 ? 'reply' : '', data, 1_700_000_000_000_000_123n);
      const got = makeMsgFrom(9, 'foo', from === 10 ? Buffer.from('foo') : null, from === 3 ? 'reply' : '', src, from, to, 1_700_000_000_000_000_123n);
      assert.deepEqual(Buffer.from(got.encoded), Buffer.from(want.encoded));
      assert.deepEqual(Buffer.from(got.data), Buffer.from(data));
      const back = msgFromEncoded(got.encoded);
      assert.deepEqual([back.sequence, back.subject, back.reply, back.timestamp], [9, 'foo', want.reply, want.timestamp]);
      assert.deepEqual(Buffer.from(back.data), Buffer.from(data));
    }
  });
});
