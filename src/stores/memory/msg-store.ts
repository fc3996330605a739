/**
 * Messages of one channel, in memory (Go stores/memstore.go). Sequences are
 * contiguous and only ever removed from the head (limits, age), so the messages
 * live in a window indexed by `seq - first`: their bytes in slabs (msg-slabs.ts),
 * about 20 bytes of bookkeeping each. The newest RECENT messages are also kept as
 * the Msg objects stored, so delivering them, live or in catch-up, decodes nothing;
 * older ones are decoded from their bytes when looked up.
 */

import type { Logger } from '../../util/logger.js';
import { msgFromEncoded } from '../../protocol/stan-msg.js';
import { friendlyBytes } from '../limits.js';
import type { ChannelLimits, Msg, MsgStore, MsgStoreState } from '../store.js';
import { MsgSlabs } from './msg-slabs.js';

/** Newest messages kept as objects (a power of two: a ring indexed by sequence). */
const RECENT = 8192;

export class MemoryMsgStore implements MsgStore {
  /** Slot seq - first holds `seq`; holes (never stored) are empty slots. */
  private msgs = new MsgSlabs();
  private recent: Array<Msg | undefined> = new Array(RECENT);
  private first = 0;
  private last = 0;
  private count = 0;
  private bytes = 0;
  private hitLimit = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly channel: string,
    private readonly limits: ChannelLimits,
    private readonly logger: Logger,
  ) {}

  store(msg: Msg): number {
    const seq = msg.sequence;
    if (seq <= this.last) return seq;
    if (this.first === 0 || this.count === 0 && this.first > this.last) {
      // first message ever, or every earlier one was removed: restart the window here
      this.msgs.clear();
      this.first = seq;
    } else {
      for (let s = this.last + 1; s < seq; s++) this.msgs.push(null, 0n);
    }
    this.msgs.push(msg.encoded, msg.timestamp);
    this.recent[seq & (RECENT - 1)] = msg;
    this.last = seq;
    this.count++;
    this.bytes += msg.encoded.length;
    if (this.limits.maxAge > 0 && this.ageTimer === undefined) this.armAgeTimer(this.dueMs(this.msgs.has(0) ? this.msgs.timestamp(0) : msg.timestamp));
    const maxMsgs = this.limits.maxMsgs;
    const maxBytes = this.limits.maxBytes;
    if (maxMsgs > 0 || maxBytes > 0) {
      while (this.count > 1 && ((maxMsgs > 0 && this.count > maxMsgs) || (maxBytes > 0 && this.bytes > maxBytes))) {
        this.removeFirst();
        if (!this.hitLimit) {
          this.hitLimit = true;
          this.logger.warn(`Reached limits for store ${JSON.stringify(this.channel)} (msgs=${this.count}/${maxMsgs} ` +
            `bytes=${friendlyBytes(this.bytes)}/${friendlyBytes(maxBytes)}), dropping old messages to make room for new ones`);
        }
      }
    }
    return seq;
  }

  lookupSync(seq: number): Msg | undefined {
    if (seq < this.first || seq > this.last) return undefined;
    const r = this.recent[seq & (RECENT - 1)];
    if (r !== undefined && r.sequence === seq) return r;
    const i = seq - this.first;
    return this.msgs.has(i) ? msgFromEncoded(this.msgs.encoded(i)) : undefined;
  }

  lookup(seq: number): Promise<Msg | undefined> {
    return Promise.resolve(this.lookupSync(seq));
  }

  lookupRange(from: number, to: number, max: number): Promise<Msg[]> {
    return Promise.resolve(this.lookupRangeSync(from, to, max));
  }

  lookupRangeSync(from: number, to: number, max: number): Msg[] {
    const out: Msg[] = [];
    if (from < this.first) from = this.first;
    if (to > this.last) to = this.last;
    for (let s = from; s <= to && out.length < max; s++) {
      const m = this.lookupSync(s);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  firstSequence(): number {
    return this.first;
  }

  lastSequence(): number {
    return this.last;
  }

  getSequenceFromTimestamp(timestamp: bigint): Promise<number> {
    if (this.first === 0) return Promise.resolve(0);
    if (this.count === 0) return Promise.resolve(this.last + 1);
    const w = this.msgs;
    if (w.timestamp(0) >= timestamp) return Promise.resolve(this.first);
    if (timestamp > w.timestamp(w.size - 1)) return Promise.resolve(this.last + 1);
    // timestamps never decrease within a channel: binary search the window
    let lo = 0;
    let hi = w.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (w.has(mid) && w.timestamp(mid) >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    return Promise.resolve(this.first + lo);
  }

  firstMsg(): Promise<Msg | undefined> {
    return Promise.resolve(this.lookupSync(this.first));
  }

  lastMsg(): Promise<Msg | undefined> {
    return Promise.resolve(this.lookupSync(this.last));
  }

  state(): MsgStoreState {
    return { msgs: this.count, bytes: this.bytes };
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing is ever persisted: there is nothing to flush. */
  needsFlush(): boolean {
    return false;
  }

  empty(): Promise<void> {
    this.clearAgeTimer();
    this.msgs.clear();
    this.recent = new Array(RECENT);
    this.count = 0;
    this.bytes = 0;
    if (this.first !== 0) this.first = this.last + 1;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.clearAgeTimer();
    return Promise.resolve();
  }

  /** Drops the oldest message (skipping holes); `first` moves past it. */
  private removeFirst(): void {
    this.skipHoles();
    if (this.msgs.size === 0 || !this.msgs.has(0)) return;
    const n = this.msgs.byteLength(0);
    const slot = this.first & (RECENT - 1);
    if (this.recent[slot]?.sequence === this.first) this.recent[slot] = undefined;
    this.msgs.shift();
    this.first++;
    this.count--;
    this.bytes -= n;
  }

  private skipHoles(): void {
    while (this.first < this.last && !this.msgs.has(0)) {
      this.msgs.shift();
      this.first++;
    }
  }

  /** Milliseconds until a message stored at `timestamp` expires. */
  private dueMs(timestamp: bigint): number {
    const now = BigInt(Date.now()) * 1_000_000n;
    const dueNs = timestamp + BigInt(this.limits.maxAge) * 1_000_000n - now;
    return dueNs <= 0n ? 0 : Number(dueNs / 1_000_000n) + 1;
  }

  private armAgeTimer(ms: number): void {
    this.ageTimer = setTimeout(() => this.expire(), ms);
    this.ageTimer.unref();
  }

  private clearAgeTimer(): void {
    if (this.ageTimer !== undefined) {
      clearTimeout(this.ageTimer);
      this.ageTimer = undefined;
    }
  }

  /** Removes messages older than max_age from the head, then re-arms for the next oldest. */
  private expire(): void {
    this.ageTimer = undefined;
    if (this.closed) return;
    const maxAgeNs = BigInt(this.limits.maxAge) * 1_000_000n;
    const now = BigInt(Date.now()) * 1_000_000n;
    while (this.count > 0) {
      this.skipHoles();
      const elapsed = now - this.msgs.timestamp(0);
      if (elapsed >= maxAgeNs) {
        this.removeFirst();
      } else {
        this.armAgeTimer(Number((maxAgeNs - elapsed) / 1_000_000n) + 1);
        return;
      }
    }
  }
}
