/**
 * One append-only store file: an fd plus a memory buffer of records not yet
 * written. Records are encoded straight into `buf` (alloc() then write at the
 * returned position): no copies, no promise per record. The I/O itself is done
 * by the file's Committer (committer.ts), which writes and syncs in batches.
 */
import { FILE_STORE_ERRORS as E } from './errors.js';
import { VERSION_BYTES } from './framing.js';
import { io } from './io.js';

const MIN_BUFFER = 512;
const KEEP_SPARE_MAX = 256 * 1024;

export class AppendFile {
  /** Pending bytes are buf[0, len). Re-read `buf` after every alloc(): it may grow. */
  buf: Buffer;
  len = 0;
  /** Physical size of the file once everything pending is written. */
  size: number;
  /** Physical size already written (readable with pread from any fd). */
  writtenSize: number;
  /** The file was created by us: its directory entry must be synced once. */
  created: boolean;
  closed = false;
  private spare: Buffer | null = null;

  private constructor(readonly path: string, public fd: number, size: number, created: boolean) {
    this.size = size;
    this.writtenSize = size;
    this.created = created;
    this.buf = Buffer.allocUnsafe(MIN_BUFFER);
  }

  /**
   * Opens `file` for appending at `size` (recovery has checked and possibly
   * truncated it), or creates it with its version header when `size` is 0.
   */
  static open(file: string, size: number): AppendFile {
    if (size === 0) {
      const fd = io.openSync(file, 'w+');
      try {
        io.writeSync(fd, VERSION_BYTES, 0, VERSION_BYTES.length, 0);
      } catch (e) {
        io.closeSync(fd);
        throw e;
      }
      return new AppendFile(file, fd, VERSION_BYTES.length, true);
    }
    return new AppendFile(file, io.openSync(file, 'r+'), size, false);
  }

  /** Reserves n bytes at the end; the caller writes them at the returned position of `this.buf`. */
  alloc(n: number): number {
    if (this.closed) throw new Error(E.storeClosed);
    const pos = this.len;
    if (pos + n > this.buf.length) this.grow(pos + n);
    this.len = pos + n;
    this.size += n;
    return pos;
  }

  /** Takes the pending bytes for writing; new records go to a fresh buffer meanwhile. */
  takePending(): Buffer | null {
    if (this.len === 0) return null;
    const out = this.buf.subarray(0, this.len);
    const whole = this.buf;
    const want = Math.max(MIN_BUFFER, Math.min(this.len, KEEP_SPARE_MAX));
    this.buf = this.spare && this.spare.length >= want ? this.spare : Buffer.allocUnsafe(want);
    this.spare = whole.length <= KEEP_SPARE_MAX ? whole : null;
    this.len = 0;
    return out;
  }

  /** Drops what is pending (its content was superseded, e.g. by a compaction snapshot). */
  dropPending(): void {
    this.size -= this.len;
    this.len = 0;
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
}
