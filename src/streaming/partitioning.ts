/**
 * Channel partitioning (`partitioning: true`): several servers with the same
 * cluster ID on one NATS cluster, each serving only the channels listed in its
 * `store_limits { channels { ... } }`. Clients talk to all of them through the
 * shared NATS cluster: a publish reaches the owner through its per-channel
 * publish subscription, and subscription requests for a channel are answered by
 * the owner only (the others ignore them).
 *
 * At start a server sends its list on `_STAN.part.<cluster id>` (a CtrlMsg of
 * type Partitioning whose Data is the channel names, each as a little-endian
 * uint16 length and the bytes, as the Go server) and waits a second for
 * answers: an answer naming a channel is a conflict, and the newcomer refuses
 * to start with the Go server's error. Running servers answer every list from
 * another server with the first channel in common, or with empty Data. When
 * servers join the NATS cluster (a healed network split), each server sends its
 * list again, and a conflict then is fatal (`Partitioning error: ...`).
 */
import { CtrlMsgType, decodeCtrlMsg, decodeSubscriptionRequest, decodeUnsubscribeRequest, encodeCtrlMsg } from '../protocol/stan-codec.js';
import type { MessageHandler, Transport, TransportSubscription } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';
import { nuid } from './nuid.js';

export const PARTITIONS_SUBJECT_PREFIX = '_STAN.part';
/** How long a starting server waits for other servers' answers (Go: 1 s). */
export const PARTITIONS_REQUEST_TIMEOUT_MS = 1000;

export const partitioningErrors = {
  noChannel: 'stan: no configured channel',
  conflict: (channel: string, serverId: string) =>
    `channel ${JSON.stringify(channel)} causes conflict with channels on server ${JSON.stringify(serverId)}`,
} as const;

export function encodeChannelList(channels: readonly string[]): Uint8Array {
  const names = channels.map((c) => Buffer.from(c, 'utf8'));
  const out = Buffer.alloc(names.reduce((n, b) => n + 2 + b.length, 0));
  let pos = 0;
  for (const b of names) {
    out.writeUInt16LE(b.length, pos);
    b.copy(out, pos + 2);
    pos += 2 + b.length;
  }
  return out;
}

/** Throws on a truncated list. */
export function decodeChannelList(data: Uint8Array): string[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: string[] = [];
  let pos = 0;
  while (pos < b.length) {
    if (pos + 2 > b.length) throw new Error(`partitioning: unable to decode size, pos=${pos} len=${b.length}`);
    const len = b.readUInt16LE(pos);
    pos += 2;
    if (pos + len > b.length) throw new Error(`partitioning: unable to decode channel, pos=${pos} len=${len} max=${b.length}`);
    out.push(b.toString('utf8', pos, pos + len));
    pos += len;
  }
  return out;
}

function encodeCtrl(serverId: string, data: Uint8Array): Uint8Array {
  return encodeCtrlMsg({ msgType: CtrlMsgType.Partitioning, serverId, data });
}

export class Partitions {
  private readonly ownedSet: ReadonlySet<string>;
  private listSub: TransportSubscription | null = null;
  private readonly subject: string;

  constructor(
    private readonly transport: Transport,
    clusterId: string,
    private readonly serverId: string,
    readonly channels: readonly string[],
    private readonly log: Logger,
  ) {
    if (channels.length === 0) throw new Error(partitioningErrors.noChannel);
    this.ownedSet = new Set(channels);
    this.subject = `${PARTITIONS_SUBJECT_PREFIX}.${clusterId}`;
  }

  owns(channel: string): boolean {
    return this.ownedSet.has(channel);
  }

  /**
   * Answers other servers' lists from now on, then sends ours and fails with
   * the Go server's error when a running server claims one of our channels.
   */
  async checkUniqueInCluster(timeoutMs = PARTITIONS_REQUEST_TIMEOUT_MS): Promise<void> {
    this.listSub = this.transport.subscribe(this.subject, (_s, reply, payload) => this.answer(reply, payload));
    const conflict = await this.sendAndCollect(timeoutMs);
    if (conflict !== null) throw new Error(conflict);
  }

  /** Sends our list and waits for answers: the first conflict, or null. */
  private async sendAndCollect(timeoutMs = PARTITIONS_REQUEST_TIMEOUT_MS): Promise<string | null> {
    const inbox = `_INBOX.${nuid.next()}`;
    let conflict: string | null = null;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => { done = resolve; });
    const sub = this.transport.subscribe(inbox, (_s, _r, payload) => {
      try {
        const m = decodeCtrlMsg(payload);
        if (m.data.length > 0 && conflict === null) {
          conflict = partitioningErrors.conflict(Buffer.from(m.data).toString('utf8'), m.serverId);
          done();
        }
      } catch {
        conflict ??= 'unable to decode partitioning response';
        done();
      }
    });
    try {
      await this.transport.flush();
      this.transport.publish(this.subject, encodeCtrl(this.serverId, encodeChannelList(this.channels)), inbox);
      const timer = setTimeout(done, timeoutMs);
      await finished;
      clearTimeout(timer);
    } finally {
      sub.unsubscribe();
    }
    return conflict;
  }

  /**
   * Checks again whenever the NATS cluster's servers change; `onConflict` gets
   * the error (the Go server logs it as fatal and panics).
   */
  watchTopology(onConflict: (err: Error) => void): void {
    this.transport.onTopologyChange?.(() => {
      if (this.listSub === null) return;
      this.sendAndCollect().then((conflict) => {
        if (conflict !== null && this.listSub !== null) onConflict(new Error(conflict));
      }, (err: Error) => onConflict(err));
    });
  }

  /** The subscribe request handler, narrowed to the owned channels. */
  ownedSubscribe(handler: MessageHandler): MessageHandler {
    return this.owned(handler, (p) => decodeSubscriptionRequest(p).subject);
  }

  /** The unsubscribe or subscription close request handler, narrowed to the owned channels. */
  ownedUnsubscribe(handler: MessageHandler): MessageHandler {
    return this.owned(handler, (p) => decodeUnsubscribeRequest(p).subject);
  }

  private owned(handler: MessageHandler, channelOf: (payload: Uint8Array) => string): MessageHandler {
    return (subject, reply, payload) => {
      let channel: string;
      try {
        channel = channelOf(payload);
      } catch {
        return handler(subject, reply, payload); // malformed: the handler answers with the protocol error
      }
      if (this.ownedSet.has(channel)) handler(subject, reply, payload);
    };
  }

  stop(): void {
    this.listSub?.unsubscribe();
    this.listSub = null;
  }

  /** Another server's list: reply with the first channel in common, or with nothing. */
  private answer(reply: string, payload: Uint8Array): void {
    if (reply === '' || payload.length === 0) return;
    try {
      const m = decodeCtrlMsg(payload);
      if (m.serverId === this.serverId) return;
      const theirs = decodeChannelList(m.data);
      const common = theirs.find((c) => this.ownedSet.has(c)) ?? '';
      this.transport.publish(reply, encodeCtrl(this.serverId, Buffer.from(common, 'utf8')));
    } catch (err) {
      this.log.error(`Error processing partitioning request: ${(err as Error).message}`);
    }
  }
}
