/**
 * Subscriptions of one channel: the Subscriptions table, and the pending
 * (sent, unacknowledged) sequences in SubsPending, in the Go server's formats
 * (spec stores.md §4.2):
 *
 * - caching (default): per subscription and commit, one row with `seq = 0`,
 *   `pending` = JSON array of sequences sent, `acks` = JSON array of sequences
 *   acknowledged whose `pending` entry is in an earlier row. A row is deleted
 *   once all its pending sequences are acknowledged and the acks it holds are
 *   no longer needed (their pending rows are gone).
 * - no caching: one row per pending sequence (`seq` > 0), deleted on ack.
 *
 * addSeqPending/ackSeqPending only record in memory; the group commit writes
 * them (write-lane.ts).
 */
import { encodeSubState } from '../../protocol/stan-records.js';
import { StoreError, type ChannelLimits, type SubState, type SubStore } from '../store.js';
import type { MsgStoreContext } from './msg-store.js';
import { encodeSeqs } from './seq-json.js';
import {
  deletePendingIn, insertPendingRows, insertPendingSeqs, insertSubIfMissing, type BuiltStatement, type PendingRow,
} from './statements.js';
import type { BatchPart, BatchSource } from './write-lane.js';

/** A SubsPending row still in the table, as far as acks are concerned. */
export interface RowRef {
  id: number;
  /** Pending sequences the row holds, until all are acknowledged. */
  seqs: number[] | null;
  /** How many of `seqs` are not acknowledged yet. */
  unacked: number;
  /** Acks held by this row that still cancel a pending entry of another row. */
  ackRefs: number;
}

/** Pending state of one subscription. */
export class SubPending {
  lastSent = 0;
  writtenLastSent = 0;
  /** Sent since the last commit (not in any row yet). */
  readonly fresh = new Set<number>();
  /** Acks to write (caching mode): of sequences whose pending entry is held in a row. */
  readonly freshAcks = new Set<number>();
  /** Pending sequence → the row holding it. */
  readonly rowOf = new Map<number, RowRef>();
  /** Acknowledged sequence → the row holding the ack (while the pending row exists). */
  readonly ackRowOf = new Map<number, RowRef>();
  /** Row ids to delete at the next commit. */
  rowsToDelete: number[] = [];
}

/** Subscription counters shared by all channels of a store (IDs are unique per SQL store). */
export interface SubIds {
  maxSubId: number;
}

export class SqlSubStore implements SubStore, BatchSource {
  private readonly subs = new Map<number, SubPending>();
  private readonly dirty = new Set<number>();
  private closed = false;
  /** A subscription with the highest ID was only marked deleted: purge at the next create. */
  private hasMarkedAsDel: boolean;
  /** Last SubsPending row number used (rows are keyed by (subid, row)). */
  private curRow: number;
  /** Stored subscriptions, offline durables included (the max_subs check). */
  private count: number;

  constructor(
    readonly channelId: number,
    private readonly limits: ChannelLimits,
    private readonly ctx: MsgStoreContext,
    private readonly ids: SubIds,
    recovered?: { count: number; curRow: number; subs: Map<number, SubPending>; hasMarkedAsDel: boolean },
  ) {
    this.count = recovered?.count ?? 0;
    this.curRow = recovered?.curRow ?? 0;
    this.hasMarkedAsDel = recovered?.hasMarkedAsDel ?? false;
    if (recovered) for (const [id, p] of recovered.subs) this.subs.set(id, p);
  }

