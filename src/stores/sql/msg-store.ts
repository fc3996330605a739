/**
 * Messages of one channel in the Messages table (spec stores.md §4).
 *
 * `store()` is synchronous: it updates the in-memory view (first/last, count,
 * bytes, the per-sequence sizes), applies max_msgs/max_bytes there, and queues
 * the message for the next group commit. The commit writes the queued messages
 * with one multi-row INSERT and removes what the limits dropped with one
 * `DELETE ... WHERE seq < first`. Until committed, messages are served from
 * memory. max_age runs on one timer per channel with set-based deletes.
 */
import type { Logger } from '../../util/logger.js';
import { friendlyBytes } from '../limits.js';
import { StoreError, type ChannelLimits, type Msg, type MsgStore, type MsgStoreState } from '../store.js';
import { msgFromEncoded } from '../../protocol/stan-msg.js';
import { big, bytes, num } from './db.js';
import { SqlErrors, SqlStoreError } from './errors.js';
import { SeqSizes } from './seq-sizes.js';
import { insertMsgs, type BuiltStatement, type Statements } from './statements.js';
import type { BatchPart, BatchSource, WriteLane } from './write-lane.js';
import type { Db } from './db.js';
import type { SqlDriver } from './options.js';

/** What a message store shares with its SQL store. */
export interface MsgStoreContext {
  db: Db;
  driver: SqlDriver;
  stmts: Statements;
  lane: WriteLane;
  log: Logger;
  noCaching: boolean;
  bulkRows: number;
  maxMessageBytes: number;
}

/** State recovered from the database for one channel. */
export interface RecoveredMsgState {
  sizes: SeqSizes;
  first: number;
  last: number;
  count: number;
  bytes: number;
}

const NS_PER_MS = 1_000_000n;
/** Retry delay of an age expiry that failed (database unreachable). */
const EXPIRY_RETRY_MS = 1000;

export class SqlMsgStore implements MsgStore, BatchSource {
  private first = 0;
  private last = 0;
  private count = 0;
  private bytes = 0;
  private readonly sizes: SeqSizes;
  /** Stored and not yet taken by a commit. */
  private queued: Msg[] = [];
  /** Not yet committed (queued or in a commit in flight or retained): served from here. */
  private readonly uncommitted = new Map<number, Msg>();
  /** `first` moved past rows that may be in the table. */
  private headMoved = false;
  private hitLimit = false;
  /** Sequence ranges dropped by failed commits and not yet reported by a flush. */
  private dropped: Array<{ lo: number; hi: number; err: Error }> = [];
  /** Every message up to here was covered by a flush that returned. */
  private reportedUpTo = 0;
  private ageTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly scratch = { msgs: 0, bytes: 0 };

  constructor(
    readonly channel: string,
    readonly channelId: number,
    private readonly limits: ChannelLimits,
    private readonly ctx: MsgStoreContext,
    recovered?: RecoveredMsgState,
  ) {
    if (recovered) {
      this.sizes = recovered.sizes;
      this.first = recovered.first;
      this.last = recovered.last;
      this.count = recovered.count;
      this.bytes = recovered.bytes;
      if (limits.maxAge > 0 && this.count > 0) this.armAgeTimer(0);
    } else {
      this.sizes = new SeqSizes();
    }
  }

