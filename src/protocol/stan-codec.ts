/**
 * Encoders and decoders of the STAN client messages, as plain objects.
 *
 * Control messages (connect, subscribe, unsubscribe, close, ping and their
 * replies) go through the small table-driven codec of stan-control.ts.
 * The per-message ones — PubMsg in, PubAck out, Ack in (and MsgProto, in
 * stan-msg.ts) — are hand-written: `bench/stan-codec.ts` measured them against
 * the generated code on Node 20 (shared 2-core machine, so ranges over runs):
 * PubMsg decode 1.4–2.3x, Ack decode 3.6–6.5x, PubAck encode 3–6x, MsgProto
 * encode 3.4–11.7x faster. Both paths produce identical bytes,
 * checked against node-nats-streaming's google-protobuf codec in
 * test/protocol/stan-codec.test.ts.
 *
 * Decoders throw on malformed input; the server answers with the protocol's
 * "invalid ... request" error. Decoded byte fields are views into the input.
 */

import { decodeFields, encodeFields, fields } from './stan-control.js';
import {
  PbReader, WIRE_LEN, WIRE_VARINT, utf8Decode, utf8Length, varintSize, writeUtf8, writeVarint,
} from './stan-wire.js';

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------
// Hot path: PubMsg, PubAck, Ack

export interface PubMsgFields {
  clientId: string;
  guid: string;
  subject: string;
  reply: string;
  data: Uint8Array;
  connId: Uint8Array;
  sha256: Uint8Array;
}

export function decodePubMsg(bytes: Uint8Array): PubMsgFields {
  const r = new PbReader(bytes);
  const m: PubMsgFields = { clientId: '', guid: '', subject: '', reply: '', data: EMPTY, connId: EMPTY, sha256: EMPTY };
  while (!r.done) {
    const tag = r.varint();
    const wt = tag & 7;
    if (wt === WIRE_LEN) {
      switch (tag >>> 3) {
        case 1: m.clientId = r.string(); continue;
        case 2: m.guid = r.string(); continue;
        case 3: m.subject = r.string(); continue;
        case 4: m.reply = r.string(); continue;
        case 5: m.data = r.bytes(); continue;
        case 6: m.connId = r.bytes(); continue;
        case 10: m.sha256 = r.bytes(); continue;
      }
    }
    r.skip(wt);
  }
  return m;
}

/**
 * A PubMsg decoded as field offsets into its bytes: the publish fast path reads
 * what it needs without building strings or views. One view is reused for
 * every message (it is only valid while the decoded bytes are).
 */
export class PubMsgView {
  bytes: Uint8Array = EMPTY;
  clientIdStart = 0; clientIdEnd = 0;
  guidStart = 0; guidEnd = 0;
  subjectStart = 0; subjectEnd = 0;
  replyStart = 0; replyEnd = 0;
  dataStart = 0; dataEnd = 0;
  connIdStart = 0; connIdEnd = 0;
  sha256Start = 0; sha256End = 0;
}

/**
 * Decodes into `v` (same fields, same errors as `decodePubMsg`; the last occurrence
 * of a field wins). The loop below reads what clients send — known fields, one-byte
 * tags, lengths below 16 KiB — with no reader object; anything else (and every
 * malformed input) is decoded again by the general reader.
 */
