/**
 * One subscription's delivery state (spec streaming-protocol.md §6–8): position,
 * pending messages with their ack deadlines, flow control. The monitoring
 * getters at the bottom are what /streaming/channelsz and /clientsz show.
 */

import type { SubState } from '../stores/store.js';
import type { TransportSubscription } from '../transport/transport.js';
import type { Channel } from './channel.js';
import type { QueueGroup } from './queue-group.js';
import { PendingAcks } from './pending-acks.js';

export class Subscription {
  /** Store-assigned ID (per channel). */
  id = 0;
  clientId: string;
  inbox: string;
  ackInbox = '';
  maxInFlight: number;
  ackWaitMs: number;
  /** Last sequence sent to this subscription for the first time. */
  lastSent = 0;
  /** Sequences sent and not acknowledged → ack deadline (ms since epoch). */
  readonly pending = new PendingAcks();
  /** Earliest deadline in `pending` (0 = nothing scheduled); kept by the redelivery timer. */
  nextDeadline = 0;
  /** Redelivery counts of plain and durable subscriptions (queue groups keep theirs on the group). */
  readonly redeliveryCounts = new Map<number, number>();
  /** Messages taken from this subscription as dead letters since start. */
  deadLettered = 0;
  /** pending.size reached maxInFlight: nothing new is sent until an ack. */
  stalled = false;
  /**
   * Its connection's socket is backed up: nothing new is sent until it drains
   * (then deliveries resume from the store). Keeps undelivered messages in the
   * store rather than in a write queue.
   */
  blocked = false;
  /** SubscriptionResponse sent: deliveries may start. */
  ready = false;
  /** A catch-up read (or a resume redelivery) is running; new messages wait for it. */
  catchingUp = false;
  /** Offline durable (closed or its client gone): kept with its position, not delivered to. */
  offline = false;
  /** Removed for good. */
  removed = false;
  /** Its client failed heartbeats: skipped by queue selection and plain redelivery. */
  hasFailedHB = false;
  ackSub: TransportSubscription | null = null;

  constructor(
    readonly channel: Channel,
    init: { clientId: string; inbox: string; maxInFlight: number; ackWaitMs: number },
    /** Durable name of a plain durable; '' for queue members (the name is part of the group's). */
    readonly durableName: string,
    readonly queue: QueueGroup | null,
    readonly isDurable: boolean,
  ) {
    this.clientId = init.clientId;
    this.inbox = init.inbox;
    this.maxInFlight = init.maxInFlight;
    this.ackWaitMs = init.ackWaitMs;
  }

  /** The durable key inside its channel (`clientID-channel-durable`), '' when not a plain durable. */
  get durableKey(): string {
    return this.durableName === '' || this.queue !== null ? '' : durableKey(this.clientId, this.channel.name, this.durableName);
  }

  /** The stored form. */
  toState(): SubState {
    return {
      id: this.id,
      clientId: this.clientId,
      qGroup: this.queue ? this.queue.name : '',
      inbox: this.inbox,
      ackInbox: this.ackInbox,
      maxInFlight: this.maxInFlight,
      ackWaitInSecs: Math.round(this.ackWaitMs / 1000),
      durableName: this.durableName,
      lastSent: this.lastSent,
      isDurable: this.isDurable,
      isClosed: this.offline,
    };
  }

  // --- monitoring (read-only views) ----------------------------------------

  get queueName(): string {
    return this.queue ? this.queue.name : '';
  }

  get isOffline(): boolean {
    return this.offline;
  }

  /** Seconds, as in the SubscriptionRequest. */
  get ackWait(): number {
    return Math.round(this.ackWaitMs / 1000);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get isStalled(): boolean {
    return this.stalled;
  }
}

export function durableKey(clientId: string, channel: string, durableName: string): string {
  return `${clientId}-${channel}-${durableName}`;
}