  store(msg: Msg): number {
    const seq = msg.sequence;
    if (seq <= this.last) return seq;
    if (this.closed) throw new StoreError('closed');
    const down = this.ctx.lane.unavailable;
    if (down !== null) throw new SqlStoreError(SqlErrors.unavailable(down.message));
    const size = msg.encoded.length;
    if (size > this.ctx.maxMessageBytes) {
      throw new SqlStoreError(`sql: message of ${size} bytes exceeds the ${this.ctx.maxMessageBytes} bytes of the Messages.data column`);
    }
    if (this.count === 0) {
      this.first = seq;
      this.sizes.clear();
    }
    this.sizes.append(seq, size);
    this.last = seq;
    this.count++;
    this.bytes += size;
    this.uncommitted.set(seq, msg);
    this.queued.push(msg);
    this.ctx.lane.markDirty(this);
    // -sql_no_caching: write through, one commit per call (several when they pile up).
    if (this.ctx.noCaching) this.ctx.lane.flush().catch(() => undefined);
    const maxMsgs = this.limits.maxMsgs;
    const maxBytes = this.limits.maxBytes;
    if ((maxMsgs > 0 && this.count > maxMsgs) || (maxBytes > 0 && this.bytes > maxBytes)) this.applyLimits(maxMsgs, maxBytes);
    if (this.limits.maxAge > 0 && this.ageTimer === undefined) {
      this.armAgeTimer(this.dueIn(this.uncommitted.get(this.first)?.timestamp ?? msg.timestamp));
    }
    return seq;
  }

  private applyLimits(maxMsgs: number, maxBytes: number): void {
    while (this.count > 1 && ((maxMsgs > 0 && this.count > maxMsgs) || (maxBytes > 0 && this.bytes > maxBytes))) {
      const size = this.sizes.shiftFirst();
      this.uncommitted.delete(this.first);
      this.count--;
      this.bytes -= size;
      this.first = this.sizes.firstPresent() || this.last + 1;
      this.headMoved = true;
      if (!this.hitLimit) {
        this.hitLimit = true;
        this.ctx.log.warn(`Reached limits for store ${JSON.stringify(this.channel)} (msgs=${this.count}/${maxMsgs} ` +
          `bytes=${friendlyBytes(this.bytes)}/${friendlyBytes(maxBytes)}), dropping old messages to make room for new ones`);
      }
    }
    this.ctx.lane.markDirty(this);
  }

  takeBatch(parts: BatchPart[]): void {
    const first = this.first;
    let msgs = this.queued;
    this.queued = [];
    if (msgs.length > 0 && msgs[0]!.sequence < first) msgs = msgs.filter((m) => m.sequence >= first);
    const deleteBelow = this.headMoved ? first : 0;
    this.headMoved = false;
    if (msgs.length === 0 && deleteBelow === 0) return;
    parts.push({
      statements: () => {
        const out = this.insertStatements(msgs);
        if (deleteBelow > 0) out.push({ sql: this.ctx.stmts.deleteMsgsBelow, params: [this.channelId, deleteBelow] });
        return out;
      },
      committed: () => this.forget(msgs),
      failed: (err) => {
        this.drop(msgs, err);
        if (deleteBelow > 0) {
          this.headMoved = true;
          this.ctx.lane.markDirty(this);
        }
        return true;
      },
    });
  }

  /**
   * Messages of a failed commit: their publishers get the error (flush), and
   * they are gone from this store as if never stored.
   */
  private drop(msgs: readonly Msg[], err: Error): void {
    if (msgs.length === 0) return;
    for (const m of msgs) {
      if (this.uncommitted.get(m.sequence) === m) this.uncommitted.delete(m.sequence);
      const size = this.sizes.remove(m.sequence);
      if (size === 0) continue;
      this.count--;
      this.bytes -= size;
    }
    this.first = this.sizes.firstPresent() || this.last + 1;
    this.dropped.push({ lo: msgs[0]!.sequence, hi: msgs[msgs.length - 1]!.sequence, err });
  }

  private insertStatements(msgs: readonly Msg[]): BuiltStatement[] {
    const out: BuiltStatement[] = [];
    const chunk = this.ctx.bulkRows;
    for (let i = 0; i < msgs.length; i += chunk) {
      const rows = msgs.length <= chunk ? msgs : msgs.slice(i, i + chunk);
      out.push(insertMsgs(this.ctx.driver, this.channelId, rows.map((m) => ({ seq: m.sequence, timestamp: m.timestamp, data: m.encoded }))));
    }
    return out;
  }

