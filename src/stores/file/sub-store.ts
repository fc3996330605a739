/**
 * The subscriptions of one channel in the file store: `<channel>/subs.dat`, an
 * append-only log of typed records (stores.md §3.5) replayed at recovery:
 * 1 new sub, 2 update sub, 3 delete sub (SubState / SubStateDelete),
 * 4 ack and 5 msg sent (SubStateUpdate{ID, seqno}).
 *
 * addSeqPending/ackSeqPending are the hot path: a 12-to-20-byte record encoded
 * into the file buffer, made durable by the next flush(). Creates, updates and
 * deletes are rare and durable when their promise resolves. When enough records
 * are dead the file is compacted: rewritten with one "new" record per live
 * subscription and one "msg" record per pending sequence.
 */
import type { Logger } from '../../util/logger.js';
import { StoreError, type ChannelLimits, type SubState, type SubStore } from '../store.js';
import { AppendFile } from './append-file.js';
import { Committer } from './committer.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import {
  RECORD_HEADER_SIZE, SubRecordType, VERSION_BYTES, VERSION_SIZE, frameRecord,
} from './framing.js';
import type { FileStoreOptions } from './options.js';
import { replayRecordFile } from './replay-records.js';
import {
  readSubUpdate, subStateCodec, subStateDeleteCodec, subUpdateSize, writeSubUpdate, type RecordCodec,
} from './records.js';

export const SUBS_FILE_NAME = 'subs.dat';

export interface SubStoreContext {
  channel: string;
  /** Path of subs.dat. */
  file: string;
  rootDir: string;
  limits: ChannelLimits;
  opts: FileStoreOptions;
  crc32: Crc32;
  logger: Logger;
}

interface StoredSub {
  state: SubState;
  pending: Set<number>;
}

export class FileSubStore implements SubStore {
  private readonly subs = new Map<number, StoredSub>();
  private maxSubId = 0;
  /** Records that hold state (new, update, msg) and records that free some (ack, update, delete). */
  private numRecs = 0;
  private delRecs = 0;
  private fileSize = VERSION_SIZE;
  private compactedAt = 0;
  private compacting = false;
  private closed = false;
  private file!: AppendFile;
  private committer!: Committer;
  private readonly scratch: [number, number] = [0, 0];

  private constructor(private readonly ctx: SubStoreContext) {}

  /** A new channel: creates (or empties) subs.dat. */
  static create(ctx: SubStoreContext): FileSubStore {
    const ss = new FileSubStore(ctx);
    ss.open(0);
    return ss;
  }

  /** Replays subs.dat. */
  static recover(ctx: SubStoreContext): FileSubStore {
    const ss = new FileSubStore(ctx);
    let size = 0;
    try {
      size = ss.replay();
    } catch (e) {
      throw new Error(E.recoverSubStore(ctx.channel, (e as Error).message));
    }
    ss.open(size);
    return ss;
  }

  /** Recovered subscriptions with their pending sequences (copies). */
  recovered(): { sub: SubState; pending: Set<number> }[] {
    return [...this.subs.values()].map((s) => ({ sub: { ...s.state }, pending: new Set(s.pending) }));
  }

