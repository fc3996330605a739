/**
 * Outbound bytes of one connection, gathered between two flushes so that a
 * burst of messages becomes one socket write. Hand-written: writing MSG lines
 * piecewise into one growing Buffer avoids a string and a Buffer per message.
 */
const INITIAL_SIZE = 16 * 1024;

export class OutBuffer {
  private buf: Buffer | null = null;
  length = 0;

  private ensure(extra: number): Buffer {
    const need = this.length + extra;
    let buf = this.buf;
    if (buf === null) {
      buf = Buffer.allocUnsafe(Math.max(INITIAL_SIZE, need));
      this.buf = buf;
    } else if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, need));
      buf.copy(bigger, 0, 0, this.length);
      this.buf = buf = bigger;
    }
    return buf;
  }

  /** ASCII/latin1 text: one byte per char. */
  text(s: string): void {
    const buf = this.ensure(s.length);
    this.length += buf.write(s, this.length, 'latin1');
  }

  bytes(b: Uint8Array): void {
    const buf = this.ensure(b.length);
    buf.set(b, this.length);
    this.length += b.length;
  }

  /** A non-negative integer in decimal. */
  uint(n: number): void {
    if (n < 10) {
      const buf = this.ensure(1);
      buf[this.length++] = 48 + n;
      return;
    }
    this.text(String(n));
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
    this.buf = null;
    this.length = 0;
    return out;
  }
}