  private forget(msgs: readonly Msg[]): void {
    for (const m of msgs) if (this.uncommitted.get(m.sequence) === m) this.uncommitted.delete(m.sequence);
  }

  async lookup(seq: number): Promise<Msg | undefined> {
    if (seq < this.first || seq > this.last || this.sizes.get(seq) === 0) return undefined;
    let msg = this.uncommitted.get(seq);
    if (msg === undefined) {
      const rows = await this.ctx.db.query(this.ctx.stmts.lookupMsg, [this.channelId, seq]);
      if (rows.length === 0) return undefined;
      msg = msgFromEncoded(bytes(rows[0]![0])!);
    }
    // A removed message may still be in the table until the next commit.
    if (seq < this.first || this.expired(msg)) return undefined;
    return msg;
  }

  async lookupRange(from: number, to: number, max: number): Promise<Msg[]> {
    if (from < this.first) from = this.first;
    if (to > this.last) to = this.last;
    if (from > to || max <= 0) return [];
    // Memory first: a message committed meanwhile is then in the table.
    // (The map holds one commit's worth at most, in ascending sequence order.)
    const fromMemory: Msg[] = [];
    if (this.uncommitted.size > 0) {
      for (const m of this.uncommitted.values()) {
        if (m.sequence > to || fromMemory.length >= max) break;
        if (m.sequence >= from) fromMemory.push(m);
      }
    }
    const rows = await this.ctx.db.query(this.ctx.stmts.lookupRange, [this.channelId, from, to, max]);
    const out: Msg[] = [];
    let i = 0;
    let j = 0;
    while (out.length < max && (i < rows.length || j < fromMemory.length)) {
      const dbSeq = i < rows.length ? num(rows[i]![0]) : Infinity;
      const memSeq = j < fromMemory.length ? fromMemory[j]!.sequence : Infinity;
      let m: Msg;
      if (memSeq <= dbSeq) {
        m = fromMemory[j++]!;
        if (memSeq === dbSeq) i++;
      } else {
        m = msgFromEncoded(bytes(rows[i++]![1])!);
      }
      if (m.sequence >= this.first && !this.expired(m)) out.push(m);
    }
    return out;
  }

  firstSequence(): number {
    return this.first;
  }

  lastSequence(): number {
    return this.last;
  }

  async getSequenceFromTimestamp(timestamp: bigint): Promise<number> {
    if (this.first === 0) return 0;
    if (this.count === 0) return this.last + 1;
    let best = 0;
    const rows = await this.ctx.db.query(this.ctx.stmts.seqFromTimestamp, [this.channelId, this.first, timestamp]);
    if (rows.length > 0) best = num(rows[0]![0]);
    for (const m of this.uncommitted.values()) {
      if (m.timestamp >= timestamp && m.sequence >= this.first && (best === 0 || m.sequence < best)) best = m.sequence;
    }
    return best === 0 ? this.last + 1 : best;
  }

  firstMsg(): Promise<Msg | undefined> {
    return this.lookup(this.first);
  }

  lastMsg(): Promise<Msg | undefined> {
    return this.lookup(this.last);
  }

  state(): MsgStoreState {
    return { msgs: this.count, bytes: this.bytes };
  }

  /**
   * Resolves when every message stored before the call is committed; rejects
   * when one of them was in a commit that failed (even if that failure was
   * reported to an earlier caller of another store's flush).
   */
  async flush(): Promise<void> {
    const from = this.reportedUpTo;
    const upTo = this.last;
    try {
      await this.ctx.lane.flush();
    } finally {
      if (upTo > this.reportedUpTo) this.reportedUpTo = upTo;
    }
    if (this.dropped.length === 0) return;
    const hit = this.dropped.find((d) => d.hi > from && d.lo <= upTo);
    this.dropped = this.dropped.filter((d) => d.hi > this.reportedUpTo);
    if (hit) throw new SqlStoreError(SqlErrors.unavailable(hit.err.message.replace(/^sql: store unavailable: /, '')));
  }

