/**
 * Publishing (spec streaming-protocol.md §5). A PubMsg is validated, given its
 * sequence and timestamp and handed to the channel's message store as it
 * arrives; then, once per I/O turn, the batch of stored messages is flushed,
 * delivered, the sub stores flushed, and only then are the PubAcks sent
 * ("acked means stored"). Batches run one after the other, so PubAcks and
 * deliveries keep arrival order.
 *
 * The handler runs on the transport's read buffer: the payload is decoded (strings
 * are copies) and the data is copied once, into the MsgProto encoding.
 */

import { decodePubMsg, encodePubAck, type PubMsgFields } from '../protocol/stan-codec.js';
import { makeMsg, type Msg } from '../protocol/stan-msg.js';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channels.js';
import { isValidChannelName } from './channel-name.js';
import { connIdKey, type Client } from './client.js';
import { nowNanos } from './clock.js';
import type { StreamingContext } from './context.js';
import type { Delivery } from './delivery.js';
import { STAN_ERRORS } from './errors.js';

interface Stored {
  channel: Channel;
  msg: Msg;
  reply: string;
  guid: string;
  clientId: string;
}

interface Deferred {
  pm: PubMsgFields;
  reply: string;
  natsSubject: string;
}

export class Publisher {
  private batch: Stored[] = [];
  private running = false;
  private scheduled = false;
  /** Publishes to channels being created, in arrival order per channel. */
  private readonly creating = new Map<string, Deferred[]>();
  /** Publishes taken in (stored or waiting for their channel) and publishes answered, for the barrier. */
  private accepted = 0;
  private answered = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private lastPublisher: Client | null = null;

  constructor(
    private readonly ctx: StreamingContext,
    private readonly channels: ChannelRegistry,
    private readonly delivery: Delivery,
  ) {}

  /** Handler of `_STAN.pub.<cluster>.>`. */
  readonly onPublish = (natsSubject: string, reply: string, payload: Uint8Array): void => {
    const ctx = this.ctx;
    if (ctx.closing) return;
    let pm: PubMsgFields;
    try {
      pm = decodePubMsg(payload);
    } catch (err) {
      ctx.log.error(`Unable to unmarshal PubMsg: ${goDecodeError(err)}`);
      if (reply !== '') ctx.transport.publish(reply, encodePubAck('', STAN_ERRORS.invalidPubReq));
      return;
    }
    ctx.stats.inMsgs++;
    ctx.stats.inBytes += payload.length;
    if (!this.isValid(pm)) {
      ctx.log.error(`Received invalid client publish message ${pubMsgText(pm)}`);
      if (reply !== '') ctx.transport.publish(reply, encodePubAck(pm.guid, STAN_ERRORS.invalidPubReq));
      return;
    }
    if (ctx.trace) ctx.log.trace(`[Client:${pm.clientId}] Received message from publisher subj=${pm.subject} guid=${pm.guid}`);
    const channel = this.channels.get(pm.subject);
    if (channel !== undefined && !this.creating.has(pm.subject)) {
      this.store(channel, pm, reply, natsSubject);
      return;
    }
    // first publish to this channel: copy what the deferred publish needs (the payload is a read-buffer view)
    pm.data = Uint8Array.prototype.slice.call(pm.data);
    this.accepted++;
    this.deferUntilCreated(pm, reply, natsSubject);
  };

  private isValid(pm: PubMsgFields): boolean {
    if (pm.guid === '' || !isValidChannelName(pm.subject)) return false;
    const clients = this.ctx.clients;
    if (pm.connId.length === 0) return clients.get(pm.clientId) !== undefined;
    // publishers send bursts: compare with the last publisher's bytes before building a map key
    const last = this.lastPublisher;
    if (last !== null && !last.closed && bytesEqual(last.info.connId, pm.connId)) return true;
    const client = clients.getByConnId(connIdKey(pm.connId));
    if (client === undefined) return false;
    this.lastPublisher = client;
    return true;
  }

