/**
 * Recovery of a channel's message log (stores.md §3.7), synchronous.
 *
 * Per `msgs.N.dat`: with a readable `msgs.N.idx` the index is trusted once its
 * last entry matches the data file; anything the data file holds after the last
 * indexed record was never acknowledged (the index entry of a message is written
 * after its record, and a PubAck waits for both), so complete records there are
 * indexed and a torn or corrupt one is cut off. Without an index, or with a bad
 * one, the index is rebuilt from the data file with the Go server's rules: a zero
 * tail is truncated, a CRC error or an incomplete record fails the recovery unless
 * `-file_truncate_bad_eof` allows cutting an incomplete last record.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32Range, crc32Table, type Crc32 } from './crc32.js';
import { handleBadRecord, reportZeroCut, scanError, type BadRecordContext } from './bad-record.js';
import { FILE_STORE_ERRORS as E, FILE_STORE_LOGS as L, FILE_STORE_NOTES as N } from './errors.js';
import {
  INDEX_RECORD_SIZE, RECORD_HEADER_SIZE, VERSION_BYTES, VERSION_SIZE, checkVersion, headerNeverSynced, writeIndexEntry,
} from './framing.js';
import { DAT_SUFFIX, HOLE, SLICE_PREFIX, Slice } from './msg-slice.js';
import { Scan, RecordScanner, readAt } from './record-scanner.js';
import { readMsgSeqAndTime } from './records.js';
import { io } from './io.js';

export interface MsgRecoveryContext extends BadRecordContext {
  channel: string;
  dir: string;
  crc32: Crc32;
  /** The polynomial of `crc32` (index entries are checked with its table). */
  crcPoly: number;
  checkCrc: boolean;
}

/** The non-empty slices of the channel, in slice-number order. */
export function recoverSlices(ctx: MsgRecoveryContext): Slice[] {
  const out: Slice[] = [];
  for (const ent of fs.readdirSync(ctx.dir, { withFileTypes: true })) {
    const name = ent.name;
    if (ent.isDirectory() || !name.startsWith(SLICE_PREFIX) || !name.endsWith(DAT_SUFFIX)) continue;
    const num = name.slice(SLICE_PREFIX.length, -DAT_SUFFIX.length);
    if (!/^[0-9]+$/.test(num)) throw new Error(E.recoverMsgStore(ctx.channel, path.join(ctx.dir, name), E.invalidSliceName(name)));
    const no = Number(num);
    let sl: Slice | null;
    try {
      sl = recoverSlice(ctx, no);
    } catch (e) {
      throw new Error(E.recoverMsgStore(ctx.channel, new Slice(no, ctx.dir).datPath, (e as Error).message));
    }
    if (sl) out.push(sl);
  }
  out.sort((a, b) => a.no - b.no);
  return out;
}

interface NewEntry { seq: number; offset: number; ts: bigint; size: number }

function recoverSlice(ctx: MsgRecoveryContext, no: number): Slice | null {
  const sl = new Slice(no, ctx.dir);
  const fd = io.openSync(sl.datPath, 'r+');
  try {
    let datSize = fs.fstatSync(fd).size;
    if (datSize > 0 && headerNeverSynced(readAt(fd, 0, VERSION_SIZE), Math.min(datSize, VERSION_SIZE))) {
      ctx.logger.warn(N.headerNeverSynced(sl.datPath));
      io.ftruncateSync(fd, 0);
      datSize = 0;
    }
    if (datSize === 0) {
      // created, then crashed before the version was written: an empty slice
      io.writeSync(fd, VERSION_BYTES, 0, VERSION_SIZE, 0);
      datSize = VERSION_SIZE;
    } else {
      const bad = checkVersion(readAt(fd, 0, VERSION_SIZE), Math.min(datSize, VERSION_SIZE));
      if (bad) throw new Error(bad);
    }

    let indexed = false;
    let idxEntries = 0;
    const fromIndex = fs.existsSync(sl.idxPath) ? readIndex(ctx, sl, fd, datSize) : null;
    if (fromIndex !== null) {
      if (fromIndex.error === null) {
        indexed = true;
        idxEntries = fromIndex.count;
      } else {
        resetSlice(sl);
      }
    }

    let dataEnd: number;
    let toIndex: NewEntry[];
    if (indexed) {
      const tailStart = sl.entries > 0 ? lastRecordEnd(sl) : VERSION_SIZE;
      ({ end: dataEnd, added: toIndex } = indexTail(ctx, sl, fd, datSize, tailStart));
    } else {
      ({ end: dataEnd, added: toIndex } = rebuild(ctx, sl, fd, datSize));
    }
    if (dataEnd < datSize) io.ftruncateSync(fd, dataEnd);
    writeIndex(ctx, sl, indexed ? idxEntries : 0, toIndex, !indexed);
  } finally {
    io.closeSync(fd);
  }
  return sl.entries - sl.holes > 0 ? sl : null;
}