  createSub(sub: SubState): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('closed'));
    const max = this.limits.maxSubscriptions;
    if (max > 0 && this.count >= max) return Promise.reject(new StoreError('tooManySubs'));
    sub.id = ++this.ids.maxSubId;
    const proto = encodeSubState(sub);
    const { db, stmts } = this.ctx;
    this.count++;
    return this.ctx.lane.write(async () => {
      try {
        await db.exec(stmts.createSub, [this.channelId, sub.id, proto]);
      } catch (err) {
        this.count--;
        sub.id = 0;
        throw err;
      }
      if (this.hasMarkedAsDel) {
        await db.exec(stmts.purgeMarkedSubs, [this.channelId]);
        this.hasMarkedAsDel = false;
      }
    });
  }

  updateSub(sub: SubState): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('closed'));
    const proto = encodeSubState(sub);
    const { db, stmts, driver } = this.ctx;
    return this.ctx.lane.write(async () => {
      const n = await db.exec(stmts.updateSub, [proto, this.channelId, sub.id]);
      if (n === 0) await db.exec(insertSubIfMissing(driver), [this.channelId, sub.id, proto]);
    });
  }

  deleteSub(id: number): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('closed'));
    // Nothing recorded for it is written any more.
    this.subs.delete(id);
    this.dirty.delete(id);
    const { db, stmts } = this.ctx;
    return this.ctx.lane.write(async () => {
      const n = id === this.ids.maxSubId
        // Keep the highest ID in the table so that it is never handed out again.
        ? await db.exec(stmts.markSubDeleted, [this.channelId, id])
        : await db.exec(stmts.deleteSub, [this.channelId, id]);
      if (id === this.ids.maxSubId) this.hasMarkedAsDel = true;
      if (n > 0) this.count--;
      await db.exec(stmts.deleteSubPending, [id]);
    });
  }

  addSeqPending(id: number, seq: number): void {
    if (this.closed) return;
    const p = this.pendingOf(id);
    if (seq > p.lastSent) p.lastSent = seq;
    p.fresh.add(seq);
    this.touch(id);
  }

  ackSeqPending(id: number, seq: number): void {
    if (this.closed) return;
    const p = this.subs.get(id);
    if (p === undefined) return;
    if (p.fresh.delete(seq)) {
      this.touch(id);
      return;
    }
    const row = p.rowOf.get(seq);
    if (row === undefined) return; // already acknowledged
    p.rowOf.delete(seq);
    row.unacked--;
    if (this.ctx.noCaching) {
      p.rowsToDelete.push(row.id);
    } else {
      p.freshAcks.add(seq);
      if (row.unacked === 0) this.rowFullyAcked(p, row);
    }
    this.touch(id);
  }

  /** Every pending entry of `row` is acknowledged: the acks cancelling them are no longer needed. */
  private rowFullyAcked(p: SubPending, row: RowRef): void {
    for (const s of row.seqs ?? []) {
      if (p.freshAcks.delete(s)) continue;
      const ackRow = p.ackRowOf.get(s);
      if (ackRow === undefined) continue;
      p.ackRowOf.delete(s);
      ackRow.ackRefs--;
      if (ackRow.ackRefs === 0 && ackRow.unacked === 0 && ackRow !== row) p.rowsToDelete.push(ackRow.id);
    }
    row.seqs = null;
    if (row.ackRefs === 0) p.rowsToDelete.push(row.id);
  }

  takeBatch(parts: BatchPart[]): void {
    if (this.dirty.size === 0) return;
    const rows: PendingRow[] = [];
    const seqRows: Array<{ subid: number; rows: number[]; seqs: number[] }> = [];
    const deletes: Array<{ subid: number; column: 'row' | 'seq'; values: number[] }> = [];
    const lastSents: Array<[number, number]> = [];
    for (const id of this.dirty) {
      const p = this.subs.get(id);
      if (p === undefined) continue;
      if (p.rowsToDelete.length > 0) {
        deletes.push({ subid: id, column: 'row', values: p.rowsToDelete });
        p.rowsToDelete = [];
      }
      if (this.ctx.noCaching) this.takeSeqRows(id, p, seqRows);
      else this.takeJsonRow(id, p, rows);
      if (p.lastSent !== p.writtenLastSent) {
        lastSents.push([id, p.lastSent]);
        p.writtenLastSent = p.lastSent;
      }
    }
    this.dirty.clear();
    if (rows.length === 0 && seqRows.length === 0 && deletes.length === 0 && lastSents.length === 0) return;
    const { driver, stmts } = this.ctx;
    parts.push({
      statements: () => {
        const out: BuiltStatement[] = [];
        if (rows.length > 0) out.push(insertPendingRows(driver, rows));
        for (const r of seqRows) out.push(insertPendingSeqs(driver, r.subid, r.rows, r.seqs));
        for (const d of deletes) out.push(deletePendingIn(driver, d.subid, d.column, d.values));
        for (const [id, lastSent] of lastSents) out.push({ sql: stmts.updateLastSent, params: [lastSent, this.channelId, id] });
        return out;
      },
      committed: () => undefined,
      // Delivery state is kept and written with the next commit.
      failed: () => false,
    });
  }

  private takeJsonRow(id: number, p: SubPending, rows: PendingRow[]): void {
    if (p.fresh.size === 0 && p.freshAcks.size === 0) return;
    const row: RowRef = { id: ++this.curRow, seqs: null, unacked: 0, ackRefs: 0 };
    let pending: Uint8Array | null = null;
    let acks: Uint8Array | null = null;
    if (p.fresh.size > 0) {
      const seqs = [...p.fresh];
      p.fresh.clear();
      for (const s of seqs) p.rowOf.set(s, row);
      row.seqs = seqs;
      row.unacked = seqs.length;
      pending = encodeSeqs(seqs);
    }
    if (p.freshAcks.size > 0) {
      const seqs = [...p.freshAcks];
      p.freshAcks.clear();
      for (const s of seqs) p.ackRowOf.set(s, row);
      row.ackRefs = seqs.length;
      acks = encodeSeqs(seqs);
    }
    // lastsent goes in the row too (the Go server recovers it from there); the
    // Subscriptions column is updated as well, since the row is deleted once acked.
    rows.push({ subid: id, row: row.id, lastSent: p.lastSent, pending, acks });
  }

  private takeSeqRows(
    id: number, p: SubPending,
    seqRows: Array<{ subid: number; rows: number[]; seqs: number[] }>,
  ): void {
    if (p.fresh.size > 0) {
      const seqs = [...p.fresh];
      p.fresh.clear();
      const ids = seqs.map(() => ++this.curRow);
      for (let i = 0; i < seqs.length; i++) p.rowOf.set(seqs[i]!, { id: ids[i]!, seqs: null, unacked: 1, ackRefs: 0 });
      seqRows.push({ subid: id, rows: ids, seqs });
    }
  }

  flush(): Promise<void> {
    return this.ctx.lane.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A channel being deleted: drop everything recorded, write nothing more. */
  abandon(): void {
    this.closed = true;
    this.subs.clear();
    this.dirty.clear();
  }

  private pendingOf(id: number): SubPending {
    let p = this.subs.get(id);
    if (p === undefined) {
      p = new SubPending();
      this.subs.set(id, p);
    }
    return p;
  }

  private touch(id: number): void {
    this.dirty.add(id);
    this.ctx.lane.markDirty(this);
    if (this.ctx.noCaching) this.ctx.lane.flush().catch(() => undefined);
  }
}
