/**
 * Ack-wait redelivery (spec streaming-protocol.md §7.3, §8) on one timer for the
 * whole server, armed for the earliest deadline of any subscription — no timer
 * per message or per subscription. On fire, each due subscription redelivers its
 * pending messages whose deadline is within 15 ms, oldest deadline first, with
 * `redelivered=true` and an incremented `redeliveryCount`; queue messages go
 * through member selection and may move to another member.
 */

import { encodeRedelivery, type Msg } from '../protocol/stan-msg.js';
import type { StreamingContext } from './context.js';
import type { DeadLetters } from './dead-letters.js';
import type { Delivery } from './delivery.js';
import type { Subscription } from './subscription.js';
import { detach } from './failures.js';

/** Go: pending messages due within this much of now are redelivered in the same pass. */
const TOLERANCE_MS = 15;

export class RedeliveryTimer {
  /** Subscriptions with pending messages whose deadline is tracked. */
  private readonly tracked = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private running = false;
  private stopped = false;

  constructor(private readonly ctx: StreamingContext, private readonly delivery: Delivery, private readonly deadLetters: DeadLetters) {}

  /** `sub` has a pending message due at `deadline` (ms since epoch). */
  track(sub: Subscription, deadline: number): void {
    if (sub.nextDeadline === 0 || deadline < sub.nextDeadline) sub.nextDeadline = deadline;
    this.tracked.add(sub);
    if (sub.nextDeadline < this.armedFor) this.arm(sub.nextDeadline);
  }

