/**
 * The bytes of a memory channel's messages: each message's encoding copied into
 * large shared Buffers (slabs), and per message only its place and timestamp in
 * typed arrays (20 bytes). One JS object per message would cost about twice the
 * message's own bytes in a long channel (the Msg, its Buffer view, its bigint).
 *
 * Messages are appended at the tail and removed only from the head, so slabs
 * fill in order and are dropped whole once every message in them is removed.
 * Window index i (0 = oldest slot kept) maps to the arrays; a hole (a sequence
 * never stored) has length 0: a stored encoding is never empty (it holds its
 * sequence).
 */

/** Size of a channel's first slab; each next one doubles, up to MAX_SLAB (small channels stay small). */
const FIRST_SLAB = 4096;
const MAX_SLAB = 1 << 20;
const FIRST_SLOTS = 64;

export class MsgSlabs {
  /** slab[slabOf[i] - slabBase] holds slot i at offs[i], lens[i] bytes. */
  private slabOf = new Uint32Array(FIRST_SLOTS);
  private offs = new Uint32Array(FIRST_SLOTS);
  private lens = new Uint32Array(FIRST_SLOTS);
  private tss = new BigInt64Array(FIRST_SLOTS);
  /** Slots in use: [head, end). */
  private head = 0;
  private end = 0;
  private slabs: Buffer[] = [];
  /** Messages still present per slab (parallel to `slabs`). */
  private live: number[] = [];
  /** Id of slabs[0]. */
  private slabBase = 0;
  private used = 0;

  get size(): number {
    return this.end - this.head;
  }

  /** Appends a slot: the message's encoding, or a hole when `encoded` is null. */
  push(encoded: Uint8Array | null, timestamp: bigint): void {
    if (this.end === this.offs.length) this.grow();
    const i = this.end++;
    if (encoded === null) {
      this.lens[i] = 0;
      return;
    }
    const n = encoded.length;
    let last = this.slabs.length - 1;
    if (last < 0 || this.used + n > this.slabs[last].length) {
      const prev = last < 0 ? FIRST_SLAB / 2 : this.slabs[last].length;
      this.slabs.push(Buffer.allocUnsafeSlow(Math.max(n, Math.min(prev * 2, MAX_SLAB))));
      this.live.push(0);
      this.used = 0;
      last++;
    }
    this.slabs[last].set(encoded, this.used);
    this.slabOf[i] = this.slabBase + last;
    this.offs[i] = this.used;
    this.lens[i] = n;
    this.tss[i] = timestamp;
    this.live[last]++;
    this.used += n;
  }

  /** True when window index `i` (0 = head) holds a message. */
  has(i: number): boolean {
    return this.lens[this.head + i] !== 0;
  }

  /** The encoding of window index `i`: a view into its slab (slabs are never written over). */
  encoded(i: number): Uint8Array {
    const j = this.head + i;
    return this.slabs[this.slabOf[j] - this.slabBase].subarray(this.offs[j], this.offs[j] + this.lens[j]);
  }

  byteLength(i: number): number {
    return this.lens[this.head + i];
  }

  timestamp(i: number): bigint {
    return this.tss[this.head + i];
  }

  /** Drops the head slot; a slab left without messages (and not the one being filled) goes with it. */
  shift(): void {
    const j = this.head++;
    if (this.lens[j] !== 0) {
      const k = this.slabOf[j] - this.slabBase;
      this.live[k]--;
      while (this.slabs.length > 1 && this.live[0] === 0) {
        this.slabs.shift();
        this.live.shift();
        this.slabBase++;
      }
    }
    if (this.head === this.end) {
      this.head = 0;
      this.end = 0;
    }
  }

  clear(): void {
    this.head = 0;
    this.end = 0;
    this.slabs = [];
    this.live = [];
    this.used = 0;
  }

  /** Doubles the arrays, or first slides the live slots down when more than half are removed ones. */
  private grow(): void {
    const n = this.end - this.head;
    const cap = n * 2 > this.offs.length ? this.offs.length * 2 : this.offs.length;
    const move = <T extends Uint32Array | BigInt64Array>(a: T, make: (c: number) => T): T => {
      if (cap === a.length) {
        a.copyWithin(0, this.head, this.end);
        return a;
      }
      const b = make(cap);
      b.set(a.subarray(this.head, this.end) as never);
      return b;
    };
    this.slabOf = move(this.slabOf, (c) => new Uint32Array(c));
    this.offs = move(this.offs, (c) => new Uint32Array(c));
    this.lens = move(this.lens, (c) => new Uint32Array(c));
    this.tss = move(this.tss, (c) => new BigInt64Array(c));
    this.head = 0;
    this.end = n;
  }
}
