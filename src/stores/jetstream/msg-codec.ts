/**
 * A STAN message as a JetStream message (docs/jetstream.md §Messages): the payload
 * is the STAN data as is, so JetStream clients read what STAN clients published;
 * the STAN fields that JetStream has no place for travel in headers. A message
 * without them (published by a JetStream client) takes the stream's timestamp
 * and an empty reply.
 */

import { headers, type MsgHdrs } from 'nats';

import { makeMsg, type Msg } from '../../protocol/stan-msg.js';

export const HDR_TIMESTAMP = 'Stan-Timestamp';
export const HDR_REPLY = 'Stan-Reply';
/** A message that only takes a sequence (a migration's numbering); removed right after, never delivered. */
export const HDR_PLACEHOLDER = 'Stan-Placeholder';
/** The natstream instance that stored the message (tells its own writes from others'). */
export const HDR_ORIGIN = 'Stan-Origin';

export function stanHeaders(msg: Msg, origin: string): MsgHdrs {
  const h = headers();
  h.set(HDR_TIMESTAMP, msg.timestamp.toString());
  if (msg.reply !== '') h.set(HDR_REPLY, msg.reply);
  h.set(HDR_ORIGIN, origin);
  return h;
}

/** Thrown for a message whose STAN headers do not decode (reported, never skipped silently). */
export class BadStreamMessage extends Error {}

/** The STAN message of stream message `seq`; `streamNanos` is the stream's timestamp. */
export function msgFromStream(
  channel: string, seq: number, data: Uint8Array, hdrs: MsgHdrs | undefined, streamNanos: bigint,
): Msg {
  let ts = streamNanos;
  let reply = '';
  if (hdrs !== undefined) {
    const t = hdrs.get(HDR_TIMESTAMP);
    if (t !== '') {
      if (!/^\d{1,19}$/.test(t)) throw new BadStreamMessage(`message ${seq}: header ${HDR_TIMESTAMP} ${JSON.stringify(t)} is not a timestamp`);
      ts = BigInt(t);
    }
    reply = hdrs.get(HDR_REPLY);
  }
  return makeMsg(seq, channel, reply, data, ts);
}

/** Unix nanoseconds of an RFC 3339 time with up to 9 fraction digits (`2026-01-02T03:04:05.123456789Z`). */
export function rfc3339Nanos(s: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return BigInt(Date.parse(s)) * 1_000_000n;
  const secs = BigInt(Date.parse(m[1] + m[3]) / 1000);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return secs * 1_000_000_000n + frac;
}