  untrack(sub: Subscription): void {
    this.tracked.delete(sub);
    sub.nextDeadline = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => { detach(this.ctx.log, 'Redelivery failed', this.fire()); }, Math.max(0, at - Date.now()));
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.armedFor = Infinity;
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const now = Date.now();
      const due: Subscription[] = [];
      for (const sub of this.tracked) {
        if (sub.removed || sub.offline || sub.pending.size === 0) {
          this.untrack(sub);
          continue;
        }
        if (sub.nextDeadline <= now + TOLERANCE_MS) due.push(sub);
      }
      for (const sub of due) {
        if (!sub.removed && !sub.offline) await this.redeliverDue(sub);
      }
    } catch (err) {
      this.ctx.log.error(`Redelivery failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
      this.rearm();
    }
  }

  private rearm(): void {
    let earliest = Infinity;
    for (const sub of this.tracked) {
      if (sub.pending.size === 0 || sub.removed || sub.offline) { this.untrack(sub); continue; }
      if (sub.nextDeadline < earliest) earliest = sub.nextDeadline;
    }
    if (earliest !== Infinity) this.arm(earliest);
  }

  /** Redelivers the due pending messages of `sub`, then recomputes its next deadline. */
  async redeliverDue(sub: Subscription): Promise<void> {
    const now = Date.now();
    if (sub.queue === null && sub.hasFailedHB) {
      // its client does not answer heartbeats: try again later
      sub.nextDeadline = now + sub.ackWaitMs;
      return;
    }
    const entries = [...sub.pending].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const ctx = this.ctx;
    for (const [seq, deadline] of entries) {
      if (deadline - now > TOLERANCE_MS) {
        if (ctx.trace) ctx.log.trace(`[Client:${sub.clientId}] Redelivery for subid=${sub.id}, skipping seq=${seq}`);
        break;
      }
      if (!sub.pending.has(seq)) continue; // acked meanwhile
      const msg = await sub.channel.store.msgs.lookup(seq);
      if (sub.removed || sub.offline) return;
      if (!sub.pending.has(seq)) continue;
      if (msg === undefined) {
        // expired or dropped by limits: nothing to redeliver, ack it silently
        this.delivery.ack(sub, seq);
        continue;
      }
      if (sub.channel.maxDeliver > 0 && this.deadLetters.isExhausted(sub, seq)) {
        await this.deadLetters.deadLetter(sub, msg);
        if (sub.removed || sub.offline) return;
        continue;
      }
      if (ctx.trace) ctx.log.trace(`[Client:${sub.clientId}] Redelivering msg to subid=${sub.id}, subject=${sub.channel.name}, seq=${seq}`);
      this.redeliver(sub, msg);
    }
    let next = 0;
    for (const d of sub.pending.values()) if (next === 0 || d < next) next = d;
    sub.nextDeadline = next;
  }

  /** Sends `msg` (pending on `sub`) again; a queue message may go to another member. */
  redeliver(sub: Subscription, msg: Msg): void {
    const seq = msg.sequence;
    const g = sub.queue;
    let target = sub;
    if (g !== null) {
      const best = g.pickMember();
      if (best !== null) target = best;
    }
    const counts = g ? g.redeliveryCounts : sub.redeliveryCounts;
    const count = (counts.get(seq) ?? 0) + 1;
    counts.set(seq, count);
    if (sub.channel.deliveryCounts !== null) this.deadLetters.recordCount(sub, seq, count);
    const bytes = encodeRedelivery(msg, count);
    const ctx = this.ctx;
    ctx.transport.publish(target.inbox, bytes);
    ctx.stats.outMsgs++;
    ctx.stats.outBytes += bytes.length;
    const deadline = Date.now() + target.ackWaitMs;
    if (target !== sub) {
      // moved to another member: it is pending there now, and implicitly acked here
      const subStore = sub.channel.store.subs;
      sub.pending.delete(seq);
      subStore.ackSeqPending(sub.id, seq);
      subStore.addSeqPending(target.id, seq);
      this.delivery.markDirty(subStore);
      target.pending.set(seq, deadline);
      if (target.pending.size >= target.maxInFlight) target.stalled = true;
      this.track(target, deadline);
      if (sub.stalled && sub.pending.size < sub.maxInFlight) {
        sub.stalled = false;
        this.delivery.resume(sub);
      }
    } else {
      sub.pending.set(seq, deadline);
    }
  }

  /**
   * Redelivers every pending message of a resumed durable at once, in sequence
   * order, ignoring maxInFlight (spec §6.4); new messages wait until it is done.
   */
  async redeliverAllPending(sub: Subscription): Promise<void> {
    if (sub.pending.size === 0) return;
    const seqs = [...sub.pending.keys()].sort((a, b) => a - b);
    const wasCatchingUp = sub.catchingUp;
    sub.catchingUp = true;
    try {
      for (const seq of seqs) {
        const msg = await sub.channel.store.msgs.lookup(seq);
        if (sub.removed || sub.offline) return;
        if (!sub.pending.has(seq)) continue;
        if (msg === undefined) { this.delivery.ack(sub, seq); continue; }
        if (sub.channel.maxDeliver > 0 && this.deadLetters.isExhausted(sub, seq)) {
          await this.deadLetters.deadLetter(sub, msg);
          continue;
        }
        const counts = sub.queue ? sub.queue.redeliveryCounts : sub.redeliveryCounts;
        const count = (counts.get(seq) ?? 0) + 1;
        counts.set(seq, count);
        if (sub.channel.deliveryCounts !== null) this.deadLetters.recordCount(sub, seq, count);
        const bytes = encodeRedelivery(msg, count);
        this.ctx.transport.publish(sub.inbox, bytes);
        this.ctx.stats.outMsgs++;
        this.ctx.stats.outBytes += bytes.length;
        const deadline = Date.now() + sub.ackWaitMs;
        sub.pending.set(seq, deadline);
        this.track(sub, deadline);
      }
    } catch (err) {
      // a store that cannot read a message (I/O, decryption) must not take the process down
      this.ctx.log.error(`Unable to redeliver pending messages to subid=${sub.id}, subject=${sub.channel.name}: ${(err as Error).message}`);
    } finally {
      sub.catchingUp = wasCatchingUp;
    }
  }
}