  empty(): Promise<void> {
    return this.ctx.lane.write(async () => {
      const last = this.last;
      await this.ctx.db.transaction(async (tx) => {
        await tx.exec(this.ctx.stmts.deleteAllMsgs, [this.channelId]);
        await tx.exec(this.ctx.stmts.updateChannelMaxSeq, [last, this.channelId]);
      });
      this.queued = [];
      this.uncommitted.clear();
      this.sizes.clear();
      this.count = 0;
      this.bytes = 0;
      this.headMoved = false;
      if (this.first !== 0) this.first = last + 1;
      this.clearAgeTimer();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearAgeTimer();
  }

  /** Stops the timers of a channel being deleted; nothing more is written. */
  abandon(): void {
    this.closed = true;
    this.clearAgeTimer();
    this.queued = [];
    this.headMoved = false;
  }

  private expired(m: Msg): boolean {
    const maxAge = this.limits.maxAge;
    return maxAge > 0 && m.timestamp + BigInt(maxAge) * NS_PER_MS <= BigInt(Date.now()) * NS_PER_MS;
  }

  /** Milliseconds until a message stamped `timestamp` expires (a little after, never before). */
  private dueIn(timestamp: bigint): number {
    const due = timestamp + BigInt(this.limits.maxAge) * NS_PER_MS - BigInt(Date.now()) * NS_PER_MS;
    return Number(due / NS_PER_MS) + 1;
  }

  private armAgeTimer(ms: number): void {
    if (this.closed) return;
    this.clearAgeTimer();
    this.ageTimer = setTimeout(() => {
      this.ageTimer = undefined;
      this.expire().catch((err: Error) => {
        this.ctx.log.error(`Unable to perform expiration for channel ${JSON.stringify(this.channel)}: ${err.message}`);
        this.armAgeTimer(EXPIRY_RETRY_MS);
      });
    }, Math.max(0, ms));
    this.ageTimer.unref();
  }

  private clearAgeTimer(): void {
    if (this.ageTimer !== undefined) clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
  }

  /**
   * Removes every expired message with set-based statements (in the write lane,
   * so everything stored before is in the table), then re-arms for the oldest
   * remaining one.
   */
  private expire(): Promise<void> {
    return this.ctx.lane.write(async () => {
      if (this.closed) return;
      const maxAgeNs = BigInt(this.limits.maxAge) * NS_PER_MS;
      const cutoff = BigInt(Date.now()) * NS_PER_MS - maxAgeNs;
      const { db, stmts } = this.ctx;
      const rows = await db.query(stmts.expiredMsgs, [this.channelId, cutoff]);
      const maxSeq = rows.length > 0 ? num(rows[0]![0]) : 0;
      if (maxSeq >= this.first && maxSeq > 0) {
        const last = this.last;
        await db.transaction(async (tx) => {
          // Keep the sequence going after a restart when the last message expires.
          if (maxSeq >= last) await tx.exec(stmts.updateChannelMaxSeq, [last, this.channelId]);
          await tx.exec(stmts.deleteMsgsThrough, [this.channelId, maxSeq]);
        });
        this.sizes.dropThrough(maxSeq, this.scratch);
        for (let s = this.first; s <= maxSeq; s++) this.uncommitted.delete(s);
        this.count -= this.scratch.msgs;
        this.bytes -= this.scratch.bytes;
        this.first = this.sizes.firstPresent() || this.last + 1;
      }
      if (this.count === 0) return;
      const next = await db.query(stmts.firstMsgTimestamp, [this.channelId, this.first]);
      const oldest = next.length > 0 ? big(next[0]![0]) : this.uncommitted.get(this.first)?.timestamp;
      if (oldest === undefined) {
        this.armAgeTimer(this.limits.maxAge);
        return;
      }
      this.armAgeTimer(this.dueIn(oldest));
    });
  }
}
