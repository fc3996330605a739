/**
 * Delivery and acks (spec streaming-protocol.md §7, §8): MsgProto to the
 * subscription inbox, in sequence order, within maxInFlight; acks through the
 * ack inbox; catch-up reads from the store for subscriptions that are behind.
 *
 * New messages take the fast path (`deliverNew`, no store read) when a
 * subscription is exactly one behind; anything else (new subscription, resumed
 * after a stall, skipped sequences) goes through `catchUp*`, which reads the
 * store in batches. A subscription that is catching up ignores the fast path,
 * which keeps every subscription's first deliveries in order.
 */

import type { Msg } from '../protocol/stan-msg.js';
import { AckView, decodeAckInto } from '../protocol/stan-codec.js';
import { bytesEqualAt } from '../protocol/stan-wire.js';
import type { SubStore } from '../stores/store.js';
import type { Congestion } from '../transport/transport.js';
import type { Channel } from './channel.js';
import type { DeadLetters } from './dead-letters.js';
import { turnNowMs } from './clock.js';
import type { StreamingContext } from './context.js';
import type { QueueGroup } from './queue-group.js';
import type { RedeliveryTimer } from './redelivery.js';
import type { Subscription } from './subscription.js';
import { detach } from './failures.js';

/** Store reads of a catch-up never ask for more than this many messages at once. */
const CATCH_UP_BATCH = 1024;

export class Delivery {
  private readonly dirty = new Set<SubStore>();
  private flushScheduled = false;
  private readonly ackView = new AckView();
  redelivery!: RedeliveryTimer;
  deadLetters!: DeadLetters;

  constructor(private readonly ctx: StreamingContext) {}

  /** A stored message of `ch`, after its store was flushed: every subscription gets it. */
  deliverNew(ch: Channel, msg: Msg): void {
    const seq = msg.sequence;
    const direct = ch.directSubs;
    for (let i = 0; i < direct.length; i++) {
      const s = direct[i];
      if (!s.ready || s.catchingUp || s.stalled || s.blocked) continue;
      if (s.lastSent === seq - 1) this.send(s, msg);
      else if (s.lastSent < seq) detach(this.ctx.log, 'Delivery failed', this.catchUpSub(s));
    }
    if (ch.queues.size === 0) return;
    for (const g of ch.queues.values()) {
      if (g.catchingUp || g.members.length === 0) continue;
      if (g.lastSent === seq - 1) this.sendToGroup(g, msg);
      else if (g.lastSent < seq) detach(this.ctx.log, 'Delivery failed', this.catchUpGroup(g));
    }
  }

  /** First delivery of `msg` to `sub`. */
  send(sub: Subscription, msg: Msg): void {
    const ctx = this.ctx;
    const seq = msg.sequence;
    ctx.transport.publish(sub.inbox, msg.encoded);
    const congestion = ctx.transport.takeCongestion?.() ?? null;
    if (congestion !== null) this.block(sub, congestion);
    const deadline = turnNowMs() + sub.ackWaitMs;
    const wasIdle = sub.pending.size === 0;
    sub.pending.set(seq, deadline);
    if (seq > sub.lastSent) sub.lastSent = seq;
    const subStore = sub.channel.store.subs;
    subStore.addSeqPending(sub.id, seq);
    this.markDirty(subStore);
    ctx.stats.outMsgs++;
    ctx.stats.outBytes += msg.encoded.length;
    if (ctx.trace) ctx.log.trace(`[Client:${sub.clientId}] Delivering msg to subid=${sub.id}, subject=${sub.channel.name}, seq=${seq}`);
    if (sub.pending.size >= sub.maxInFlight) sub.stalled = true;
    if (wasIdle) this.redelivery.track(sub, deadline);
  }

  /** Nothing new for `sub` until its connection drains; then it catches up from the store. */
  private block(sub: Subscription, congestion: Congestion): void {
    if (sub.blocked) return;
    sub.blocked = true;
    congestion.whenDrained(() => {
      sub.blocked = false;
      if (sub.ready && !sub.offline && !sub.removed && !sub.stalled) this.resume(sub);
    });
  }

  /** Hands `msg` to the best member; false when the group is stalled. */
  private sendToGroup(g: QueueGroup, msg: Msg): boolean {
    const member = g.pickMember();
    if (member === null || member.stalled || member.blocked) return false;
    this.send(member, msg);
    g.lastSent = msg.sequence;
    return true;
  }

  /** Sends what `sub` has not seen yet, reading the store, until it is caught up or stalled. */
  async catchUpSub(s: Subscription): Promise<void> {
    if (s.catchingUp) return;
    s.catchingUp = true;
    const msgs = s.channel.store.msgs;
    try {
      while (s.ready && !s.removed && !s.offline && !s.stalled && !s.blocked) {
        const last = msgs.lastSequence();
        if (s.lastSent >= last) break;
        let from = s.lastSent + 1;
        const first = msgs.firstSequence();
        if (from < first) from = first; // skip what limits or age removed
        const room = Math.min(s.maxInFlight - s.pending.size, CATCH_UP_BATCH);
        // a memory store answers at once: no turn per read (each ack of a stalled subscription reads one)
        const batch = msgs.lookupRangeSync !== undefined ? msgs.lookupRangeSync(from, last, room) : await msgs.lookupRange(from, last, room);
        if (batch.length === 0) {
          if (s.lastSent < last) s.lastSent = last;
          continue;
        }
        for (let i = 0; i < batch.length; i++) {
          if (!s.ready || s.removed || s.offline || s.stalled || s.blocked) break;
          const m = batch[i];
          if (m.sequence > s.lastSent) this.send(s, m);
        }
      }
    } catch (err) {
      this.ctx.log.error(`Unable to deliver messages to subid=${s.id}, subject=${s.channel.name}: ${(err as Error).message}`);
    } finally {
      s.catchingUp = false;
    }
  }