  /** Assigns sequence and timestamp, stores, and queues the message for the next batch. */
  private store(channel: Channel, pm: PubMsgFields, reply: string, natsSubject: string, counted = false): void {
    if (channel.deleting) {
      this.ackError(pm, reply, natsSubject, STAN_ERRORS.channelBeingDeleted);
      if (counted) this.answer(1);
      return;
    }
    let ts = nowNanos();
    if (ts < channel.lastTimestamp) ts = channel.lastTimestamp;
    const msg = makeMsg(channel.nextSequence, channel.name, pm.reply, pm.data, ts);
    try {
      channel.store.msgs.store(msg);
    } catch (err) {
      this.ackError(pm, reply, natsSubject, (err as Error).message);
      if (counted) this.answer(1);
      return;
    }
    channel.nextSequence++;
    channel.lastTimestamp = ts;
    if (!counted) this.accepted++;
    channel.lastActivity = Date.now();
    this.batch.push({ channel, msg, reply, guid: pm.guid, clientId: pm.clientId });
    if (this.batch.length >= this.ctx.options.ioBatchSize) void this.run();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.kick);
    }
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    void this.run();
  };

  private deferUntilCreated(pm: PubMsgFields, reply: string, natsSubject: string): void {
    const name = pm.subject;
    const queued = this.creating.get(name);
    if (queued !== undefined) {
      queued.push({ pm, reply, natsSubject });
      return;
    }
    const list: Deferred[] = [{ pm, reply, natsSubject }];
    this.creating.set(name, list);
    this.channels.lookupOrCreate(name).then(
      (channel) => {
        this.creating.delete(name);
        for (const d of list) this.store(channel, d.pm, d.reply, d.natsSubject, true);
      },
      (err: Error) => {
        this.creating.delete(name);
        for (const d of list) this.ackError(d.pm, d.reply, d.natsSubject, err.message);
        this.answer(list.length);
      },
    );
  }

  private ackError(pm: PubMsgFields, reply: string, natsSubject: string, error: string): void {
    this.ctx.log.error(`[Client:${pm.clientId}] Error processing message for subject ${JSON.stringify(natsSubject)}: ${error}`);
    if (reply !== '') this.ctx.transport.publish(reply, encodePubAck(pm.guid, error));
  }

  /** Flush, deliver, flush sub stores, PubAcks — batch after batch until nothing is left. */
  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const ctx = this.ctx;
    try {
      while (this.batch.length > 0) {
        const batch = this.batch;
        this.batch = [];
        const failed = await this.flushMsgStores(batch);
        for (let i = 0; i < batch.length; i++) {
          const e = batch[i];
          if (failed === null || !failed.has(e.channel)) this.delivery.deliverNew(e.channel, e.msg);
        }
        await this.delivery.flushSubStores();
        for (let i = 0; i < batch.length; i++) {
          const e = batch[i];
          if (e.reply === '') continue;
          const error = failed?.get(e.channel);
          if (ctx.trace && error === undefined) {
            ctx.log.trace(`[Client:${e.clientId}] Acking Publisher subj=${e.channel.name} guid=${e.guid}`);
          }
          ctx.transport.publish(e.reply, encodePubAck(e.guid, error ?? ''));
        }
        this.answer(batch.length);
      }
    } finally {
      this.running = false;
    }
  }

  /** Flushes the message stores the batch touched; returns the channels whose flush failed. */
  private async flushMsgStores(batch: Stored[]): Promise<Map<Channel, string> | null> {
    let failed: Map<Channel, string> | null = null;
    let prev: Channel | null = null;
    const seen = new Set<Channel>();
    for (let i = 0; i < batch.length; i++) {
      const ch = batch[i].channel;
      if (ch === prev || seen.has(ch)) continue;
      prev = ch;
      seen.add(ch);
      try {
        await ch.store.msgs.flush();
      } catch (err) {
        failed ??= new Map();
        failed.set(ch, (err as Error).message);
        this.ctx.log.error(`Unable to store messages of channel ${JSON.stringify(ch.name)}: ${(err as Error).message}`);
      }
    }
    return failed;
  }

  /**
   * Resolves once every publish received so far is stored and answered: the
   * barrier of unsubscribe and close requests. Later publishes do not delay it.
   */
  idle(): Promise<void> {
    const upTo = this.accepted;
    if (this.answered >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  private answer(n: number): void {
    this.answered += n;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.answered >= w.upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Go's text for the protobuf decode errors it logs. */
function goDecodeError(err: unknown): string {
  const m = (err as Error).message ?? String(err);
  return /EOF|premature|out of range|invalid/i.test(m) ? 'unexpected EOF' : m;
}

/** The PubMsg in protobuf text form, as the Go server logs it (note the trailing space). */
export function pubMsgText(pm: PubMsgFields): string {
  let s = '';
  const str = (name: string, v: string) => { if (v !== '') s += `${name}:${goQuote(Buffer.from(v))} `; };
  const bytes = (name: string, v: Uint8Array) => { if (v.length > 0) s += `${name}:${goQuote(v)} `; };
  str('clientID', pm.clientId);
  str('guid', pm.guid);
  str('subject', pm.subject);
  str('reply', pm.reply);
  bytes('data', pm.data);
  bytes('connID', pm.connId);
  bytes('sha256', pm.sha256);
  return s;
}

function goQuote(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + c.toString(8).padStart(3, '0');
  }
  return s + '"';
}
