/**
 * Ending a subscription (spec streaming-protocol.md §11): unsubscribe and
 * subscription close differ for durables — close keeps a durable (or the last
 * member of a durable queue group) offline with its position and pending
 * messages; unsubscribe deletes it. A queue member that leaves hands its pending
 * messages to the remaining members, which redeliver them shortly.
 */

import type { StreamingContext } from './context.js';
import type { Delivery } from './delivery.js';
import type { RedeliveryTimer } from './redelivery.js';
import type { Subscription } from './subscription.js';

/** A leaving member's messages are redelivered by the remaining members this soon. */
const MOVED_PENDING_DELAY_MS = 100;

export class Removal {
  constructor(
    private readonly ctx: StreamingContext,
    private readonly delivery: Delivery,
    private readonly redelivery: RedeliveryTimer,
  ) {}

  /** Unsubscribe (`isClose` false) or close (`isClose` true: subscription close, connection close, dead client). */
  async remove(sub: Subscription, isClose: boolean): Promise<void> {
    if (sub.removed || sub.offline) return;
    const ch = sub.channel;
    const subStore = ch.store.subs;
    const clientId = sub.clientId;
    this.detach(sub);
    let what: string;
    const g = sub.queue;
    if (g !== null) {
      const i = g.members.indexOf(sub);
      if (i >= 0) g.members.splice(i, 1);
      const durable = g.isDurable ? 'durable ' : '';
      if (g.members.length > 0) {
        this.movePending(sub);
        this.forget(sub);
        await this.storeDelete(sub);
        what = `Removed member from ${durable}queue subscription`;
      } else if (g.isDurable && isClose) {
        // the group survives as its last member's state, without a client
        sub.offline = true;
        sub.clientId = '';
        sub.lastSent = g.lastSent;
        g.shadow = sub;
        await this.storeUpdate(sub);
        what = 'Suspended durable queue subscription';
      } else {
        ch.queues.delete(g.name);
        this.forget(sub);
        await this.storeDelete(sub);
        what = `Removed ${durable}queue subscription`;
      }
    } else if (sub.isDurable && isClose) {
      sub.offline = true;
      await this.storeUpdate(sub);
      what = 'Suspended durable subscription';
    } else {
      if (sub.isDurable) ch.durables.delete(sub.durableKey);
      this.forget(sub);
      await this.storeDelete(sub);
      what = sub.isDurable ? 'Removed durable subscription' : 'Removed subscription';
    }
    ch.lastActivity = Date.now();
    if (this.ctx.debug) {
      let line = `[Client:${clientId}] ${what}, subject=${ch.name}, inbox=${sub.inbox}`;
      if (sub.durableName !== '') line += `, durable=${sub.durableName}`;
      if (g !== null) line += `, queue=${g.name}`;
      this.ctx.log.debug(`${line}, subid=${sub.id}`);
    }
  }

  /** Stops deliveries and acks for `sub` and unlinks it from its client. */
  private detach(sub: Subscription): void {
    const ch = sub.channel;
    sub.ready = false;
    sub.ackSub?.unsubscribe();
    sub.ackSub = null;
    ch.byAckInbox.delete(sub.ackInbox);
    this.ctx.clients.get(sub.clientId)?.subs.delete(sub);
    this.redelivery.untrack(sub);
    const i = ch.directSubs.indexOf(sub);
    if (i >= 0) ch.directSubs.splice(i, 1);
  }

  private forget(sub: Subscription): void {
    sub.removed = true;
    sub.channel.subs.delete(sub);
  }

  /** Hands the pending messages of a leaving queue member round-robin to the others, due soon. */
  private movePending(sub: Subscription): void {
    const others = sub.queue!.members;
    if (sub.pending.size === 0 || others.length === 0) return;
    const subStore = sub.channel.store.subs;
    const now = Date.now();
    const seqs = [...sub.pending.keys()].sort((a, b) => a - b);
    for (let i = 0; i < seqs.length; i++) {
      const t = others[i % others.length];
      t.pending.set(seqs[i], now);
      subStore.addSeqPending(t.id, seqs[i]);
      if (t.pending.size >= t.maxInFlight) t.stalled = true;
    }
    sub.pending.clear();
    this.delivery.markDirty(subStore);
    for (const t of others) if (t.pending.size > 0) this.redelivery.track(t, now + MOVED_PENDING_DELAY_MS);
  }

  private async storeDelete(sub: Subscription): Promise<void> {
    try {
      await sub.channel.store.subs.deleteSub(sub.id);
    } catch (err) {
      this.ctx.log.error(`Unable to delete subscription subid=${sub.id} on ${sub.channel.name}: ${(err as Error).message}`);
    }
  }

  private async storeUpdate(sub: Subscription): Promise<void> {
    try {
      await sub.channel.store.subs.updateSub(sub.toState());
    } catch (err) {
      this.ctx.log.error(`Unable to update subscription subid=${sub.id} on ${sub.channel.name}: ${(err as Error).message}`);
    }
  }
}