export function decodePubMsgInto(bytes: Uint8Array, v: PubMsgView): void {
  v.bytes = bytes;
  v.clientIdStart = v.clientIdEnd = v.guidStart = v.guidEnd = v.subjectStart = v.subjectEnd = 0;
  v.replyStart = v.replyEnd = v.dataStart = v.dataEnd = v.connIdStart = v.connIdEnd = v.sha256Start = v.sha256End = 0;
  const end = bytes.length;
  let pos = 0;
  while (pos < end) {
    const tag = bytes[pos];
    if (pos + 1 >= end || (tag & 7) !== WIRE_LEN || tag >= 0x80) { decodePubMsgReader(bytes, v); return; }
    let len = bytes[pos + 1];
    let start = pos + 2;
    if (len >= 0x80) {
      if (start >= end || bytes[start] >= 0x80) { decodePubMsgReader(bytes, v); return; }
      len = (len & 0x7f) | (bytes[start] << 7);
      start++;
    }
    const stop = start + len;
    if (stop > end) { decodePubMsgReader(bytes, v); return; }
    switch (tag >>> 3) {
      case 1: v.clientIdStart = start; v.clientIdEnd = stop; break;
      case 2: v.guidStart = start; v.guidEnd = stop; break;
      case 3: v.subjectStart = start; v.subjectEnd = stop; break;
      case 4: v.replyStart = start; v.replyEnd = stop; break;
      case 5: v.dataStart = start; v.dataEnd = stop; break;
      case 6: v.connIdStart = start; v.connIdEnd = stop; break;
      case 10: v.sha256Start = start; v.sha256End = stop; break;
      default: decodePubMsgReader(bytes, v); return;
    }
    pos = stop;
  }
}

function decodePubMsgReader(bytes: Uint8Array, v: PubMsgView): void {
  v.bytes = bytes;
  v.clientIdStart = v.clientIdEnd = v.guidStart = v.guidEnd = v.subjectStart = v.subjectEnd = 0;
  v.replyStart = v.replyEnd = v.dataStart = v.dataEnd = v.connIdStart = v.connIdEnd = v.sha256Start = v.sha256End = 0;
  const r = new PbReader(bytes);
  while (!r.done) {
    const tag = r.varint();
    const wt = tag & 7;
    if (wt === WIRE_LEN) {
      switch (tag >>> 3) {
        case 1: v.clientIdStart = r.lenStart(); v.clientIdEnd = r.pos; continue;
        case 2: v.guidStart = r.lenStart(); v.guidEnd = r.pos; continue;
        case 3: v.subjectStart = r.lenStart(); v.subjectEnd = r.pos; continue;
        case 4: v.replyStart = r.lenStart(); v.replyEnd = r.pos; continue;
        case 5: v.dataStart = r.lenStart(); v.dataEnd = r.pos; continue;
        case 6: v.connIdStart = r.lenStart(); v.connIdEnd = r.pos; continue;
        case 10: v.sha256Start = r.lenStart(); v.sha256End = r.pos; continue;
      }
    }
    r.skip(wt);
  }
}

/** The view as plain fields (strings decoded, byte fields as views into the same bytes). */
export function pubMsgFieldsOf(v: PubMsgView): PubMsgFields {
  const b = v.bytes;
  return {
    clientId: utf8Decode(b, v.clientIdStart, v.clientIdEnd),
    guid: utf8Decode(b, v.guidStart, v.guidEnd),
    subject: utf8Decode(b, v.subjectStart, v.subjectEnd),
    reply: utf8Decode(b, v.replyStart, v.replyEnd),
    data: v.dataStart === v.dataEnd ? EMPTY : b.subarray(v.dataStart, v.dataEnd),
    connId: v.connIdStart === v.connIdEnd ? EMPTY : b.subarray(v.connIdStart, v.connIdEnd),
    sha256: v.sha256Start === v.sha256End ? EMPTY : b.subarray(v.sha256Start, v.sha256End),
  };
}

/** A successful PubAck for the guid at bytes[start..end): the guid bytes copied, no string. */
export function encodePubAckFromBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const gl = end - start;
  if (gl === 0) return Buffer.allocUnsafe(0);
  const buf = Buffer.allocUnsafe(1 + varintSize(gl) + gl);
  buf[0] = 0x0a;
  const pos = writeVarint(buf, 1, gl);
  for (let i = 0; i < gl; i++) buf[pos + i] = bytes[start + i];
  return buf;
}

export function encodePubMsg(m: Partial<PubMsgFields>): Uint8Array {
  const parts: Array<[number, string | Uint8Array | undefined]> = [
    [1, m.clientId], [2, m.guid], [3, m.subject], [4, m.reply], [5, m.data], [6, m.connId], [10, m.sha256],
  ];
  return encodeLenFields(parts);
}

