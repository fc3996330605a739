/**
 * Reading one channel back at start (spec stores.md §4.5): expire by age,
 * load the per-sequence sizes, apply max_msgs/max_bytes with one DELETE,
 * recover the subscriptions and their pending sets, and compact each
 * subscription's SubsPending rows into one (or, without caching, one per
 * sequence) so that the runtime starts from a known layout.
 */
import { decodeSubState } from '../../protocol/stan-records.js';
import type { ChannelLimits, RecoveredSubscription } from '../store.js';
import { bytes, num, type Db } from './db.js';
import type { RecoveredMsgState } from './msg-store.js';
import { decodeSeqs, encodeSeqs } from './seq-json.js';
import { SeqSizes } from './seq-sizes.js';
import { insertPendingRows, insertPendingSeqs, type PendingRow, type Statements } from './statements.js';
import { SubPending, type RowRef } from './sub-store.js';
import type { SqlDriver } from './options.js';

const SIZE_PAGE = 20_000;
const NS_PER_MS = 1_000_000n;

export interface ChannelRow {
  id: number;
  name: string;
  maxseq: number;
  maxmsgs: number;
  maxbytes: number;
  maxage: number;
}

export interface RecoveredSubs {
  subscriptions: RecoveredSubscription[];
  subs: Map<number, SubPending>;
  count: number;
  hasMarkedAsDel: boolean;
  curRow: number;
  maxLastSent: number;
}

export async function recoverMessages(
  db: Db, stmts: Statements, ch: ChannelRow, limits: ChannelLimits,
): Promise<{ msgs: RecoveredMsgState; lastStored: number }> {
  const cid = ch.id;
  const maxRows = await db.query(stmts.recoverMsgsSummary, [cid]);
  const lastStored = maxRows.length > 0 ? num(maxRows[0]![0]) : 0;
  if (limits.maxAge > 0) {
    const cutoff = BigInt(Date.now()) * NS_PER_MS - BigInt(limits.maxAge) * NS_PER_MS;
    await db.exec(stmts.deleteExpiredMsgs, [cid, cutoff]);
  }
  const sizes = new SeqSizes();
  let count = 0;
  let total = 0;
  let after = 0;
  for (;;) {
    const rows = await db.query(stmts.recoverMsgSizes, [cid, after, SIZE_PAGE]);
    for (const r of rows) {
      const seq = num(r[0]);
      const size = Math.max(1, num(r[1]));
      sizes.append(seq, size);
      count++;
      total += size;
      after = seq;
    }
    if (rows.length < SIZE_PAGE) break;
  }
  // Limits lowered since the last run: one cut-off, one DELETE.
  let dropped = false;
  const { maxMsgs, maxBytes } = limits;
  while (count > 1 && ((maxMsgs > 0 && count > maxMsgs) || (maxBytes > 0 && total > maxBytes))) {
    total -= sizes.shiftFirst();
    count--;
    dropped = true;
  }
  const first = sizes.firstPresent();
  if (dropped) await db.exec(stmts.deleteMsgsBelow, [cid, first]);
  if (limits.maxMsgs !== ch.maxmsgs || limits.maxBytes !== ch.maxbytes || limits.maxAge * 1e6 !== ch.maxage) {
    await db.exec(stmts.updateChannelLimits, [limits.maxMsgs, limits.maxBytes, BigInt(limits.maxAge) * NS_PER_MS, cid]);
  }
  return { msgs: { sizes, first, last: after, count, bytes: total }, lastStored };
}

export async function recoverSubscriptions(
  db: Db, driver: SqlDriver, stmts: Statements, channelId: number, noCaching: boolean,
): Promise<RecoveredSubs> {
  const out: RecoveredSubs = { subscriptions: [], subs: new Map(), count: 0, curRow: 0, maxLastSent: 0, hasMarkedAsDel: false };
  out.hasMarkedAsDel = num((await db.query(stmts.countMarkedSubs, [channelId]))[0]?.[0]) > 0;
  const subRows = await db.query(stmts.recoverSubs, [channelId]);
  const pendingOf = new Map<number, { set: Set<number>; lastSent: number }>();
  for (const r of await db.query(stmts.recoverPending, [channelId])) {
    const subid = num(r[0]);
    const row = num(r[1]);
    const seq = num(r[2]);
    let e = pendingOf.get(subid);
    if (!e) pendingOf.set(subid, e = { set: new Set(), lastSent: 0 });
    if (row > out.curRow) out.curRow = row;
    if (seq > 0) {
      e.set.add(seq);
      if (seq > e.lastSent) e.lastSent = seq;
      continue;
    }
    const lastSent = num(r[3]);
    if (lastSent > e.lastSent) e.lastSent = lastSent;
    for (const s of decodeSeqs(bytes(r[4]))) e.set.add(s);
    // Rows are read in row order: an ack always follows its pending entry.
    for (const s of decodeSeqs(bytes(r[5]))) e.set.delete(s);
  }
  const compacted: PendingRow[] = [];
  const perSeq: Array<{ subid: number; rows: number[]; seqs: number[] }> = [];
  const lastSents: Array<[number, number]> = [];
  for (const r of subRows) {
    const proto = bytes(r[2]);
    if (proto === null) continue;
    const sub = decodeSubState(proto);
    out.count++;
    const column = num(r[1]);
    const e = pendingOf.get(sub.id);
    const lastSent = Math.max(sub.lastSent, column, e?.lastSent ?? 0);
    sub.lastSent = lastSent;
    if (lastSent > out.maxLastSent) out.maxLastSent = lastSent;
    const p = new SubPending();
    p.lastSent = lastSent;
    p.writtenLastSent = lastSent;
    if (lastSent !== column) lastSents.push([sub.id, lastSent]);
    const seqs = e ? [...e.set].sort((a, b) => a - b) : [];
    if (seqs.length > 0) {
      if (noCaching) {
        const ids = seqs.map(() => ++out.curRow);
        for (let i = 0; i < seqs.length; i++) p.rowOf.set(seqs[i]!, { id: ids[i]!, seqs: null, unacked: 1, ackRefs: 0 });
        perSeq.push({ subid: sub.id, rows: ids, seqs });
      } else {
        const row: RowRef = { id: ++out.curRow, seqs, unacked: seqs.length, ackRefs: 0 };
        for (const s of seqs) p.rowOf.set(s, row);
        compacted.push({ subid: sub.id, row: row.id, lastSent, pending: encodeSeqs(seqs), acks: null });
      }
    }
    out.subs.set(sub.id, p);
    out.subscriptions.push({ sub, pending: new Set(seqs) });
  }
  const rewrite = [...pendingOf.keys()].filter((id) => out.subs.has(id));
  if (rewrite.length > 0 || lastSents.length > 0) {
    await db.transaction(async (tx) => {
      for (const id of rewrite) await tx.exec(stmts.deleteSubPending, [id]);
      if (compacted.length > 0) {
        const st = insertPendingRows(driver, compacted);
        await tx.exec(st.sql, st.params);
      }
      for (const r of perSeq) {
        const st = insertPendingSeqs(driver, r.subid, r.rows, r.seqs);
        await tx.exec(st.sql, st.params);
      }
      for (const [id, ls] of lastSents) await tx.exec(stmts.updateLastSent, [ls, channelId, id]);
    });
  }
  return out;
}