function resetSlice(sl: Slice): void {
  sl.entries = 0;
  sl.holes = 0;
  sl.bytes = 0;
  sl.firstWrite = 0n;
}

function lastRecordEnd(sl: Slice): number {
  const i = sl.entries - 1;
  return sl.offsets[i] + RECORD_HEADER_SIZE + sl.sizes[i];
}

/**
 * Loads the index into `sl`. Returns the number of entries kept and an error text
 * when the index cannot be trusted (the caller then rebuilds it from the data).
 */
function readIndex(ctx: MsgRecoveryContext, sl: Slice, datFd: number, datSize: number): { count: number; error: string | null } {
  const fd = fs.openSync(sl.idxPath, 'r');
  try {
    return readIndexFd(ctx, sl, fd, datFd, datSize);
  } finally {
    fs.closeSync(fd);
  }
}

/** Index entries are read this many at a time into one buffer (the whole index would cost its size in RSS). */
const INDEX_CHUNK_ENTRIES = 32 * 1024;

function readIndexFd(ctx: MsgRecoveryContext, sl: Slice, fd: number, datFd: number, datSize: number): { count: number; error: string | null } {
  const fail = (error: string): { count: number; error: string } => {
    ctx.logger.error(L.indexError(sl.idxPath, error));
    return { count: 0, error };
  };
  const fileSize = fs.fstatSync(fd).size;
  if (fileSize === 0) return fail(E.unableToVerifyVersion('EOF'));
  const head = readAt(fd, 0, VERSION_SIZE);
  const bad = checkVersion(head, head.length);
  if (bad) return fail(bad);
  // One pass over plain numbers: no object, view or bigint per entry (1M entries for 1M messages).
  sl.reserve(Math.floor((fileSize - VERSION_SIZE) / INDEX_RECORD_SIZE));
  const table = ctx.checkCrc ? crc32Table(ctx.crcPoly) : null;
  const buf = Buffer.allocUnsafe(Math.min(INDEX_CHUNK_ENTRIES * INDEX_RECORD_SIZE, Math.max(fileSize - VERSION_SIZE, 0)));
  let filePos = VERSION_SIZE;
  let count = 0;
  let zeroAt = -1;
  let pastData: string | null = null;
  chunks: while (filePos + INDEX_RECORD_SIZE <= fileSize) {
    const want = Math.min(buf.length, fileSize - filePos);
    const got = fs.readSync(fd, buf, 0, want - (want % INDEX_RECORD_SIZE), filePos);
    const n = got - (got % INDEX_RECORD_SIZE);
    if (n === 0) break;
    for (let pos = 0; pos < n; pos += INDEX_RECORD_SIZE) {
      const seqLo = u32(buf, pos);
      const seqHi = u32(buf, pos + 4);
      const offLo = u32(buf, pos + 8);
      const offHi = u32(buf, pos + 12);
      const size = u32(buf, pos + 24);
      const crc = u32(buf, pos + 28);
      if ((seqLo | seqHi | offLo | offHi | size | crc | u32(buf, pos + 16) | u32(buf, pos + 20)) === 0) {
        zeroAt = filePos + pos;
        break chunks;
      }
      if (table !== null) {
        const computed = crc32Range(table, buf, pos, pos + 28);
        if (computed !== crc) return fail(E.corruptedData(crc, computed));
      }
      const seq = seqHi * 0x100000000 + seqLo;
      const offset = offHi * 0x100000000 + offLo;
      if (sl.entries > 0 && seq <= sl.lastSeq) return fail(N.indexOutOfOrder(seq, sl.lastSeq));
      if (pastData !== null) return fail(pastData);
      const end = offset + RECORD_HEADER_SIZE + size;
      // Past the data: an error unless it is the last entry, which checkLastEntry reports as Go does.
      if (offset < VERSION_SIZE || end > datSize) pastData = N.indexPastData(seq, end, datSize);
      if (sl.entries === 0) sl.firstWrite = buf.readBigInt64LE(pos + 16);
      sl.push(seq, offset, size);
      count++;
    }
    filePos += n;
  }
  if (zeroAt < 0 && filePos !== fileSize) return fail(E.unexpectedEof);
  if (zeroAt >= 0) io.truncateSync(sl.idxPath, zeroAt);
  if (sl.entries > 0) {
    const err = checkLastEntry(ctx, sl, datFd);
    if (err) {
      // Go logs this one alone, without the "Error with index file" line.
      ctx.logger.error(err);
      return { count: 0, error: err };
    }
  }
  return { count, error: null };
}

