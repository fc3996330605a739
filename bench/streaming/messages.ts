/**
 * What the streaming bench coordinator and its client processes say to each
 * other over the child_process IPC channel. Times are `process.hrtime.bigint()`
 * readings sent as decimal strings: CLOCK_MONOTONIC is shared by every process
 * of the machine, so a publisher's start and a subscriber's last delivery can be
 * subtracted, and a publish time stamped into a payload can be read by another
 * process.
 */

/**
 * The client library of the load-generating processes: `stan` is
 * node-nats-streaming, what Node applications use; `raw` is ./raw-stan.ts, a
 * minimal client cheap enough per message that the server becomes the limit.
 */
export type ClientKind = 'stan' | 'raw';

/** How a subscriber subscribes: the four kinds of STAN subscription. */
export type SubKind = 'plain' | 'queue' | 'durable' | 'durable-queue';

export interface ConnectInfo {
  client: ClientKind;
  url: string;
  clusterId: string;
  /** Unique per process and run. */
  clientId: string;
}

/**
 * Publishes `count` messages of `size` bytes on `channel`, each stamped with
 * its publish time. Async: at most `window` PubAcks outstanding (the Go
 * client's MaxPubAcksInflight); sync: waits for each PubAck before the next.
 */
export interface PubJob extends ConnectInfo {
  role: 'pub';
  channel: string;
  count: number;
  size: number;
  sync: boolean;
  window: number;
}

/** Subscribes to `channel` from its first message and counts deliveries until told to finish. */
export interface SubJob extends ConnectInfo {
  role: 'sub';
  channel: string;
  kind: SubKind;
  /** The queue group / durable name, when the kind has one. */
  group: string;
  durable: string;
  manualAck: boolean;
  maxInFlight: number;
}

export type Job = PubJob | SubJob;

export type ToWorker = { type: 'job'; job: Job } | { type: 'go' } | { type: 'finish' } | { type: 'stop' };

export interface CpuSpent {
  /** CPU time of the worker process during its measured phase, microseconds. */
  cpuMicros: number;
  /** Wall time of the same phase, microseconds. */
  wallMicros: number;
}

export interface PubDone extends CpuSpent {
  type: 'pub-done';
  /** Before the first publish. */
  start: string;
  /** After the last PubAck. */
  end: string;
  acked: number;
  /** PubAcks that carried an error (or timed out). */
  failed: number;
  /** The first such error, for the report. */
  firstError: string;
}

export interface SubDone extends CpuSpent {
  type: 'sub-done';
  received: number;
  /** Deliveries flagged as redelivered. */
  redelivered: number;
  first: string;
  last: string;
  /** Publish-to-delivery latency histogram (see ./histogram.ts). */
  latency: number[];
}

export type FromWorker =
  | { type: 'ready' }
  /** A subscriber's running total, sent at most every few milliseconds. */
  | { type: 'progress'; received: number }
  | PubDone
  | SubDone
  | { type: 'error'; message: string };
