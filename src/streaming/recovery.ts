/**
 * Rebuilding the server from a persistent store's RecoveredState (spec
 * stores.md §1.4): clients re-registered, subscriptions re-attached to their
 * clients on their stored ack inboxes, offline durables and durable queue
 * "shadows" kept, orphans deleted, pending messages given deadlines
 * (timestamp + ack wait) and the overdue ones redelivered before anything new.
 */

import type { RecoveredState, SubState } from '../stores/store.js';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channels.js';
import { Client } from './client.js';
import type { StreamingContext } from './context.js';
import type { DeadLetters } from './dead-letters.js';
import type { Delivery } from './delivery.js';
import { QueueGroup } from './queue-group.js';
import type { RedeliveryTimer } from './redelivery.js';
import { Subscription, durableKey } from './subscription.js';
import { guarded } from './failures.js';

export class Recovery {
  private readonly online: Subscription[] = [];

  constructor(
    private readonly ctx: StreamingContext,
    private readonly channels: ChannelRegistry,
    private readonly delivery: Delivery,
    private readonly redelivery: RedeliveryTimer,
    private readonly deadLetters: DeadLetters,
  ) {}

  /** Applies `state`; returns the number of channels recovered. */
  async apply(state: RecoveredState): Promise<number> {
    const { ctx } = this;
    for (const info of state.clients) ctx.clients.add(new Client(info, ctx.options.hbInterval));
    for (const [name, rc] of state.channels) {
      const ch = this.channels.addRecovered(name, rc);
      const counts = await this.deadLetters.attach(ch, true);
      const lastMsg = await rc.channel.msgs.lastMsg();
      if (lastMsg) ch.lastTimestamp = lastMsg.timestamp;
      const groups = new Map<string, Array<{ state: SubState; pending: Set<number> }>>();
      for (const rs of rc.subscriptions) {
        const s = rs.sub;
        if (s.qGroup !== '') {
          let list = groups.get(s.qGroup);
          if (!list) groups.set(s.qGroup, (list = []));
          list.push({ state: s, pending: rs.pending });
          continue;
        }
        const client = ctx.clients.get(s.clientId);
        if (s.isDurable) {
          const sub = await this.build(ch, s, rs.pending, null);
          ch.durables.set(durableKey(s.clientId, ch.name, s.durableName), sub);
          ch.subs.add(sub);
          if (s.isClosed || client === undefined) sub.offline = true;
          else this.attach(client, sub);
        } else if (client === undefined) {
          await this.deleteOrphan(ch, s);
        } else {
          const sub = await this.build(ch, s, rs.pending, null);
          ch.subs.add(sub);
          this.attach(client, sub);
        }
      }
      for (const [name, list] of groups) await this.recoverGroup(ch, name, list);
      this.deadLetters.restore(ch, counts);
    }
    return state.channels.size;
  }

  /** After the server subscribed its subjects: overdue messages first, then everything new. */
  async startDeliveries(): Promise<void> {
    for (const sub of this.online) {
      if (sub.pending.size > 0) {
        sub.catchingUp = true;
        try {
          await this.redelivery.redeliverDue(sub);
        } finally {
          sub.catchingUp = false;
        }
        if (sub.pending.size > 0) this.redelivery.track(sub, sub.nextDeadline || Date.now());
      }
      this.delivery.resume(sub);
    }
    this.online.length = 0;
  }

  private async recoverGroup(ch: Channel, name: string, list: Array<{ state: SubState; pending: Set<number> }>): Promise<void> {
    const { ctx } = this;
    const group = new QueueGroup(name, list.some((e) => e.state.isDurable));
    const members: Array<{ state: SubState; pending: Set<number> }> = [];
    const shadows: Array<{ state: SubState; pending: Set<number> }> = [];
    for (const e of list) {
      group.lastSent = Math.max(group.lastSent, e.state.lastSent);
      if (e.state.clientId === '') shadows.push(e);
      else if (ctx.clients.get(e.state.clientId) !== undefined) members.push(e);
      else await this.deleteOrphan(ch, e.state);
    }
    if (members.length === 0 && shadows.length === 0) return;
    ch.queues.set(name, group);
    shadows.sort((a, b) => b.state.lastSent - a.state.lastSent);
    if (members.length === 0 && group.isDurable) {
      const shadow = await this.build(ch, shadows[0].state, shadows[0].pending, group);
      shadow.offline = true;
      group.shadow = shadow;
      ch.subs.add(shadow);
      shadows.shift();
    }
    for (const e of shadows) await this.deleteOrphan(ch, e.state);
    for (const e of members) {
      const sub = await this.build(ch, e.state, e.pending, group);
      ch.subs.add(sub);
      this.attach(ctx.clients.get(e.state.clientId)!, sub);
    }
    if (members.length === 0 && !group.isDurable) ch.queues.delete(name);
  }

  private async build(ch: Channel, s: SubState, pending: Set<number>, group: QueueGroup | null): Promise<Subscription> {
    const sub = new Subscription(ch, {
      clientId: s.clientId, inbox: s.inbox, maxInFlight: s.maxInFlight, ackWaitMs: s.ackWaitInSecs * 1000,
    }, group ? '' : s.durableName, group, s.isDurable);
    sub.id = s.id;
    sub.ackInbox = s.ackInbox;
    sub.lastSent = s.lastSent;
    for (const seq of [...pending].sort((a, b) => a - b)) {
      const msg = await ch.store.msgs.lookup(seq);
      if (msg === undefined) {
        ch.store.subs.ackSeqPending(s.id, seq);
        this.delivery.markDirty(ch.store.subs);
        continue;
      }
      sub.pending.set(seq, Number(msg.timestamp / 1_000_000n) + sub.ackWaitMs);
      if (seq > sub.lastSent) sub.lastSent = seq;
    }
    sub.stalled = sub.pending.size >= sub.maxInFlight;
    return sub;
  }

  private attach(client: Client, sub: Subscription): void {
    sub.ackSub = this.ctx.transport.subscribe(sub.ackInbox, guarded(this.ctx.log, 'Ack failed', (_s, _r, payload) => this.delivery.onAck(sub, payload)));
    sub.channel.byAckInbox.set(sub.ackInbox, sub);
    client.subs.add(sub);
    sub.ready = true;
    if (sub.queue) sub.queue.members.push(sub);
    else sub.channel.directSubs.push(sub);
    this.online.push(sub);
  }

  private async deleteOrphan(ch: Channel, s: SubState): Promise<void> {
    try {
      await ch.store.subs.deleteSub(s.id);
    } catch (err) {
      this.ctx.log.error(`Unable to delete subscription subid=${s.id} on ${ch.name}: ${(err as Error).message}`);
    }
  }
}
