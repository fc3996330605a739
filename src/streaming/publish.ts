/**
 * Publishing (spec streaming-protocol.md §5). A PubMsg is validated, given its
 * sequence and timestamp and handed to the channel's message store as it
 * arrives; then, once per I/O turn, the batch of stored messages is flushed,
 * and only then delivered and acknowledged ("acked means stored"); the sub
 * stores' pending records of those deliveries are flushed on their own. Batches run one after the other, so PubAcks and
 * deliveries keep arrival order.
 *
 * The handler runs on the transport's read buffer: the payload is decoded into
 * offsets, the data is copied once, into the MsgProto encoding, and the PubAck is
 * built from the guid bytes. Strings are decoded only off the fast path (another
 * channel or publisher than the last one, errors, trace logs). On a store with
 * nothing to flush (memory) a batch runs synchronously: no microtask hop between
 * the publish, its deliveries and its PubAck.
 */

import {
  PubMsgView, decodePubMsgInto, decodePubAck, encodePubAck, encodePubAckFromBytes, pubMsgFieldsOf,
  type PubMsgFields,
} from '../protocol/stan-codec.js';
import { makeMsgFrom, type Msg } from '../protocol/stan-msg.js';
import { StoredUnderOtherSequences } from '../stores/store.js';
import { bytesEqualAt, utf8Decode } from '../protocol/stan-wire.js';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channels.js';
import { isValidChannelName } from './channel-name.js';
import { connIdKey, type Client } from './client.js';
import { nowNanos, turnNowMs } from './clock.js';
import type { StreamingContext } from './context.js';
import type { Delivery } from './delivery.js';
import { STAN_ERRORS } from './errors.js';
import { PublishBatch } from './publish-batch.js';
import { detach } from './failures.js';
import type { SenderHold } from '../transport/transport.js';

interface Deferred {
  pm: PubMsgFields;
  reply: string;
  natsSubject: string;
  hold: SenderHold | null;
}

const NO_ACK = new Uint8Array(0);

export class Publisher {
  private batch = new PublishBatch();
  private spare: PublishBatch | null = new PublishBatch();
  private running = false;
  private scheduled = false;
  /** Publishes to channels being created, in arrival order per channel. */
  private readonly creating = new Map<string, Deferred[]>();
  /** Publishes taken in (stored or waiting for their channel) and publishes answered, for the barrier. */
  private accepted = 0;
  private answered = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private lastPublisher: Client | null = null;
  /** The channel of the last publish: publishers send bursts to one channel. */
  private lastChannel: Channel | null = null;
  private readonly view = new PubMsgView();

  constructor(
    private readonly ctx: StreamingContext,
    private readonly channels: ChannelRegistry,
    private readonly delivery: Delivery,
  ) {}

  /**
   * Handler of `_STAN.pub.<cluster>.>`. The fast path (same channel and same
   * publisher connection as the last publish) builds no string: the channel is
   * found by comparing the subject bytes, the PubAck is built from the guid bytes.
   * Anything else takes the general path on decoded fields.
   */
  readonly onPublish = (natsSubject: string, reply: string, payload: Uint8Array): void => {
    const ctx = this.ctx;
    if (ctx.closing) return;
    const v = this.view;
    try {
      decodePubMsgInto(payload, v);
    } catch (err) {
      ctx.log.error(`Unable to unmarshal PubMsg: ${goDecodeError(err)}`);
      if (reply !== '') ctx.transport.publish(reply, encodePubAck('', STAN_ERRORS.invalidPubReq));
      return;
    }
    ctx.stats.inMsgs++;
    ctx.stats.inBytes += payload.length;
    const ch = this.lastChannel;
    const last = this.lastPublisher;
    if (
      ch !== null && last !== null && !ctx.trace && v.guidEnd > v.guidStart && this.creating.size === 0 &&
      bytesEqualAt(ch.nameBytes, payload, v.subjectStart, v.subjectEnd) &&
      v.connIdEnd > v.connIdStart && !last.closed && bytesEqualAt(last.info.connId, payload, v.connIdStart, v.connIdEnd) &&
      !ch.deleting && this.channels.get(ch.name) === ch
    ) {
      const msgReply = utf8Decode(payload, v.replyStart, v.replyEnd);
      const ack = reply === '' ? NO_ACK : encodePubAckFromBytes(payload, v.guidStart, v.guidEnd);
      // the client ID string is decoded only if an error log needs it (null: from the view)
      this.store(ch, payload, v.dataStart, v.dataEnd, msgReply, reply, ack, null, natsSubject, false, ctx.transport.holdSender?.() ?? null);
      return;
    }
    this.onPublishFields(pubMsgFieldsOf(v), reply, natsSubject);
  };

