/**
 * What the streaming layer needs from NATS, and nothing more. The streaming
 * server never touches a socket: it runs on the in-process transport (internal
 * subscriptions in the embedded core server's sublist) or on the external one
 * (the official `nats` client connected to a separate NATS server).
 */

/**
 * Called for each message on a subscribed subject.
 *
 * `payload` may be a view into a socket read buffer that is reused once the
 * handler returns: a handler that keeps the bytes (a store does) must copy them.
 * `reply` is '' when the publisher gave no reply subject.
 */
export type MessageHandler = (subject: string, reply: string, payload: Uint8Array) => void;

/** A publisher whose input is held back while its publishes are unanswered (see Transport.holdSender). */
export interface SenderHold {
  release(): void;
}

/** A receiver that is not keeping up (see Transport.takeCongestion). */
export interface Congestion {
  /** Calls `cb` once, when the receiver takes bytes again (or is gone). */
  whenDrained(cb: () => void): void;
}

export interface TransportSubscription {
  unsubscribe(): void;
}

export interface Transport {
  /** Subscribe to a subject (wildcards allowed); with `queue`, one member of the group gets each message. */
  subscribe(subject: string, handler: MessageHandler, queue?: string): TransportSubscription;
  /** Publish; never throws for a subject nobody listens on. */
  publish(subject: string, payload: Uint8Array, reply?: string): void;
  /**
   * Publish with a fresh reply inbox and resolve with the first answer, or with
   * null when nothing answered within `timeoutMs` (used to ping a client's
   * heartbeat inbox).
   */
  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array | null>;
  /**
   * Optional, called from inside a MessageHandler: counts the message being handled
   * as unanswered for the connection that sent it, whose reading pauses while too
   * many are (publish pushback); null when the sender is unknown. `release()` once answered.
   */
  holdSender?(): SenderHold | null;
  /**
   * Optional, right after publish(): the receiver of that message whose socket is
   * backed up, or null. A publisher that can send later (the streaming server's
   * deliveries, which resume from the store) pauses until it drains.
   */
  takeCongestion?(): Congestion | null;
  /** Resolves once everything published so far has been handed to the network. */
  flush(): Promise<void>;
  /**
   * Calls `handler` when the NATS cluster's set of servers changes (servers
   * joining after a network split heals). Only transports on a cluster have it.
   */
  onTopologyChange?(handler: () => void): void;
  close(): Promise<void>;
}
