/**
 * The store contract (spec stores.md §1): what every store — memory, file, SQL —
 * offers the streaming server. One `Store` per server; per channel a `MsgStore`
 * and a `SubStore`. Every store passes the shared suite in test/stores/conformance.ts.
 *
 * Conventions
 * - Sequences and subscription IDs are JS numbers (exact up to 2^53-1, far past any
 *   real channel); the wire codecs convert the uint64 fields exactly. Timestamps are
 *   Unix nanoseconds as bigint (a double cannot hold them exactly).
 * - Durations (max_age, max_inactivity) are milliseconds.
 * - Calls on the hot path (`MsgStore.store`, `SubStore.addSeqPending/ackSeqPending`)
 *   are synchronous: they record the change (in memory, in a write buffer or cache)
 *   and the following `flush()` makes every change recorded before it durable. The
 *   server calls them per message and awaits `flush()` once per I/O batch
 *   ("acked means stored": PubAcks go out only after the flush resolved).
 * - Everything else may do I/O and returns a Promise.
 * - Failures are `StoreError`s whose message is the exact text the server forwards
 *   to clients (PubAck.error / SubscriptionResponse.error); I/O errors may be any Error.
 * - The server never runs two `createChannel`, `createSub`, `updateSub` or
 *   `deleteSub` calls of the same store concurrently; stores need no locking for them.
 */

import type { Msg } from '../protocol/stan-msg.js';
import type { DeliveryCounts } from './delivery-counts.js';

export type { Msg } from '../protocol/stan-msg.js';

/** The one table of store error strings (Go: stores/store.go, stores/common.go, stores/limits.go). */
export const STORE_ERRORS = {
  alreadyExists: 'already exists',
  tooManyChannels: 'too many channels',
  tooManySubs: 'too many subscriptions per channel',
  notFound: 'not found',
  notSupported: 'not supported',
  noServerStateButChannels: 'no server state recovered but channels present',
  closed: 'store is closed',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string = STORE_ERRORS[code]) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * Rejection of `MsgStore.flush()` meaning: every message of the flush *is*
 * stored, but under other sequences than the ones given (another writer took
 * them: JETSTREAM), and the store hands them to its foreign-message listener
 * under their final sequences. The server acknowledges the publishes and does not
 * deliver the messages it had numbered.
 */
export class StoredUnderOtherSequences extends Error {
  constructor(channel: string) {
    super(`messages of channel ${JSON.stringify(channel)} stored under other sequences`);
    this.name = 'StoredUnderOtherSequences';
  }
}

/** Limits of one channel. 0 means unlimited. */
export interface ChannelLimits {
  maxSubscriptions: number;
  maxMsgs: number;
  maxBytes: number;
  /** Milliseconds; 0 = messages never expire. */
  maxAge: number;
  /** Milliseconds; 0 = channels are never deleted for inactivity. */
  maxInactivity: number;
}

/**
 * Global limits plus optional per-channel overrides (spec streaming-protocol.md §10).
 * Per-channel keys may contain `*`/`>` wildcards; a missing field inherits from the
 * matching wider key and finally from the global values; in a per-channel entry a
 * value of -1 means "unlimited for this channel" (a config-file 0 maps to -1).
 * Resolution and validation live in src/stores/limits.ts.
 */
export interface StoreLimits extends ChannelLimits {
  maxChannels: number;
  perChannel?: Record<string, Partial<ChannelLimits>>;
}

/** The stored server identity and request subjects (spb.ServerInfo). */
export interface ServerInfo {
  clusterId: string;
  discovery: string;
  publish: string;
  subscribe: string;
  unsubscribe: string;
  close: string;
  subClose: string;
  acksSubs: string;
  nodeId: string;
}

/** A registered client (spb.ClientInfo). */
export interface ClientInfo {
  id: string;
  hbInbox: string;
  connId: Uint8Array;
  protocol: number;
  pingInterval: number;
  pingMaxOut: number;
}

/** A stored subscription (spb.SubState). */
export interface SubState {
  /** Assigned by `SubStore.createSub`. */
  id: number;
  /** Empty for the "shadow" of a durable queue group whose members are all gone. */
  clientId: string;
  /** Queue group name; for durable queues `durableName:qGroup`. */
  qGroup: string;
  inbox: string;
  ackInbox: string;
  maxInFlight: number;
  ackWaitInSecs: number;
  /** Empty for queue members (the durable name is part of qGroup). */
  durableName: string;
  lastSent: number;
  isDurable: boolean;
  isClosed: boolean;
}

/** Message count and byte total of a channel (byte accounting is store-specific). */
export interface MsgStoreState {
  msgs: number;
  bytes: number;
}

