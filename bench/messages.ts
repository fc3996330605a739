/**
 * What the bench coordinator and its client processes say to each other over
 * the child_process IPC channel. Times are `process.hrtime.bigint()` readings
 * sent as decimal strings: CLOCK_MONOTONIC is shared by every process of the
 * machine, so a publisher's start and a subscriber's end can be subtracted.
 */

/**
 * Which client library a bench process uses: the official `nats` client, or
 * ./raw-client.ts, cheap enough per message that the server is the limit.
 */
export type ClientKind = 'nats' | 'raw';

/**
 * Receives `expect` messages, reporting progress to the coordinator (which
 * relays it to the publishers) so that publishers stay at most a window ahead.
 */
export interface SubJob {
  role: 'sub';
  client: ClientKind;
  url: string;
  subject: string;
  expect: number;
  index: number;
  progressEvery: number;
}

/** Publishes `count` messages of `size` bytes, never more than `window` ahead of the slowest subscriber. */
export interface PubJob {
  role: 'pub';
  client: ClientKind;
  url: string;
  subject: string;
  count: number;
  size: number;
  /** How many publishers share the load (to estimate the total sent). */
  pubs: number;
  /** How many subscribers report progress; 0 for publish-only. */
  subs: number;
  window: number;
}

/** Answers every request with its own payload. */
export interface ReplierJob {
  role: 'replier';
  client: ClientKind;
  url: string;
  size: number;
  subject: string;
}

/** Sends `count` requests one after another and records each round trip. */
export interface RequesterJob {
  role: 'requester';
  client: ClientKind;
  url: string;
  subject: string;
  count: number;
  warmup: number;
  size: number;
}

export type Job = SubJob | PubJob | ReplierJob | RequesterJob;

/** Subscriber `index` has received `received` messages. */
export interface Progress {
  type: 'progress';
  index: number;
  received: number;
}

export type ToWorker = { type: 'job'; job: Job } | { type: 'go' } | Progress | { type: 'stop' };

export interface CpuSpent {
  /** CPU time of the whole worker process during its measured phase, microseconds. */
  cpuMicros: number;
  /** Wall time of the same phase, microseconds. */
  wallMicros: number;
}

export type FromWorker =
  | { type: 'ready' }
  | Progress
  | ({ type: 'pub-done'; start: string; end: string; sent: number } & CpuSpent)
  | ({ type: 'sub-done'; first: string; last: string; received: number } & CpuSpent)
  | ({ type: 'req-done'; start: string; end: string; latenciesMicros: number[] } & CpuSpent)
  | { type: 'error'; message: string };