/** Little-endian uint32 without Buffer's argument checks (they cost more than the read in this loop). */
function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** The last indexed message must be readable at its offset, with its size, CRC and sequence. */
function checkLastEntry(ctx: MsgRecoveryContext, sl: Slice, fd: number): string | null {
  const i = sl.entries - 1;
  const seq = sl.baseSeq + i;
  const off = sl.offsets[i];
  const size = sl.sizes[i];
  const rec = readAt(fd, off, RECORD_HEADER_SIZE + size);
  if (rec.length < RECORD_HEADER_SIZE) {
    return E.lastMsgCheck(sl.datPath, `unable to read last record: ${rec.length === 0 ? 'EOF' : E.unexpectedEof}`);
  }
  const recSize = rec.readUInt32LE(0);
  if (recSize !== size) {
    return E.lastMsgCheck(sl.datPath, `last message size in index is ${size}, data file is ${recSize}`);
  }
  if (rec.length < RECORD_HEADER_SIZE + size) return E.lastMsgCheck(sl.datPath, `unable to read last record: ${E.unexpectedEof}`);
  const payload = rec.subarray(RECORD_HEADER_SIZE);
  const crc = ctx.crc32(payload);
  const stored = rec.readUInt32LE(4);
  if (crc !== stored) return E.lastMsgCheck(sl.datPath, `unable to read last record: ${E.corruptedData(stored, crc)}`);
  const st = { seq: 0, ts: 0n };
  try {
    readMsgSeqAndTime(rec, RECORD_HEADER_SIZE, rec.length, st);
  } catch {
    return E.lastMsgCheck(sl.datPath, `error decoding message: ${E.badProtobuf('MsgProto')}`);
  }
  if (st.seq !== seq) return E.lastMsgCheck(sl.datPath, `last message sequence in index is ${seq}, data file is ${st.seq}`);
  return null;
}

/** Indexes the complete records found after the last indexed one; cuts the file at anything else. */
function indexTail(ctx: MsgRecoveryContext, sl: Slice, fd: number, datSize: number, start: number): { end: number; added: NewEntry[] } {
  const added: NewEntry[] = [];
  if (start >= datSize) return { end: start, added };
  const sc = new RecordScanner(fd, datSize, false, ctx.crc32, true, start);
  const st = { seq: 0, ts: 0n };
  for (;;) {
    const r = sc.next();
    if (r === Scan.End) return { end: datSize, added };
    let why: string;
    if (r === Scan.Record) {
      try {
        readMsgSeqAndTime(sc.buf, sc.payloadStart, sc.payloadStart + sc.size, st);
      } catch {
        st.seq = 0;
      }
      if (st.seq > 0 && (sl.entries === 0 || st.seq > sl.lastSeq)) {
        if (sl.entries === 0) sl.firstWrite = st.ts;
        sl.push(st.seq, sc.offset, sc.size);
        added.push({ seq: st.seq, offset: sc.offset, ts: st.ts, size: sc.size });
        continue;
      }
      why = N.staleRecord(st.seq, sl.lastSeq);
    } else if (r === Scan.ZeroTail) {
      return { end: sc.offset, added };
    } else {
      why = scanError(sc, r);
    }
    ctx.logger.warn(N.unindexedTailCut(sl.datPath, sc.offset, why));
    return { end: sc.offset, added };
  }
}

