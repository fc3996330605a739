/**
 * The messages of one channel in the file store (stores.md §3.6): a log split in
 * slices, each a `msgs.N.dat` of records and a `msgs.N.idx` of 32-byte entries.
 *
 * store() is synchronous: it encodes the record and the index entry into the
 * write slice's buffers and updates the counters; flush() makes everything stored
 * so far durable (group commit, see committer.ts). Lookups read from disk with
 * pread, ahead by up to `readBufferSize`, and go through a short-lived cache that
 * also holds every message just stored. Removal (limits, age) is logical: `first`
 * moves on, and a slice whose messages are all removed is deleted (or archived)
 * as long as it is not the last one.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { makeMsg } from '../../protocol/stan-msg.js';
import { friendlyBytes } from '../limits.js';
import type { ChannelLimits, Msg, MsgStore, MsgStoreState } from '../store.js';
import { AppendFile } from './append-file.js';
import { Committer } from './committer.js';
import { crc32Table, type Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import {
  INDEX_RECORD_SIZE, MSG_RECORD_OVERHEAD, RECORD_HEADER_SIZE, UNTYPED, frameRecord, writeIndexEntry,
} from './framing.js';
import { readTimestampSync, recoverSlices } from './msg-recovery.js';
import { MsgCache } from './msg-cache.js';
import type { DamageLog } from '../damage.js';
import { readRun, type ReadContext } from './msg-reader.js';
import { HOLE, Slice, discardSliceFiles } from './msg-slice.js';
import type { FileStoreOptions } from './options.js';
import { io } from './io.js';

export interface MsgStoreContext {
  channel: string;
  /** The channel's directory. */
  dir: string;
  rootDir: string;
  limits: ChannelLimits;
  opts: FileStoreOptions;
  crc32: Crc32;
  logger: Logger;
  /** Where damaged records met by lookups are reported (one per store). */
  damage: DamageLog;
}

const EMPTY = new Uint8Array(0);
const NS_PER_MS = 1_000_000n;
/** Upper bound of the cache of recent messages (bytes of encoded messages per generation). */
const MIN_CACHE_BYTES = 8 * 1024 * 1024;

export class FileMsgStore implements MsgStore {
  private slices: Slice[] = [];
  private write: Slice | null = null;
  private lastSliceNo = 0;
  private first = 0;
  private last = 0;
  private count = 0;
  private bytes = 0;
  private readonly cache: MsgCache;
  private hitLimit = false;
  private ageTimer: NodeJS.Timeout | undefined;
  private ageRunning = false;
  private closed = false;
  private failed: Error | null = null;
  /** Previous write slices whose files are being flushed and closed. */
  private readonly closing = new Set<Promise<void>>();
  private readonly scripts = new Set<Promise<void>>();
  private readonly slCountLim: number;
  private readonly slSizeLim: number;
  private readonly slAgeLimNs: bigint;
  private readonly readCtx: ReadContext;
  private readonly crcTable: Uint32Array;

  private constructor(private readonly ctx: MsgStoreContext) {
    this.cache = new MsgCache(Math.max(MIN_CACHE_BYTES, ctx.opts.readBufferSize * 4));
    this.crcTable = crc32Table(ctx.opts.crcPoly);
    this.readCtx = {
      crc32: ctx.crc32, checkCrc: ctx.opts.crc, readBufferSize: ctx.opts.readBufferSize, logger: ctx.logger,
      onDamaged: (sl, i, offset, err) => this.onDamaged(sl, i, offset, err),
    };
    // Slice limits: the options, or else a quarter of each channel limit (Go: setSliceLimits).
    const o = ctx.opts;
    let count = o.sliceMaxMsgs;
    let size = o.sliceMaxBytes;
    let ageMs = o.sliceMaxAge;
    if (count === 0 && size === 0 && ageMs === 0) {
      const l = ctx.limits;
      if (l.maxMsgs > 0) count = Math.max(1, Math.floor(l.maxMsgs / 4));
      if (l.maxBytes > 0) size = Math.max(1, Math.floor(l.maxBytes / 4));
      if (l.maxAge > 0) ageMs = Math.max(1000, Math.floor(l.maxAge / 4));
    }
    this.slCountLim = count;
    this.slSizeLim = size;
    this.slAgeLimNs = BigInt(ageMs) * NS_PER_MS;
  }

