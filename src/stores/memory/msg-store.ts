/**
 * Messages of one channel, in memory (Go stores/memstore.go). Sequences are
 * contiguous and only ever removed from the head (limits, age), so the messages
 * live in an array indexed by `seq - first`; removed heads are compacted away in
 * bulk rather than shifted one by one.
 */

import type { Logger } from '../../util/logger.js';
import { friendlyBytes } from '../limits.js';
import type { ChannelLimits, Msg, MsgStore, MsgStoreState } from '../store.js';

const COMPACT_MIN = 1024;

export class MemoryMsgStore implements MsgStore {
  /** msgs[head + (seq - first)] holds `seq`; holes (never stored) are undefined. */
  private msgs: Array<Msg | undefined> = [];
  private head = 0;
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
      this.msgs.length = 0;
      this.head = 0;
      this.first = seq;
    } else {
      for (let s = this.last + 1; s < seq; s++) this.msgs.push(undefined);
    }
    this.msgs.push(msg);
    this.last = seq;
    this.count++;
    this.bytes += msg.encoded.length;
    if (this.limits.maxAge > 0 && this.ageTimer === undefined) this.armAgeTimerFor(this.msgs[this.head] ?? msg);
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
    return this.msgs[this.head + (seq - this.first)];
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
      const m = this.msgs[this.head + (s - this.first)];
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
    const firstMsg = this.lookupSync(this.first)!;
    if (firstMsg.timestamp >= timestamp) return Promise.resolve(this.first);
    const lastMsg = this.lookupSync(this.last)!;
    if (timestamp > lastMsg.timestamp) return Promise.resolve(this.last + 1);
    // timestamps never decrease within a channel: binary search the window
    let lo = this.head;
    let hi = this.msgs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.msgs[mid];
      if (m !== undefined && m.timestamp >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    return Promise.resolve(this.first + (lo - this.head));
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
    this.msgs = [];
    this.head = 0;
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
    const m = this.msgs[this.head];
    if (m === undefined) return;
    this.msgs[this.head] = undefined;
    this.head++;
    this.first++;
    this.count--;
    this.bytes -= m.encoded.length;
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.msgs.length) {
      this.msgs = this.msgs.slice(this.head);
      this.head = 0;
    }
  }

  private skipHoles(): void {
    while (this.first < this.last && this.msgs[this.head] === undefined) {
      this.head++;
      this.first++;
    }
  }

  /** Arms the age timer for when `oldest` (the oldest stored message) expires. */
  private armAgeTimerFor(oldest: Msg): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    const dueNs = oldest.timestamp + BigInt(this.limits.maxAge) * 1_000_000n - now;
    this.armAgeTimer(dueNs <= 0n ? 0 : Number(dueNs / 1_000_000n) + 1);
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
      const m = this.lookupSync(this.first)!;
      const elapsed = now - m.timestamp;
      if (elapsed >= maxAgeNs) {
        this.removeFirst();
      } else {
        this.armAgeTimer(Number((maxAgeNs - elapsed) / 1_000_000n) + 1);
        return;
      }
    }
  }
}