/** PubAck{guid, error}; a success is just the guid. */
export function encodePubAck(guid: string, error = ''): Uint8Array {
  const gl = guid.length === 0 ? 0 : utf8Length(guid);
  const el = error.length === 0 ? 0 : utf8Length(error);
  const buf = Buffer.allocUnsafe((gl ? 1 + varintSize(gl) + gl : 0) + (el ? 1 + varintSize(el) + el : 0));
  let pos = 0;
  if (gl) { buf[pos++] = 0x0a; pos = writeVarint(buf, pos, gl); pos = writeUtf8(buf, pos, guid, gl); }
  if (el) { buf[pos++] = 0x12; pos = writeVarint(buf, pos, el); writeUtf8(buf, pos, error, el); }
  return buf;
}

export interface PubAckFields { guid: string; error: string }

export function decodePubAck(bytes: Uint8Array): PubAckFields {
  const r = new PbReader(bytes);
  const m: PubAckFields = { guid: '', error: '' };
  while (!r.done) {
    const tag = r.varint();
    const wt = tag & 7;
    if (wt === WIRE_LEN && (tag >>> 3) === 1) m.guid = r.string();
    else if (wt === WIRE_LEN && (tag >>> 3) === 2) m.error = r.string();
    else r.skip(wt);
  }
  return m;
}

export interface AckFields { subject: string; sequence: number }

export function decodeAck(bytes: Uint8Array): AckFields {
  const r = new PbReader(bytes);
  const m: AckFields = { subject: '', sequence: 0 };
  while (!r.done) {
    const tag = r.varint();
    const wt = tag & 7;
    if (wt === WIRE_LEN && (tag >>> 3) === 1) m.subject = r.string();
    else if (wt === WIRE_VARINT && (tag >>> 3) === 2) m.sequence = r.uint64Number();
    else r.skip(wt);
  }
  return m;
}

/** An Ack decoded as the subject's offsets into its bytes and the sequence (one view reused per decoder). */
export class AckView {
  bytes: Uint8Array = EMPTY;
  subjectStart = 0;
  subjectEnd = 0;
  sequence = 0;
}

/**
 * Decodes into `v` (same fields, same errors as `decodeAck`), building no string.
 * What clients send (subject below 128 bytes, sequence below 2^49) is read by the
 * loop; anything else, malformed input included, by the general reader.
 */
export function decodeAckInto(bytes: Uint8Array, v: AckView): void {
  v.bytes = bytes;
  v.subjectStart = v.subjectEnd = v.sequence = 0;
  const end = bytes.length;
  let pos = 0;
  while (pos < end) {
    const tag = bytes[pos];
    if (tag === 0x0a && pos + 1 < end) {
      const len = bytes[pos + 1];
      const stop = pos + 2 + len;
      if (len >= 0x80 || stop > end) { decodeAckReader(bytes, v); return; }
      v.subjectStart = pos + 2;
      v.subjectEnd = stop;
      pos = stop;
      continue;
    }
    if (tag === 0x10) {
      let p = pos + 1;
      let seq = 0;
      let mul = 1;
      let done = false;
      for (let i = 0; i < 7 && p < end; i++) {
        const b = bytes[p++];
        seq += (b & 0x7f) * mul;
        if (b < 0x80) { done = true; break; }
        mul *= 128;
      }
      if (!done) { decodeAckReader(bytes, v); return; }
      v.sequence = seq;
      pos = p;
      continue;
    }
    decodeAckReader(bytes, v);
    return;
  }
}

function decodeAckReader(bytes: Uint8Array, v: AckView): void {
  v.subjectStart = v.subjectEnd = v.sequence = 0;
  const r = new PbReader(bytes);
  while (!r.done) {
    const tag = r.varint();
    const wt = tag & 7;
    if (wt === WIRE_LEN && (tag >>> 3) === 1) { v.subjectStart = r.lenStart(); v.subjectEnd = r.pos; }
    else if (wt === WIRE_VARINT && (tag >>> 3) === 2) v.sequence = r.uint64Number();
    else r.skip(wt);
  }
}

