/**
 * Options of the streaming server, with the Go server's defaults
 * (spec streaming-protocol.md §1, §4, §10). Durations are milliseconds.
 */

import { DEFAULT_STORE_LIMITS } from '../stores/limits.js';
import type { StoreLimits } from '../stores/store.js';
import { DEFAULT_DEAD_LETTER_OPTIONS, type DeadLetterOptions } from './dead-letter-options.js';

export interface StreamingOptions {
  /** `-cid`: part of every request subject. */
  clusterId: string;
  /** Config key `discover_prefix` (no flag). */
  discoverPrefix: string;
  /** `-hbi`: interval between server heartbeats to a client. */
  hbInterval: number;
  /** `-hbt`: how long a heartbeat waits for the client's answer. */
  hbTimeout: number;
  /** `-hbf`: the client is dropped after more than this many failed heartbeats in a row. */
  hbFailCount: number;
  /** `-mc -msu -mm -mb -ma -mi` and per-channel limits. */
  limits: StoreLimits;
  /** `--replace_durable`: a duplicate durable replaces the active one instead of failing. */
  replaceDurable: boolean;
  /** `-SD`: print streaming debug lines. */
  debug: boolean;
  /** `-SV`: print streaming trace lines. */
  trace: boolean;
  /** `-io_batch_size`: publishes handled per I/O batch at most. */
  ioBatchSize: number;
  /**
   * At start, how long to wait for another server answering on the discover
   * subject (Go: 250 ms); 0 skips the check (embedded use, tests).
   */
  standaloneCheckTimeout: number;
  /** How long the old holder of a client ID gets to answer before being replaced (Go: 500 ms, no flag). */
  dupClientCheckTimeout: number;
  /** natstream only: `--max_deliver`, `--dead_letter_prefix` (docs/dead-letters.md). */
  deadLetters: DeadLetterOptions;
  /**
   * Config key `partitioning`: serve only the channels of `limits.perChannel`,
   * beside other servers of the same cluster ID (partitioning.ts).
   */
  partitioning: boolean;
}

export const DEFAULT_STREAMING_OPTIONS: Readonly<StreamingOptions> = Object.freeze({
  clusterId: 'test-cluster',
  discoverPrefix: '_STAN.discover',
  hbInterval: 30_000,
  hbTimeout: 10_000,
  hbFailCount: 10,
  limits: DEFAULT_STORE_LIMITS,
  replaceDurable: false,
  debug: false,
  trace: false,
  ioBatchSize: 1024,
  dupClientCheckTimeout: 500,
  standaloneCheckTimeout: 250,
  deadLetters: DEFAULT_DEAD_LETTER_OPTIONS,
  partitioning: false,
});

/** Defaults completed with `partial` (limits merged field by field). */
export function streamingOptions(partial: Partial<StreamingOptions> = {}): StreamingOptions {
  return {
    ...DEFAULT_STREAMING_OPTIONS,
    ...partial,
    limits: { ...DEFAULT_STORE_LIMITS, ...(partial.limits ?? {}) },
    deadLetters: { ...DEFAULT_DEAD_LETTER_OPTIONS, ...(partial.deadLetters ?? {}) },
  };
}