  private onPublishFields(pm: PubMsgFields, reply: string, natsSubject: string): void {
    const ctx = this.ctx;
    if (!this.isValid(pm)) {
      ctx.log.error(`Received invalid client publish message ${pubMsgText(pm)}`);
      if (reply !== '') ctx.transport.publish(reply, encodePubAck(pm.guid, STAN_ERRORS.invalidPubReq));
      return;
    }
    if (ctx.trace) ctx.log.trace(`[Client:${pm.clientId}] Received message from publisher subj=${pm.subject} guid=${pm.guid}`);
    const channel = this.channels.get(pm.subject);
    if (channel !== undefined && !this.creating.has(pm.subject)) {
      this.lastChannel = channel;
      const ack = reply === '' ? NO_ACK : encodePubAck(pm.guid);
      this.store(channel, pm.data, 0, pm.data.length, pm.reply, reply, ack, pm.clientId, natsSubject, false, ctx.transport.holdSender?.() ?? null);
      return;
    }
    // first publish to this channel: copy what the deferred publish needs (the payload is a read-buffer view)
    pm.data = Uint8Array.prototype.slice.call(pm.data);
    this.accepted++;
    this.deferUntilCreated(pm, reply, natsSubject, ctx.transport.holdSender?.() ?? null);
  }

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

