/**
 * Outbound bytes of one connection, gathered between two flushes so that a
 * burst of messages becomes one socket write. Hand-written: writing MSG lines
 * piecewise into one growing Buffer avoids a string and a Buffer per message.
 */
/**
 * A fresh buffer starts at the size of the previous flush (doubled), between
 * these bounds: connections that flush a few bytes at a time (request/reply,
 * sync publish) then get buffers from Node's shared pool, while a busy one
 * starts large. A fixed 16 KiB per flush showed up as external-memory pressure
 * and repeated full GCs under sync publishing.
 */
const MIN_SIZE = 512;
const MAX_START_SIZE = 64 * 1024;
/** Up to this many bytes a JS loop beats a native copy call. */
const SMALL_COPY = 48;

export class OutBuffer {
  private buf: Buffer | null = null;
  length = 0;
  private startSize = MIN_SIZE;
  /** The buffer behind the last take(), until the next write starts another. */
  private taken: Buffer | null = null;

  private ensure(extra: number): Buffer {
    const need = this.length + extra;
    let buf = this.buf;
    if (buf === null) {
      buf = Buffer.allocUnsafe(Math.max(this.startSize, need));
      this.buf = buf;
    } else if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, need));
      buf.copy(bigger, 0, 0, this.length);
      this.buf = buf = bigger;
    }
    return buf;
  }

  /**
   * ASCII/latin1 text: one byte per char. Short strings are copied by a JS
   * loop: the profile showed Buffer.write's per-call cost dominating for the
   * few bytes of a MSG line.
   */
  text(s: string): void {
    const n = s.length;
    const buf = this.ensure(n);
    if (n <= SMALL_COPY) {
      let at = this.length;
      for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
      this.length = at;
      return;
    }
    this.length += buf.write(s, this.length, 'latin1');
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    const buf = this.ensure(n);
    if (n <= SMALL_COPY) {
      let at = this.length;
      for (let i = 0; i < n; i++) buf[at++] = b[i];
      this.length = at;
      return;
    }
    buf.set(b, this.length);
    this.length += n;
  }

  /** A non-negative integer in decimal, without building a string. */
  uint(n: number): void {
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const buf = this.ensure(digits);
    let at = this.length + digits;
    this.length = at;
    let m = n;
    do {
      buf[--at] = 48 + (m % 10);
      m = Math.floor(m / 10);
    } while (m > 0);
  }

  crlf(): void {
    const buf = this.ensure(2);
    buf[this.length++] = 13;
    buf[this.length++] = 10;
  }

  /** Hands over what was gathered; the next write starts a fresh buffer (the socket may still hold this one). */
  take(): Buffer {
    const buf = this.buf;
    if (buf === null || this.length === 0) return Buffer.alloc(0);
    const out = buf.subarray(0, this.length);
    this.startSize = Math.min(MAX_START_SIZE, Math.max(MIN_SIZE, this.length * 2));
    this.taken = buf;
    this.buf = null;
    this.length = 0;
    return out;
  }

  /**
   * The socket copied what take() returned before its write() call returned
   * (nothing is left queued): the same memory serves the next writes. Under
   * fan-out to a thousand connections a fresh buffer per connection and turn
   * was most of the server's peak memory (garbage awaiting collection).
   */
  recycle(): void {
    const t = this.taken;
    // a buffer that a burst grew past the largest start size is left to the GC
    if (this.buf === null && t !== null && t.length >= this.startSize && t.length <= MAX_START_SIZE) this.buf = t;
    this.taken = null;
  }
}
