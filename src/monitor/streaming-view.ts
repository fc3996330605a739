/**
 * What the monitor reads from the streaming server: a read-only view queried
 * on each request. The document builders, the metrics and the dashboard all
 * work from it, so none of them touches the streaming server's internals.
 */
import type { DamagedRecord, StoreLimits } from '../stores/store.js';

/** `STANDALONE`, `FT_ACTIVE`, `FT_STANDBY`, `FAILED`, `SHUTDOWN`, `CLUSTERED`. */
export type StreamingState = 'STANDALONE' | 'FT_ACTIVE' | 'FT_STANDBY' | 'FAILED' | 'SHUTDOWN' | 'CLUSTERED';

export interface SubscriptionView {
  channel: string;
  /** For an offline durable: its last owner. */
  clientId: string;
  inbox: string;
  ackInbox: string;
  /** '' for queue members (their durable name is part of queueName). */
  durableName: string;
  /** '' when not a queue member; `durable:group` for durable queue groups. */
  queueName: string;
  isDurable: boolean;
  isOffline: boolean;
  maxInFlight: number;
  ackWaitSeconds: number;
  lastSent: number;
  /** Sent and not yet acknowledged. */
  pendingCount: number;
  isStalled: boolean;
  /** natstream only: messages dead-lettered from it; undefined where the channel has no max_deliver. */
  deadLettered?: number;
}

export interface ClientView {
  id: string;
  hbInbox: string;
  /** The client's online subscriptions (offline durables are listed under their channel only). */
  subscriptions(): SubscriptionView[];
  /** Dashboard: ms since epoch of the last heartbeat answered (or of the connect). */
  lastHeartbeat?: number;
  /** Dashboard: heartbeats missed in a row. */
  failedHeartbeats?: number;
}

/** A stored message, for the dashboard's message browser. */
export interface MessageView {
  sequence: number;
  /** Unix nanoseconds. */
  timestamp: bigint;
  reply: string;
  data: Uint8Array;
}

export interface ChannelView {
  name: string;
  msgs: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  /**
   * Plain subscriptions and online durables in creation order, then offline
   * durables, then each queue group's members (and the offline shadow of a
   * durable queue group whose members are all gone).
   */
  subscriptions(): SubscriptionView[];
  /** Dashboard: stored messages from sequence `from` on, at most `limit`. */
  readMessages?(from: number, limit: number): Promise<MessageView[]>;
  /** Dashboard: the first sequence stored at or after `ms` (ms since epoch). */
  sequenceAt?(ms: number): Promise<number>;
}

export interface StreamingCounters {
  /** Publishes decoded (bytes: PubMsg sizes). */
  inMsgs: number;
  inBytes: number;
  /** Deliveries including redeliveries (bytes: MsgProto sizes). */
  outMsgs: number;
  outBytes: number;
  /** Redeliveries alone, when the server counts them. */
  redeliveredMsgs?: number;
  /** natstream only: messages dead-lettered (max_deliver). */
  deadLetters?: number;
}

export interface StreamingView {
  readonly clusterId: string;
  /** The streaming server's own NUID (not the NATS server id). */
  readonly serverId: string;
  /** The nats-streaming-server version natstream answers as. */
  readonly version: string;
  readonly state: StreamingState;
  /** `Leader`/`Follower`/`Candidate` when clustered. */
  readonly role?: string;
  readonly startTime: Date;
  readonly counters: StreamingCounters;
  /** `MEMORY`, `FILE`, `SQL`. */
  readonly storeType: string;
  /** natstream only: stored records found damaged and skipped since start-up (file store). */
  damagedRecords?(): DamagedRecord[];
  /** The limits in force (global values and per-channel entries as configured). */
  readonly limits: StoreLimits;
  /** True when this server is the active one of a fault-tolerance group. */
  readonly ftActive: boolean;
  /** Subject a client connects on: `<discover prefix>.<cluster id>`. */
  readonly discoverSubject: string;
  clients(): Iterable<ClientView>;
  client(id: string): ClientView | undefined;
  channels(): Iterable<ChannelView>;
  channel(name: string): ChannelView | undefined;
  /** Dashboard: the subject of CloseRequests (closing a client from the dashboard). */
  readonly closeSubject?: string;
  /** Dashboard: channels starting with `<prefix>.` hold dead letters ('' = none). */
  readonly deadLetterPrefix?: string;
}
