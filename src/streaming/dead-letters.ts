/**
 * Dead letters (natstream only, docs/dead-letters.md). With `max_deliver` N > 0
 * for a channel, a message delivered N times to a subscription (a queue group
 * counts for all its members) without an ack is taken out of the pending set
 * and published, data unchanged, to `<prefix>.<channel>` — or dropped when the
 * prefix is empty or the channel is itself a dead-letter channel.
 *
 * The counts are the redelivery counts the server already keeps (MsgProto's
 * redeliveryCount), stored through the store's `openDeliveryCounts` so they
 * survive a restart. Nothing here runs for a channel whose max_deliver is 0:
 * first deliveries and acks only test `channel.deliveryCounts !== null`.
 */
import type { Msg } from '../protocol/stan-msg.js';
import { queueUnit, subUnit, type DeliveryCountRecord, type DeliveryCounts } from '../stores/delivery-counts.js';
import type { Channel } from './channel.js';
import type { StreamingContext } from './context.js';
import { deadLetterChannelOf, maxDeliverOf } from './dead-letter-options.js';
import type { Delivery } from './delivery.js';
import type { Subscription } from './subscription.js';

/** Stores a message the server publishes itself; resolves once it is stored and delivered. */
export type InternalPublish = (channel: string, data: Uint8Array, reply: string) => Promise<number>;

export class DeadLetters {
  private readonly dirty = new Set<DeliveryCounts>();
  private flushScheduled = false;
  publish: InternalPublish | null = null;

  constructor(private readonly ctx: StreamingContext, private readonly delivery: Delivery) {}

  /**
   * Sets up `ch` (new or recovered): its max_deliver and, when dead letters are on
   * for it, its stored counts. Returns the stored records of a recovered channel.
   */
  async attach(ch: Channel, recovered: boolean): Promise<DeliveryCountRecord[]> {
    ch.maxDeliver = maxDeliverOf(this.ctx.options.deadLetters, ch.name);
    const store = this.ctx.store;
    if (ch.maxDeliver === 0 || store.openDeliveryCounts === undefined) return [];
    try {
      const counts = await store.openDeliveryCounts(ch.name);
      const records = recovered ? await counts.load() : (await counts.clear(), []);
      ch.deliveryCounts = counts;
      return records;
    } catch (err) {
      this.ctx.log.error(`Unable to open the delivery counts of channel ${JSON.stringify(ch.name)}: ${(err as Error).message}`);
      return [];
    }
  }

  /** After recovery of `ch`: stored counts back on their subscriptions and groups; stale records removed. */
  restore(ch: Channel, records: DeliveryCountRecord[]): void {
    if (records.length === 0) return;
    const subsById = new Map<number, Subscription>();
    for (const s of ch.subs) if (s.queue === null) subsById.set(s.id, s);
    for (const r of records) {
      let counts: Map<number, number> | null = null;
      if (r.unit.startsWith('queue:')) {
        const g = ch.queues.get(r.unit.slice(6));
        if (g !== undefined && groupHasPending(ch, g.name, r.seq)) counts = g.redeliveryCounts;
      } else if (r.unit.startsWith('sub:')) {
        const s = subsById.get(Number(r.unit.slice(4)));
        if (s !== undefined && s.pending.has(r.seq)) counts = s.redeliveryCounts;
      }
      if (counts !== null) counts.set(r.seq, r.count);
      else this.removeStored(ch, r.unit, r.seq);
    }
  }

  /** Whether `msg`, pending on `sub`, has had its max_deliver deliveries. */
  isExhausted(sub: Subscription, seq: number): boolean {
    const max = sub.channel.maxDeliver;
    if (max === 0) return false;
    const counts = sub.queue ? sub.queue.redeliveryCounts : sub.redeliveryCounts;
    return (counts.get(seq) ?? 0) + 1 >= max;
  }

  /** A redelivery of `seq` on `sub` raised its count to `count`: store it. */
  recordCount(sub: Subscription, seq: number, count: number): void {
    const counts = sub.channel.deliveryCounts;
    if (counts === null) return;
    counts.set(unitOf(sub), seq, count);
    this.markDirty(counts);
  }

  /** `seq` left `owner`'s pending set (ack, dead letter): its stored count goes. */
  forget(owner: Subscription, seq: number): void {
    this.removeStored(owner.channel, unitOf(owner), seq);
  }

  /**
   * Takes `msg` out of `sub`'s pending set and publishes it to the dead-letter
   * channel. If the publish fails, the message stays pending (it is tried again
   * at its next ack-wait deadline, without being delivered again).
   */
  async deadLetter(sub: Subscription, msg: Msg): Promise<void> {
    const ctx = this.ctx;
    const ch = sub.channel;
    const seq = msg.sequence;
    const counts = sub.queue ? sub.queue.redeliveryCounts : sub.redeliveryCounts;
    const deliveries = (counts.get(seq) ?? 0) + 1;
    // no other redelivery pass takes it while the dead letter is being stored
    sub.pending.set(seq, Date.now() + sub.ackWaitMs);
    const target = deadLetterChannelOf(ctx.options.deadLetters, ch.name);
    let where = 'dropped';
    if (target !== '' && this.publish !== null) {
      try {
        const dlqSeq = await this.publish(target, msg.data, msg.reply);
        where = `published to ${JSON.stringify(target)} as seq=${dlqSeq}`;
      } catch (err) {
        ctx.log.error(`Unable to publish dead letter seq=${seq} of channel ${JSON.stringify(ch.name)} to ${JSON.stringify(target)}: ${(err as Error).message}`);
        return;
      }
    }
    // acked meanwhile, or the subscription is gone (its pending set went with it)
    if (sub.removed || (!sub.pending.has(seq) && !(sub.queue?.members.some((m) => m.pending.has(seq)) ?? false))) return;
    this.delivery.ack(sub, seq);
    sub.deadLettered++;
    ch.deadLettered++;
    ctx.stats.deadLetters++;
    const queue = sub.queue ? `, queue=${sub.queue.name}` : '';
    ctx.log.warn(
      `[Client:${sub.clientId}] Dead letter: msg seq=${seq} of channel ${JSON.stringify(ch.name)} delivered ${deliveries} time(s) ` +
      `without an ack to subid=${sub.id}${queue}; ${where}`,
    );
  }

  /** Writes what is buffered (before the store closes). */
  async flushAll(): Promise<void> {
    for (const ch of this.ctx.channels.values()) {
      if (ch.deliveryCounts !== null) await ch.deliveryCounts.close().catch(() => undefined);
    }
  }

  private removeStored(ch: Channel, unit: string, seq: number): void {
    const counts = ch.deliveryCounts;
    if (counts === null) return;
    counts.remove(unit, seq);
    this.markDirty(counts);
  }

  private markDirty(counts: DeliveryCounts): void {
    this.dirty.add(counts);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => { void this.flush(); });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const list = [...this.dirty];
    this.dirty.clear();
    for (const c of list) {
      try {
        await c.flush();
      } catch (err) {
        this.ctx.log.error(`Unable to store delivery counts: ${(err as Error).message}`);
      }
    }
  }
}

/** The unit that counts deliveries for `sub`: its queue group, or itself. */
function unitOf(sub: Subscription): string {
  return sub.queue !== null ? queueUnit(sub.queue.name) : subUnit(sub.id);
}

function groupHasPending(ch: Channel, group: string, seq: number): boolean {
  for (const s of ch.subs) if (s.queue !== null && s.queue.name === group && s.pending.has(seq)) return true;
  return false;
}