/** The messages of one channel. */
export interface MsgStore {
  /**
   * Append `msg` (its sequence assigned by the server). A message whose sequence is
   * ≤ the last stored one is ignored. Applies max_msgs/max_bytes by dropping the
   * oldest messages, never the one just stored (at least one message is kept).
   * Returns the sequence. Durable after the next `flush()`.
   */
  store(msg: Msg): number;
  /** The message, or undefined when `seq` is outside first..last or was removed. */
  lookup(seq: number): Promise<Msg | undefined>;
  /**
   * Stored messages with sequence in [from, to], in order, skipping removed ones,
   * at most `max` of them (catch-up delivery reads in batches with this).
   */
  lookupRange(from: number, to: number, max: number): Promise<Msg[]>;
  /**
   * Optional: `lookupRange` answered synchronously, by stores that hold their
   * messages in memory (catch-up delivery then needs no turn per read).
   */
  lookupRangeSync?(from: number, to: number, max: number): Msg[];
  /** 0 when nothing was ever stored; last+1 when everything was removed. */
  firstSequence(): number;
  /** 0 when nothing was ever stored. */
  lastSequence(): number;
  /**
   * First sequence whose timestamp ≥ `timestamp`; 0 if nothing was ever stored;
   * last+1 if everything was removed or `timestamp` is after the last message.
   */
  getSequenceFromTimestamp(timestamp: bigint): Promise<number>;
  firstMsg(): Promise<Msg | undefined>;
  lastMsg(): Promise<Msg | undefined>;
  state(): MsgStoreState;
  /** Make all previous `store` calls durable (fsync / commit when configured). */
  flush(): Promise<void>;
  /**
   * Optional: false when `flush()` would have nothing to do right now (the memory
   * store), so the server may skip it and answer without waiting a turn. A store
   * without it is always flushed.
   */
  needsFlush?(): boolean;
  /**
   * Optional, for stores whose channel others can write too (JETSTREAM: JetStream
   * clients publishing to the stream): `listener` gets the messages appended by
   * someone else, in sequence order, once `lookup` finds them. The server delivers
   * them like its own publishes.
   */
  onForeignMessages?(listener: (msgs: Msg[]) => void): void;
  /** Remove every message (sequences are not reset). */
  empty(): Promise<void>;
  close(): Promise<void>;
}

/** The subscriptions of one channel. */
export interface SubStore {
  /**
   * Assign `sub.id` (previous max ID + 1, never reused within a run — persistent
   * stores never reuse one at all) and store it. Fails with `too many subscriptions
   * per channel` when the stored subscriptions (offline durables included) already
   * number max_subs. `sub.id` is set before the promise settles.
   */
  createSub(sub: SubState): Promise<void>;
  /** Replace the stored state of subscription `sub.id`. */
  updateSub(sub: SubState): Promise<void>;
  /** Delete the subscription and its pending set. */
  deleteSub(id: number): Promise<void>;
  /** Message `seq` was sent to subscription `id` (also raises its lastSent). Durable after `flush()`. */
  addSeqPending(id: number, seq: number): void;
  /** Message `seq` was acknowledged by subscription `id`. Durable after `flush()`. */
  ackSeqPending(id: number, seq: number): void;
  flush(): Promise<void>;
  /** Optional, as `MsgStore.needsFlush`: false when `flush()` would have nothing to do. */
  needsFlush?(): boolean;
  close(): Promise<void>;
}

export interface ChannelStore {
  msgs: MsgStore;
  subs: SubStore;
}

export interface RecoveredSubscription {
  sub: SubState;
  /** Sequences sent and not acknowledged. */
  pending: Set<number>;
}

export interface RecoveredChannel {
  channel: ChannelStore;
  subscriptions: RecoveredSubscription[];
}

export interface RecoveredState {
  info: ServerInfo;
  clients: ClientInfo[];
  channels: Map<string, RecoveredChannel>;
}

/** A stored message that could not be read after start-up, as /streaming/storez lists it. */
export interface DamagedRecord {
  channel: string;
  /** File store: the data file. */
  file?: string;
  /** File store: offset of the record header in `file`. */
  offset?: number;
  /** The sequence the index gives this record. */
  sequence: number;
  error: string;
}

/** A store: server identity, clients and channels. */
export interface Store {
  /** `MEMORY`, `FILE`, `SQL` (shown in the start-up banner and /streaming/storez). */
  readonly name: string;
  /** Printed as `Store location: …` in the start-up banner when set (file store: the directory). */
  readonly location?: string;
  /**
   * Fault tolerance only. Non-blocking: true once acquired (idempotent afterwards),
   * false when another server holds it. Stores without support throw `not supported`.
   */
  getExclusiveLock(): Promise<boolean>;
  /** Persist (replace) the server identity record. */
  init(info: ServerInfo): Promise<void>;
  /**
   * Everything stored, or null when nothing is (the memory store always returns
   * null). Fails with `no server state recovered but channels present`.
   */
  recover(): Promise<RecoveredState | null>;
  /** Validated limits (see limits.ts); applies to channels created afterwards. */
  setLimits(limits: StoreLimits): void;
  /** The effective limits of `channel` (per-channel limits resolved), undefined for unknown channels. */
  getChannelLimits(channel: string): ChannelLimits | undefined;
  /** Fails with `already exists` or `too many channels`. */
  createChannel(channel: string): Promise<ChannelStore>;
  /** Remove the channel and everything in it, never to be recovered. Fails with `not found`. */
  deleteChannel(channel: string): Promise<void>;
  /**
   * Optional, natstream only: the delivery counts of `channel`'s pending
   * messages, kept for dead letters across restarts (delivery-counts.ts). A store
   * without it (memory) keeps none.
   */
  openDeliveryCounts?(channel: string): Promise<DeliveryCounts>;
  addClient(info: ClientInfo): Promise<void>;
  deleteClient(id: string): Promise<void>;
  /** Flush and close everything, release the lock. */
  close(): Promise<void>;
  /** Optional: the messages found unreadable and skipped since start-up (file store, encryption). */
  damagedRecords?(): DamagedRecord[];
}
