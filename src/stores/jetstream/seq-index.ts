/**
 * What the JetStream message store knows of its stream without asking it: per
 * sequence in first..last the STAN byte size (MsgProto length; -1 for a hole) and
 * the STAN timestamp, in typed arrays (12 bytes a message) indexed by
 * `head + seq - first`. State, limits and timestamp searches are answered from here
 * synchronously, as the store contract needs; the message bodies stay in the stream.
 */

const COMPACT_MIN = 4096;

export class SeqIndex {
  first = 0;
  last = 0;
  count = 0;
  bytes = 0;
  private head = 0;
  private len = 0;
  private sizes = new Int32Array(1024);
  private times = new BigInt64Array(1024);

  has(seq: number): boolean {
    return seq >= this.first && seq <= this.last && this.count > 0 && this.sizes[this.head + seq - this.first] >= 0;
  }

  timeOf(seq: number): bigint {
    return this.times[this.head + seq - this.first];
  }

  /** Appends `seq` (> last); sequences skipped in between are holes. */
  append(seq: number, size: number, ts: bigint): void {
    if (this.first === 0 || this.count === 0) {
      this.head = 0;
      this.len = 0;
      this.first = seq;
    } else {
      for (let s = this.last + 1; s < seq; s++) this.push(-1, 0n);
    }
    this.push(size, ts);
    this.last = seq;
    this.count++;
    this.bytes += size;
  }

  /** Removes the oldest message (and the holes before it). */
  removeFirst(): void {
    while (this.count > 0) {
      const size = this.sizes[this.head];
      this.head++;
      this.first++;
      if (size >= 0) {
        this.count--;
        this.bytes -= size;
        break;
      }
    }
    this.skipHoles();
    if (this.count === 0) this.first = this.last + 1;
    this.maybeCompact();
  }

  /** An index of no messages whose sequences are at `first`..`last` (a stream read from its state). */
  resetTo(first: number, last: number): void {
    this.head = 0;
    this.len = 0;
    this.count = 0;
    this.bytes = 0;
    this.first = last === 0 ? 0 : first;
    this.last = last;
  }

  /** Sequences up to `seq` are taken but hold nothing (placeholders of a migration). */
  padTo(seq: number): void {
    if (seq <= this.last) return;
    if (this.count === 0) {
      this.resetTo(seq + 1, seq);
      return;
    }
    for (let s = this.last + 1; s <= seq; s++) this.push(-1, 0n);
    this.last = seq;
  }

  /** Everything removed, sequences kept (`first` = last + 1). */
  clear(): void {
    this.head = 0;
    this.len = 0;
    this.count = 0;
    this.bytes = 0;
    if (this.first !== 0) this.first = this.last + 1;
  }

  /** Forgets `seq` and everything after it (a publish that the stream refused). */
  truncateFrom(seq: number): void {
    if (this.first === 0 || seq > this.last) return;
    while (this.last >= seq && this.last >= this.first) {
      const size = this.sizes[this.head + this.last - this.first];
      if (size >= 0) { this.count--; this.bytes -= size; }
      this.len--;
      this.last--;
    }
    if (this.count === 0) { this.head = 0; this.len = 0; this.first = this.last + 1; }
    if (this.last === 0) this.first = 0;
  }

  /** Marks `seq` removed (a message deleted from the stream by hand). */
  markHole(seq: number): void {
    if (!this.has(seq)) return;
    const i = this.head + seq - this.first;
    this.count--;
    this.bytes -= this.sizes[i];
    this.sizes[i] = -1;
    if (seq === this.first) { this.skipHoles(); if (this.count === 0) this.first = this.last + 1; }
  }

  /** First stored sequence whose timestamp is ≥ ts (timestamps never decrease), last+1 if none. */
  seqAtOrAfter(ts: bigint): number {
    let lo = this.first;
    let hi = this.last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      // a hole takes the timestamp of the next present message: search on present ones only
      let m = mid;
      while (m <= this.last && !this.has(m)) m++;
      if (m <= this.last && this.timeOf(m) >= ts) hi = mid;
      else lo = m + 1;
    }
    while (lo <= this.last && !this.has(lo)) lo++;
    return lo;
  }

  private skipHoles(): void {
    while (this.first <= this.last && this.head < this.len && this.sizes[this.head] < 0) {
      this.head++;
      this.first++;
    }
  }

  private push(size: number, ts: bigint): void {
    if (this.len === this.sizes.length) this.grow();
    this.sizes[this.len] = size;
    this.times[this.len] = ts;
    this.len++;
  }

  private grow(): void {
    const live = this.len - this.head;
    const cap = Math.max(1024, live * 2);
    const sizes = new Int32Array(cap);
    const times = new BigInt64Array(cap);
    sizes.set(this.sizes.subarray(this.head, this.len));
    times.set(this.times.subarray(this.head, this.len));
    this.sizes = sizes;
    this.times = times;
    this.len = live;
    this.head = 0;
  }

  private maybeCompact(): void {
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.len) this.grow();
  }
}
