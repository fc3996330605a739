/**
 * Micro-benchmark: hand-written hot-path STAN codecs vs the protoc-gen-es
 * generated code (reflection-based). Justifies the hand-written codecs in
 * src/protocol/stan-codec.ts and stan-msg.ts.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/stan-codec.js
 */

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';

import { AckSchema, MsgProtoSchema, PubAckSchema, PubMsgSchema } from '../src/protocol/gen/stan_pb.js';
import { decodeAck, decodePubMsg, encodeAck, encodePubAck, encodePubMsg } from '../src/protocol/stan-codec.js';
import { makeMsg } from '../src/protocol/stan-msg.js';

const N = Number(process.env.N ?? 500_000);

function bench(name: string, fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / N;
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns/op`);
  return ns;
}

const data = Buffer.alloc(128, 0x61);
const pubMsg = encodePubMsg({
  clientId: 'bench-pub-1', guid: 'KDgnQt0Ku7o0dtFpGZ4LU1', subject: 'bench', data,
  connId: Buffer.from('KDgnQt0Ku7o0dtFpGZ4LRt'),
});
const ack = encodeAck('bench', 123456);
const ts = 1_700_000_000_123_456_789n;

const rows: Array<[string, number, number]> = [];
function pair(name: string, hand: () => unknown, gen: () => unknown): void {
  const h = bench(`${name} (hand-written)`, hand);
  const g = bench(`${name} (generated)`, gen);
  rows.push([name, h, g]);
}

pair('PubMsg decode', () => decodePubMsg(pubMsg), () => fromBinary(PubMsgSchema, pubMsg));
pair('Ack decode', () => decodeAck(ack), () => fromBinary(AckSchema, ack));
pair('PubAck encode', () => encodePubAck('KDgnQt0Ku7o0dtFpGZ4LU1'),
  () => toBinary(PubAckSchema, create(PubAckSchema, { guid: 'KDgnQt0Ku7o0dtFpGZ4LU1' })));
let seq = 0;
pair('MsgProto encode (128 B)', () => makeMsg(++seq, 'bench', '', data, ts),
  () => toBinary(MsgProtoSchema, create(MsgProtoSchema, { sequence: BigInt(++seq), subject: 'bench', data, timestamp: ts })));

console.log('\nspeed-up (generated / hand-written):');
for (const [name, h, g] of rows) console.log(`  ${name.padEnd(28)} ${(g / h).toFixed(1)}x`);