  async catchUpGroup(g: QueueGroup): Promise<void> {
    if (g.catchingUp) return;
    g.catchingUp = true;
    try {
      while (g.members.length > 0 && !g.allStalled) {
        const msgs = g.members[0].channel.store.msgs;
        const last = msgs.lastSequence();
        if (g.lastSent >= last) break;
        let from = g.lastSent + 1;
        const first = msgs.firstSequence();
        if (from < first) from = first;
        let room = 0;
        for (const m of g.members) if (!m.stalled) room += m.maxInFlight - m.pending.size;
        const max = Math.max(1, Math.min(room, CATCH_UP_BATCH));
        const batch = msgs.lookupRangeSync !== undefined ? msgs.lookupRangeSync(from, last, max) : await msgs.lookupRange(from, last, max);
        if (batch.length === 0) {
          if (g.lastSent < last) g.lastSent = last;
          continue;
        }
        for (let i = 0; i < batch.length; i++) {
          const m = batch[i];
          if (m.sequence <= g.lastSent) continue;
          if (g.members.length === 0 || !this.sendToGroup(g, m)) break;
        }
      }
    } catch (err) {
      this.ctx.log.error(`Unable to deliver messages to queue group ${g.name}: ${(err as Error).message}`);
    } finally {
      g.catchingUp = false;
    }
  }

  /** Deliveries resume for the delivery unit of `sub` (itself or its group). */
  resume(sub: Subscription): void {
    if (sub.queue) detach(this.ctx.log, 'Delivery failed', this.catchUpGroup(sub.queue));
    else detach(this.ctx.log, 'Delivery failed', this.catchUpSub(sub));
  }

  /** An Ack arrived on `sub`'s ack inbox. */
  onAck(sub: Subscription, payload: Uint8Array): void {
    const a = this.ackView;
    try {
      decodeAckInto(payload, a);
    } catch {
      this.ctx.log.error(`Unable to unmarshal Ack on ${sub.ackInbox}`);
      return;
    }
    // the channel is named by the Ack; an ack for another channel finds no subscription there
    if (!bytesEqualAt(sub.channel.nameBytes, payload, a.subjectStart, a.subjectEnd) || sub.removed) return;
    const seq = a.sequence;
    if (this.ctx.trace) {
      this.ctx.log.trace(`[Client:${sub.clientId}] Processing ack for subid=${sub.id}, subject=${sub.channel.name}, seq=${seq}`);
    }
    this.ack(sub, seq);
  }

  /** Removes `seq` from `sub`'s pending (or, for a queue member, from the member that has it). */
  ack(sub: Subscription, seq: number): void {
    let owner: Subscription | null = null;
    if (sub.pending.delete(seq)) {
      owner = sub;
    } else if (sub.queue) {
      for (const m of sub.queue.members) {
        if (m !== sub && m.pending.delete(seq)) { owner = m; break; }
      }
    }
    if (owner === null) return;
    const subStore = owner.channel.store.subs;
    subStore.ackSeqPending(owner.id, seq);
    this.markDirty(subStore);
    const counts = owner.queue ? owner.queue.redeliveryCounts : owner.redeliveryCounts;
    // a stored count exists only where dead letters are on (max_deliver > 0)
    if (counts.delete(seq) && owner.channel.deliveryCounts !== null) this.deadLetters.forget(owner, seq);
    if (owner.stalled && owner.pending.size < owner.maxInFlight) {
      owner.stalled = false;
      if (owner.ready && !owner.offline) this.resume(owner);
    }
  }

  markDirty(subStore: SubStore): void {
    // a store with nothing to flush (memory) needs no flush turn at all
    if (subStore.needsFlush !== undefined && !subStore.needsFlush()) return;
    this.dirty.add(subStore);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => { detach(this.ctx.log, 'Flushing subscription stores failed', this.flushSubStores()); });
    }
  }

  /** Sub stores changed since the last flush (0: `flushSubStores` has nothing to do). */
  get dirtyCount(): number {
    return this.dirty.size;
  }

  /** Flushes every sub store changed since the last flush (the publish batch awaits this before PubAcks). */
  async flushSubStores(): Promise<void> {
    this.flushScheduled = false;
    if (this.dirty.size === 0) return;
    const stores = [...this.dirty];
    this.dirty.clear();
    for (const s of stores) {
      try {
        await s.flush();
      } catch (err) {
        this.ctx.log.error(`Unable to flush subscription store: ${(err as Error).message}`);
      }
    }
  }
}
