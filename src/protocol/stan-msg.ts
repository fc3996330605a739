/**
 * MsgProto, the stored and delivered message, with a hand-written codec.
 *
 * Why hand-written: every published message is encoded once and every delivery
 * sends bytes; `bench/stan-codec.ts` measures this against the generated
 * protobuf-es code (see the note in that file for the numbers). The bytes are
 * identical to the generated/Go encoding (fields in number order, defaults
 * omitted) — test/protocol/stan-codec.test.ts checks that against
 * node-nats-streaming's google-protobuf codec.
 *
 * A `Msg` carries its own encoding, so a first delivery publishes `encoded` as is,
 * and file/SQL stores write it as the record payload without encoding again.
 */

import {
  PbReader, WIRE_LEN, WIRE_VARINT, scratchHi, scratchLo, splitInt64Scratch, utf8Length, varint64Size, varintSize,
  writeUtf8, writeVarint, writeVarint64,
} from './stan-wire.js';

export interface Msg {
  /** Per-channel sequence, from 1. */
  readonly sequence: number;
  /** Channel name. */
  readonly subject: string;
  /** PubMsg.reply, '' when absent. */
  readonly reply: string;
  readonly data: Uint8Array;
  /** Unix nanoseconds. */
  readonly timestamp: bigint;
  /** MsgProto encoding of the fields above (redelivered, redeliveryCount and CRC32 unset). */
  readonly encoded: Uint8Array;
}

/** Fields of a MsgProto as received (a delivery may carry the redelivery fields). */
export interface MsgProtoFields {
  sequence: number;
  subject: string;
  reply: string;
  data: Uint8Array;
  timestamp: bigint;
  redelivered: boolean;
  redeliveryCount: number;
  crc32: number;
}

/**
 * The Msg made here and by `msgFromEncoded`: one class (one object shape on the
 * hot paths), `data` made on first use as a view into `encoded` (the server
 * itself only ever sends `encoded`).
 */
class EncodedMsg implements Msg {
  private dataView: Uint8Array | null;

  constructor(
    readonly sequence: number,
    readonly subject: string,
    readonly reply: string,
    dataView: Uint8Array | null,
    private readonly dataStart: number,
    private readonly dataEnd: number,
    readonly timestamp: bigint,
    readonly encoded: Uint8Array,
  ) {
    this.dataView = dataView;
  }

  get data(): Uint8Array {
    if (this.dataView === null) {
      this.dataView = this.dataStart === this.dataEnd ? EMPTY : this.encoded.subarray(this.dataStart, this.dataEnd);
    }
    return this.dataView;
  }
}

/** Encodes and returns a new Msg. `data` is copied into `encoded`; the Msg's `data` is a view into `encoded`. */
export function makeMsg(sequence: number, subject: string, reply: string, data: Uint8Array, timestamp: bigint): Msg {
  return makeMsgFrom(sequence, subject, null, reply, data, 0, data.length, timestamp);
}

/**
 * As makeMsg, with the data at `src[dataFrom..dataTo)` (no view made of a read
 * buffer) and the subject's UTF-8 bytes given (a channel keeps them).
 */