/** Reads every record of the data file into `sl` (Go: recoverOneMsgFile without index). */
function rebuild(ctx: MsgRecoveryContext, sl: Slice, fd: number, datSize: number): { end: number; added: NewEntry[] } {
  let added: NewEntry[] = [];
  const sc = new RecordScanner(fd, datSize, false, ctx.crc32, ctx.checkCrc, VERSION_SIZE);
  const st = { seq: 0, ts: 0n };
  for (;;) {
    const r = sc.next();
    if (r === Scan.End) return { end: datSize, added };
    if (r === Scan.ZeroTail) {
      reportZeroCut(ctx.logger, sl.datPath, sc);
      return { end: sc.offset, added };
    }
    if (r === Scan.Torn || r === Scan.BadCrc) {
      handleBadRecord(ctx, sl.datPath, fd, sc, r, false); // throws unless truncated
      return { end: sc.offset, added };
    }
    try {
      readMsgSeqAndTime(sc.buf, sc.payloadStart, sc.payloadStart + sc.size, st);
    } catch {
      throw new Error(E.badProtobuf('MsgProto'));
    }
    if (sl.entries > 0 && st.seq <= sl.lastSeq) {
      // A later record of the same sequence wins (the Go server may have written
      // unindexed records, then the same sequences again after a restart).
      if (st.seq <= sl.baseSeq) resetSlice(sl);
      else sl.truncateFrom(st.seq);
      added = added.filter((x) => x.seq < st.seq);
    }
    if (sl.entries === 0) sl.firstWrite = st.ts;
    sl.push(st.seq, sc.offset, sc.size);
    added.push({ seq: st.seq, offset: sc.offset, ts: st.ts, size: sc.size });
  }
}

/**
 * Appends `added` after the first `keep` entries of the index file (rewriting it
 * from its version header when `fresh`), then syncs it.
 */
function writeIndex(ctx: MsgRecoveryContext, sl: Slice, keep: number, added: NewEntry[], fresh: boolean): void {
  const start = VERSION_SIZE + keep * INDEX_RECORD_SIZE;
  let size = -1;
  try { size = fs.statSync(sl.idxPath).size; } catch { /* missing */ }
  if (!fresh && added.length === 0 && size === start) return;
  const fd = io.openSync(sl.idxPath, size < 0 ? 'w+' : 'r+');
  try {
    if (fresh || size < VERSION_SIZE) io.writeSync(fd, VERSION_BYTES, 0, VERSION_SIZE, 0);
    io.ftruncateSync(fd, start);
    if (added.length > 0) {
      const buf = Buffer.allocUnsafe(added.length * INDEX_RECORD_SIZE);
      let p = 0;
      const table = crc32Table(ctx.crcPoly);
      for (const a of added) p = writeIndexEntry(buf, p, a.seq, a.offset, a.ts, a.size, table);
      io.writeSync(fd, buf, 0, buf.length, start);
    }
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

/** Timestamp of message `seq` of `sl`, read from the data file (synchronous, recovery only). */
export function readTimestampSync(sl: Slice, fd: number, seq: number): bigint | null {
  const off = sl.offsetOf(seq);
  if (off === HOLE) return null;
  const size = sl.sizeOf(seq);
  const rec = readAt(fd, off + RECORD_HEADER_SIZE, size);
  const st = { seq: 0, ts: 0n };
  readMsgSeqAndTime(rec, 0, rec.length, st);
  return st.ts;
}

