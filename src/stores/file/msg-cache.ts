/**
 * Recently stored or read messages (the Go file store caches them for 1 s).
 * Two generations instead of a timestamp per entry: every tick the young map
 * becomes the old one and the old one is dropped, so an entry lives one to two
 * ticks; a hit moves it back to the young map. A byte budget bounds bursts.
 */
import type { Msg } from '../store.js';

export class MsgCache {
  private young = new Map<number, Msg>();
  private old = new Map<number, Msg>();
  private youngBytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(msg: Msg): void {
    this.young.set(msg.sequence, msg);
    this.youngBytes += msg.encoded.length;
    if (this.youngBytes > this.maxBytes) this.tick();
  }

  get(seq: number): Msg | undefined {
    const m = this.young.get(seq);
    if (m !== undefined) return m;
    const o = this.old.get(seq);
    if (o !== undefined) {
      this.old.delete(seq);
      this.young.set(seq, o);
      this.youngBytes += o.encoded.length;
    }
    return o;
  }

  delete(seq: number): void {
    this.young.delete(seq);
    this.old.delete(seq);
  }

  tick(): void {
    this.old = this.young;
    this.young = new Map();
    this.youngBytes = 0;
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.youngBytes = 0;
  }
}
