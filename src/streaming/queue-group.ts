/**
 * A queue group of one channel (spec streaming-protocol.md §8): members share
 * the group's position and redelivery counts; each member has its own pending
 * list and maxInFlight.
 */

import type { Subscription } from './subscription.js';

export class QueueGroup {
  readonly members: Subscription[] = [];
  /** Last sequence handed to any member for the first time. */
  lastSent = 0;
  readonly redeliveryCounts = new Map<number, number>();
  catchingUp = false;
  /** Durable group whose members are all gone: the stored state that a new member resumes. */
  shadow: Subscription | null = null;

  constructor(
    /** `qGroup`, or `durableName:qGroup` for durable queues. */
    readonly name: string,
    readonly isDurable: boolean,
  ) {}

  /**
   * The member for the next message (Go findBestQueueSub): the non-stalled member
   * without failed heartbeats that has the fewest pending messages, first in list
   * order on ties; the first member when none qualifies. When the chosen one is
   * the first of the list it moves to the end, so acks that come back quickly
   * give a round-robin.
   */
  pickMember(): Subscription | null {
    const list = this.members;
    const n = list.length;
    if (n === 0) return null;
    let best: Subscription | null = null;
    let least = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < n; i++) {
      const s = list[i];
      if (!s.stalled && !s.blocked && !s.hasFailedHB && s.pending.size < least) {
        least = s.pending.size;
        best = s;
      }
    }
    if (best === null) best = list[0];
    if (n > 1 && best === list[0]) {
      list.copyWithin(0, 1);
      list[n - 1] = best;
    }
    return best;
  }

  /** Every member is stalled (or backed up): the group sends nothing until an ack (or a drain). */
  get allStalled(): boolean {
    for (const s of this.members) if (!s.stalled && !s.blocked) return false;
    return true;
  }
}
