/**
 * Minimal protobuf wire primitives for the hand-written hot-path STAN codecs
 * (stan-msg.ts, stan-hot.ts). Only what proto3 scalars need: varints up to 64 bits,
 * length-delimited fields, and skipping unknown fields. Everything else goes
 * through the generated code in src/protocol/gen/.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;

/** Bytes a varint of a non-negative integer below 2^53 takes. */
export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  v = Math.floor(v / 0x10000000);
  while (v > 0) { n++; v = Math.floor(v / 128); }
  return n;
}

/** Writes a varint of a non-negative integer below 2^53; returns the new offset. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Size of the varint of a 64-bit two's-complement value given as (lo, hi) uint32 halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo);
  // bits above 32: 32 + bit length of hi
  const bits = 32 + (32 - Math.clz32(hi));
  return Math.ceil(bits / 7);
}

export function writeVarint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  while (hi > 0 || lo > 127) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  buf[pos++] = lo;
  return pos;
}

// A bigint stored into a 64-bit typed array and read back as two 32-bit halves:
// much cheaper than BigInt shifts and masks (which allocate).
const U64 = new BigUint64Array(1);
const I64 = new BigInt64Array(U64.buffer);
const U32 = new Uint32Array(U64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/** Splits an int64/uint64 bigint into uint32 halves (lo, hi) of its 64-bit two's complement. */
export function splitInt64(v: bigint): [number, number] {
  U64[0] = v;
  return [U32[LO], U32[HI]];
}

/**
 * The same split without an array: `splitInt64Scratch(v)`, then read the halves
 * with `scratchLo()` / `scratchHi()` before the next split.
 */
export function splitInt64Scratch(v: bigint): void {
  U64[0] = v;
}

export function scratchLo(): number {
  return U32[LO];
}

export function scratchHi(): number {
  return U32[HI];
}

function joinUint64(lo: number, hi: number): bigint {
  U32[LO] = lo;
  U32[HI] = hi;
  return U64[0];
}

function joinInt64(lo: number, hi: number): bigint {
  U32[LO] = lo;
  U32[HI] = hi;
  return I64[0];
}

/** A forward-only reader over a protobuf message. Throws RangeError on truncated input. */
export class PbReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Varint as a number; exact below 2^53 (larger values lose precision, use uint64()). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('unexpected EOF');
      const b = buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('invalid varint');
  }

  /** The halves of the last varint64 read (fields, so the hot path allocates no array). */
  private lo = 0;
  private hi = 0;

  /** Reads a varint into `lo`/`hi` as uint32 halves. */
  private readVarint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('unexpected EOF');
      const b = buf[this.pos++];
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else {
        hi |= (b & 0x7f) << (shift - 32);
      }
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
      shift += 7;
    }
    throw new RangeError('invalid varint');
  }

  /** Varint as uint32 halves (lo, hi). */
  varint64(): [number, number] {
    this.readVarint64();
    return [this.lo, this.hi];
  }

  uint64(): bigint {
    this.readVarint64();
    return joinUint64(this.lo, this.hi);
  }

  int64(): bigint {
    this.readVarint64();
    return joinInt64(this.lo, this.hi);
  }

  /** uint64 field as a number (sequences); exact below 2^53. */
  uint64Number(): number {
    this.readVarint64();
    return this.hi * TWO_32 + this.lo;
  }

  int32(): number {
    this.readVarint64();
    return this.lo | 0;
  }

  uint32(): number {
    this.readVarint64();
    return this.lo;
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** A length-delimited field as a view (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new RangeError('unexpected EOF');
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** Skips a length-delimited field and returns its start; `pos` is left at its end. */
  lenStart(): number {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new RangeError('unexpected EOF');
    this.pos = end;
    return start;
  }

  string(): string {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new RangeError('unexpected EOF');
    this.pos = end;
    return utf8Decode(this.buf, start, end);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT: this.readVarint64(); return;
      case WIRE_I64: this.pos += 8; break;
      case WIRE_LEN: { const len = this.varint(); this.pos += len; break; }
      case WIRE_I32: this.pos += 4; break;
      default: throw new RangeError(`invalid wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new RangeError('unexpected EOF');
  }
}

// Buffer's native slice works on any Uint8Array and beats TextDecoder and
// String.fromCharCode loops for the short ASCII strings of this protocol.
const utf8Slice = (Buffer.prototype as unknown as {
  utf8Slice(this: Uint8Array, start: number, end: number): string;
}).utf8Slice;

export function utf8Decode(buf: Uint8Array, start: number, end: number): string {
  return start === end ? '' : utf8Slice.call(buf, start, end);
}

/** UTF-8 byte length of a string, without allocating. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

/** Writes `s` (whose UTF-8 length is `len`) at `pos`; returns the new offset. */
export function writeUtf8(buf: Uint8Array, pos: number, s: string, len: number): number {
  if (len === s.length) {
    for (let i = 0; i < len; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  const written = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).write(s, pos, 'utf8');
  return pos + written;
}

/** a equals b[start..end): compares wire bytes with a cached encoding without decoding them. */
export function bytesEqualAt(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  const n = a.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[start + i]) return false;
  return true;
}
