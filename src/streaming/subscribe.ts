/**
 * Subscription requests (spec streaming-protocol.md §6): validation in the real
 * server's order, the four kinds (plain, durable, queue, durable queue), start
 * positions for new subscriptions and groups, resuming offline durables and
 * durable groups. The SubscriptionResponse always goes out before the first
 * MsgProto of the subscription.
 */

import { decodeSubscriptionRequest, encodeSubscriptionResponse, type SubscriptionRequestFields } from '../protocol/stan-codec.js';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channels.js';
import { isValidChannelName } from './channel-name.js';
import type { Client } from './client.js';
import { nowNanos } from './clock.js';
import type { StreamingContext } from './context.js';
import type { Delivery } from './delivery.js';
import { STAN_ERRORS } from './errors.js';
import { nuid } from './nuid.js';
import { QueueGroup } from './queue-group.js';
import type { RedeliveryTimer } from './redelivery.js';
import type { Removal } from './removal.js';
import { Subscription, durableKey } from './subscription.js';
import { detach, guarded } from './failures.js';

const enum Position { NewOnly = 0, LastReceived = 1, TimeDeltaStart = 2, SequenceStart = 3, First = 4 }

export class Subscriber {
  constructor(
    private readonly ctx: StreamingContext,
    private readonly channels: ChannelRegistry,
    private readonly delivery: Delivery,
    private readonly redelivery: RedeliveryTimer,
    private readonly removal: Removal,
  ) {}

  /** Handler of `_STAN.sub.<cluster>`; requests are processed one at a time. */
  readonly onSubscribe = (subject: string, reply: string, payload: Uint8Array): void => {
    if (this.ctx.closing) return;
    const copy = Uint8Array.prototype.slice.call(payload);
    detach(this.ctx.log, 'Subscription request failed', this.ctx.lane.run(() => this.process(subject, reply, copy)));
  };

  private respond(reply: string, ackInbox: string, error = ''): void {
    if (reply !== '') this.ctx.transport.publish(reply, encodeSubscriptionResponse(ackInbox, error));
  }

  private fail(reply: string, error: string): void {
    this.respond(reply, '', error);
  }

  private async process(subject: string, reply: string, payload: Uint8Array): Promise<void> {
    const { ctx } = this;
    const log = ctx.log;
    let req: SubscriptionRequestFields;
    try {
      req = decodeSubscriptionRequest(payload);
    } catch (err) {
      log.error(`Invalid Subscription request from ${subject}: unexpected EOF`);
      return this.fail(reply, STAN_ERRORS.invalidSubReq);
    }
    const cid = req.clientId;
    if (cid === '') {
      log.error(`Missing ClientID in subscription request from ${subject}`);
      return this.fail(reply, STAN_ERRORS.missingClientId);
    }
    if (req.ackWaitInSecs <= 0) {
      log.error(`[Client:${cid}] Invalid AckWait (${req.ackWaitInSecs}) in subscription request from ${subject}`);
      return this.fail(reply, STAN_ERRORS.invalidAckWait);
    }
    if (req.maxInFlight <= 0) {
      log.error(`[Client:${cid}] Invalid MaxInflight (${req.maxInFlight}) in subscription request from ${subject}`);
      return this.fail(reply, STAN_ERRORS.invalidMaxInflight);
    }
    if (req.startPosition < Position.NewOnly || req.startPosition > Position.First) {
      log.error(`[Client:${cid}] Invalid StartPosition (${req.startPosition}) in subscription request from ${subject}`);
      return this.fail(reply, STAN_ERRORS.invalidStartPosition);
    }
    if (!isValidChannelName(req.subject)) {
      log.error(`[Client:${cid}] Invalid channel ${JSON.stringify(req.subject)} in subscription request from ${subject}`);
      return this.fail(reply, STAN_ERRORS.invalidSubject);
    }
    const client = ctx.clients.get(cid);
    if (client === undefined) return this.fail(reply, STAN_ERRORS.unknownClientId);
    let channel: Channel;
    try {
      channel = await this.channels.lookupOrCreate(req.subject);
    } catch (err) {
      log.error(`Unable to create subscription on ${JSON.stringify(req.subject)}: ${(err as Error).message}`);
      return this.fail(reply, (err as Error).message);
    }
    if (client.closed) return this.fail(reply, STAN_ERRORS.unknownClientId);
    if (req.qGroup !== '' && req.durableName.includes(':')) {
      log.error(`[Client:${cid}] Invalid DurableName (${JSON.stringify(req.durableName)}) for queue subscriber from ${channel.name}`);
      log.error(`Unable to create subscription on ${JSON.stringify(channel.name)}: ${STAN_ERRORS.durableQueueColon}`);
      return this.fail(reply, STAN_ERRORS.durableQueueColon);
    }
    if (req.qGroup !== '') return this.queueSubscribe(client, channel, req, reply);
    if (req.durableName !== '') return this.durableSubscribe(client, channel, req, reply);
    const sub = new Subscription(channel, subInit(req), '', null, false);
    const start = await this.startPosition(channel, req);
    sub.lastSent = start.lastSent;
    if (!(await this.createInStore(client, channel, sub, reply))) return;
    this.activate(client, sub, reply, 'Started new subscription', start.desc, false);
  }

