/**
 * Unsubscribe and subscription-close requests (spec streaming-protocol.md §11).
 * Each waits until every publish received before it is stored and acknowledged.
 */

import { decodeUnsubscribeRequest, encodeSubscriptionResponse, type UnsubscribeRequestFields } from '../protocol/stan-codec.js';
import type { ChannelRegistry } from './channels.js';
import type { StreamingContext } from './context.js';
import { STAN_ERRORS } from './errors.js';
import type { Publisher } from './publish.js';
import type { Removal } from './removal.js';
import type { Subscription } from './subscription.js';
import { detach } from './failures.js';

export class Unsubscriber {
  constructor(
    private readonly ctx: StreamingContext,
    private readonly channels: ChannelRegistry,
    private readonly publisher: Publisher,
    private readonly removal: Removal,
  ) {}

  readonly onUnsubscribe = (subject: string, reply: string, payload: Uint8Array): void => {
    this.enqueue(subject, reply, payload, false);
  };

  readonly onSubClose = (subject: string, reply: string, payload: Uint8Array): void => {
    this.enqueue(subject, reply, payload, true);
  };

  private enqueue(subject: string, reply: string, payload: Uint8Array, isClose: boolean): void {
    if (this.ctx.closing) return;
    const copy = Uint8Array.prototype.slice.call(payload);
    detach(this.ctx.log, 'Unsubscribe request failed', this.ctx.lane.run(() => this.process(subject, reply, copy, isClose)));
  }

  private respond(reply: string, error = ''): void {
    if (reply !== '') this.ctx.transport.publish(reply, encodeSubscriptionResponse('', error));
  }

  private async process(subject: string, reply: string, payload: Uint8Array, isClose: boolean): Promise<void> {
    const log = this.ctx.log;
    let req: UnsubscribeRequestFields;
    try {
      req = decodeUnsubscribeRequest(payload);
    } catch {
      log.error(isClose ? `Invalid sub close request from ${subject}` : `Invalid unsub request from ${subject}`);
      return this.respond(reply, STAN_ERRORS.invalidUnsubReq);
    }
    await this.publisher.idle();
    const what = isClose ? 'sub close request' : 'unsub request';
    const cid = req.clientId;
    const ch = this.channels.get(req.subject);
    if (ch === undefined) {
      log.error(`[Client:${cid}] ${what} for unknown channel ${req.subject}`);
      return this.respond(reply, STAN_ERRORS.unknownChannel);
    }
    let sub: Subscription | undefined = ch.byAckInbox.get(req.inbox);
    if (sub === undefined) {
      for (const s of ch.subs) {
        if (!s.offline && !s.removed && s.ready && s.inbox === req.inbox) { sub = s; break; }
      }
    }
    if (sub === undefined) {
      log.error(`[Client:${cid}] ${what} for unknown inbox ${req.inbox}`);
      return this.respond(reply, STAN_ERRORS.invalidSub);
    }
    if (this.ctx.clients.get(cid) === undefined || sub.clientId !== cid) {
      log.error(`[Client:${cid}] ${what} for unknown client`);
      return this.respond(reply, STAN_ERRORS.unknownClientId);
    }
    await this.removal.remove(sub, isClose);
    this.respond(reply);
  }
}
