/**
 * The byte size of every stored message of a channel, by sequence: what lets
 * `MsgStore.store()` apply max_msgs/max_bytes synchronously and keep exact
 * totals, with the matching rows removed later by one set-based DELETE.
 * 4 bytes per message; 0 marks a hole (a sequence never stored). A MsgProto
 * with a sequence is never empty, so 0 is free.
 */
export class SeqSizes {
  private buf = new Uint32Array(256);
  private head = 0;
  private len = 0;
  /** Sequence at `head`; meaningless when empty. */
  private base = 0;

  get length(): number {
    return this.len;
  }

  /** Size of `seq`, 0 when absent. */
  get(seq: number): number {
    const i = seq - this.base;
    if (this.len === 0 || i < 0 || i >= this.len) return 0;
    return this.buf[(this.head + i) & (this.buf.length - 1)]!;
  }

  /** Turns `seq` into a hole; returns the size it had (0 if absent). */
  remove(seq: number): number {
    const i = seq - this.base;
    if (this.len === 0 || i < 0 || i >= this.len) return 0;
    const at = (this.head + i) & (this.buf.length - 1);
    const size = this.buf[at]!;
    this.buf[at] = 0;
    return size;
  }

  /** Appends `seq` (greater than every sequence held), filling a gap with holes. */
  append(seq: number, size: number): void {
    if (this.len === 0) {
      this.base = seq;
      this.head = 0;
    } else {
      const gap = seq - (this.base + this.len);
      for (let i = 0; i < gap; i++) this.push(0);
    }
    this.push(size);
  }

  /** Removes the first present entry (and holes before it); returns its size, 0 if none. */
  shiftFirst(): number {
    while (this.len > 0) {
      const size = this.buf[this.head]!;
      this.drop1();
      if (size !== 0) return size;
    }
    return 0;
  }

  /** First present sequence, or 0 when none. Drops leading holes. */
  firstPresent(): number {
    while (this.len > 0 && this.buf[this.head] === 0) this.drop1();
    return this.len === 0 ? 0 : this.base;
  }

  /** Removes every entry with sequence ≤ `seq`; returns how many messages and bytes went. */
  dropThrough(seq: number, out: { msgs: number; bytes: number }): void {
    out.msgs = 0;
    out.bytes = 0;
    while (this.len > 0 && this.base <= seq) {
      const size = this.buf[this.head]!;
      if (size !== 0) {
        out.msgs++;
        out.bytes += size;
      }
      this.drop1();
    }
  }

  clear(): void {
    this.len = 0;
    this.head = 0;
    if (this.buf.length > 4096) this.buf = new Uint32Array(256);
  }

  private drop1(): void {
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.len--;
    this.base++;
  }

  private push(size: number): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & (this.buf.length - 1)] = size;
    this.len++;
  }

  private grow(): void {
    const next = new Uint32Array(this.buf.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)]!;
    this.buf = next;
    this.head = 0;
  }
}