export function encodeAck(subject: string, sequence: number): Uint8Array {
  const sl = utf8Length(subject);
  const size = (sl ? 1 + varintSize(sl) + sl : 0) + (sequence ? 1 + varintSize(sequence) : 0);
  const buf = new Uint8Array(size);
  let pos = 0;
  if (sl) { buf[pos++] = 0x0a; pos = writeVarint(buf, pos, sl); pos = writeUtf8(buf, pos, subject, sl); }
  if (sequence) { buf[pos++] = 0x10; writeVarint(buf, pos, sequence); }
  return buf;
}

/** Encodes singular length-delimited fields in the given (ascending) order, skipping empty ones. */
function encodeLenFields(fields: Array<[number, string | Uint8Array | undefined]>): Uint8Array {
  let size = 0;
  const lens: number[] = [];
  for (const [num, v] of fields) {
    const len = v === undefined ? 0 : typeof v === 'string' ? utf8Length(v) : v.length;
    lens.push(len);
    if (len !== 0) size += varintSize(num << 3) + varintSize(len) + len;
  }
  const buf = new Uint8Array(size);
  let pos = 0;
  for (let i = 0; i < fields.length; i++) {
    const len = lens[i];
    if (len === 0) continue;
    const [num, v] = fields[i];
    pos = writeVarint(buf, pos, (num << 3) | WIRE_LEN);
    pos = writeVarint(buf, pos, len);
    if (typeof v === 'string') pos = writeUtf8(buf, pos, v, len);
    else { buf.set(v!, pos); pos += len; }
  }
  return buf;
}

// ---------------------------------------------------------------------------
// Control messages (table-driven codec, stan-control.ts)

/** SubscriptionRequest.start_position values. */
export const StartPosition = { NewOnly: 0, LastReceived: 1, TimeDeltaStart: 2, SequenceStart: 3, First: 4 } as const;

const CONNECT_REQUEST = fields(
  [1, 'clientId', 'string'], [2, 'heartbeatInbox', 'string'], [3, 'protocol', 'int32'], [4, 'connId', 'bytes'],
  [5, 'pingInterval', 'int32'], [6, 'pingMaxOut', 'int32'],
);
const CONNECT_RESPONSE = fields(
  [1, 'pubPrefix', 'string'], [2, 'subRequests', 'string'], [3, 'unsubRequests', 'string'], [4, 'closeRequests', 'string'],
  [5, 'error', 'string'], [6, 'subCloseRequests', 'string'], [7, 'pingRequests', 'string'], [8, 'pingInterval', 'int32'],
  [9, 'pingMaxOut', 'int32'], [10, 'protocol', 'int32'], [100, 'publicKey', 'string'],
);
const SUBSCRIPTION_REQUEST = fields(
  [1, 'clientId', 'string'], [2, 'subject', 'string'], [3, 'qGroup', 'string'], [4, 'inbox', 'string'],
  [5, 'maxInFlight', 'int32'], [6, 'ackWaitInSecs', 'int32'], [7, 'durableName', 'string'], [10, 'startPosition', 'int32'],
  [11, 'startSequence', 'uint64'], [12, 'startTimeDelta', 'int64'],
);
const SUBSCRIPTION_RESPONSE = fields([2, 'ackInbox', 'string'], [3, 'error', 'string']);
const UNSUBSCRIBE_REQUEST = fields([1, 'clientId', 'string'], [2, 'subject', 'string'], [3, 'inbox', 'string'], [4, 'durableName', 'string']);
const CLIENT_ID = fields([1, 'clientId', 'string']);
const ERROR = fields([1, 'error', 'string']);
const PING = fields([1, 'connId', 'bytes']);
const CTRL_MSG = fields([1, 'msgType', 'int32'], [2, 'serverId', 'string'], [3, 'data', 'bytes'], [4, 'refId', 'string']);

/** CtrlMsg.Type values (server-to-server control messages: FT heartbeats, partitioning). */
export const CtrlMsgType = { SubUnsubscribe: 0, SubClose: 1, ConnClose: 2, FTHeartbeat: 3, Partitioning: 4 } as const;

export interface CtrlMsgFields {
  msgType: number;
  serverId: string;
  data: Uint8Array;
  refId: string;
}

