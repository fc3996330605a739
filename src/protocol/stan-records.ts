/**
 * Codecs of the server-internal records (Go package spb) that persistent stores
 * write: SubState, SubStateDelete, SubStateUpdate, ServerInfo, ClientInfo,
 * ClientDelete — between the store contract's types (src/stores/store.ts) and
 * bytes identical to what nats-streaming-server writes. Generated code; these are
 * not per-message, except SubStateUpdate, which is small.
 */

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';

import {
  ClientDeleteSchema, ClientInfoSchema, ServerInfoSchema, SubStateDeleteSchema, SubStateSchema,
  SubStateUpdateSchema,
} from './gen/stan_pb.js';
import type { ClientInfo, ServerInfo, SubState } from '../stores/store.js';

function toNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`value ${v} exceeds 2^53-1`);
  return Number(v);
}

export function encodeSubState(s: SubState): Uint8Array {
  return toBinary(SubStateSchema, create(SubStateSchema, {
    ID: BigInt(s.id), clientId: s.clientId, qGroup: s.qGroup, inbox: s.inbox, ackInbox: s.ackInbox,
    maxInFlight: s.maxInFlight, ackWaitInSecs: s.ackWaitInSecs, durableName: s.durableName,
    lastSent: BigInt(s.lastSent), isDurable: s.isDurable, isClosed: s.isClosed,
  }));
}

export function decodeSubState(bytes: Uint8Array): SubState {
  const m = fromBinary(SubStateSchema, bytes);
  return {
    id: toNumber(m.ID), clientId: m.clientId, qGroup: m.qGroup, inbox: m.inbox, ackInbox: m.ackInbox,
    maxInFlight: m.maxInFlight, ackWaitInSecs: m.ackWaitInSecs, durableName: m.durableName,
    lastSent: toNumber(m.lastSent), isDurable: m.isDurable, isClosed: m.isClosed,
  };
}

export function encodeSubStateDelete(id: number): Uint8Array {
  return toBinary(SubStateDeleteSchema, create(SubStateDeleteSchema, { ID: BigInt(id) }));
}

export function decodeSubStateDelete(bytes: Uint8Array): number {
  return toNumber(fromBinary(SubStateDeleteSchema, bytes).ID);
}

export function encodeSubStateUpdate(id: number, seqno: number): Uint8Array {
  return toBinary(SubStateUpdateSchema, create(SubStateUpdateSchema, { ID: BigInt(id), seqno: BigInt(seqno) }));
}

export function decodeSubStateUpdate(bytes: Uint8Array): { id: number; seqno: number } {
  const m = fromBinary(SubStateUpdateSchema, bytes);
  return { id: toNumber(m.ID), seqno: toNumber(m.seqno) };
}

export function encodeServerInfo(i: ServerInfo): Uint8Array {
  return toBinary(ServerInfoSchema, create(ServerInfoSchema, {
    ClusterID: i.clusterId, Discovery: i.discovery, Publish: i.publish, Subscribe: i.subscribe,
    Unsubscribe: i.unsubscribe, Close: i.close, SubClose: i.subClose, AcksSubs: i.acksSubs, NodeID: i.nodeId,
  }));
}

export function decodeServerInfo(bytes: Uint8Array): ServerInfo {
  const m = fromBinary(ServerInfoSchema, bytes);
  return {
    clusterId: m.ClusterID, discovery: m.Discovery, publish: m.Publish, subscribe: m.Subscribe,
    unsubscribe: m.Unsubscribe, close: m.Close, subClose: m.SubClose, acksSubs: m.AcksSubs, nodeId: m.NodeID,
  };
}

export function encodeClientInfo(c: ClientInfo): Uint8Array {
  return toBinary(ClientInfoSchema, create(ClientInfoSchema, {
    ID: c.id, HbInbox: c.hbInbox, ConnID: c.connId, Protocol: c.protocol,
    PingInterval: c.pingInterval, PingMaxOut: c.pingMaxOut,
  }));
}

export function decodeClientInfo(bytes: Uint8Array): ClientInfo {
  const m = fromBinary(ClientInfoSchema, bytes);
  return {
    id: m.ID, hbInbox: m.HbInbox, connId: m.ConnID, protocol: m.Protocol,
    pingInterval: m.PingInterval, pingMaxOut: m.PingMaxOut,
  };
}

export function encodeClientDelete(id: string): Uint8Array {
  return toBinary(ClientDeleteSchema, create(ClientDeleteSchema, { ID: id }));
}

export function decodeClientDelete(bytes: Uint8Array): string {
  return fromBinary(ClientDeleteSchema, bytes).ID;
}
