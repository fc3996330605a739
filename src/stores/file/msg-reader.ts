/**
 * The read path of a message log: a run of consecutive messages of one slice,
 * read with one pread (up to `readBufferSize` bytes, at least one message) and
 * checked record by record against the in-memory index (size, CRC, sequence).
 * A bad record ends the run: it is handed to `onDamaged` (which reports it and
 * makes it a hole, damage.ts) and the intact messages before it are returned;
 * when it was the first of the run, the read goes on after it.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { msgFromEncoded } from '../../protocol/stan-msg.js';
import type { Msg } from '../store.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import { RECORD_HEADER_SIZE } from './framing.js';
import { HOLE, type Slice } from './msg-slice.js';

export interface ReadContext {
  crc32: Crc32;
  checkCrc: boolean;
  readBufferSize: number;
  logger: Logger;
  /** Entry `index` of `sl` (record at `offset`) cannot be read; afterwards it must be a HOLE. */
  onDamaged(sl: Slice, index: number, offset: number, err: string): void;
}

/**
 * The messages of `sl` from `from` on (at most `max`, up to `to`), as many as fit
 * in the read buffer and are contiguous on disk, skipping damaged records.
 */
export async function readRun(sl: Slice, from: number, to: number, max: number, ctx: ReadContext): Promise<Msg[]> {
  for (;;) {
    const { msgs, damaged } = await readOnce(sl, from, to, max, ctx);
    if (msgs.length > 0 || !damaged) return msgs;
  }
}

async function readOnce(sl: Slice, from: number, to: number, max: number, ctx: ReadContext): Promise<{ msgs: Msg[]; damaged: boolean }> {
  const out: Msg[] = [];
  let i0 = from - sl.baseSeq;
  while (i0 < sl.entries && sl.offsets[i0] === HOLE) i0++;
  if (i0 >= sl.entries || sl.baseSeq + i0 > to) return { msgs: out, damaged: false };
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
  let got = 0;
  sl.reads++;
  try {
    const fd = sl.fdForRead();
    while (got < buf.length) {
      const r = await pread(fd, buf, got, buf.length - got, start + got);
      if (r === 0) break;
      got += r;
    }
  } finally {
    sl.reads--;
    if (sl.removed) sl.closeReadFd();
  }
  for (let i = i0; i <= iLast; i++) {
    const off = sl.offsets[i];
    if (off === HOLE) continue; // made a hole by a concurrent read
    const p = off - start;
    const size = sl.sizes[i];
    const m = checkRecord(buf, p, got, size, sl.baseSeq + i, ctx);
    if (typeof m === 'string') {
      ctx.onDamaged(sl, i, off, m);
      return { msgs: out, damaged: true };
    }
    out.push(m);
  }
  return { msgs: out, damaged: false };
}

/** The message of the record at `p` of `buf` (`got` bytes read), or what is wrong with it. */
function checkRecord(buf: Buffer, p: number, got: number, size: number, seq: number, ctx: ReadContext): Msg | string {
  if (p + RECORD_HEADER_SIZE + size > got) return E.unexpectedEof;
  const recSize = buf.readUInt32LE(p);
  if (recSize !== size) return `message size in index is ${size}, data file is ${recSize}`;
  // The messages keep views into `buf`, allocated for this read only.
  const payload = buf.subarray(p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + size);
  if (ctx.checkCrc) {
    const stored = buf.readUInt32LE(p + 4);
    const crc = ctx.crc32(payload);
    if (crc !== stored) return E.corruptedData(stored, crc);
  }
  let m: Msg;
  try {
    m = msgFromEncoded(payload);
  } catch {
    return E.badProtobuf('MsgProto');
  }
  if (m.sequence !== seq) return `message sequence in index is ${seq}, data file is ${m.sequence}`;
  return m;
}

function pread(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}