  private async durableSubscribe(client: Client, channel: Channel, req: SubscriptionRequestFields, reply: string): Promise<void> {
    const { ctx } = this;
    const key = durableKey(client.id, channel.name, req.durableName);
    let existing = channel.durables.get(key);
    if (existing !== undefined && !existing.offline) {
      if (!ctx.options.replaceDurable) {
        ctx.log.error(`[Client:${client.id}] Duplicate durable subscription registration`);
        ctx.log.error(`Unable to create subscription on ${JSON.stringify(channel.name)}: ${STAN_ERRORS.duplicateDurable}`);
        return this.fail(reply, STAN_ERRORS.duplicateDurable);
      }
      await this.removal.remove(existing, true);
      existing = channel.durables.get(key);
    }
    if (existing !== undefined) {
      this.resumeFields(existing, client, req);
      await this.persistResume(existing);
      this.activate(client, existing, reply, 'Resumed durable subscription', '', true);
      return;
    }
    const sub = new Subscription(channel, subInit(req), req.durableName, null, true);
    const start = await this.startPosition(channel, req);
    sub.lastSent = start.lastSent;
    if (!(await this.createInStore(client, channel, sub, reply))) return;
    channel.durables.set(key, sub);
    this.activate(client, sub, reply, 'Started new durable subscription', start.desc, false);
  }

  private async queueSubscribe(client: Client, channel: Channel, req: SubscriptionRequestFields, reply: string): Promise<void> {
    const isDurable = req.durableName !== '';
    const name = isDurable ? `${req.durableName}:${req.qGroup}` : req.qGroup;
    const group = channel.queues.get(name);
    if (group !== undefined && group.shadow !== null) {
      const sub = group.shadow;
      group.shadow = null;
      this.resumeFields(sub, client, req);
      await this.persistResume(sub);
      this.activate(client, sub, reply, 'Resumed durable queue subscription', '', true);
      return;
    }
    if (group !== undefined) {
      const sub = new Subscription(channel, subInit(req), '', group, isDurable);
      sub.lastSent = group.lastSent;
      if (!(await this.createInStore(client, channel, sub, reply))) return;
      const kind = isDurable ? 'Added member to durable queue subscription' : 'Added member to queue subscription';
      this.activate(client, sub, reply, kind, '', false);
      return;
    }
    const newGroup = new QueueGroup(name, isDurable);
    const sub = new Subscription(channel, subInit(req), '', newGroup, isDurable);
    const start = await this.startPosition(channel, req);
    sub.lastSent = start.lastSent;
    newGroup.lastSent = start.lastSent;
    if (!(await this.createInStore(client, channel, sub, reply))) return;
    channel.queues.set(name, newGroup);
    const kind = isDurable ? 'Started new durable queue subscription' : 'Started new queue subscription';
    this.activate(client, sub, reply, kind, start.desc, false);
  }

  /** A resumed durable takes the new request's inbox, flow control and client, and a new ack inbox. */
  private resumeFields(sub: Subscription, client: Client, req: SubscriptionRequestFields): void {
    sub.clientId = client.id;
    sub.inbox = req.inbox;
    sub.maxInFlight = req.maxInFlight;
    sub.ackWaitMs = req.ackWaitInSecs * 1000;
    sub.offline = false;
    sub.ackInbox = newAckInbox();
  }

  private async persistResume(sub: Subscription): Promise<void> {
    try {
      await sub.channel.store.subs.updateSub(sub.toState());
    } catch (err) {
      this.ctx.log.error(`Unable to update subscription for ${sub.channel.name}: ${(err as Error).message}`);
    }
  }

