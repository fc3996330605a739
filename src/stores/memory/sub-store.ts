/**
 * Subscriptions of one channel, in memory: only the count (for max_subs) and the
 * ID sequence; pending/acks are not kept since nothing is ever recovered
 * (Go stores/memstore.go). Hot-path calls are empty on purpose.
 */

import { StoreError, type ChannelLimits, type SubState, type SubStore } from '../store.js';

export class MemorySubStore implements SubStore {
  private maxSubId = 0;
  private readonly ids = new Set<number>();

  constructor(private readonly limits: ChannelLimits) {}

  createSub(sub: SubState): Promise<void> {
    const max = this.limits.maxSubscriptions;
    if (max > 0 && this.ids.size >= max) return Promise.reject(new StoreError('tooManySubs'));
    sub.id = ++this.maxSubId;
    this.ids.add(sub.id);
    return Promise.resolve();
  }

  updateSub(_sub: SubState): Promise<void> {
    return Promise.resolve();
  }

  deleteSub(id: number): Promise<void> {
    this.ids.delete(id);
    return Promise.resolve();
  }

  addSeqPending(_id: number, _seq: number): void {}

  ackSeqPending(_id: number, _seq: number): void {}

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing is ever persisted: there is nothing to flush. */
  needsFlush(): boolean {
    return false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
