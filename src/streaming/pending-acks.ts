/**
 * A subscription's unacknowledged messages: sequence → ack deadline (ms since
 * the epoch), with the part of Map's interface the streaming server uses.
 *
 * Hand-written because a Map was most of the server's garbage under fan-out
 * (an allocation profile of 1,000 clients × 10 subscriptions, 2M deliveries:
 * 140 MB allocated by Map.set and 70 MB by Map.delete, rehashing as each
 * subscription's map grew with deliveries and shrank with acks). Deliveries come
 * in ascending sequence order and acks mostly too, so two parallel typed arrays
 * sorted by sequence serve it: append at the end, binary search to ack or
 * update, acked slots left as holes and skipped, the front trimmed as acks
 * arrive, and the arrays compacted when holes dominate. Memory is 16 bytes per
 * slot, reused from burst to burst instead of reallocated.
 */

const FIRST_CAPACITY = 8;
/** An empty set keeps arrays up to this size for the next burst; larger ones are dropped. */
const KEEP_CAPACITY = 1024;

export class PendingAcks {
  private seqs: Float64Array = EMPTY;
  /** NaN marks an acknowledged slot (a hole). */
  private deadlines: Float64Array = EMPTY;
  private head = 0;
  private tail = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  has(seq: number): boolean {
    const i = this.find(seq);
    return i >= 0 && this.deadlines[i] === this.deadlines[i];
  }

  /** The deadline of `seq`, or undefined when it is not pending. */
  get(seq: number): number | undefined {
    const i = this.find(seq);
    if (i < 0) return undefined;
    const d = this.deadlines[i];
    return d === d ? d : undefined;
  }

  /** Adds `seq` or moves its deadline. */
  set(seq: number, deadline: number): this {
    if (this.tail === this.head || seq > this.seqs[this.tail - 1]) {
      if (this.tail === this.seqs.length) this.makeRoom();
      this.seqs[this.tail] = seq;
      this.deadlines[this.tail++] = deadline;
      this.live++;
      return this;
    }
    const i = this.find(seq);
    if (i >= 0) {
      if (this.deadlines[i] !== this.deadlines[i]) this.live++;
      this.deadlines[i] = deadline;
      return this;
    }
    this.insert(seq, deadline); // out of order: a redelivery moved to another queue member, recovery
    return this;
  }

  delete(seq: number): boolean {
    const i = this.find(seq);
    if (i < 0 || this.deadlines[i] !== this.deadlines[i]) return false;
    this.deadlines[i] = NaN;
    if (--this.live === 0) {
      this.clear();
      return true;
    }
    if (i === this.head) {
      let h = this.head + 1;
      while (this.deadlines[h] !== this.deadlines[h]) h++;
      this.head = h;
    }
    return true;
  }

  clear(): void {
    this.head = this.tail = this.live = 0;
    if (this.seqs.length > KEEP_CAPACITY) this.seqs = this.deadlines = EMPTY;
  }

  /** Pending sequences in ascending order. */
  *keys(): IterableIterator<number> {
    for (let i = this.head; i < this.tail; i++) if (this.deadlines[i] === this.deadlines[i]) yield this.seqs[i];
  }

  /** Deadlines, in the order of their sequences. */
  *values(): IterableIterator<number> {
    for (let i = this.head; i < this.tail; i++) {
      const d = this.deadlines[i];
      if (d === d) yield d;
    }
  }

  /** [sequence, deadline] pairs in ascending sequence order. */
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (let i = this.head; i < this.tail; i++) {
      const d = this.deadlines[i];
      if (d === d) yield [this.seqs[i], d];
    }
  }

  /** Index of the slot holding `seq` (live or hole), or -1. */
  private find(seq: number): number {
    let lo = this.head;
    let hi = this.tail - 1;
    const s = this.seqs;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = s[mid];
      if (v < seq) lo = mid + 1;
      else if (v > seq) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** Room for one more slot at the end: compact holes away, or grow. */
  private makeRoom(): void {
    const used = this.tail - this.head;
    if (this.live <= used / 2 && used > 0) {
      this.compact();
      if (this.tail < this.seqs.length) return;
    } else if (this.head > 0 && this.head >= this.seqs.length / 2) {
      this.compact();
      return;
    }
    const capacity = Math.max(FIRST_CAPACITY, this.seqs.length * 2);
    const seqs = new Float64Array(capacity);
    const deadlines = new Float64Array(capacity);
    seqs.set(this.seqs.subarray(this.head, this.tail));
    deadlines.set(this.deadlines.subarray(this.head, this.tail));
    this.seqs = seqs;
    this.deadlines = deadlines;
    this.tail -= this.head;
    this.head = 0;
  }

  /** Moves the live slots to the front, in order. */
  private compact(): void {
    const s = this.seqs;
    const d = this.deadlines;
    let w = 0;
    for (let r = this.head; r < this.tail; r++) {
      const x = d[r];
      if (x !== x) continue;
      s[w] = s[r];
      d[w++] = x;
    }
    this.head = 0;
    this.tail = w;
  }

  private insert(seq: number, deadline: number): void {
    if (this.tail === this.seqs.length) this.makeRoom();
    // first slot with a larger sequence (there is one: seq is below the last)
    let lo = this.head;
    let hi = this.tail;
    const s = this.seqs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    s.copyWithin(lo + 1, lo, this.tail);
    this.deadlines.copyWithin(lo + 1, lo, this.tail);
    s[lo] = seq;
    this.deadlines[lo] = deadline;
    this.tail++;
    this.live++;
  }
}

const EMPTY = new Float64Array(0);