  /** Stores a new subscription; on failure logs like the Go server and answers the error. */
  private async createInStore(client: Client, channel: Channel, sub: Subscription, reply: string): Promise<boolean> {
    const { ctx } = this;
    sub.ackInbox = newAckInbox();
    try {
      const state = sub.toState();
      await channel.store.subs.createSub(state);
      sub.id = state.id;
    } catch (err) {
      const text = (err as Error).message;
      ctx.log.error(`Unable to store subscription [${client.id}:${sub.inbox}] on [${channel.name}]: ${text}`);
      ctx.log.error(`Unable to add subscription for ${channel.name}: ${text}`);
      ctx.log.error(`Unable to create subscription on ${JSON.stringify(channel.name)}: ${text}`);
      this.fail(reply, text);
      return false;
    }
    if (client.closed) {
      await channel.store.subs.deleteSub(sub.id).catch(() => {});
      this.fail(reply, STAN_ERRORS.unknownClientId);
      return false;
    }
    return true;
  }

  /** Registers `sub`, answers the request, then starts deliveries. */
  private activate(client: Client, sub: Subscription, reply: string, kind: string, startDesc: string, resumed: boolean): void {
    const { ctx } = this;
    const channel = sub.channel;
    sub.ackSub = ctx.transport.subscribe(sub.ackInbox, guarded(ctx.log, 'Ack failed', (_s, _r, payload) => this.delivery.onAck(sub, payload)));
    channel.subs.add(sub);
    channel.byAckInbox.set(sub.ackInbox, sub);
    channel.lastActivity = Date.now();
    client.subs.add(sub);
    sub.hasFailedHB = client.hbFailed > 0;
    sub.stalled = sub.pending.size >= sub.maxInFlight;
    this.respond(reply, sub.ackInbox);
    if (ctx.debug) {
      let line = `[Client:${client.id}] ${kind}, subject=${channel.name}, inbox=${sub.inbox}`;
      if (sub.durableName !== '') line += `, durable=${sub.durableName}`;
      if (sub.queue !== null) line += `, queue=${sub.queue.name}`;
      line += `, subid=${sub.id}`;
      if (startDesc !== '') line += `, ${startDesc}`;
      ctx.log.debug(line);
    }
    sub.ready = true;
    if (sub.queue !== null) sub.queue.members.push(sub);
    else channel.directSubs.push(sub);
    if (resumed && sub.pending.size > 0) {
      detach(this.ctx.log, 'Redelivery failed', this.redelivery.redeliverAllPending(sub).then(() => this.delivery.resume(sub)));
    } else {
      this.delivery.resume(sub);
    }
  }

  /** Where a new subscription or group starts (spec §6.3): the sequence "already sent" and the log text. */
  private async startPosition(channel: Channel, req: SubscriptionRequestFields): Promise<{ lastSent: number; desc: string }> {
    const msgs = channel.store.msgs;
    const first = msgs.firstSequence();
    const last = msgs.lastSequence();
    let lastSent = 0;
    switch (req.startPosition) {
      case Position.NewOnly:
        lastSent = last;
        return { lastSent, desc: `sending new-only, seq=${lastSent + 1}` };
      case Position.LastReceived:
        lastSent = last > 0 ? last - 1 : 0;
        return { lastSent, desc: `sending last message, seq=${lastSent + 1}` };
      case Position.TimeDeltaStart: {
        const startTime = nowNanos() - req.startTimeDelta;
        const seq = await msgs.getSequenceFromTimestamp(startTime);
        lastSent = seq > 0 ? seq - 1 : 0;
        return { lastSent, desc: `sending from time, time=${startTime} seq=${lastSent + 1}` };
      }
      case Position.SequenceStart: {
        const asked = req.startSequence;
        if (last === 0) lastSent = 0;
        else if (asked < BigInt(first)) lastSent = first - 1;
        else if (asked > BigInt(last)) lastSent = last;
        else lastSent = Number(asked) - 1;
        return { lastSent, desc: `sending from sequence, asked_seq=${asked} actual_seq=${lastSent + 1}` };
      }
      default:
        lastSent = first > 0 ? first - 1 : 0;
        return { lastSent, desc: `sending from beginning, seq=${lastSent + 1}` };
    }
  }
}

function subInit(req: SubscriptionRequestFields) {
  return { clientId: req.clientId, inbox: req.inbox, maxInFlight: req.maxInFlight, ackWaitMs: req.ackWaitInSecs * 1000 };
}

function newAckInbox(): string {
  return `_INBOX.${nuid.next()}`;
}