export function encodeCtrlMsg(m: Partial<CtrlMsgFields>): Uint8Array {
  return encodeFields(CTRL_MSG, m);
}

export function decodeCtrlMsg(bytes: Uint8Array): CtrlMsgFields {
  return decodeFields(CTRL_MSG, bytes);
}

export interface ConnectRequestFields {
  clientId: string;
  heartbeatInbox: string;
  protocol: number;
  connId: Uint8Array;
  pingInterval: number;
  pingMaxOut: number;
}

export function decodeConnectRequest(bytes: Uint8Array): ConnectRequestFields {
  return decodeFields(CONNECT_REQUEST, bytes);
}

export function encodeConnectRequest(m: Partial<ConnectRequestFields>): Uint8Array {
  return encodeFields(CONNECT_REQUEST, m);
}

export interface ConnectResponseFields {
  pubPrefix: string;
  subRequests: string;
  unsubRequests: string;
  closeRequests: string;
  error: string;
  subCloseRequests: string;
  pingRequests: string;
  pingInterval: number;
  pingMaxOut: number;
  protocol: number;
  publicKey: string;
}

export function encodeConnectResponse(m: Partial<ConnectResponseFields>): Uint8Array {
  return encodeFields(CONNECT_RESPONSE, m);
}

export function decodeConnectResponse(bytes: Uint8Array): ConnectResponseFields {
  return decodeFields(CONNECT_RESPONSE, bytes);
}

export interface SubscriptionRequestFields {
  clientId: string;
  subject: string;
  qGroup: string;
  inbox: string;
  maxInFlight: number;
  ackWaitInSecs: number;
  durableName: string;
  /** Raw enum value: out-of-range values (e.g. 7) are kept so the server can reject them. */
  startPosition: number;
  startSequence: bigint;
  /** Nanoseconds. */
  startTimeDelta: bigint;
}

export function decodeSubscriptionRequest(bytes: Uint8Array): SubscriptionRequestFields {
  return decodeFields(SUBSCRIPTION_REQUEST, bytes);
}

export function encodeSubscriptionRequest(m: Partial<SubscriptionRequestFields>): Uint8Array {
  return encodeFields(SUBSCRIPTION_REQUEST, m);
}

export interface SubscriptionResponseFields { ackInbox: string; error: string }

export function encodeSubscriptionResponse(ackInbox: string, error = ''): Uint8Array {
  return encodeFields(SUBSCRIPTION_RESPONSE, { ackInbox, error });
}

export function decodeSubscriptionResponse(bytes: Uint8Array): SubscriptionResponseFields {
  return decodeFields(SUBSCRIPTION_RESPONSE, bytes);
}

export interface UnsubscribeRequestFields { clientId: string; subject: string; inbox: string; durableName: string }

export function decodeUnsubscribeRequest(bytes: Uint8Array): UnsubscribeRequestFields {
  return decodeFields(UNSUBSCRIBE_REQUEST, bytes);
}

export function encodeUnsubscribeRequest(m: Partial<UnsubscribeRequestFields>): Uint8Array {
  return encodeFields(UNSUBSCRIBE_REQUEST, m);
}

export function decodeCloseRequest(bytes: Uint8Array): { clientId: string } {
  return decodeFields(CLIENT_ID, bytes);
}

export function encodeCloseRequest(clientId: string): Uint8Array {
  return encodeFields(CLIENT_ID, { clientId });
}

export function encodeCloseResponse(error = ''): Uint8Array {
  return encodeFields(ERROR, { error });
}

export function decodeCloseResponse(bytes: Uint8Array): { error: string } {
  return decodeFields(ERROR, bytes);
}

export function decodePing(bytes: Uint8Array): { connId: Uint8Array } {
  return decodeFields(PING, bytes);
}

export function encodePing(connId: Uint8Array): Uint8Array {
  return encodeFields(PING, { connId });
}

export function encodePingResponse(error = ''): Uint8Array {
  return encodeFields(ERROR, { error });
}

export function decodePingResponse(bytes: Uint8Array): { error: string } {
  return decodeFields(ERROR, bytes);
}
