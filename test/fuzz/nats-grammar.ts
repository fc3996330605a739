/**
 * Grammar-aware generation of NATS client-protocol streams: a list of well-formed
 * operations (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG) with random subjects,
 * sizes and payloads, then mutations that keep most of the structure (a byte
 * flipped, inserted or dropped, a size made wrong, a CRLF lost, a chunk repeated,
 * the stream cut). Payload sizes always match their bytes before mutation.
 */
import fc from 'fast-check';
import { subjectArb, tokenArb } from './fuzz-env.js';

/** A token as the grammar allows it (no blanks, no line ends, not empty). */
const wordArb = tokenArb.map((t) => t.replace(/[\s]/g, '_') || '_');
const cleanSubjectArb = subjectArb.map((s) => s.replace(/[\s]/g, '_').replace(/^$/, '_'));
const sidArb = fc.oneof(fc.nat({ max: 99 }).map(String), wordArb);
const payloadArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'binary-ascii' }) },
  { weight: 1, arbitrary: fc.constantFrom('\r\n', 'PING\r\n', 'PUB x 1\r\n', '\r', '\n') },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => 'z'.repeat(n)) },
);
const verbArb = (v: string) => fc.constantFrom(v, v.toLowerCase(), v[0] + v.slice(1).toLowerCase());
const wsArb = fc.constantFrom(' ', ' ', ' ', '\t', '  ');

export const connectJsonArb = fc.oneof(
  fc.constant('{"verbose":false,"pedantic":false,"headers":true}'),
  fc.constant('{"verbose":true,"pedantic":true,"headers":true,"echo":false}'),
  fc.json({ maxDepth: 2 }),
);

function opArbWith(subjectArb: fc.Arbitrary<string>, tokenArb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
  fc.tuple(verbArb('CONNECT'), wsArb, connectJsonArb).map(([v, w, j]) => `${v}${w}${j}\r\n`),
  fc.tuple(verbArb('PUB'), wsArb, subjectArb, fc.option(subjectArb), payloadArb)
    .map(([v, w, s, r, p]) => `${v}${w}${s}${r === null ? '' : ` ${r}`} ${Buffer.byteLength(p, 'latin1')}\r\n${p}\r\n`),
  fc.tuple(verbArb('HPUB'), subjectArb, fc.option(subjectArb), fc.string({ maxLength: 20, unit: 'binary-ascii' }), payloadArb)
    .map(([v, s, r, h, p]) => {
      const hdr = `NATS/1.0\r\nX-K: ${h.replace(/[\r\n]/g, '')}\r\n\r\n`;
      return `${v} ${s}${r === null ? '' : ` ${r}`} ${hdr.length} ${hdr.length + p.length}\r\n${hdr}${p}\r\n`;
    }),
  fc.tuple(verbArb('SUB'), subjectArb, fc.option(tokenArb), sidArb)
    .map(([v, s, q, sid]) => `${v} ${s}${q === null ? '' : ` ${q}`} ${sid}\r\n`),
  fc.tuple(verbArb('UNSUB'), sidArb, fc.option(fc.oneof(fc.nat(), fc.constantFrom('-1', '99999999999999999999', 'x'))))
    .map(([v, sid, m]) => `${v} ${sid}${m === null ? '' : ` ${m}`}\r\n`),
  verbArb('PING').map((v) => `${v}\r\n`),
  verbArb('PONG').map((v) => `${v}\r\n`),
  );
}

/** Well-formed operations, as latin1 bytes. */
export const streamArb: fc.Arbitrary<Buffer> = fc.array(opArbWith(cleanSubjectArb, wordArb), { minLength: 1, maxLength: 12 })
  .map((ops) => Buffer.from(ops.join(''), 'latin1'));

/** Operations whose subjects and tokens may hold anything (blanks, control bytes, inherited names). */
const roughStreamArb: fc.Arbitrary<Buffer> = fc.array(opArbWith(subjectArb, tokenArb), { minLength: 1, maxLength: 12 })
  .map((ops) => Buffer.from(ops.join(''), 'latin1'));

type Mutation = (b: Buffer, at: number, x: number) => Buffer;
const MUTATIONS: Mutation[] = [
  (b, at, x) => { const c = Buffer.from(b); c[at] = x; return c; },                             // replace a byte
  (b, at, x) => Buffer.concat([b.subarray(0, at), Buffer.from([x]), b.subarray(at)]),            // insert one
  (b, at) => Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]),                             // drop one
  (b, at) => b.subarray(0, at),                                                                   // cut the stream
  (b, at, x) => Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + x), b.subarray(at)]),  // repeat a chunk
  (b) => Buffer.from(b.toString('latin1').replace(/ (\d+)\r\n/, ' 99999999\r\n'), 'latin1'),     // a size way off
  (b) => Buffer.from(b.toString('latin1').replace(/ (\d+)\r\n/, ' -1\r\n'), 'latin1'),
  (b) => Buffer.from(b.toString('latin1').replace('\r\n', '\n'), 'latin1'),                     // a bare LF
  (b) => Buffer.from(b.toString('latin1').replace('\r\n', ''), 'latin1'),                       // two lines glued
];

export const mutatedStreamArb: fc.Arbitrary<Buffer> = fc.tuple(
  fc.oneof(streamArb, roughStreamArb),
  fc.array(fc.tuple(fc.nat({ max: MUTATIONS.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
).map(([b, muts]) => {
  for (const [m, where, x] of muts) {
    if (b.length === 0) break;
    b = MUTATIONS[m](b, Math.min(b.length - 1, Math.floor(where * b.length)), x);
  }
  return b;
});