  /** A new, empty channel. */
  static create(ctx: MsgStoreContext): FileMsgStore {
    return new FileMsgStore(ctx);
  }

  /** Recovers the channel's slices, then applies the (possibly lowered) limits and max_age. */
  static recover(ctx: MsgStoreContext): FileMsgStore {
    const ms = new FileMsgStore(ctx);
    const slices = recoverSlices({
      channel: ctx.channel, dir: ctx.dir, crc32: ctx.crc32, crcPoly: ctx.opts.crcPoly, checkCrc: ctx.opts.crc,
      logger: ctx.logger, rootDir: ctx.rootDir, truncateBadEof: ctx.opts.truncateBadEof,
    });
    ms.slices = slices;
    for (const sl of slices) {
      if (ms.first === 0 || sl.firstSeq < ms.first) ms.first = sl.firstSeq;
      if (sl.lastSeq > ms.last) ms.last = sl.lastSeq;
      ms.count += sl.written;
      ms.bytes += sl.bytes;
      ms.lastSliceNo = sl.no;
    }
    const w = slices[slices.length - 1];
    if (w) ms.openForWrite(w, null);
    ms.enforceLimits(false);
    if (ctx.limits.maxAge > 0) ms.expireSync();
    return ms;
  }

  store(msg: Msg): number {
    const seq = msg.sequence;
    if (seq <= this.last) return seq;
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(E.storeClosed);
    let sl = this.write;
    if (sl === null) sl = this.newSlice();
    const err = sl.committer!.error;
    if (err) throw err;
    if (this.last > 0 && seq > this.last + 1) this.fillGaps(sl, seq, msg.timestamp);
    if (this.needsNewSlice(sl, msg.timestamp)) sl = this.newSlice();
    this.append(sl, msg.encoded, seq, msg.timestamp);
    if (this.first === 0 || this.first === seq) {
      // first message ever, or the first after everything was removed
      this.first = seq;
      if (this.ctx.limits.maxAge > 0) this.armAgeTimer(msg.timestamp);
    }
    this.last = seq;
    this.count++;
    this.bytes += msg.encoded.length + MSG_RECORD_OVERHEAD;
    this.cache.add(msg);
    const l = this.ctx.limits;
    if (l.maxMsgs > 0 || l.maxBytes > 0) this.enforceLimits(true);
    return seq;
  }

  async lookup(seq: number): Promise<Msg | undefined> {
    if (seq < this.first || seq > this.last || this.count === 0) return undefined;
    const cached = this.cache.get(seq);
    if (cached !== undefined) return cached;
    const sl = this.sliceFor(seq);
    if (!sl) return undefined;
    const run = await this.readRun(sl, seq, this.last, Number.MAX_SAFE_INTEGER);
    if (seq < this.first) return undefined;
    return run.length > 0 && run[0].sequence === seq ? run[0] : undefined;
  }

