/**
 * The KV bucket of a cluster ID (docs/jetstream.md §State): its keys and the
 * JSON of each record. Every record is whole in itself, so a crash between two
 * writes leaves each key either before or after its write, never half of one.
 * Decoding is strict: a record that does not decode is an error naming its key.
 */

import type { ClientInfo, ServerInfo, SubState } from '../store.js';
import { decodeName, encodeName } from './names.js';

export const KEY_SERVER = 'server';

export const clientKey = (id: string) => `clients.${encodeName(id)}`;
export const channelKey = (channel: string) => `channels.${encodeName(channel)}`;
export const subKey = (channel: string, id: number) => `subs.${encodeName(channel)}.${id}`;
export const subsOfChannel = (channel: string) => `subs.${encodeName(channel)}.>`;

export type ParsedKey =
  | { kind: 'server' }
  | { kind: 'client'; id: string }
  | { kind: 'channel'; channel: string }
  | { kind: 'sub'; channel: string; id: number }
  | { kind: 'lease' };

export function parseKey(key: string): ParsedKey | undefined {
  if (key === KEY_SERVER) return { kind: 'server' };
  if (key === 'lease') return { kind: 'lease' };
  const t = key.split('.');
  if (t.length === 2 && t[0] === 'clients') {
    const id = decodeName(t[1]);
    return id === undefined ? undefined : { kind: 'client', id };
  }
  if (t.length === 2 && t[0] === 'channels') {
    const channel = decodeName(t[1]);
    return channel === undefined ? undefined : { kind: 'channel', channel };
  }
  if (t.length === 3 && t[0] === 'subs' && /^[1-9]\d*$/.test(t[2])) {
    const channel = decodeName(t[1]);
    return channel === undefined ? undefined : { kind: 'sub', channel, id: Number(t[2]) };
  }
  return undefined;
}

export class BadRecord extends Error {}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}

function parseObject(bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (err) {
    throw new BadRecord(`not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRecord('not a JSON object');
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new BadRecord(`field ${JSON.stringify(k)} is not a string`);
  return v;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BadRecord(`field ${JSON.stringify(k)} is not a non-negative integer`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') throw new BadRecord(`field ${JSON.stringify(k)} is not a boolean`);
  return v;
}

export function decodeServerInfo(b: Uint8Array): ServerInfo {
  const o = parseObject(b);
  return {
    clusterId: str(o, 'clusterId'), discovery: str(o, 'discovery'), publish: str(o, 'publish'),
    subscribe: str(o, 'subscribe'), unsubscribe: str(o, 'unsubscribe'), close: str(o, 'close'),
    subClose: str(o, 'subClose'), acksSubs: str(o, 'acksSubs'), nodeId: str(o, 'nodeId'),
  };
}

export function encodeClient(c: ClientInfo): Uint8Array {
  return encodeJson({ ...c, connId: Buffer.from(c.connId).toString('base64') });
}

export function decodeClient(b: Uint8Array): ClientInfo {
  const o = parseObject(b);
  return {
    id: str(o, 'id'), hbInbox: str(o, 'hbInbox'), connId: Buffer.from(str(o, 'connId'), 'base64'),
    protocol: num(o, 'protocol'), pingInterval: num(o, 'pingInterval'), pingMaxOut: num(o, 'pingMaxOut'),
  };
}

export interface ChannelRecord {
  /** Highest subscription ID ever given in this channel (IDs are never reused). */
  maxSubId: number;
}

export function decodeChannel(b: Uint8Array): ChannelRecord {
  return { maxSubId: num(parseObject(b), 'maxSubId') };
}

export interface SubRecord {
  sub: SubState;
  /** Sequences sent and not acknowledged. */
  pending: number[];
}

export function encodeSub(sub: SubState, pending: Iterable<number>): Uint8Array {
  return encodeJson({ sub, pending: [...pending] });
}

export function decodeSub(b: Uint8Array): SubRecord {
  const o = parseObject(b);
  const s = o.sub;
  if (typeof s !== 'object' || s === null) throw new BadRecord('field "sub" is not an object');
  const so = s as Record<string, unknown>;
  const sub: SubState = {
    id: num(so, 'id'), clientId: str(so, 'clientId'), qGroup: str(so, 'qGroup'), inbox: str(so, 'inbox'),
    ackInbox: str(so, 'ackInbox'), maxInFlight: num(so, 'maxInFlight'), ackWaitInSecs: num(so, 'ackWaitInSecs'),
    durableName: str(so, 'durableName'), lastSent: num(so, 'lastSent'), isDurable: bool(so, 'isDurable'),
    isClosed: bool(so, 'isClosed'),
  };
  const p = o.pending;
  if (!Array.isArray(p) || !p.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)) {
    throw new BadRecord('field "pending" is not a list of sequences');
  }
  return { sub, pending: p as number[] };
}
