/**
 * Protobuf encodings of the records kept in the file store (nats-streaming-server
 * spb/protocol.proto and pb/protocol.proto; streaming-protocol.md §2, §15).
 * Field numbers and kinds below are the wire contract with Go-written stores.
 */
import type { ClientInfo, ServerInfo, SubState } from '../store.js';
import { PbReader, varintSize, writeVarint, writeVarint64 } from '../../protocol/stan-wire.js';

export type { ClientInfo, ServerInfo, SubState } from '../store.js';

type Kind = 'string' | 'bytes' | 'uint' | 'int32' | 'bool';
type Field<T> = readonly [no: number, kind: Kind, key: keyof T & string];
type Schema<T> = readonly Field<T>[];

const SERVER_INFO: Schema<ServerInfo> = [
  [1, 'string', 'clusterId'], [2, 'string', 'discovery'], [3, 'string', 'publish'], [4, 'string', 'subscribe'],
  [5, 'string', 'unsubscribe'], [6, 'string', 'close'], [7, 'string', 'subClose'], [8, 'string', 'acksSubs'],
  [9, 'string', 'nodeId'],
];
const CLIENT_INFO: Schema<ClientInfo> = [
  [1, 'string', 'id'], [2, 'string', 'hbInbox'], [3, 'bytes', 'connId'], [4, 'int32', 'protocol'],
  [5, 'int32', 'pingInterval'], [6, 'int32', 'pingMaxOut'],
];
const SUB_STATE: Schema<SubState> = [
  [1, 'uint', 'id'], [2, 'string', 'clientId'], [3, 'string', 'qGroup'], [4, 'string', 'inbox'],
  [5, 'string', 'ackInbox'], [6, 'int32', 'maxInFlight'], [7, 'int32', 'ackWaitInSecs'],
  [8, 'string', 'durableName'], [9, 'uint', 'lastSent'], [10, 'bool', 'isDurable'], [11, 'bool', 'isClosed'],
];

/** A record encoder: size first (the framing needs it up front), then write at a position. */
export interface RecordCodec<T> {
  size(v: T): number;
  write(buf: Buffer, pos: number, v: T): number;
  read(buf: Buffer, start: number, end: number): T;
}

function schemaCodec<T extends object>(schema: Schema<T>, empty: () => T): RecordCodec<T> {
  return {
    size(v) {
      let n = 0;
      for (const [no, kind, key] of schema) {
        const x = (v as Record<string, unknown>)[key];
        switch (kind) {
          case 'string': { const l = x ? Buffer.byteLength(x as string) : 0; if (l) n += 1 + varintSize(l) + l; break; }
          case 'bytes': { const l = x ? (x as Uint8Array).length : 0; if (l) n += 1 + varintSize(l) + l; break; }
          case 'uint': if (x) n += 1 + varintSize(x as number); break;
          case 'int32': if (x) n += 1 + ((x as number) < 0 ? 10 : varintSize(x as number)); break;
          case 'bool': if (x) n += 2; break;
        }
        void no;
      }
      return n;
    },
    write(buf, pos, v) {
      for (const [no, kind, key] of schema) {
        const x = (v as Record<string, unknown>)[key];
        if (!x || (kind === 'bytes' && (x as Uint8Array).length === 0)) continue;
        switch (kind) {
          case 'string': {
            buf[pos++] = (no << 3) | 2;
            const l = Buffer.byteLength(x as string);
            pos = writeVarint(buf, pos, l);
            pos += buf.write(x as string, pos, 'utf8');
            break;
          }
          case 'bytes': {
            buf[pos++] = (no << 3) | 2;
            const b = x as Uint8Array;
            pos = writeVarint(buf, pos, b.length);
            buf.set(b, pos);
            pos += b.length;
            break;
          }
          case 'uint': buf[pos++] = no << 3; pos = writeVarint(buf, pos, x as number); break;
          case 'int32': {
            buf[pos++] = no << 3;
            const v = x as number;
            // negative int32: the 10-byte varint of its 64-bit two's complement
            pos = v < 0 ? writeVarint64(buf, pos, v >>> 0, 0xffffffff) : writeVarint(buf, pos, v);
            break;
          }
          case 'bool': buf[pos++] = no << 3; buf[pos++] = 1; break;
        }
      }
      return pos;
    },
    read(buf, start, end) {
      const out = empty() as Record<string, unknown>;
      const r = new PbReader(buf, start, end);
      while (!r.done) {
        const tag = r.varint();
        const no = tag >>> 3;
        const wt = tag & 7;
        const f = schema.find((s) => s[0] === no);
        if (!f || wt !== (f[1] === 'string' || f[1] === 'bytes' ? 2 : 0)) { r.skip(wt); continue; }
        switch (f[1]) {
          case 'string': out[f[2]] = r.string(); break;
          case 'bytes': out[f[2]] = Buffer.from(r.bytes()); break; // the record buffer is reused
          case 'uint': out[f[2]] = r.uint64Number(); break;
          case 'int32': out[f[2]] = r.int32(); break;
          case 'bool': out[f[2]] = r.bool(); break;
        }
      }
      return out as T;
    },
  };
}