export function makeMsgFrom(
  sequence: number, subject: string, subjectBytes: Uint8Array | null, reply: string,
  src: Uint8Array, dataFrom: number, dataTo: number, timestamp: bigint,
): Msg {
  const subjectLen = subjectBytes !== null ? subjectBytes.length : subject.length === 0 ? 0 : utf8Length(subject);
  const replyLen = reply.length === 0 ? 0 : utf8Length(reply);
  const dataLen = dataTo - dataFrom;
  splitInt64Scratch(timestamp);
  const tsLo = scratchLo();
  const tsHi = scratchHi();
  let size = 0;
  if (sequence !== 0) size += 1 + varintSize(sequence);
  if (subjectLen !== 0) size += 1 + varintSize(subjectLen) + subjectLen;
  if (replyLen !== 0) size += 1 + varintSize(replyLen) + replyLen;
  if (dataLen !== 0) size += 1 + varintSize(dataLen) + dataLen;
  if (tsLo !== 0 || tsHi !== 0) size += 1 + varint64Size(tsLo, tsHi);
  // pooled allocation: a fresh ArrayBuffer per message costs several times more
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (sequence !== 0) { buf[pos++] = 0x08; pos = writeVarint(buf, pos, sequence); }
  if (subjectLen !== 0) {
    buf[pos++] = 0x12;
    pos = writeVarint(buf, pos, subjectLen);
    if (subjectBytes !== null) {
      for (let i = 0; i < subjectLen; i++) buf[pos + i] = subjectBytes[i];
      pos += subjectLen;
    } else {
      pos = writeUtf8(buf, pos, subject, subjectLen);
    }
  }
  if (replyLen !== 0) { buf[pos++] = 0x1a; pos = writeVarint(buf, pos, replyLen); pos = writeUtf8(buf, pos, reply, replyLen); }
  let dataStart = pos;
  if (dataLen !== 0) {
    buf[pos++] = 0x22;
    pos = writeVarint(buf, pos, dataLen);
    // a JS loop beats making a view (Buffer#subarray is costly) for the usual small payloads
    if (dataLen <= SMALL_COPY) {
      for (let i = 0; i < dataLen; i++) buf[pos + i] = src[dataFrom + i];
    } else if (dataFrom === 0 && dataTo === src.length) {
      buf.set(src, pos);
    } else {
      buf.set(new Uint8Array(src.buffer, src.byteOffset + dataFrom, dataLen), pos);
    }
    dataStart = pos;
    pos += dataLen;
  }
  const dataEnd = dataStart + dataLen;
  if (tsLo !== 0 || tsHi !== 0) { buf[pos++] = 0x28; pos = writeVarint64(buf, pos, tsLo, tsHi); }
  return new EncodedMsg(sequence, subject, reply, null, dataStart, dataEnd, timestamp, buf);
}

/**
 * A redelivery: the stored encoding followed by `redelivered=true` (field 6) and
 * `redeliveryCount` (field 7). Appending is valid protobuf and gives the same
 * bytes as a full encode, because 6 and 7 come after every stored field.
 */
export function encodeRedelivery(msg: Msg, redeliveryCount: number, redelivered = true): Uint8Array {
  const enc = msg.encoded;
  const countLen = redeliveryCount === 0 ? 0 : 1 + varintSize(redeliveryCount);
  const out = Buffer.allocUnsafe(enc.length + (redelivered ? 2 : 0) + countLen);
  out.set(enc, 0);
  let pos = enc.length;
  if (redelivered) { out[pos++] = 0x30; out[pos++] = 0x01; }
  if (countLen !== 0) { out[pos++] = 0x38; writeVarint(out, pos, redeliveryCount); }
  return out;
}

/** Decodes a MsgProto (stored record or delivery). Throws RangeError on malformed input. */
export function decodeMsgProto(bytes: Uint8Array): MsgProtoFields {
  const r = new PbReader(bytes);
  const m: MsgProtoFields = {
    sequence: 0, subject: '', reply: '', data: EMPTY, timestamp: 0n,
    redelivered: false, redeliveryCount: 0, crc32: 0,
  };
  while (!r.done) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === WIRE_VARINT) m.sequence = r.uint64Number();
    else if (field === 2 && wt === WIRE_LEN) m.subject = r.string();
    else if (field === 3 && wt === WIRE_LEN) m.reply = r.string();
    else if (field === 4 && wt === WIRE_LEN) m.data = r.bytes();
    else if (field === 5 && wt === WIRE_VARINT) m.timestamp = r.int64();
    else if (field === 6 && wt === WIRE_VARINT) m.redelivered = r.bool();
    else if (field === 7 && wt === WIRE_VARINT) m.redeliveryCount = r.uint32();
    else if (field === 10 && wt === WIRE_VARINT) m.crc32 = r.uint32();
    else r.skip(wt);
  }
  return m;
}

/**
 * A stored record back into a Msg. `encoded` becomes the Msg's encoding as is (the
 * caller must own those bytes: copy first if they are a view into a reused buffer).
 */
export function msgFromEncoded(encoded: Uint8Array): Msg {
  const m = decodeMsgProto(encoded);
  return new EncodedMsg(m.sequence, m.subject, m.reply, m.data, 0, 0, m.timestamp, encoded);
}

const EMPTY = new Uint8Array(0);
/** Payloads up to this size are copied by a JS loop. */
const SMALL_COPY = 32;
