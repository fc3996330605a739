/**
 * Sequential reader of a record file used at recovery (synchronous I/O: recovery
 * runs before the server accepts clients). It reads the file through a window
 * buffer and classifies what ends the scan the way the Go server does:
 * a clean end of file, a zero-padded tail (truncate there and carry on), an
 * incomplete last record (unexpected EOF) or a CRC mismatch.
 */
import * as fs from 'node:fs';
import type { Crc32 } from './crc32.js';
import { RECORD_HEADER_SIZE, VERSION_SIZE } from './framing.js';

export const enum Scan { Record, End, ZeroTail, Torn, BadCrc }

const WINDOW = 1024 * 1024;

export class RecordScanner {
  /** Offset of the current record's header in the file. */
  offset = VERSION_SIZE;
  type = 0;
  size = 0;
  /** The current payload is buf[payloadStart, payloadStart + size). */
  buf: Buffer;
  payloadStart = 0;
  /** For Scan.BadCrc: stored and computed values. */
  expectedCrc = 0;
  gotCrc = 0;
  /** For Scan.Torn: what was incomplete and how much of it was there. */
  tornPart: 'record header' | 'record payload' = 'record header';
  tornExpected = 0;
  tornRead = 0;
  /**
   * For Scan.ZeroTail: non-zero bytes follow the zero header. The file is still cut
   * there, as the Go server does (a crash can leave such a tail, never acknowledged),
   * but it may also be a zeroed range inside the file: recovery reports it.
   */
  dataAfterZero = false;

  private winStart = 0; // file offset of buf[0]
  private winLen = 0;
  private next_ = VERSION_SIZE;

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
    private readonly typed: boolean,
    private readonly crc32: Crc32,
    private readonly checkCrc: boolean,
    start = VERSION_SIZE,
  ) {
    this.buf = Buffer.allocUnsafe(WINDOW);
    this.next_ = start;
    this.offset = start;
  }

  next(): Scan {
    const off = this.next_;
    this.offset = off;
    if (off >= this.fileSize) return Scan.End;
    if (!this.ensure(off, RECORD_HEADER_SIZE)) {
      this.tornPart = 'record header';
      this.tornExpected = RECORD_HEADER_SIZE;
      this.tornRead = this.fileSize - off;
      return Scan.Torn;
    }
    let p = off - this.winStart;
    const first = this.buf.readUInt32LE(p);
    const crc = this.buf.readUInt32LE(p + 4);
    let size = first;
    let type = 0;
    if (this.typed) {
      type = first >>> 24;
      size = first & 0xffffff;
    }
    if (size === 0 && type === 0 && crc === 0) {
      this.dataAfterZero = !this.zeroFrom(off + RECORD_HEADER_SIZE);
      return Scan.ZeroTail;
    }
    this.type = type;
    this.size = size;
    if (!this.ensure(off, RECORD_HEADER_SIZE + size)) {
      this.tornPart = 'record payload';
      this.tornExpected = size;
      this.tornRead = this.fileSize - off - RECORD_HEADER_SIZE;
      return Scan.Torn;
    }
    p = off - this.winStart;
    this.payloadStart = p + RECORD_HEADER_SIZE;
    if (this.checkCrc) {
      const got = this.crc32(this.buf.subarray(this.payloadStart, this.payloadStart + size));
      if (got !== crc) {
        this.expectedCrc = crc;
        this.gotCrc = got;
        return Scan.BadCrc;
      }
    }
    this.next_ = off + RECORD_HEADER_SIZE + size;
    return Scan.Record;
  }

  /** Whether every byte from `off` to the end of the file is zero. */
  private zeroFrom(off: number): boolean {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (let pos = off; pos < this.fileSize;) {
      const n = fs.readSync(this.fd, chunk, 0, Math.min(chunk.length, this.fileSize - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false;
      pos += n;
    }
    return true;
  }

  /** Makes file bytes [off, off + n) available in this.buf; false if the file is shorter. */
  private ensure(off: number, n: number): boolean {
    if (off + n > this.fileSize) return false;
    if (off >= this.winStart && off + n <= this.winStart + this.winLen) return true;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.fileSize - off);
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, this.buf, got, want - got, off + got);
      if (r === 0) break;
      got += r;
    }
    this.winStart = off;
    this.winLen = got;
    return got >= n;
  }
}

/** Reads up to n bytes at `pos` (synchronous). */
export function readAt(fd: number, pos: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const r = fs.readSync(fd, b, got, n - got, pos + got);
    if (r === 0) break;
    got += r;
  }
  return got === n ? b : b.subarray(0, got);
}
