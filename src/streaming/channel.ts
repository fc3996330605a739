/**
 * A channel: its store, sequence/timestamp assignment and its subscriptions,
 * indexed the ways the protocol looks them up.
 */

import type { DeliveryCounts } from '../stores/delivery-counts.js';
import type { ChannelLimits, ChannelStore } from '../stores/store.js';
import type { QueueGroup } from './queue-group.js';
import type { Subscription } from './subscription.js';

export class Channel {
  /** Next sequence to assign (last stored + 1). */
  nextSequence: number;
  /** Timestamp of the last message (timestamps never go back within a channel). */
  lastTimestamp = 0n;
  /** Every subscription of the channel: online, offline durables, queue members, shadows. */
  readonly subs = new Set<Subscription>();
  /** Online plain and durable (non-queue) subscriptions: each gets every message. */
  readonly directSubs: Subscription[] = [];
  /** Plain durables by `clientID-channel-durable`, online or offline. */
  readonly durables = new Map<string, Subscription>();
  readonly queues = new Map<string, QueueGroup>();
  readonly byAckInbox = new Map<string, Subscription>();
  /** UTF-8 bytes of the name: publishes and acks compare the bytes they carry with these. */
  readonly nameBytes: Uint8Array;
  /** max_inactivity deletion in progress. */
  deleting = false;
  /** ms since epoch of the last publish or subscription change (for max_inactivity). */
  lastActivity = Date.now();
  /** Dead letters (dead-letters.ts): deliveries without an ack after which a message is dead; 0 = never. */
  maxDeliver = 0;
  /** The stored delivery counts when `maxDeliver` > 0 and the store keeps them. */
  deliveryCounts: DeliveryCounts | null = null;
  /** Messages dead-lettered from this channel since start. */
  deadLettered = 0;

  constructor(
    readonly name: string,
    readonly store: ChannelStore,
    readonly limits: ChannelLimits,
  ) {
    this.nextSequence = store.msgs.lastSequence() + 1;
    this.nameBytes = Buffer.from(name, 'utf8');
  }

  /** Subscriptions that count as active for max_inactivity (offline durables and shadows do not). */
  get activeSubCount(): number {
    let n = 0;
    for (const s of this.subs) if (!s.offline) n++;
    return n;
  }

  // --- monitoring ----------------------------------------------------------

  get msgs(): number {
    return this.store.msgs.state().msgs;
  }

  get bytes(): number {
    return this.store.msgs.state().bytes;
  }

  get firstSeq(): number {
    return this.store.msgs.firstSequence();
  }

  get lastSeq(): number {
    return this.store.msgs.lastSequence();
  }
}