export function emptyServerInfo(): ServerInfo {
  return { clusterId: '', discovery: '', publish: '', subscribe: '', unsubscribe: '', close: '', subClose: '', acksSubs: '', nodeId: '' };
}
export function emptyClientInfo(): ClientInfo {
  return { id: '', hbInbox: '', connId: new Uint8Array(0), protocol: 0, pingInterval: 0, pingMaxOut: 0 };
}
export function emptySubState(): SubState {
  return {
    id: 0, clientId: '', qGroup: '', inbox: '', ackInbox: '', maxInFlight: 0, ackWaitInSecs: 0,
    durableName: '', lastSent: 0, isDurable: false, isClosed: false,
  };
}

export const serverInfoCodec = schemaCodec(SERVER_INFO, emptyServerInfo);
export const clientInfoCodec = schemaCodec(CLIENT_INFO, emptyClientInfo);
export const subStateCodec = schemaCodec(SUB_STATE, emptySubState);
/** ClientDelete{ID=1:string}. */
export const clientDeleteCodec = schemaCodec<{ id: string }>([[1, 'string', 'id']], () => ({ id: '' }));
/** SubStateDelete{ID=1:uint64}. */
export const subStateDeleteCodec = schemaCodec<{ id: number }>([[1, 'uint', 'id']], () => ({ id: 0 }));

// SubStateUpdate{ID=1, seqno=2} is written once per message sent and once per ack:
// plain functions, no objects.
export function subUpdateSize(id: number, seq: number): number {
  return (id ? 1 + varintSize(id) : 0) + (seq ? 1 + varintSize(seq) : 0);
}
export function writeSubUpdate(buf: Buffer, pos: number, id: number, seq: number): number {
  if (id) { buf[pos++] = 0x08; pos = writeVarint(buf, pos, id); }
  if (seq) { buf[pos++] = 0x10; pos = writeVarint(buf, pos, seq); }
  return pos;
}
/** Decodes into `out` ([id, seq]) to avoid an allocation per replayed record. */
export function readSubUpdate(buf: Buffer, start: number, end: number, out: [number, number]): void {
  out[0] = 0;
  out[1] = 0;
  const r = new PbReader(buf, start, end);
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) out[0] = r.uint64Number();
    else if (tag === 0x10) out[1] = r.uint64Number();
    else r.skip(tag & 7);
  }
}

// MsgProto (sequence=1, timestamp=5): recovery without an index needs only these two.
export function readMsgSeqAndTime(buf: Buffer, start: number, end: number, out: { seq: number; ts: bigint }): void {
  out.seq = 0;
  out.ts = 0n;
  const r = new PbReader(buf, start, end);
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) out.seq = r.uint64Number();
    else if (tag === 0x28) out.ts = r.int64();
    else r.skip(tag & 7);
  }
}

