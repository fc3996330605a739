/**
 * The FT heartbeat of the Go server: a CtrlMsg{MsgType: FTHeartbeat, ServerID,
 * Data: activation time} published every heartbeat interval by the active
 * server on `_STAN.ft.<cluster id>.<group>`. The activation time is Go's
 * `time.Time.MarshalBinary()`, so that natstream and Go servers in one group
 * can tell which of two actives came first.
 */
import { CtrlMsgType, decodeCtrlMsg, encodeCtrlMsg } from '../protocol/stan-codec.js';

export const FT_SUBJECT_PREFIX = '_STAN.ft';

export function ftSubject(clusterId: string, group: string): string {
  return `${FT_SUBJECT_PREFIX}.${clusterId}.${group}`;
}

/** Go's `time.Time` as it sorts: seconds since year 1 and nanoseconds. */
export interface GoTime {
  sec: bigint;
  nsec: number;
}

/** Seconds from January 1, year 1 to the Unix epoch (Go's unixToInternal). */
const UNIX_TO_INTERNAL = 62135596800n;

export function goTimeFromMs(ms: number): GoTime {
  const whole = Math.floor(ms / 1000);
  return { sec: BigInt(whole) + UNIX_TO_INTERNAL, nsec: Math.round((ms - whole * 1000) * 1e6) };
}

/** Go's MarshalBinary, version 1: version, seconds, nanoseconds, zone offset in minutes (0: local time at UTC). */
export function encodeGoTime(t: GoTime): Uint8Array {
  const b = new Uint8Array(15);
  const v = new DataView(b.buffer);
  b[0] = 1;
  v.setBigInt64(1, t.sec);
  v.setInt32(9, t.nsec);
  v.setInt16(13, 0);
  return b;
}

/** Versions 1 and 2 (Go 1.20+ adds a seconds offset byte); null when not a Go time. */
export function decodeGoTime(b: Uint8Array): GoTime | null {
  if ((b[0] !== 1 && b[0] !== 2) || b.length < (b[0] === 1 ? 15 : 16)) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { sec: v.getBigInt64(1), nsec: v.getInt32(9) };
}

export function goTimeBefore(a: GoTime, b: GoTime): boolean {
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

export interface FtHeartbeat {
  serverId: string;
  activation: GoTime | null;
}

export function encodeFtHeartbeat(serverId: string, activation: GoTime): Uint8Array {
  return encodeCtrlMsg({ msgType: CtrlMsgType.FTHeartbeat, serverId, data: encodeGoTime(activation) });
}

/** Null for anything that is not an FT heartbeat. */
export function decodeFtHeartbeat(bytes: Uint8Array): FtHeartbeat | null {
  try {
    const m = decodeCtrlMsg(bytes);
    if (m.msgType !== CtrlMsgType.FTHeartbeat) return null;
    return { serverId: m.serverId, activation: decodeGoTime(m.data) };
  } catch {
    return null;
  }
}