  /**
   * Assigns sequence and timestamp, stores, and queues the message for the next
   * batch. The data is `src[dataFrom..dataTo)`, possibly a read buffer: it is
   * copied into the encoding. `ack` is the success PubAck (empty when `reply` is '');
   * `hold` holds back the publisher's connection until it is sent.
   */
  private store(
    channel: Channel, src: Uint8Array, dataFrom: number, dataTo: number, msgReply: string, reply: string, ack: Uint8Array, clientId: string | null,
    natsSubject: string, counted: boolean, hold: SenderHold | null,
  ): void {
    if (channel.deleting) {
      this.ackError(clientId ?? this.viewClientId(), ack, reply, natsSubject, STAN_ERRORS.channelBeingDeleted);
      hold?.release();
      if (counted) this.answer(1);
      return;
    }
    let ts = nowNanos();
    if (ts < channel.lastTimestamp) ts = channel.lastTimestamp;
    const msg = makeMsgFrom(channel.nextSequence, channel.name, channel.nameBytes, msgReply, src, dataFrom, dataTo, ts);
    try {
      channel.store.msgs.store(msg);
    } catch (err) {
      this.ackError(clientId ?? this.viewClientId(), ack, reply, natsSubject, (err as Error).message);
      hold?.release();
      if (counted) this.answer(1);
      return;
    }
    channel.nextSequence++;
    channel.lastTimestamp = ts;
    if (!counted) this.accepted++;
    channel.lastActivity = turnNowMs();
    const batch = this.batch;
    // fast-path publishes are never traced on arrival; for a trace switched on meanwhile, the connection's ID
    batch.push(channel, msg, reply, ack, clientId ?? (this.lastPublisher?.id ?? ''), hold);
    if (batch.length >= this.ctx.options.ioBatchSize) detach(this.ctx.log, 'Storing published messages failed', this.run());
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.kick);
    }
  }

  /**
   * Messages another writer appended to the channel's store (see
   * `MsgStore.onForeignMessages`): they take the place of publishes in the batch,
   * without PubAck, so deliveries stay in sequence order with the server's own.
   */
  foreign(channel: Channel, msgs: readonly Msg[]): void {
    if (this.ctx.closing || channel.deleting) return;
    // the store's numbering is the truth: it may have given back sequences this server had assigned
    channel.nextSequence = channel.store.msgs.lastSequence() + 1;
    for (const msg of msgs) {
      if (msg.timestamp > channel.lastTimestamp) channel.lastTimestamp = msg.timestamp;
      channel.lastActivity = turnNowMs();
      this.accepted++;
      this.batch.push(channel, msg, '', NO_ACK, '', null);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.kick);
    }
  }

  /** PubMsg.clientID of the publish being handled (the view is valid during `onPublish` only). */
  private viewClientId(): string {
    const v = this.view;
    return utf8Decode(v.bytes, v.clientIdStart, v.clientIdEnd);
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    detach(this.ctx.log, 'Storing published messages failed', this.run());
  };

  private deferUntilCreated(pm: PubMsgFields, reply: string, natsSubject: string, hold: SenderHold | null): void {
    const name = pm.subject;
    const queued = this.creating.get(name);
    if (queued !== undefined) {
      queued.push({ pm, reply, natsSubject, hold });
      return;
    }
    const list: Deferred[] = [{ pm, reply, natsSubject, hold }];
    this.creating.set(name, list);
    this.channels.lookupOrCreate(name).then(
      (channel) => {
        this.creating.delete(name);
        for (const d of list) {
          const ack = d.reply === '' ? NO_ACK : encodePubAck(d.pm.guid);
          this.store(channel, d.pm.data, 0, d.pm.data.length, d.pm.reply, d.reply, ack, d.pm.clientId, d.natsSubject, true, d.hold);
        }
      },
      (err: Error) => {
        this.creating.delete(name);
        for (const d of list) {
          const ack = d.reply === '' ? NO_ACK : encodePubAck(d.pm.guid);
          this.ackError(d.pm.clientId, ack, d.reply, d.natsSubject, err.message);
          d.hold?.release();
        }
        this.answer(list.length);
      },
    );
  }

  /** Logs and answers a publish that could not be stored; `ack` is its success PubAck (for the guid). */
  private ackError(clientId: string, ack: Uint8Array, reply: string, natsSubject: string, error: string): void {
    this.ctx.log.error(`[Client:${clientId}] Error processing message for subject ${JSON.stringify(natsSubject)}: ${error}`);
    if (reply !== '') this.ctx.transport.publish(reply, encodePubAck(decodePubAck(ack).guid, error));
  }

  /**
   * Flush, deliver, PubAcks — batch after batch until nothing is left.
   * A flush is awaited only when a store has something to flush: on the memory
   * store the whole loop runs synchronously, without microtask hops.
   */
  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const ctx = this.ctx;
    try {
      while (this.batch.length > 0) {
        const batch = this.batch;
        this.batch = this.spare ?? new PublishBatch();
        this.spare = null;
        const n = batch.length;
        const channels = batch.channels;
        const msgs = batch.msgs;
        const failed = this.msgStoresNeedFlush(batch) ? await this.flushMsgStores(batch) : null;
        for (let i = 0; i < n; i++) {
          // a failed or re-numbered channel delivers nothing of this batch (see StoredUnderOtherSequences)
          if (failed === null || !failed.has(channels[i])) this.delivery.deliverNew(channels[i], msgs[i]);
        }
        // The sub stores' pending records are flushed on their own (markDirty scheduled
        // it): a PubAck says the message is stored, so it waits for one flush, not two.
        const replies = batch.replies;
        const holds = batch.holds;
        for (let i = 0; i < n; i++) {
          const reply = replies[i];
          // null: stored under other sequences (JETSTREAM), acknowledged as usual
          if (reply !== '') this.sendAck(batch, i, reply, failed === null ? undefined : (failed.get(channels[i]) ?? undefined));
          const hold = holds[i];
          if (hold !== null) hold.release();
        }
        batch.clear();
        this.spare = batch;
        this.answer(n);
      }
    } finally {
      this.running = false;
    }
  }

  private sendAck(batch: PublishBatch, i: number, reply: string, error: string | undefined): void {
    const ctx = this.ctx;
    const ack = batch.acks[i];
    if (error !== undefined) {
      ctx.transport.publish(reply, encodePubAck(decodePubAck(ack).guid, error));
      return;
    }
    if (ctx.trace) {
      ctx.log.trace(`[Client:${batch.clientIds[i]}] Acking Publisher subj=${batch.channels[i].name} guid=${decodePubAck(ack).guid}`);
    }
    ctx.transport.publish(reply, ack);
  }

  /** True when a message store the batch touched has something to flush (or cannot tell). */
  private msgStoresNeedFlush(batch: PublishBatch): boolean {
    let prev: Channel | null = null;
    const channels = batch.channels;
    for (let i = 0; i < batch.length; i++) {
      const ch = channels[i];
      if (ch === prev) continue;
      prev = ch;
      const msgs = ch.store.msgs;
      if (msgs.needsFlush === undefined || msgs.needsFlush()) return true;
    }
    return false;
  }

  /**
   * Flushes the message stores the batch touched; returns the channels whose flush
   * failed (with the error for the PubAcks) or whose messages the store stored
   * under other sequences and delivers itself (null: PubAcks without error).
   */
  private async flushMsgStores(batch: PublishBatch): Promise<Map<Channel, string | null> | null> {
    let failed: Map<Channel, string | null> | null = null;
    let prev: Channel | null = null;
    const seen = new Set<Channel>();
    for (let i = 0; i < batch.length; i++) {
      const ch = batch.channels[i];
      if (ch === prev || seen.has(ch)) continue;
      prev = ch;
      seen.add(ch);
      try {
        await ch.store.msgs.flush();
      } catch (err) {
        failed ??= new Map();
        // a store that gave sequences back (JETSTREAM: another writer took them) numbers on from what it kept
        ch.nextSequence = ch.store.msgs.lastSequence() + 1;
        if (err instanceof StoredUnderOtherSequences) {
          failed.set(ch, null);
          continue;
        }
        failed.set(ch, (err as Error).message);
        this.ctx.log.error(`Unable to store messages of channel ${JSON.stringify(ch.name)}: ${(err as Error).message}`);
      }
    }
    return failed;
  }

  /**
   * natstream: a message the server publishes itself (a dead letter), through
   * the same path as a client's publish; resolves with its sequence once it is
   * stored and delivered.
   */
  async publishInternal(name: string, data: Uint8Array, msgReply: string): Promise<number> {
    const channel = await this.channels.lookupOrCreate(name);
    const seq = channel.nextSequence;
    this.store(channel, data, 0, data.length, msgReply, '', NO_ACK, '', name, false, null);
    if (channel.nextSequence === seq) throw new Error('message not stored');
    await this.idle();
    return seq;
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
