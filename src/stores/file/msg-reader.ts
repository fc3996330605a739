/**
 * The read path of a message log: a run of consecutive messages of one slice,
 * read with one pread (up to `readBufferSize` bytes, at least one message) and
 * checked record by record against the in-memory index (size, CRC, sequence).
 * A bad record is logged with its file and offset and fails the lookup.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { msgFromEncoded } from '../../protocol/stan-msg.js';
import type { Msg } from '../store.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E, FILE_STORE_LOGS as L } from './errors.js';
import { RECORD_HEADER_SIZE } from './framing.js';
import { HOLE, type Slice } from './msg-slice.js';

export interface ReadContext {
  crc32: Crc32;
  checkCrc: boolean;
  readBufferSize: number;
  logger: Logger;
}

/**
 * The messages of `sl` from `from` on (at most `max`, up to `to`), as many as fit
 * in the read buffer and are contiguous on disk.
 */
export async function readRun(sl: Slice, from: number, to: number, max: number, ctx: ReadContext): Promise<Msg[]> {
  let i0 = from - sl.baseSeq;
  while (i0 < sl.entries && sl.offsets[i0] === HOLE) i0++;
  if (i0 >= sl.entries || sl.baseSeq + i0 > to) return [];
  const start = sl.offsets[i0];
  let end = start + RECORD_HEADER_SIZE + sl.sizes[i0];
  let iLast = i0;
  let n = 1;
  while (n < max && iLast + 1 < sl.entries && sl.baseSeq + iLast + 1 <= to) {
    const j = iLast + 1;
    if (sl.offsets[j] !== end) break;
    const e2 = end + RECORD_HEADER_SIZE + sl.sizes[j];
    if (e2 - start > ctx.readBufferSize) break;
    end = e2;
    iLast = j;
    n++;
  }
  // Records of the write slice may still sit in its buffer.
  if (sl.committer && sl.dat) await sl.committer.readable(sl.dat, end);
  const buf = Buffer.allocUnsafe(end - start);
  sl.reads++;
  try {
    const fd = sl.fdForRead();
    let got = 0;
    while (got < buf.length) {
      const r = await pread(fd, buf, got, buf.length - got, start + got);
      if (r === 0) break;
      got += r;
    }
    if (got < buf.length) throw new Error(corrupt(ctx, sl, start + got, E.unexpectedEof));
  } finally {
    sl.reads--;
    if (sl.removed) sl.closeReadFd();
  }
  const out: Msg[] = [];
  for (let i = i0; i <= iLast; i++) {
    const off = sl.offsets[i];
    if (off === HOLE) continue;
    const p = off - start;
    const size = sl.sizes[i];
    const recSize = buf.readUInt32LE(p);
    if (recSize !== size) {
      throw new Error(corrupt(ctx, sl, off, `message size in index is ${size}, data file is ${recSize}`));
    }
    // The messages keep views into `buf`, allocated for this read only.
    const payload = buf.subarray(p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + size);
    if (ctx.checkCrc) {
      const stored = buf.readUInt32LE(p + 4);
      const crc = ctx.crc32(payload);
      if (crc !== stored) throw new Error(corrupt(ctx, sl, off, E.corruptedData(stored, crc)));
    }
    const m = msgFromEncoded(payload);
    if (m.sequence !== sl.baseSeq + i) {
      throw new Error(corrupt(ctx, sl, off, `message sequence in index is ${sl.baseSeq + i}, data file is ${m.sequence}`));
    }
    out.push(m);
  }
  return out;
}

/** Logs a bad record met at runtime (file and offset) and returns the error text. */
function corrupt(ctx: ReadContext, sl: Slice, offset: number, err: string): string {
  ctx.logger.error(L.corruptedRecord(sl.datPath, err));
  ctx.logger.error(L.recordOffset(sl.datPath, offset));
  return err;
}

function pread(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}
