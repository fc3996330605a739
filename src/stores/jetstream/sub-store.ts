/**
 * The subscriptions of one channel, one KV record each (`subs.<channel>.<id>`:
 * the SubState with its pending sequences). Hot-path calls change memory and
 * mark the subscription dirty; `flush()` writes each dirty record once. Every
 * write is a compare-and-set on the revision this store last wrote or read, so a
 * second writer (a natstream that lost its lease) is refused instead of
 * overwriting: the store then fails with `fenced` and never writes again.
 */

import type { KV } from 'nats';

import { StoreError, type ChannelLimits, type SubState, type SubStore } from '../store.js';
import { errorText } from './context.js';
import { channelKey, encodeJson, encodeSub, subKey } from './kv-records.js';

interface Entry {
  state: SubState;
  pending: Set<number>;
  /** KV revision of the record as last written or read. */
  rev: number;
  /** Writes of this record, one after the other. */
  chain: Promise<void>;
  deleted: boolean;
}

export function fencedError(key: string, err: unknown): Error {
  return new Error(`KV key ${key} was written by another server (${errorText(err)}): this server is no longer the only writer`);
}

export class JetStreamSubStore implements SubStore {
  private readonly subs = new Map<number, Entry>();
  private readonly dirty = new Set<number>();

  constructor(
    private readonly kv: KV,
    private readonly channel: string,
    private readonly limits: ChannelLimits,
    private maxSubId: number,
    /** Revision of the channel record (0: none yet). */
    private channelRev: number,
    private readonly fence: () => void = () => undefined,
  ) {}

  /** A subscription read from the bucket at recovery. */
  addRecovered(state: SubState, pending: Set<number>, rev: number): void {
    this.subs.set(state.id, { state, pending, rev, chain: Promise.resolve(), deleted: false });
    if (state.id > this.maxSubId) this.maxSubId = state.id;
  }

  async createSub(sub: SubState): Promise<void> {
    const max = this.limits.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) throw new StoreError('tooManySubs');
    const id = this.maxSubId + 1;
    // the ID is taken in the channel record first: a crash afterwards leaves a gap, never a reuse
    await this.takeId(id);
    sub.id = id;
    const skey = subKey(this.channel, id);
    let rev: number;
    try {
      rev = await this.kv.create(skey, encodeSub(sub, []));
    } catch (err) {
      throw fencedError(skey, err);
    }
    this.subs.set(id, { state: { ...sub }, pending: new Set(), rev, chain: Promise.resolve(), deleted: false });
  }

  /**
   * Migration: stores `sub` with its own ID and pending set (replacing a record
   * of that ID, so a migration can run again), and keeps the ID taken.
   */
  async importSub(sub: SubState, pending: Iterable<number>): Promise<void> {
    if (sub.id > this.maxSubId) await this.takeId(sub.id);
    const e = this.subs.get(sub.id);
    if (e !== undefined) {
      e.state = { ...sub };
      e.pending = new Set(pending);
      await this.write(sub.id, e);
      return;
    }
    const skey = subKey(this.channel, sub.id);
    const rev = await this.kv.put(skey, encodeSub(sub, pending));
    this.subs.set(sub.id, { state: { ...sub }, pending: new Set(pending), rev, chain: Promise.resolve(), deleted: false });
  }

  updateSub(sub: SubState): Promise<void> {
    const e = this.subs.get(sub.id);
    if (e === undefined) return Promise.resolve();
    e.state = { ...sub };
    return this.write(sub.id, e);
  }

  async deleteSub(id: number): Promise<void> {
    const e = this.subs.get(id);
    if (e === undefined) return;
    this.subs.delete(id);
    this.dirty.delete(id);
    e.deleted = true;
    await e.chain;
    this.fence();
    const key = subKey(this.channel, id);
    try {
      await this.kv.purge(key, { previousSeq: e.rev });
    } catch (err) {
      throw fencedError(key, err);
    }
  }

  addSeqPending(id: number, seq: number): void {
    const e = this.subs.get(id);
    if (e === undefined) return;
    e.pending.add(seq);
    if (seq > e.state.lastSent) e.state.lastSent = seq;
    this.dirty.add(id);
  }

  ackSeqPending(id: number, seq: number): void {
    const e = this.subs.get(id);
    if (e !== undefined && e.pending.delete(seq)) this.dirty.add(id);
  }

  needsFlush(): boolean {
    return this.dirty.size > 0;
  }

  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const writes: Array<Promise<void>> = [];
    for (const id of this.dirty) {
      const e = this.subs.get(id);
      if (e !== undefined) writes.push(this.write(id, e));
    }
    this.dirty.clear();
    await Promise.all(writes);
  }

  /** Records `id` as the highest subscription ID given (compare-and-set on the channel record). */
  private async takeId(id: number): Promise<void> {
    this.fence();
    const key = channelKey(this.channel);
    try {
      this.channelRev = this.channelRev === 0
        ? await this.kv.create(key, encodeJson({ maxSubId: id }))
        : await this.kv.update(key, encodeJson({ maxSubId: id }), this.channelRev);
    } catch (err) {
      throw fencedError(key, err);
    }
    this.maxSubId = id;
  }

  /** Queues a write of the record's state at the time it runs (later changes coalesce). */
  private write(id: number, e: Entry): Promise<void> {
    const key = subKey(this.channel, id);
    const p = e.chain.then(async () => {
      if (e.deleted) return;
      this.fence();
      try {
        e.rev = await this.kv.update(key, encodeSub(e.state, e.pending), e.rev);
      } catch (err) {
        throw fencedError(key, err);
      }
    });
    e.chain = p.catch(() => undefined);
    return p;
  }

  /** Every record of the channel, for channel deletion. */
  keys(): string[] {
    return [...this.subs.keys()].map((id) => subKey(this.channel, id));
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    for (const e of this.subs.values()) await e.chain;
  }
}