  async createSub(sub: SubState): Promise<void> {
    const max = this.ctx.limits.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) throw new StoreError('tooManySubs');
    sub.id = ++this.maxSubId;
    this.appendState(SubRecordType.New, sub);
    this.subs.set(sub.id, { state: { ...sub }, pending: new Set() });
    await this.committer.flush();
  }

  async updateSub(sub: SubState): Promise<void> {
    this.appendState(SubRecordType.Update, sub);
    const s = this.subs.get(sub.id);
    if (s) s.state = { ...sub };
    else this.subs.set(sub.id, { state: { ...sub }, pending: new Set() });
    if (sub.id > this.maxSubId) this.maxSubId = sub.id;
    await this.committer.flush();
  }

  async deleteSub(id: number): Promise<void> {
    this.appendRecord(SubRecordType.Delete, subStateDeleteCodec, { id });
    const s = this.subs.get(id);
    if (s) {
      this.subs.delete(id);
      this.delRecs += s.pending.size;
      this.maybeCompact();
    }
    await this.committer.flush();
  }

  addSeqPending(id: number, seq: number): void {
    this.appendUpdate(SubRecordType.Msg, id, seq);
    const s = this.subs.get(id);
    if (s) {
      if (seq > s.state.lastSent) s.state.lastSent = seq;
      s.pending.add(seq);
    }
  }

  ackSeqPending(id: number, seq: number): void {
    this.appendUpdate(SubRecordType.Ack, id, seq);
    const s = this.subs.get(id);
    if (s) {
      s.pending.delete(seq);
      this.maybeCompact();
    }
  }

  flush(): Promise<void> {
    return this.committer.flush();
  }

  /** With `-file_sync=false`: write and fsync whatever changed (the auto-sync task). */
  async syncNow(): Promise<void> {
    if (!this.closed && this.committer.dirty) await this.committer.flush(true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.close();
  }

  /** Closes without writing what is pending (the channel is being deleted). */
  async abandon(): Promise<void> {
    this.closed = true;
    await this.committer.abandon();
  }

  // ---- records ----

  private open(size: number): void {
    this.file = AppendFile.open(this.ctx.file, size);
    this.fileSize = this.file.size;
    this.committer = new Committer([this.file], this.ctx.opts.sync, this.ctx.opts.bufferSize);
  }

  private appendState(type: SubRecordType, sub: SubState): void {
    this.appendRecord(type, subStateCodec, sub);
  }

  private appendRecord<T>(type: SubRecordType, codec: RecordCodec<T>, v: T): void {
    this.checkOpen();
    const size = codec.size(v);
    const f = this.file;
    const p = f.alloc(RECORD_HEADER_SIZE + size);
    codec.write(f.buf, p + RECORD_HEADER_SIZE, v);
    frameRecord(f.buf, p, type, size, this.ctx.crc32);
    this.counted(type, RECORD_HEADER_SIZE + size);
  }

  private appendUpdate(type: SubRecordType, id: number, seq: number): void {
    this.checkOpen();
    const size = subUpdateSize(id, seq);
    const f = this.file;
    const p = f.alloc(RECORD_HEADER_SIZE + size);
    writeSubUpdate(f.buf, p + RECORD_HEADER_SIZE, id, seq);
    frameRecord(f.buf, p, type, size, this.ctx.crc32);
    this.counted(type, RECORD_HEADER_SIZE + size);
    this.committer.appended(f);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(E.storeClosed);
    const err = this.committer.error;
    if (err) throw err;
  }

  /** Go's accounting for the compaction decision (FileSubStore.writeRecord). */
  private counted(type: SubRecordType, bytes: number): void {
    switch (type) {
      case SubRecordType.New:
      case SubRecordType.Msg:
        this.numRecs++;
        break;
      case SubRecordType.Update:
        this.numRecs++;
        this.delRecs++;
        break;
      case SubRecordType.Ack:
      case SubRecordType.Delete:
        this.delRecs++;
        break;
    }
    this.fileSize += bytes;
  }

  // ---- compaction ----

  private maybeCompact(): void {
    const o = this.ctx.opts;
    if (!o.compactEnabled || this.compacting) return;
    if (o.compactMinFileSize > 0 && this.fileSize < o.compactMinFileSize) return;
    const frag = this.numRecs === 0 ? 100 : Math.floor((this.delRecs * 100) / this.numRecs);
    if (frag < o.compactFragmentation) return;
    if (Date.now() - this.compactedAt < o.compactInterval * 1000) return;
    this.compacting = true;
    this.committer.replace(this.file, this.ctx.rootDir, 'subs', () => this.snapshot()).then(
      () => { this.compactedAt = Date.now(); },
      (e: Error) => this.ctx.logger.error(`Unable to compact subscriptions file "${this.ctx.file}": ${e.message}`),
    ).finally(() => { this.compacting = false; });
  }

  /**
   * The whole file as compaction rewrites it; resets the counters to match. When
   * the highest ID ever assigned belongs to a deleted subscription, a delete record
   * for it is kept, so that recovery still never hands that ID out again.
   */
  private snapshot(): Buffer {
    let size = VERSION_SIZE;
    let maxLive = 0;
    for (const s of this.subs.values()) {
      size += RECORD_HEADER_SIZE + subStateCodec.size(s.state);
      for (const seq of s.pending) size += RECORD_HEADER_SIZE + subUpdateSize(s.state.id, seq);
      if (s.state.id > maxLive) maxLive = s.state.id;
    }
    const keepMax = this.maxSubId > maxLive ? { id: this.maxSubId } : null;
    if (keepMax) size += RECORD_HEADER_SIZE + subStateDeleteCodec.size(keepMax);
    const buf = Buffer.allocUnsafe(size);
    VERSION_BYTES.copy(buf, 0);
    let p = VERSION_SIZE;
    let numRecs = 0;
    for (const s of this.subs.values()) {
      const n = subStateCodec.write(buf, p + RECORD_HEADER_SIZE, s.state) - p - RECORD_HEADER_SIZE;
      p = frameRecord(buf, p, SubRecordType.New, n, this.ctx.crc32);
      numRecs++;
      for (const seq of s.pending) {
        const m = writeSubUpdate(buf, p + RECORD_HEADER_SIZE, s.state.id, seq) - p - RECORD_HEADER_SIZE;
        p = frameRecord(buf, p, SubRecordType.Msg, m, this.ctx.crc32);
        numRecs++;
      }
    }
    if (keepMax) {
      const n = subStateDeleteCodec.write(buf, p + RECORD_HEADER_SIZE, keepMax) - p - RECORD_HEADER_SIZE;
      p = frameRecord(buf, p, SubRecordType.Delete, n, this.ctx.crc32);
    }
    this.numRecs = numRecs;
    this.delRecs = keepMax ? 1 : 0;
    this.fileSize = size;
    return buf;
  }

  // ---- recovery ----

  /** Replays subs.dat into memory; returns the file size to append at. */
  private replay(): number {
    const c = this.ctx;
    const bad = { logger: c.logger, rootDir: c.rootDir, truncateBadEof: c.opts.truncateBadEof };
    return replayRecordFile(c.file, c.crc32, c.opts.crc, bad, (type, buf, start, end) => {
      this.apply(type, buf, start, end);
      this.fileSize += RECORD_HEADER_SIZE + (end - start);
    });
  }


  /** One replayed record (Go: recoverSubscriptions). */
  private apply(type: number, buf: Buffer, start: number, end: number): void {
    switch (type) {
      case SubRecordType.New: {
        const st = decode(subStateCodec, buf, start, end, 'SubState');
        this.subs.set(st.id, { state: st, pending: new Set() });
        if (st.id > this.maxSubId) this.maxSubId = st.id;
        this.numRecs++;
        break;
      }
      case SubRecordType.Update: {
        const st = decode(subStateCodec, buf, start, end, 'SubState');
        const s = this.subs.get(st.id);
        if (s) {
          s.state = st;
          this.delRecs++;
        } else {
          this.subs.set(st.id, { state: st, pending: new Set() });
        }
        if (st.id > this.maxSubId) this.maxSubId = st.id;
        this.numRecs++;
        break;
      }
      case SubRecordType.Delete: {
        const { id } = decode(subStateDeleteCodec, buf, start, end, 'SubStateDelete');
        const s = this.subs.get(id);
        if (s) {
          this.subs.delete(id);
          this.delRecs += 1 + s.pending.size;
        }
        if (id > this.maxSubId) this.maxSubId = id;
        break;
      }
      case SubRecordType.Msg: {
        this.readUpdate(buf, start, end);
        const s = this.subs.get(this.scratch[0]);
        if (s) {
          const seq = this.scratch[1];
          if (seq > s.state.lastSent) s.state.lastSent = seq;
          s.pending.add(seq);
          this.numRecs++;
        }
        break;
      }
      case SubRecordType.Ack: {
        this.readUpdate(buf, start, end);
        const s = this.subs.get(this.scratch[0]);
        if (s) {
          s.pending.delete(this.scratch[1]);
          this.delRecs++;
        }
        break;
      }
      default:
        throw new Error(E.unexpectedSubRecordType(type));
    }
  }

  private readUpdate(buf: Buffer, start: number, end: number): void {
    try {
      readSubUpdate(buf, start, end, this.scratch);
    } catch {
      throw new Error(E.badProtobuf('SubStateUpdate'));
    }
  }
}

function decode<T>(codec: RecordCodec<T>, buf: Buffer, start: number, end: number, what: string): T {
  try {
    return codec.read(buf, start, end);
  } catch {
    throw new Error(E.badProtobuf(what));
  }
}
