/**
 * The messages of one channel in its JetStream stream (docs/jetstream.md).
 *
 * `store()` is synchronous (the store contract): it records the message in the
 * local index and a cache, and publishes it at once, asynchronously, with
 * `Nats-Expected-Last-Sequence: seq-1` so that the stream sequence is the STAN
 * sequence or the publish fails. Many publishes are in flight; `flush()` resolves
 * once JetStream acknowledged every one of them ("acked means stored").
 *
 * The stream may also be written by others (JetStream clients, a natstream that
 * lost its lease): a follower reads every message of the stream; one that this
 * store did not write is added to the index and handed to the foreign-message
 * listener. When a publish is refused (someone else took its sequence) the store
 * forgets that sequence and everything after it, fails the flush, and reads the
 * stream again from there: nothing is lost, the refused publishes are answered
 * with an error and may be retried by their clients.
 */

import { headers, type JsMsg } from 'nats';

import { makeMsg, type Msg } from '../../protocol/stan-msg.js';
import type { Logger } from '../../util/logger.js';
import { friendlyBytes } from '../limits.js';
import { StoreError, StoredUnderOtherSequences, type ChannelLimits, type MsgStore, type MsgStoreState } from '../store.js';
import { apiErrorCode, errorText, type JsStoreContext } from './context.js';
import { Follower } from './follower.js';
import { BadStreamMessage, HDR_PLACEHOLDER, msgFromStream, rfc3339Nanos, stanHeaders } from './msg-codec.js';
import { SeqIndex } from './seq-index.js';

/** Recent messages kept in memory for deliveries and lookups (acknowledged ones are evicted beyond this). */
const CACHE_MAX = 8192;

const PENDING = 0;
const STORED = 1;
/** Refused by the stream: another writer took the sequence. */
const REFUSED = 2;
/** Any other failure (timeout, no responders): maybe stored, maybe not. */
const FAILED = 3;

/** One publish to the stream. */
interface Write {
  msg: Msg;
  state: number;
  error: string;
  /** Delivered through the foreign-message listener after a resync (under its final sequence). */
  rerouted: boolean;
  done: Promise<void>;
}
const WRONG_LAST_SEQUENCE = 10071;
const NO_MESSAGE_FOUND = 10037;

export const OUT_OF_SYNC = 'channel is being resynchronized with its JetStream stream, retry';