  async lookupRange(from: number, to: number, max: number): Promise<Msg[]> {
    const out: Msg[] = [];
    let seq = Math.max(from, this.first);
    while (seq <= Math.min(to, this.last) && out.length < max && this.count > 0) {
      const cached = this.cache.get(seq);
      if (cached !== undefined) {
        out.push(cached);
        seq++;
        continue;
      }
      const sl = this.sliceFor(seq);
      if (!sl) {
        const next = this.slices.find((s) => s.firstSeq > seq);
        if (!next) break;
        seq = next.firstSeq;
        continue;
      }
      const run = await this.readRun(sl, seq, Math.min(to, this.last), max - out.length);
      if (run.length === 0) {
        seq = sl.lastSeq + 1;
        continue;
      }
      for (const m of run) if (m.sequence >= this.first) out.push(m);
      seq = run[run.length - 1].sequence + 1;
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
    let lo = this.first;
    let hi = this.last;
    if ((await this.timestampAt(lo)) >= timestamp) return lo;
    if (timestamp > (await this.timestampAt(hi))) return this.last + 1;
    // timestamps never decrease within a channel
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if ((await this.timestampAt(mid)) >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async firstMsg(): Promise<Msg | undefined> {
    return this.count === 0 ? undefined : this.lookup(this.first);
  }

  async lastMsg(): Promise<Msg | undefined> {
    return this.count === 0 ? undefined : this.lookup(this.last);
  }

  state(): MsgStoreState {
    return { msgs: this.count, bytes: this.bytes };
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.closing.size > 0) await Promise.all([...this.closing]);
    if (this.failed) throw this.failed;
    const c = this.write?.committer;
    if (c) await c.flush();
  }

  /** With `-file_sync=false`: write and fsync whatever changed (the auto-sync task). */
  async syncNow(): Promise<void> {
    const c = this.write?.committer;
    if (c && !this.closed && c.dirty) await c.flush(true);
  }

  async empty(): Promise<void> {
    this.clearAgeTimer();
    const slices = this.slices;
    this.slices = [];
    this.write = null;
    this.lastSliceNo = 0;
    for (const sl of slices) {
      sl.removed = true;
      if (sl.committer) await sl.committer.abandon();
      sl.closeReadFd();
      io.rmSync(sl.datPath, { force: true });
      io.rmSync(sl.idxPath, { force: true });
    }
    this.count = 0;
    this.bytes = 0;
    if (this.first !== 0) this.first = this.last + 1;
    this.cache.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearAgeTimer();
    let err: unknown = null;
    try {
      if (this.closing.size > 0) await Promise.all([...this.closing]);
    } catch (e) { err = e; }
    try {
      await this.write?.committer?.close();
    } catch (e) { err ??= e; }
    for (const sl of this.slices) sl.closeReadFd();
    if (this.scripts.size > 0) await Promise.all([...this.scripts]);
    this.cache.clear();
    if (err) throw err;
  }

  /** Closes every file without writing what is pending (the channel is being deleted). */
  async abandon(): Promise<void> {
    this.closed = true;
    this.clearAgeTimer();
    for (const sl of this.slices) {
      if (sl.committer) await sl.committer.abandon();
      sl.closeReadFd();
    }
    if (this.scripts.size > 0) await Promise.all([...this.scripts]);
  }

  /** Housekeeping, once a second: cache generations, read descriptors of idle slices. */
  tick(nowMs: number): void {
    this.cache.tick();
    for (const sl of this.slices) {
      if (sl.readFd >= 0 && sl !== this.write && sl.reads === 0 && nowMs - sl.lastRead >= 1000) sl.closeReadFd();
    }
  }

  // ---- write path ----

  private append(sl: Slice, encoded: Uint8Array, seq: number, ts: bigint): void {
    const dat = sl.dat!;
    const idx = sl.idx!;
    const size = encoded.length;
    const offset = dat.size;
    const p = dat.alloc(RECORD_HEADER_SIZE + size);
    dat.buf.set(encoded, p + RECORD_HEADER_SIZE);
    frameRecord(dat.buf, p, UNTYPED, size, this.ctx.crc32);
    const q = idx.alloc(INDEX_RECORD_SIZE);
    writeIndexEntry(idx.buf, q, seq, offset, ts, size, this.crcTable);
    if (sl.entries === 0) sl.firstWrite = ts;
    sl.push(seq, offset, size);
    const c = sl.committer!;
    c.appended(dat);
    c.appended(idx);
  }

  /** Empty messages for skipped sequences (only clustering produces gaps). */
  private fillGaps(sl: Slice, upTo: number, ts: bigint): void {
    for (let s = this.last + 1; s < upTo; s++) {
      const m = makeMsg(s, this.ctx.channel, '', EMPTY, ts);
      this.append(sl, m.encoded, s, ts);
      this.last = s;
      this.count++;
      this.bytes += m.encoded.length + MSG_RECORD_OVERHEAD;
    }
  }

  private needsNewSlice(sl: Slice, now: bigint): boolean {
    return (this.slSizeLim > 0 && sl.bytes >= this.slSizeLim) ||
      (this.slCountLim > 0 && sl.msgsCount >= this.slCountLim) ||
      (this.slAgeLimNs > 0n && sl.entries > 0 && now - sl.firstWrite >= this.slAgeLimNs);
  }

  private newSlice(): Slice {
    const sl = new Slice(this.lastSliceNo + 1, this.ctx.dir);
    sl.dat = AppendFile.open(sl.datPath, 0);
    try {
      sl.idx = AppendFile.open(sl.idxPath, 0);
    } catch (e) {
      io.closeSync(sl.dat.fd);
      throw e;
    }
    const prev = this.write;
    // The new slice writes only after the previous one is flushed: the log stays gap-free on disk.
    const after = prev ? this.retire(prev) : null;
    sl.committer = new Committer([sl.dat, sl.idx], this.ctx.opts.sync, this.ctx.opts.bufferSize, after, [sl.idx]);
    this.slices.push(sl);
    this.write = sl;
    this.lastSliceNo = sl.no;
    if (this.slices.length === 2 && prev !== null && prev.isEmpty) this.removeFirstSlice();
    return sl;
  }

  private openForWrite(sl: Slice, after: Promise<unknown> | null): void {
    sl.dat = AppendFile.open(sl.datPath, fs.statSync(sl.datPath).size);
    sl.idx = AppendFile.open(sl.idxPath, fs.statSync(sl.idxPath).size);
    sl.committer = new Committer([sl.dat, sl.idx], this.ctx.opts.sync, this.ctx.opts.bufferSize, after, [sl.idx]);
    this.write = sl;
  }

  /** Flushes and closes a former write slice in the background; flush() waits for it. */
  private retire(sl: Slice): Promise<void> {
    const c = sl.committer!;
    const p: Promise<void> = c.close().then(
      () => {},
      (e: Error) => {
        this.failed ??= e;
        this.ctx.logger.error(`Unable to close message log "${sl.datPath}": ${e.message}`);
      },
    ).finally(() => {
      sl.committer = null;
      sl.dat = null;
      sl.idx = null;
      this.closing.delete(p);
    });
    this.closing.add(p);
    return p;
  }

  // ---- removal ----

  private enforceLimits(report: boolean): void {
    const { maxMsgs, maxBytes } = this.ctx.limits;
    while (this.count > 1 && ((maxMsgs > 0 && this.count > maxMsgs) || (maxBytes > 0 && this.bytes > maxBytes))) {
      this.removeFirstMsg();
      if (report && !this.hitLimit) {
        this.hitLimit = true;
        this.ctx.logger.warn(`Reached limits for store ${JSON.stringify(this.ctx.channel)} (msgs=${this.count}/${maxMsgs} ` +
          `bytes=${friendlyBytes(this.bytes)}/${friendlyBytes(maxBytes)}), dropping old messages to make room for new ones`);
      }
    }
  }

  private removeFirstMsg(): void {
    const sl = this.slices[0];
    if (!sl || sl.isEmpty) return;
    if (this.first < sl.firstSeq) this.first = sl.firstSeq; // a gap left by a truncated slice
    const i = this.first - sl.baseSeq;
    if (sl.offsets[i] !== HOLE) {
      this.count--;
      this.bytes -= sl.sizes[i] + MSG_RECORD_OVERHEAD;
    }
    sl.rmCount++;
    this.first++;
    if (sl.isEmpty && this.slices.length > 1) {
      this.removeFirstSlice();
      this.first = Math.max(this.first, this.slices[0].firstSeq);
    }
  }

  /** Deletes (or archives) the first slice; never called on the only slice. */
  private removeFirstSlice(): void {
    const sl = this.slices.shift()!;
    sl.removed = true;
    sl.closeReadFd(); // a read in flight closes it when done
    const script = discardSliceFiles(sl, this.ctx.channel, this.ctx.opts.sliceArchiveScript, this.ctx.logger);
    if (script) {
      this.scripts.add(script);
      void script.finally(() => this.scripts.delete(script));
    }
  }

  // ---- age ----

  private armAgeTimer(oldestTs: bigint): void {
    if (this.ageTimer !== undefined || this.ageRunning || this.closed) return;
    const due = oldestTs + BigInt(this.ctx.limits.maxAge) * NS_PER_MS - BigInt(Date.now()) * NS_PER_MS;
    const ms = due <= 0n ? 0 : Number(due / NS_PER_MS) + 1;
    this.ageTimer = setTimeout(() => void this.expire(), ms);
    this.ageTimer.unref();
  }

  private clearAgeTimer(): void {
    if (this.ageTimer !== undefined) {
      clearTimeout(this.ageTimer);
      this.ageTimer = undefined;
    }
  }

  /** Removes the messages older than max_age from the head, then waits for the next one. */
  private async expire(): Promise<void> {
    this.ageTimer = undefined;
    if (this.closed) return;
    this.ageRunning = true;
    let next: bigint | null = null;
    try {
      const maxAgeNs = BigInt(this.ctx.limits.maxAge) * NS_PER_MS;
      while (this.count > 0 && !this.closed) {
        const seq = this.first;
        const sl = this.sliceFor(seq);
        if (!sl || sl.offsetOf(seq) === HOLE) {
          this.removeFirstMsg();
          continue;
        }
        const m = this.cache.get(seq) ?? (await this.readRun(sl, seq, this.last, Number.MAX_SAFE_INTEGER))[0];
        if (this.first !== seq) continue; // limits moved the head meanwhile
        if (!m) break;
        if (BigInt(Date.now()) * NS_PER_MS - m.timestamp >= maxAgeNs) this.removeFirstMsg();
        else { next = m.timestamp; break; }
      }
    } catch (e) {
      this.ctx.logger.error(`Unable to expire messages of channel ${JSON.stringify(this.ctx.channel)}: ${(e as Error).message}`);
    } finally {
      this.ageRunning = false;
    }
    if (next !== null) this.armAgeTimer(next);
  }

  /** Expiry at recovery (synchronous, before the server serves anything). */
  private expireSync(): void {
    const maxAgeNs = BigInt(this.ctx.limits.maxAge) * NS_PER_MS;
    const now = BigInt(Date.now()) * NS_PER_MS;
    let fd = -1;
    let fdSlice: Slice | null = null;
    try {
      while (this.count > 0) {
        const sl = this.sliceFor(this.first);
        if (!sl) { this.removeFirstMsg(); continue; }
        if (sl !== fdSlice) {
          if (fd >= 0) io.closeSync(fd);
          fd = io.openSync(sl.datPath, 'r');
          fdSlice = sl;
        }
        const ts = readTimestampSync(sl, fd, this.first);
        if (ts === null || now - ts >= maxAgeNs) { this.removeFirstMsg(); continue; }
        this.armAgeTimer(ts);
        break;
      }
    } finally {
      if (fd >= 0) io.closeSync(fd);
    }
  }

  // ---- read path ----

  private sliceFor(seq: number): Slice | null {
    const w = this.write;
    if (w !== null && w.holds(seq)) return w;
    const s = this.slices;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const sl = s[mid];
      if (seq < sl.firstSeq) hi = mid - 1;
      else if (seq > sl.lastSeq) lo = mid + 1;
      else return sl;
    }
    return null;
  }

  private async timestampAt(seq: number): Promise<bigint> {
    for (let s = seq; s <= this.last; s++) {
      const cached = this.cache.get(s);
      if (cached !== undefined) return cached.timestamp;
      const sl = this.sliceFor(s);
      if (!sl || sl.offsetOf(s) === HOLE) continue;
      const run = await this.readRun(sl, s, s, 1);
      if (run.length > 0) return run[0].timestamp;
    }
    return BigInt.asIntN(64, (1n << 63n) - 1n);
  }

  /**
   * A record that cannot be read becomes a hole: reported once, no longer counted,
   * skipped by every later lookup (the messages around it stay readable).
   */
  private onDamaged(sl: Slice, i: number, offset: number, err: string): void {
    if (sl.offsets[i] === HOLE) return;
    const seq = sl.baseSeq + i;
    if (i >= sl.rmCount && seq >= this.first) {
      this.count--;
      this.bytes -= sl.sizes[i] + MSG_RECORD_OVERHEAD;
    }
    sl.offsets[i] = HOLE;
    sl.holes++;
    this.ctx.damage.report({ channel: this.ctx.channel, file: sl.datPath, offset, sequence: seq, error: err });
  }

  /** Reads a run of messages of `sl` from disk (see msg-reader.ts) and caches them. */
  private async readRun(sl: Slice, from: number, to: number, max: number): Promise<Msg[]> {
    const run = await readRun(sl, from, to, max, this.readCtx);
    for (const m of run) this.cache.add(m);
    return run;
  }
}
