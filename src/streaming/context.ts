/**
 * What the feature modules of the streaming server share: the transport, the
 * store, options, logging, the registries, counters, and each other. The server
 * builds one and hands it to every module; nothing else is global.
 */

import type { ServerInfo, Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';
import type { Channel } from './channel.js';
import type { ClientRegistry } from './client.js';
import type { StreamingOptions } from './options.js';

export interface StreamingStats {
  /** PubMsgs that decoded (counted before validation). */
  inMsgs: number;
  inBytes: number;
  /** MsgProto deliveries, redeliveries included. */
  outMsgs: number;
  outBytes: number;
  /** Messages dead-lettered (natstream only). */
  deadLetters: number;
}

/** Runs async control operations (subscribe, unsubscribe, close) one at a time, in arrival order. */
export class ControlLane {
  private tail: Promise<void> = Promise.resolve();

  run(op: () => Promise<void>): Promise<void> {
    const p = this.tail.then(op, op);
    this.tail = p.catch(() => {});
    return p;
  }
}

export interface StreamingContext {
  readonly transport: Transport;
  readonly store: Store;
  readonly options: StreamingOptions;
  /** Prefixed with `STREAM: `. */
  readonly log: Logger;
  /** -SD / -SV switches (checked before building a log line). */
  readonly debug: boolean;
  readonly trace: boolean;
  info: ServerInfo;
  readonly clients: ClientRegistry;
  readonly channels: Map<string, Channel>;
  readonly stats: StreamingStats;
  readonly lane: ControlLane;
  /** True once shutdown began: handlers ignore input. */
  closing: boolean;
}