export class JetStreamMsgStore implements MsgStore {
  readonly index = new SeqIndex();
  /** Unacknowledged and recent messages by sequence. */
  private readonly cache = new Map<number, Msg>();
  private cacheLow = 1;
  private acked = 0;
  /** Publishes not yet returned by a flush. */
  private inflight: Write[] = [];
  /**
   * Every publish not answered yet, also those a running flush() took out of
   * `inflight`: a purge must wait for them, or it can reach the stream before
   * them and move its last sequence under their expected-last-sequence.
   */
  private readonly unsettled = new Set<Promise<void>>();
  /** Lowest sequence whose publish failed since the last resync (0: none). */
  private failedAt = 0;
  private resyncing = false;
  private follower: Follower | undefined;
  private listener: ((msgs: Msg[]) => void) | undefined;
  private foreign: Msg[] = [];
  private emitScheduled = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private purgeChain: Promise<void> = Promise.resolve();
  private purgedTo = 0;
  private hitLimit = false;
  private closed = false;
  /** While resynchronizing: resolves once the follower reached this sequence. */
  private catchUp: { until: number; resolve: () => void } | undefined;
  /** While recovering: resolves once the follower reached this sequence. */
  private scan: { until: number; resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly ctx: JsStoreContext,
    readonly channel: string,
    readonly stream: string,
    readonly subject: string,
    private readonly limits: ChannelLimits,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the stream's messages `first..last` into the index (a new stream: 0/0),
   * then follows it. Rejects with a clear error when a message does not decode.
   */
  async open(first: number, last: number, messages: number): Promise<void> {
    this.index.resetTo(first, last);
    if (messages > 0) {
      this.index.resetTo(0, 0);
      const scanned = new Promise<void>((resolve, reject) => { this.scan = { until: last, resolve, reject }; });
      this.follower = this.newFollower();
      await this.follower.start(first);
      // a consumer made while the stream elects a leader can stall: start again where the scan is
      let seen = -1;
      const watchdog = setInterval(() => {
        if (this.index.last === seen && this.scan !== undefined) {
          this.follower?.stop();
          this.follower = this.newFollower();
          this.follower.start(this.index.last + 1).catch(() => undefined);
        }
        seen = this.index.last;
      }, 3000);
      try {
        await scanned;
      } finally {
        clearInterval(watchdog);
      }
      // the stream ends with messages removed (by hand) or placeholders
      this.index.padTo(last);
    } else {
      this.follower = this.newFollower();
      await this.follower.start(last + 1);
    }
    this.purgedTo = this.index.first;
    this.applyLimits();
    if (this.limits.maxAge > 0) this.expire();
  }

  private newFollower(): Follower {
    return new Follower(this.ctx, this.stream, this.onStreamMsg, this.refollow);
  }

  /** The follower's consumer failed (its stream leader moved, a server died): follow again after what the index has. */
  private readonly refollow = (): void => {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed || this.resyncing) return;
      const f = this.newFollower();
      this.follower = f;
      f.start(this.index.last + 1).catch((err: unknown) => {
        this.logger.error(`Following stream ${this.stream} failed: ${errorText(err)}`);
        this.refollow();
      });
    }, 250).unref();
  };

  onForeignMessages(listener: (msgs: Msg[]) => void): void {
    this.listener = listener;
  }

  store(msg: Msg): number {
    if (this.closed) throw new StoreError('closed');
    const seq = msg.sequence;
    if (seq <= this.index.last) return seq;
    if (this.failedAt !== 0 || this.resyncing) throw new Error(OUT_OF_SYNC);
    this.index.append(seq, msg.encoded.length, msg.timestamp);
    this.cache.set(seq, msg);
    const w: Write = { msg, state: PENDING, error: '', rerouted: false, done: Promise.resolve() };
    w.done = this.publish(msg).then(
      () => {
        w.state = STORED;
        if (seq > this.acked) this.acked = seq;
      },
      (err: unknown) => {
        w.state = apiErrorCode(err) === WRONG_LAST_SEQUENCE ? REFUSED : FAILED;
        w.error = errorText(err);
        if (this.failedAt === 0 || seq < this.failedAt) this.failedAt = seq;
      },
    );
    this.inflight.push(w);
    this.unsettled.add(w.done);
    void w.done.then(() => this.unsettled.delete(w.done));
    this.applyLimits();
    if (this.limits.maxAge > 0 && this.ageTimer === undefined) this.armAgeTimer();
    return seq;
  }

  private publish(msg: Msg): Promise<unknown> {
    return this.ctx.js.publish(this.subject, msg.data, {
      headers: stanHeaders(msg, this.ctx.origin), expect: { lastSequence: msg.sequence - 1 },
    });
  }

  needsFlush(): boolean {
    return this.inflight.length > 0 || this.failedAt !== 0;
  }

  async flush(): Promise<void> {
    const batch = this.inflight;
    this.inflight = [];
    if (batch.length > 0) await Promise.all(batch.map((w) => w.done));
    if (this.failedAt !== 0) await this.resync(batch);
    let failed: Write | undefined;
    let rerouted = false;
    for (const w of batch) {
      if (w.rerouted) rerouted = true;
      else if (w.state !== STORED) failed ??= w;
    }
    if (failed !== undefined) throw new Error(failed.error);
    // stored: acknowledged only while this server may write
    this.ctx.fence();
    if (rerouted) throw new StoredUnderOtherSequences(this.channel);
    this.evictCache();
  }

  /**
   * Another writer took sequences this store had given: forget them, read the
   * stream again from the first one (what is found there is handed to the
   * foreign-message listener, our own stored messages included), then store
   * again, after it, the messages the stream refused, under new sequences.
   * Every write from the first refused sequence on is then delivered through
   * the listener; the flushes that own them say so (`StoredUnderOtherSequences`).
   */
  private async resync(batch: Write[]): Promise<void> {
    this.resyncing = true;
    try {
      const writes = [...batch, ...this.inflight];
      await Promise.all(writes.map((w) => w.done));
      const from = this.failedAt;
      this.failedAt = 0;
      this.logger.notice(`Stream ${this.stream} has messages from another writer at ${from}: reading it again from there`);
      await this.rereadFrom(from);
      const refused = writes.filter((w) => w.msg.sequence >= from).sort((a, b) => a.msg.sequence - b.msg.sequence);
      for (const w of refused) {
        w.rerouted = true;
        if (w.state !== REFUSED) continue; // stored (found again by the re-read) or failed otherwise (reported)
        w.state = await this.storeAgain(w.msg) ? STORED : FAILED;
        if (w.state === FAILED) { w.rerouted = false; w.error = OUT_OF_SYNC; }
      }
    } finally {
      this.resyncing = false;
    }
  }

  /** Truncates the index at `from` and reads the stream from there to its current end. */
  private async rereadFrom(from: number): Promise<void> {
    this.follower?.stop();
    this.index.truncateFrom(from);
    for (const seq of [...this.cache.keys()]) if (seq >= from) this.cache.delete(seq);
    const last = (await this.ctx.jsm.streams.info(this.stream)).state.last_seq;
    const caughtUp = last <= this.index.last
      ? Promise.resolve()
      : new Promise<void>((resolve) => { this.catchUp = { until: last, resolve }; });
    this.follower = this.newFollower();
    await this.follower.start(from);
    await caughtUp;
  }

  /** Publishes `orig` again at the stream's end (a few tries while others keep writing); hands it to the listener once stored. */
  private async storeAgain(orig: Msg): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const seq = this.index.last + 1;
      const last = this.index.count > 0 ? this.index.timeOf(this.index.last) : 0n;
      const msg = makeMsg(seq, this.channel, orig.reply, orig.data, orig.timestamp > last ? orig.timestamp : last);
      this.index.append(seq, msg.encoded.length, msg.timestamp);
      this.cache.set(seq, msg);
      try {
        await this.publish(msg);
        if (seq > this.acked) this.acked = seq;
        this.pushForeign(msg);
        return true;
      } catch (err) {
        if (apiErrorCode(err) !== WRONG_LAST_SEQUENCE) {
          this.logger.error(`Stream ${this.stream}: storing again a refused message failed: ${errorText(err)}`);
          await this.rereadFrom(seq);
          return false;
        }
        await this.rereadFrom(seq);
      }
    }
    return false;
  }

  /** Every message of the stream, in order: the scan at recovery, then others' writes. */
  private readonly onStreamMsg = (m: JsMsg, nanos: bigint): void => {
    const seq = m.seq;
    const scan = this.scan;
    if (m.headers?.has(HDR_PLACEHOLDER)) {
      // a migration's numbering: a hole, never a message
      if (scan !== undefined && seq >= scan.until) { this.scan = undefined; scan.resolve(); }
      if (this.catchUp !== undefined && seq >= this.catchUp.until) { this.catchUp.resolve(); this.catchUp = undefined; }
      return;
    }
    if (scan === undefined && seq <= this.index.last) return; // ours, or one whose publish will be refused
    let msg: Msg;
    try {
      msg = msgFromStream(this.channel, seq, m.data, m.headers, nanos);
    } catch (err) {
      const text = `stream ${this.stream}: ${(err as Error).message}`;
      if (scan !== undefined) { this.scan = undefined; scan.reject(new Error(text)); return; }
      this.logger.error(`${text} (not delivered)`);
      return;
    }
    this.index.append(seq, msg.encoded.length, msg.timestamp);
    if (scan !== undefined) {
      if (seq >= scan.until) { this.scan = undefined; scan.resolve(); }
      return;
    }
    if (seq > this.acked) this.acked = seq;
    this.cache.set(seq, msg);
    this.applyLimits();
    if (this.catchUp !== undefined && seq >= this.catchUp.until) {
      this.catchUp.resolve();
      this.catchUp = undefined;
    }
    // not in the index: written by someone else, or by this store before a resync
    this.pushForeign(msg);
  };

  private pushForeign(msg: Msg): void {
    this.foreign.push(msg);
    if (!this.emitScheduled) {
      this.emitScheduled = true;
      queueMicrotask(this.emit);
    }
  }

  private readonly emit = (): void => {
    this.emitScheduled = false;
    const msgs = this.foreign;
    this.foreign = [];
    if (this.listener !== undefined && !this.closed) this.listener(msgs);
  };

  async lookup(seq: number): Promise<Msg | undefined> {
    if (!this.index.has(seq)) return undefined;
    const cached = this.cache.get(seq);
    if (cached !== undefined) return cached;
    try {
      const sm = await this.ctx.jsm.streams.getMessage(this.stream, { seq });
      return msgFromStream(this.channel, seq, sm.data, sm.header, rfc3339Nanos(sm.timestamp));
    } catch (err) {
      if (apiErrorCode(err) === NO_MESSAGE_FOUND || (err as { code?: string }).code === '404') {
        // removed from the stream by its own limits or by hand
        this.index.markHole(seq);
        return undefined;
      }
      if (err instanceof BadStreamMessage) throw new Error(`stream ${this.stream}: ${err.message}`);
      throw err;
    }
  }

  async lookupRange(from: number, to: number, max: number): Promise<Msg[]> {
    const idx = this.index;
    if (from < idx.first) from = idx.first;
    if (to > idx.last) to = idx.last;
    const wanted: Array<Promise<Msg | undefined>> = [];
    for (let s = from; s <= to && wanted.length < max; s++) {
      if (idx.has(s)) wanted.push(this.lookup(s));
    }
    const got = await Promise.all(wanted);
    return got.filter((m): m is Msg => m !== undefined);
  }

  firstSequence(): number {
    return this.index.first;
  }

  lastSequence(): number {
    return this.index.last;
  }

  getSequenceFromTimestamp(timestamp: bigint): Promise<number> {
    const idx = this.index;
    if (idx.first === 0) return Promise.resolve(0);
    if (idx.count === 0) return Promise.resolve(idx.last + 1);
    return Promise.resolve(idx.seqAtOrAfter(timestamp));
  }

  firstMsg(): Promise<Msg | undefined> {
    return this.lookup(this.index.first);
  }

  lastMsg(): Promise<Msg | undefined> {
    return this.lookup(this.index.last);
  }

  state(): MsgStoreState {
    return { msgs: this.index.count, bytes: this.index.bytes };
  }

  async empty(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.purgeChain;
    await this.ctx.jsm.streams.purge(this.stream);
    this.index.clear();
    this.cache.clear();
    this.clearAgeTimer();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    await this.purgeChain;
    this.closed = true;
    this.follower?.stop();
    this.clearAgeTimer();
  }

  /**
   * Migration: the next stored sequence will be `seq`. nats-server 2.9 has no
   * stream `first_seq`, so the sequences in between are taken by placeholder
   * messages (header `Stan-Placeholder`), then removed: purged when nothing is
   * stored before them, else deleted one by one.
   */
  async skipTo(seq: number): Promise<void> {
    await this.flush();
    const from = this.index.last + 1;
    if (seq <= from) return;
    const h = headers();
    h.set(HDR_PLACEHOLDER, '1');
    const empty = new Uint8Array(0);
    const WINDOW = 1024;
    for (let s = from; s < seq; s += WINDOW) {
      const acks: Array<Promise<unknown>> = [];
      for (let q = s; q < Math.min(seq, s + WINDOW); q++) {
        acks.push(this.ctx.js.publish(this.subject, empty, { headers: h, expect: { lastSequence: q - 1 } }));
      }
      await Promise.all(acks);
    }
    if (this.index.count === 0) {
      await this.ctx.jsm.streams.purge(this.stream, { seq });
    } else {
      for (let q = from; q < seq; q++) await this.ctx.jsm.streams.deleteMessage(this.stream, q, false);
    }
    this.index.padTo(seq - 1);
    this.purgedTo = Math.max(this.purgedTo, this.index.first);
  }

  /** Stops reading the stream (the channel is being deleted). */
  stopFollowing(): void {
    this.closed = true;
    this.follower?.stop();
    this.clearAgeTimer();
  }

  // --- limits ----------------------------------------------------------------

  /**
   * max_msgs/max_bytes on the local index, as the memory store applies them (the
   * stream's own limits use JetStream's byte accounting, which counts headers):
   * the stream is then purged up to the new first sequence, so both agree.
   */
  private applyLimits(): void {
    const { maxMsgs, maxBytes } = this.limits;
    if (maxMsgs <= 0 && maxBytes <= 0) return;
    const idx = this.index;
    let removed = false;
    while (idx.count > 1 && ((maxMsgs > 0 && idx.count > maxMsgs) || (maxBytes > 0 && idx.bytes > maxBytes))) {
      this.cache.delete(idx.first);
      idx.removeFirst();
      removed = true;
      if (!this.hitLimit) {
        this.hitLimit = true;
        this.logger.warn(`Reached limits for store ${JSON.stringify(this.channel)} (msgs=${idx.count}/${maxMsgs} ` +
          `bytes=${friendlyBytes(idx.bytes)}/${friendlyBytes(maxBytes)}), dropping old messages to make room for new ones`);
      }
    }
    if (removed) this.schedulePurge();
  }

  /** Purges the stream below the index's first sequence, after the publishes in flight now. */
  private schedulePurge(): void {
    const pending = [...this.unsettled];
    this.purgeChain = this.purgeChain.then(async () => {
      await Promise.all(pending);
      const to = this.index.first;
      if (to <= this.purgedTo || this.closed) return;
      this.purgedTo = to;
      await this.ctx.jsm.streams.purge(this.stream, { seq: to });
    }).catch((err: unknown) => {
      if (!this.closed) this.logger.error(`Unable to purge stream ${this.stream}: ${errorText(err)}`);
    });
  }

  private armAgeTimer(): void {
    const idx = this.index;
    if (idx.count === 0) return;
    const now = BigInt(Date.now()) * 1_000_000n;
    const due = idx.timeOf(idx.first) + BigInt(this.limits.maxAge) * 1_000_000n - now;
    this.ageTimer = setTimeout(() => this.expire(), due <= 0n ? 0 : Number(due / 1_000_000n) + 1);
    this.ageTimer.unref();
  }

  private clearAgeTimer(): void {
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
  }

  /** Removes messages older than max_age (by their STAN timestamp), re-arms for the next oldest. */
  private expire(): void {
    this.ageTimer = undefined;
    if (this.closed) return;
    const idx = this.index;
    const maxAgeNs = BigInt(this.limits.maxAge) * 1_000_000n;
    const now = BigInt(Date.now()) * 1_000_000n;
    let removed = false;
    while (idx.count > 0 && now - idx.timeOf(idx.first) >= maxAgeNs) {
      this.cache.delete(idx.first);
      idx.removeFirst();
      removed = true;
    }
    if (removed) this.schedulePurge();
    this.armAgeTimer();
  }

  private evictCache(): void {
    if (this.cache.size <= CACHE_MAX) return;
    if (this.cacheLow < this.index.first - CACHE_MAX) this.cacheLow = this.index.first;
    while (this.cache.size > CACHE_MAX && this.cacheLow <= this.acked) {
      this.cache.delete(this.cacheLow++);
    }
  }
}
